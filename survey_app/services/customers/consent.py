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
from collections.abc import Iterable
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
    customer = active_customer(customer)
    channel, purpose = ContactChannel(channel), ContactPurpose(purpose)
    if customer.removal_requested_at is not None:
        return ContactDecision(False, ContactReason.REMOVAL_REQUESTED)
    latest = db.session.scalar(
        sa.select(ConsentRecord.granted)
        .where(ConsentRecord.customer_id == customer.id, ConsentRecord.channel == channel,
               ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.recorded_at.desc(), ConsentRecord.id.desc()).limit(1)
    )
    if latest is False:
        return ContactDecision(False, ContactReason.OPTED_OUT)
    if purpose.is_capped:
        last = _last_capped_contact(customer, today or business_day(), resend_of)
        if last is not None:
            return ContactDecision(False, ContactReason.CAPPED, last)
    return ContactDecision(True, ContactReason.ALLOWED)


def _last_capped_contact(customer: Customer, today: date, resend_of: str | None) -> datetime | None:
    days = settings().contact_cap_days
    window_start = start_of_business_day(today - timedelta(days=days - 1))
    query = sa.select(sa.func.max(Contact.contacted_at)).where(
        Contact.customer_id == customer.id, Contact.purpose.in_(CAPPED_PURPOSES),
        Contact.contacted_at >= window_start,
    )
    if resend_of:
        query = query.where(Contact.key != resend_of)
    last = db.session.scalar(query)
    if last is not None and last.tzinfo is None:  # max() bypasses the column type on SQLite
        last = last.replace(tzinfo=UTC)
    return last


def record_contact(customer: Customer, channel, purpose, key: str, *, at: datetime | None = None) -> Contact | None:
    """Count a contact for the frequency cap, once per message key; the caller commits."""
    customer = active_customer(customer)
    exists = db.session.scalar(sa.select(Contact.id).where(Contact.customer_id == customer.id, Contact.key == key))
    if exists is not None:
        return None
    contact = Contact(customer_id=customer.id, channel=ContactChannel(channel), purpose=ContactPurpose(purpose),
                      key=key, contacted_at=at or now_utc())
    db.session.add(contact)
    return contact


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
