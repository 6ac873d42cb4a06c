"""Whether a customer may be contacted: one function that every contacting or listing path calls.

A customer may be contacted on a channel for a purpose unless they asked to be removed, their
newest consent record for that channel and purpose refuses it, or (for surveys and callbacks)
they were contacted within ``CONTACT_CAP_DAYS`` days. Marketing is not a purpose: the platform
never contacts anyone for it.
"""
import enum
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    ConsentRecord,
    ConsentSource,
    Contact,
    ContactChannel,
    ContactPurpose,
    Customer,
    StaffUser,
)
from ...models.base import now_utc
from ..platform.clock import business_day, start_of_business_day
from ..platform.labels import EnumTable
from ..platform.limits import MAX_RECORD_ID
from ..platform.settings import settings
from .matching import active_customer

CAPPED_PURPOSES = [p for p in ContactPurpose if p.is_capped]


class ContactReason(enum.StrEnum):
    ALLOWED = "allowed"
    REMOVAL_REQUESTED = "removal_requested"
    OPTED_OUT = "opted_out"
    CAPPED = "capped"


# A capped decision's message names the day of the last contact; the label serves where no day is known.
CONTACT_REASON_LABELS = EnumTable(ContactReason, {
    ContactReason.ALLOWED: _l("may be contacted"), ContactReason.REMOVAL_REQUESTED: _l("asked to be removed"),
    ContactReason.OPTED_OUT: _l("opted out"), ContactReason.CAPPED: _l("contacted recently, within the contact limit"),
})


class ConsentNote(enum.StrEnum):
    """Notes the platform itself writes on consent records; staff's own notes are kept as typed."""

    COMPLAINT_FORM = "complaint form"
    SURVEY_CONTACT_ME = "survey: contact me"


CONSENT_NOTE_LABELS = EnumTable(ConsentNote, {
    ConsentNote.COMPLAINT_FORM: _l("the complaint form's contact box"),
    ConsentNote.SURVEY_CONTACT_ME: _l("asked after a survey to be contacted"),
})


@dataclass(frozen=True)
class ContactDecision:
    """Result of :func:`may_contact`."""

    allowed: bool
    reason: ContactReason
    # For a capped contact: when the customer was last contacted.
    last_contacted_at: datetime | None = None

    @property
    def message(self) -> str:
        if self.reason is ContactReason.CAPPED:
            day = business_day(self.last_contacted_at)
            return _("contacted on %(day)s, within the contact limit", day=day.isoformat())
        return CONTACT_REASON_LABELS(self.reason)


def may_contact(
    customer: Customer, channel: ContactChannel | str, purpose: ContactPurpose | str, *,
    today: date | None = None, resend_of: str | None = None,
) -> ContactDecision:
    """Whether ``customer`` may be contacted on ``channel`` for ``purpose`` on ``today``.

    ``resend_of`` names a message already counted (e.g. ``"invitation:12"``): handing the same
    message to the sending tool again is not a new contact for the frequency cap.
    """
    return contact_decisions([(customer, resend_of)], channel, purpose, today=today)[0]


def contact_decisions(
    messages: Sequence[tuple[Customer, str | None]], channel: ContactChannel | str, purpose: ContactPurpose | str,
    *, today: date | None = None,
) -> list[ContactDecision]:
    """:func:`may_contact` of each (customer, ``resend_of``) pair, in two queries whatever their number."""
    channel, purpose = ContactChannel(channel), ContactPurpose(purpose)
    customers = [active_customer(customer) for customer, _key in messages]
    ids = sorted({customer.id for customer in customers})
    refused = {customer_id for customer_id, granted in _latest_consents(ids, channel, purpose) if granted is False}
    contacts = _capped_contacts(ids, today or business_day()) if purpose.is_capped else {}
    decisions = []
    for customer, (_given, resend_of) in zip(customers, messages):
        if customer.removal_requested_at is not None:
            decisions.append(ContactDecision(False, ContactReason.REMOVAL_REQUESTED))
        elif customer.id in refused:
            decisions.append(ContactDecision(False, ContactReason.OPTED_OUT))
        else:
            last = max((at for key, at in contacts.get(customer.id, ()) if key != resend_of), default=None)
            decisions.append(ContactDecision(True, ContactReason.ALLOWED) if last is None
                             else ContactDecision(False, ContactReason.CAPPED, last))
    return decisions


def _latest_consents(customer_ids: list[int], channel: ContactChannel, purpose: ContactPurpose):
    """(customer id, granted) of each customer's newest consent record for the channel and purpose."""
    latest: dict[int, bool] = {}
    for start in range(0, len(customer_ids), 500):
        for customer_id, granted in db.session.execute(
            sa.select(ConsentRecord.customer_id, ConsentRecord.granted)
            .where(ConsentRecord.customer_id.in_(customer_ids[start:start + 500]), ConsentRecord.channel == channel,
                   ConsentRecord.purpose == purpose)
            .order_by(ConsentRecord.customer_id, ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc())
        ):
            latest.setdefault(customer_id, granted)
    return latest.items()


