"""The customer: one record per person, shared by surveys and complaints, with what they allow."""
import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # Case-folded name without spaces, so "Li Lei" and "li  lei" compare equal when looking for duplicates.
    # In code point order on both databases (collation "C" on PostgreSQL, SQLite's own): its index then
    # serves a search by the start of a name, and both list the names found in the same order.
    # Searched by any part through the trigram index of models/customer_search.py.
    name_key: Mapped[str | None] = mapped_column(
        String(200).with_variant(String(200, collation="C"), "postgresql"), index=True)
    # E.164, normalised by services.customers before it is stored.
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    segments: Mapped[dict] = mapped_column(JSON, default=dict)
    # Value fields from customer imports and the API; they feed value-at-risk and lifetime value.
    annual_spend: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    first_purchase_on: Mapped[date | None]
    purchase_count: Mapped[int | None]
    # Set when a merge folded this customer into another; the row stays so the merge can be undone.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    removal_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name!r}>"


class ContactChannel(enum.StrEnum):
    SMS = "sms"
    EMAIL = "email"
    PHONE = "phone"
    WECHAT = "wechat"


class ContactPurpose(enum.StrEnum):
    """Why we contact a customer; marketing is not among them, the platform never does it."""

    SURVEY = "survey"
    # Follow-up of the customer's own complaints and answers: service, not solicitation.
    FOLLOW_UP = "follow_up"
    CALLBACK = "callback"

    @property
    def is_capped(self) -> bool:
        """Surveys and callbacks count against the contact frequency cap; service replies do not."""
        return self is not ContactPurpose.FOLLOW_UP


class ConsentSource(enum.StrEnum):
    OPTOUT_LINK = "optout_link"
    STAFF = "staff"
    IMPORT = "import"
    CUSTOMER_FORM = "customer_form"
    API = "api"


class ConsentRecord(db.Model):
    """One consent decision for a channel and purpose; the newest one for a pair is in force."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_customer_pair", "customer_id", "channel", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel))
    purpose: Mapped[ContactPurpose] = mapped_column(str_enum(ContactPurpose))
    granted: Mapped[bool]
    source: Mapped[ConsentSource] = mapped_column(str_enum(ConsentSource))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    recorded_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    def __repr__(self) -> str:
        verb = "grants" if self.granted else "refuses"
        return f"<ConsentRecord {self.customer_id} {verb} {self.channel}/{self.purpose}>"


class Contact(db.Model):
    """A contact made (or handed to a sending tool): what the frequency cap counts."""

    __tablename__ = "contact"
    __table_args__ = (Index("ix_contact_customer_at", "customer_id", "contacted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    channel: Mapped[ContactChannel] = mapped_column(str_enum(ContactChannel))
    purpose: Mapped[ContactPurpose] = mapped_column(str_enum(ContactPurpose))
    # What was sent, e.g. "invitation:12": sending the same message again is not a new contact.
    key: Mapped[str] = mapped_column(String(64), index=True)
    contacted_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    def __repr__(self) -> str:
        return f"<Contact {self.customer_id} {self.channel}/{self.purpose} {self.key}>"


class CustomerEventKind(enum.StrEnum):
    NOTE = "note"
    REMOVAL_REQUESTED = "removal_requested"
    # Staff edited the name or keys; ``text`` holds {field: [before, after]} as JSON.
    KEYS_CHANGED = "keys_changed"


class CustomerEvent(db.Model):
    """Something staff recorded about a customer: a note, a removal request or an edit of their keys."""

    __tablename__ = "customer_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    kind: Mapped[CustomerEventKind] = mapped_column(str_enum(CustomerEventKind))
    text: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    actor = relationship("StaffUser")

    def __repr__(self) -> str:
        return f"<CustomerEvent {self.customer_id} {self.kind}>"
