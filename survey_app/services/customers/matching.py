"""One customer per person: every intake finds or creates its customer here.

Matching is on exact keys only (E.164 phone, lower-cased email, the firm's reference). A record
whose keys point at two customers, or a new customer whose name and phone or email look like an
existing one's, is attached on the exact key alone and the pair goes to the review queue: a guess
never merges anyone. A customer file or API record whose key finds a customer of another name or
reference is not applied to them: it becomes a customer of its own, paired with them for review.
"""
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers
import sqlalchemy as sa
from flask import has_app_context
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Customer,
    CustomerArrival,
    CustomerEvent,
    CustomerEventKind,
    DuplicateCandidate,
    DuplicateReason,
    StaffUser,
)
from ...models.base import now_utc
from ..errors import Conflict, InvalidInput
from ..platform.limits import limited, max_length
from ..platform.settings import settings

KEY_NAMES = ("reference", "phone", "email")  # in the order that decides which customer a record joins


@dataclass(frozen=True)
class CustomerDetails:
    """A person's name and contact keys as typed, before they are checked; the lengths here are the
    ones every form, the API and the checks below keep to (and fit the customer's columns)."""

    name: str | None = limited(200, default=None)
    phone: str | None = limited(32, default=None)
    email: str | None = limited(254, default=None)
    reference: str | None = limited(64, default=None)


def default_region() -> str:
    return settings().default_phone_region if has_app_context() else "CN"