def _capped_contacts(customer_ids: list[int], today: date) -> dict[int, list[tuple[str, datetime]]]:
    """Each customer's (key, moment) contacts for a capped purpose within the cap's days up to ``today``."""
    days = settings().contact_cap_days
    window_start = start_of_business_day(today - timedelta(days=days - 1))
    contacts: dict[int, list[tuple[str, datetime]]] = {}
    for start in range(0, len(customer_ids), 500):
        for customer_id, key, at in db.session.execute(
            sa.select(Contact.customer_id, Contact.key, Contact.contacted_at).where(
                Contact.customer_id.in_(customer_ids[start:start + 500]), Contact.purpose.in_(CAPPED_PURPOSES),
                Contact.contacted_at >= window_start)
        ):
            contacts.setdefault(customer_id, []).append((key, at if at.tzinfo else at.replace(tzinfo=UTC)))
    return contacts


def record_contact(customer: Customer, channel, purpose, key: str, *, at: datetime | None = None) -> None:
    """Count a contact for the frequency cap, once per message key; the caller commits."""
    record_contacts([(customer, key)], channel, purpose, at=at)


def record_contacts(messages: Sequence[tuple[Customer, str]], channel, purpose, *, at: datetime | None = None) -> None:
    """:func:`record_contact` of each (customer, key) pair not counted yet, in two statements; the caller commits."""
    pairs = list(dict.fromkeys((active_customer(customer).id, key) for customer, key in messages))
    counted = set()
    for start in range(0, len(pairs), 500):
        batch = pairs[start:start + 500]
        counted.update(db.session.execute(sa.select(Contact.customer_id, Contact.key).where(
            Contact.key.in_({key for _id, key in batch}), Contact.customer_id.in_({i for i, _key in batch}))).tuples())
    new = [{"customer_id": customer_id, "channel": ContactChannel(channel), "purpose": ContactPurpose(purpose),
            "key": key, "contacted_at": at or now_utc()} for customer_id, key in pairs if (customer_id, key) not in counted]
    if new:
        # One executemany: the session's flush would send an INSERT per contact to learn its id.
        db.session.execute(sa.insert(Contact), new)


def set_consent(
    customer: Customer, *, granted: bool, source: ConsentSource,
    channels: Iterable[ContactChannel] = tuple(ContactChannel),
    purposes: Iterable[ContactPurpose] = tuple(ContactPurpose),
    actor: StaffUser | None = None, note: str | None = None, at: datetime | None = None,
) -> list[ConsentRecord]:
    """Record a consent decision for every channel × purpose given; in force at once. Commits."""
    customer = active_customer(customer)
    at = at or now_utc()
    records = [
        ConsentRecord(customer_id=customer.id, channel=ContactChannel(channel), purpose=ContactPurpose(purpose),
                      granted=granted, source=source, note=note, recorded_by_id=actor.id if actor else None,
                      recorded_at=at)
        for channel in channels for purpose in purposes
    ]
    db.session.add_all(records)
    db.session.commit()
    return records


def consent_state(customer: Customer) -> dict[tuple[ContactChannel, ContactPurpose], bool | None]:
    """The consent in force for each channel and purpose: True, False, or None when never recorded."""
    customer = active_customer(customer)
    state = {(c, p): None for c in ContactChannel for p in ContactPurpose}
    records = db.session.scalars(sa.select(ConsentRecord).where(ConsentRecord.customer_id == customer.id)
                                 .order_by(ConsentRecord.recorded_at, ConsentRecord.id))
    for record in records:
        state[(record.channel, record.purpose)] = record.granted
    return state


# Opt-out links: the token is the customer id and an HMAC of it, so no table is needed and
# nobody can opt out a customer whose link they were not given.
_OPTOUT_TOKEN = re.compile(r"(?P<id>[1-9][0-9]{0,9})-(?P<mac>[0-9a-f]{32})")

def optout_token(customer: Customer, secret_key: str) -> str:
    return f"{customer.id}-{_optout_mac(customer.id, secret_key)}"


def optout_url(customer: Customer) -> str:
    """The customer's absolute one-click opt-out link, for emails."""
    base = settings().public_base_url
    return f"{base}/optout/{optout_token(active_customer(customer), settings().secret_key)}"


def customer_for_optout(token: str, secret_key: str) -> Customer | None:
    """The customer an opt-out token was issued to, or None for a forged or mangled token."""
    # Spelled out as ASCII: str.isdigit() takes "²" (which int() refuses) and int() takes other
    # scripts' digits, and compare_digest raises on a non-ASCII text: a mangled link must only fail.
    found = _OPTOUT_TOKEN.fullmatch(token or "")
    if found is None:
        return None
    customer_id = int(found["id"])
    if customer_id > MAX_RECORD_ID or not hmac.compare_digest(found["mac"], _optout_mac(customer_id, secret_key)):
        return None
    return db.session.get(Customer, customer_id)


def _optout_mac(customer_id: int, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), f"optout:{customer_id}".encode(), hashlib.sha256).hexdigest()[:32]


def opt_out(customer: Customer, *, include_service: bool = False) -> list[ConsentRecord]:
    """The customer's own one-click opt-out: no more surveys or callbacks on any channel.

    With ``include_service`` it also stops messages about their own complaints and answers.
    """
    purposes = tuple(ContactPurpose) if include_service else tuple(CAPPED_PURPOSES)
    return set_consent(customer, granted=False, source=ConsentSource.OPTOUT_LINK, purposes=purposes)