def normalise_phone(raw: str | None, region: str | None = None) -> str | None:
    """E.164 form of a phone number, or None when blank.

    :raise InvalidInput: when the number cannot be a real one.
    """
    if raw is None or not raw.strip():
        return None
    try:
        number = phonenumbers.parse(raw, region or default_region())
    except phonenumbers.NumberParseException:
        raise InvalidInput(_("%(phone)s is not a phone number.", phone=raw)) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(_("%(phone)s is not a valid phone number.", phone=raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    email = raw.strip().lower()
    local, _at, domain = email.partition("@")
    too_long = len(email) > max_length(CustomerDetails, "email")
    if not local or "." not in domain or " " in email or "@" in domain or too_long:
        raise InvalidInput(_("%(email)s is not an email address.", email=raw[:80]))
    return email


def normalise_reference(raw: str | None) -> str | None:
    """:raise InvalidInput: for a reference longer than the customer's reference is kept with."""
    reference = (raw or "").strip() or None
    limit = max_length(CustomerDetails, "reference")
    if reference is not None and len(reference) > limit:
        raise InvalidInput(_("A customer reference has at most %(n)d characters.", n=limit))
    return reference


def check_name(raw: str | None) -> str | None:
    """:raise InvalidInput: for a name longer than the customer's name is kept with."""
    name = (raw or "").strip() or None
    limit = max_length(CustomerDetails, "name")
    if name is not None and len(name) > limit:
        raise InvalidInput(_("A name has at most %(n)d characters.", n=limit))
    return name


def name_key(name: str | None) -> str | None:
    """A name compared without case or spaces: "Li Lei", "li lei" and "LiLei" are the same."""
    key = "".join((name or "").casefold().split())
    return key or None


@dataclass(frozen=True)
class ContactKeys:
    """The exact keys a customer can be recognised by."""

    phone: str | None = None
    email: str | None = None
    reference: str | None = None

    @classmethod
    def parse(cls, phone=None, email=None, reference=None, region=None) -> "ContactKeys":
        return cls(normalise_phone(phone, region), normalise_email(email), normalise_reference(reference))

    @classmethod
    def checked(cls, phone=None, email=None, reference=None, region=None) -> "ContactKeys":
        """Like :meth:`parse`, for a form: a bad phone and a bad email are both named at once.

        :raise InvalidInput: with ``field_errors`` for each key that is not one.
        """
        errors = {}
        try:
            phone = normalise_phone(phone, region)
        except InvalidInput as error:
            errors["phone"] = str(error)
        try:
            email = normalise_email(email)
        except InvalidInput as error:
            errors["email"] = str(error)
        try:
            reference = normalise_reference(reference)
        except InvalidInput as error:
            errors["reference"] = str(error)
        if errors:
            raise InvalidInput(_("Please correct the marked fields."), errors)
        return cls(phone, email, reference)

    def any(self) -> bool:
        return bool(self.phone or self.email or self.reference)

    def items(self) -> list[tuple[str, str]]:
        return [(name, getattr(self, name)) for name in KEY_NAMES if getattr(self, name)]


@dataclass(frozen=True)
class CustomerValues:
    """What a customer is worth to the firm, as far as imports and the API tell us."""

    annual_spend: Decimal | None = None
    first_purchase_on: date | None = None
    purchase_count: int | None = None

    def items(self) -> list[tuple[str, object]]:
        return [(name, getattr(self, name)) for name in ("annual_spend", "first_purchase_on", "purchase_count")
                if getattr(self, name) is not None]


@dataclass
class PendingDuplicate:
    """A pair to queue for review once both customers have ids."""

    first: Customer
    second: Customer
    reason: DuplicateReason
    evidence: dict


class CustomerLookup:
    """Finds customers by key or name in the database; a batch import preloads one per chunk."""

    def by_key(self, name: str, value: str) -> list[Customer]:
        column = getattr(Customer, name)
        return list(db.session.scalars(sa.select(Customer).where(column == value).order_by(Customer.id)))

    def by_name(self, key: str) -> list[Customer]:
        return list(db.session.scalars(
            sa.select(Customer).where(Customer.name_key == key, Customer.merged_into_id.is_(None)).order_by(Customer.id)
        ))

    def add(self, customer: Customer) -> None:
        """Remember a customer created since the lookup was loaded."""


class PreloadedLookup(CustomerLookup):
    """Every customer that shares a key or a name with a batch of rows, loaded in four queries."""

    def __init__(self, rows: Iterable[tuple[ContactKeys, str | None]]):
        wanted: dict[str, set] = {"reference": set(), "phone": set(), "email": set(), "name_key": set()}
        for keys, name in rows:
            for key, value in keys.items():
                wanted[key].add(value)
            if name_key(name):
                wanted["name_key"].add(name_key(name))
        self._index: dict[tuple[str, str], list[Customer]] = {}
        for column, values in wanted.items():
            if values:
                for customer in db.session.scalars(sa.select(Customer).where(getattr(Customer, column).in_(values))):
                    self.add(customer)

    def by_key(self, name: str, value: str) -> list[Customer]:
        return list(self._index.get((name, value), []))

    def by_name(self, key: str) -> list[Customer]:
        return [c for c in self._index.get(("name_key", key), []) if c.merged_into_id is None]

    def add(self, customer: Customer) -> None:
        for column in (*KEY_NAMES, "name_key"):
            value = getattr(customer, column)
            if value:
                bucket = self._index.setdefault((column, value), [])
                if customer not in bucket:
                    bucket.append(customer)


def resolve_customer(
    keys: ContactKeys, name: str | None = None, segments: dict | None = None, *,
    values: CustomerValues | None = None,
) -> tuple[Customer, bool]:
    """Find the customer any exact key points to, filling in keys it lacked, or create one.

    Likely duplicates go to the review queue. Returns the customer and whether it was created.
    Does not commit.
    """
    lookup = CustomerLookup()
    customer, created, pending = match_customer(keys, name, segments, values, lookup)
    if created:
        db.session.flush()
    queue_duplicates(pending)
    return customer, created


def match_customer(
    keys: ContactKeys, name: str | None, segments: dict | None, values: CustomerValues | None,
    lookup: CustomerLookup, *, same_identity: bool = False,
) -> tuple[Customer, bool, list[PendingDuplicate]]:
    """The rules of :func:`resolve_customer` without flushing, so imports can batch them.

    With ``same_identity`` (a customer file or the API, whose values overwrite the customer's) a
    key is not enough when the record says it is someone else: a customer whose name or reference
    differs from the record's is left as it is, and the record becomes a customer of its own,
    paired with them in the review queue, so staff decide whether it is one person. Intake goes
    by the key alone: a complaint or an answer changes nothing of the customer, and people type
    their name on a form however they like.
    """
    hits = {key: lookup.by_key(key, value) for key, value in keys.items()}
    matches = {key: _distinct(active_customer(c) for c in held) for key, held in hits.items()}
    found = _distinct(c for customers in matches.values() for c in customers)
    # A record agrees with a customer when it agrees with them or with the record its key was
    # found on, which may be one merged into them: staff already decided those are one person.
    agreeing = found if not same_identity else _distinct(
        active_customer(c) for held in hits.values() for c in held
        if not _conflict(c, keys, name) or not _conflict(active_customer(c), keys, name))
    if not agreeing:
        customer = Customer(name=(name or "").strip() or None, name_key=name_key(name), phone=keys.phone,
                            email=keys.email, reference=keys.reference, segments=dict(segments or {}))
        for field, value in (values or CustomerValues()).items():
            setattr(customer, field, value)
        db.session.add(customer)
        lookup.add(customer)
        conflicts = [PendingDuplicate(other, customer, DuplicateReason.KEY_CONFLICT,
                                      _conflict_evidence(keys, name, other, matches)) for other in found]
        return customer, True, conflicts or _similar_customers(customer, lookup)
    customer = agreeing[0]
    pending = [PendingDuplicate(customer, other, DuplicateReason.SHARED_KEY, _shared_keys(keys, customer, other))
               for other in found if other is not customer]
    for key, value in keys.items():
        # A key another customer holds stays theirs until staff decide; the pair is queued above.
        if getattr(customer, key) is None and not [c for c in matches[key] if c is not customer]:
            setattr(customer, key, value)
    if not customer.name and name and name.strip():
        customer.name, customer.name_key = name.strip(), name_key(name)
    if segments:
        customer.segments = {**(customer.segments or {}), **segments}
    for field, value in (values or CustomerValues()).items():
        setattr(customer, field, value)
    lookup.add(customer)
    return customer, False, pending


def find_by_keys(keys: ContactKeys) -> Customer | None:
    """The customer the first matching key (reference, phone, email) points to, or None."""
    lookup = CustomerLookup()
    for key, value in keys.items():
        for customer in lookup.by_key(key, value):
            return active_customer(customer)
    return None


def note_arrival(keys: ContactKeys, customer: Customer, records: Iterable, at=None) -> None:
    """Remember the keys that brought new ``records`` to ``customer`` when one of them belongs to a
    customer merged into another: undoing that merge then sends the records back to whoever the
    keys belonged to (services/merges.py). Records that came any other way need no note. Does not commit."""
    if not keys.any():
        return
    through_merged = db.session.scalar(sa.select(Customer.id).where(
        Customer.merged_into_id.is_not(None), sa.or_(*(getattr(Customer, name) == value for name, value in keys.items())),
    ).limit(1))
    if through_merged is None:
        return
    db.session.flush()
    db.session.add_all(CustomerArrival(customer_id=customer.id, table_name=record.__table__.name, row_id=record.id,
                                       phone=keys.phone, email=keys.email, reference=keys.reference,
                                       arrived_at=at or now_utc())
                       for record in records)


def active_customer(customer: Customer) -> Customer:
    """The customer a merge folded ``customer`` into, or ``customer`` itself."""
    seen = set()
    while customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = db.session.get(Customer, customer.merged_into_id)
    return customer


def queue_duplicates(pending: Iterable[PendingDuplicate]) -> list[DuplicateCandidate]:
    """Put pairs in the review queue, once per pair; a pair staff dismissed is not asked again."""
    added = []
    for item in pending:
        low, high = sorted((item.first.id, item.second.id))
        if low == high or _candidate(low, high) is not None:
            continue
        candidate = DuplicateCandidate(first_id=low, second_id=high, reason=item.reason, evidence=item.evidence)
        db.session.add(candidate)
        db.session.flush()
        added.append(candidate)
    return added


def _candidate(first_id: int, second_id: int) -> DuplicateCandidate | None:
    return db.session.scalar(sa.select(DuplicateCandidate).where(
        DuplicateCandidate.first_id == first_id, DuplicateCandidate.second_id == second_id))


def _distinct(customers: Iterable[Customer]) -> list[Customer]:
    return list(dict.fromkeys(customers))


def _shared_keys(keys: ContactKeys, first: Customer, second: Customer) -> dict:
    evidence = {key: [getattr(first, key), getattr(second, key)] for key in KEY_NAMES}
    evidence["record"] = dict(keys.items())
    return evidence


def _conflict(customer: Customer, keys: ContactKeys, name: str | None) -> dict:
    """The identity fields on which a record and a customer its keys found disagree: the name, and
    the firm's reference, which names one customer. Blank on either side is no disagreement."""
    fields = {}
    if name_key(name) and customer.name_key and name_key(name) != customer.name_key:
        fields["name"] = [customer.name, name.strip()]
    if keys.reference and customer.reference and keys.reference != customer.reference:
        fields["reference"] = [customer.reference, keys.reference]
    return fields


def _conflict_evidence(keys: ContactKeys, name: str | None, other: Customer, matches: dict) -> dict:
    """What the review page shows for a record kept apart from ``other``: the keys it matched on
    ("matched", in key order) and the fields that disagree, as [theirs, the record's]."""
    matched = [key for key, customers in matches.items() if other in customers]
    return {"matched": matched, **{key: [getattr(other, key), getattr(keys, key)] for key in matched},
            **_conflict(other, keys, name)}


def _similar_customers(customer: Customer, lookup: CustomerLookup) -> list[PendingDuplicate]:
    """Customers with the same name whose phone or email differs by a slip of the finger."""
    if not customer.name_key:
        return []
    pending = []
    for other in lookup.by_name(customer.name_key):
        if other is customer:
            continue
        if customer.phone and other.phone and _near(customer.phone, other.phone):
            pending.append(PendingDuplicate(other, customer, DuplicateReason.SIMILAR_PHONE,
                                            {"name": [other.name, customer.name], "phone": [other.phone, customer.phone]}))
        elif customer.email and other.email and _similar_email(customer.email, other.email):
            pending.append(PendingDuplicate(other, customer, DuplicateReason.SIMILAR_EMAIL,
                                            {"name": [other.name, customer.name], "email": [other.email, customer.email]}))
    return pending


def _similar_email(first: str, second: str) -> bool:
    """Same mailbox name at another domain, or a one-letter slip in the mailbox name."""
    first_local, _a, first_domain = first.partition("@")
    second_local, _b, second_domain = second.partition("@")
    return first_local == second_local or (first_domain == second_domain and _near(first_local, second_local))


def _near(first: str, second: str) -> bool:
    """Different, but one substitution, insertion, deletion or swap of neighbours apart."""
    if first == second or abs(len(first) - len(second)) > 1:
        return False
    if len(first) == len(second):
        diffs = [i for i, (a, b) in enumerate(zip(first, second)) if a != b]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and first[diffs[0]] == second[diffs[1]] \
            and first[diffs[1]] == second[diffs[0]]
    shorter, longer = sorted((first, second), key=len)
    index = next((i for i, (a, b) in enumerate(zip(shorter, longer)) if a != b), len(shorter))
    return shorter[index:] == longer[index + 1:]


def request_removal(customer: Customer, *, actor: StaffUser | None, note: str | None = None) -> CustomerEvent:
    """Record a customer's request to be removed: all contact stops at once. Commits.

    Erasing the personal data itself (pseudonym, statistics kept) is a later step.
    """
    customer = active_customer(customer)
    if customer.removal_requested_at is not None:
        raise Conflict(_("This customer's removal request is already recorded."))
    event = CustomerEvent(customer_id=customer.id, kind=CustomerEventKind.REMOVAL_REQUESTED,
                          text=(note or "").strip() or None, actor_id=actor.id if actor else None)
    customer.removal_requested_at = event.at = now_utc()
    db.session.add(event)
    db.session.commit()
    return event


def add_note(customer: Customer, text: str, *, actor: StaffUser | None) -> CustomerEvent:
    """A note on the customer's timeline, e.g. what they said on the phone. Commits."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the note first."), {"text": _("Write the note first.")})
    event = CustomerEvent(customer_id=active_customer(customer).id, kind=CustomerEventKind.NOTE, text=text,
                          actor_id=actor.id if actor else None)
    db.session.add(event)
    db.session.commit()
    return event


EDITABLE_FIELDS = ("name", *KEY_NAMES)


def edit_keys(customer: Customer, details: CustomerDetails, *, actor: StaffUser | None) -> list[DuplicateCandidate]:
    """Correct a customer's name, phone, email or reference; recorded on their timeline. Commits.

    A key another customer already holds is kept and the pair goes to the review queue: two
    records sharing a key are never merged without a person deciding. Returns the pairs queued.

    :raise InvalidInput: with ``field_errors`` for a phone or email that cannot be one, a name or
        reference over its length, or when no key is left.
    :raise Conflict: for a customer merged into another (edit the survivor).
    """
    if customer.is_merged:
        raise Conflict(_("This customer was merged into another; edit that customer instead."))
    wanted, errors = {}, {}
    for field, normalise in (("name", check_name), ("phone", normalise_phone), ("email", normalise_email),
                             ("reference", normalise_reference)):
        try:
            wanted[field] = normalise(getattr(details, field))
        except InvalidInput as error:
            errors[field] = str(error)
    if not errors and not any(wanted[key] for key in KEY_NAMES):
        errors["phone"] = _("Keep at least a phone, an email or a reference, so the customer can be recognised.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    changes = {field: [getattr(customer, field), wanted[field]] for field in EDITABLE_FIELDS
               if getattr(customer, field) != wanted[field]}
    if not changes:
        return []
    for field, (_before, after) in changes.items():
        setattr(customer, field, after)
    customer.name_key = name_key(customer.name)
    db.session.add(CustomerEvent(customer_id=customer.id, kind=CustomerEventKind.KEYS_CHANGED,
                                 text=json.dumps(changes, ensure_ascii=False), actor_id=actor.id if actor else None))
    db.session.flush()
    keys = ContactKeys(**{key: wanted[key] for key in KEY_NAMES})
    sharing = _distinct(active_customer(other) for key, value in keys.items() if key in changes
                        for other in CustomerLookup().by_key(key, value))
    queued = queue_duplicates(PendingDuplicate(customer, other, DuplicateReason.SHARED_KEY,
                                               _shared_keys(keys, customer, other))
                              for other in sharing if other.id != customer.id)
    db.session.commit()
    return queued
