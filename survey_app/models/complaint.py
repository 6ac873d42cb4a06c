"""Complaints and their cases: what the customer said, the workflow row, its event log,
attachments, teams, SLA targets and the business calendar."""
import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class StateCategory(enum.StrEnum):
    """What the code asks of a state; labels may change, categories do not."""

    OPEN = "open"
    WAITING = "waiting"
    CLOSED = "closed"


class CaseState(enum.StrEnum):
    RECEIVED = "received"
    ASSESSING = "assessing"
    INVESTIGATING = "investigating"
    WAITING_CUSTOMER = "waiting_customer"
    WAITING_INTERNAL = "waiting_internal"
    PENDING_APPROVAL = "pending_approval"
    RESPONDED = "responded"
    ESCALATED = "escalated"
    CLOSED_ACCEPTED = "closed_accepted"
    CLOSED_UNRESOLVED = "closed_unresolved"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"
    NOT_A_COMPLAINT = "not_a_complaint"

    @property
    def category(self) -> StateCategory:
        return STATE_CATEGORIES[self]


STATE_CATEGORIES = {
    CaseState.RECEIVED: StateCategory.OPEN,
    CaseState.ASSESSING: StateCategory.OPEN,
    CaseState.INVESTIGATING: StateCategory.OPEN,
    CaseState.WAITING_CUSTOMER: StateCategory.WAITING,
    CaseState.WAITING_INTERNAL: StateCategory.WAITING,
    CaseState.PENDING_APPROVAL: StateCategory.OPEN,
    CaseState.RESPONDED: StateCategory.WAITING,
    CaseState.ESCALATED: StateCategory.OPEN,
    CaseState.CLOSED_ACCEPTED: StateCategory.CLOSED,
    CaseState.CLOSED_UNRESOLVED: StateCategory.CLOSED,
    CaseState.WITHDRAWN: StateCategory.CLOSED,
    CaseState.MERGED: StateCategory.CLOSED,
    CaseState.NOT_A_COMPLAINT: StateCategory.CLOSED,
}


class Channel(enum.StrEnum):
    WEB = "web"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    EMAIL = "email"
    WECHAT = "wechat"
    API = "api"
    SURVEY = "survey"


class Severity(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class Remedy(enum.StrEnum):
    APOLOGY = "apology"
    EXPLANATION = "explanation"
    REPAIR = "repair"
    REPLACEMENT = "replacement"
    REFUND = "refund"
    GOODWILL = "goodwill"


class ActorKind(enum.StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    SYSTEM = "system"


class EventKind(enum.StrEnum):
    TRANSITION = "transition"
    NOTE = "note"  # internal, never shown to the customer
    REPLY = "reply"  # from staff to the customer
    CUSTOMER_MESSAGE = "customer_message"
    ASSIGNMENT = "assignment"
    SLA_BREACH = "sla_breach"
    MERGE = "merge"


class Complaint(db.Model):
    """What the customer told us, as they told it; the workflow lives on its :class:`Case`."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # The tracking key is HMAC(secret key, nonce), so later emails can carry the link again;
    # a copy of the database alone opens no case, as only the key's SHA-256 is kept.
    tracking_nonce: Mapped[str] = mapped_column(String(32))
    tracking_hash: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    occurred_on: Mapped[date | None]
    location: Mapped[str | None] = mapped_column(String(200))
    desired_outcome: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    consent_to_contact: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    # One follow-up case per low survey response.
    response_id: Mapped[int | None] = mapped_column(ForeignKey("response.id"), unique=True)
    possible_duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    customer = relationship("Customer")
    possible_duplicate_of: Mapped["Complaint | None"] = relationship(remote_side=[id])
    case: Mapped["Case"] = relationship(back_populates="complaint", uselist=False)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="complaint", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Complaint {self.reference} {self.category}>"


class Team(db.Model):
    """A group of agents that handles some complaint categories; members are staff whose ``team`` is its name."""

    __tablename__ = "complaint_team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    categories: Mapped[list] = mapped_column(JSON, default=list)
    # "round_robin" or "least_loaded"
    strategy: Mapped[str] = mapped_column(String(16), default="least_loaded")
    last_assigned_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    def __repr__(self) -> str:
        return f"<Team {self.name} {self.strategy}>"


def _received(context) -> datetime:
    """A new case waits in the queue from when it was received until its clocks are first kept."""
    return context.get_current_parameters().get("opened_at") or now_utc()


class Case(db.Model):
    """The workflow projection of a complaint's events; ``version`` guards every write."""

    __tablename__ = "complaint_case"
    # The complaint report counts the cases opened since a day through this index instead of the
    # whole table. The queue pages in (queue_band, queue_at, id), the order of its own index.
    __table_args__ = (Index("ix_complaint_case_opened", "opened_at", "id"),
                      Index("ix_complaint_case_queue", "queue_band", "queue_at", "id"),
                      # The SLA check finds the open cases past a breach through this one.
                      Index("ix_complaint_case_breach", "queue_band", "breach_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), unique=True)
    state: Mapped[CaseState] = mapped_column(str_enum(CaseState), default=CaseState.RECEIVED, index=True)
    version: Mapped[int] = mapped_column(default=1)
    category: Mapped[str] = mapped_column(String(32), index=True)
    severity: Mapped[Severity] = mapped_column(str_enum(Severity), default=Severity.NORMAL)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_team.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    root_cause: Mapped[str | None] = mapped_column(Text)
    resolution_code: Mapped[str | None] = mapped_column(String(32))
    remedy: Mapped[Remedy | None] = mapped_column(str_enum(Remedy))
    remedy_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    decision: Mapped[str | None] = mapped_column(Text)
    recourse: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_case.id"))
    # A customer writing after the reopen window gets a new case linked to the old one.
    follows_case_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_case.id"))
    handling_invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"))
    # Settled by the person who took the complaint, in the same step: what the first-contact rate counts.
    first_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    # What the queue orders and filters by, kept from the event log by services/cases/deadlines.py
    # with every write that moves a clock. The earliest deadline of the clocks the queue shows
    # (None when every clock is met or paused within its time)...
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # ...and the moments the case turns "warning" and "breached" while it stays as it is.
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breach_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its SLA state before either moment: ok while a clock runs, else paused, met_late or met.
    sla_rest: Mapped[str] = mapped_column(String(16), default="ok", server_default="ok")
    # 0 while a clock runs, 1 when every clock has stopped, 2 once closed; within a band the queue
    # orders by queue_at: the deadline in band 0, when the complaint was received in the others.
    queue_band: Mapped[int] = mapped_column(sa.SmallInteger, default=0, server_default="0")
    # Every write fills it; the column allows NULL only because SQLite cannot add a NOT NULL column
    # to a table full of cases without rebuilding it.
    queue_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=True, default=_received)

    # Joined: every case page and queue row shows what the complaint said.
    complaint: Mapped[Complaint] = relationship(back_populates="case", lazy="joined")
    team: Mapped[Team | None] = relationship()
    assignee = relationship("StaffUser", foreign_keys=[assignee_id])
    merged_into: Mapped["Case | None"] = relationship(remote_side=[id], foreign_keys=[merged_into_id])
    follows_case: Mapped["Case | None"] = relationship(remote_side=[id], foreign_keys=[follows_case_id])
    handling_invitation = relationship("Invitation")
    events: WriteOnlyMapped["CaseEvent"] = relationship(back_populates="case", order_by="CaseEvent.id")

    # The UPDATE carries "WHERE version = <loaded>", so a racing write fails instead of overwriting.
    __mapper_args__ = {"version_id_col": version}

    @property
    def reference(self) -> str:
        return self.complaint.reference

    @property
    def is_closed(self) -> bool:
        return self.state.category is StateCategory.CLOSED

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.state} v{self.version}>"


class CaseEvent(db.Model):
    """One appended fact about a case: who, when, from which state to which, what changed."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_case.id"), index=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    # Read with ``kind``: a workflow event (services/cases/events.py), a message's kind, or the SLA target breached.
    name: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    from_state: Mapped[CaseState | None] = mapped_column(str_enum(CaseState))
    to_state: Mapped[CaseState | None] = mapped_column(str_enum(CaseState))
    # Field name -> new value (JSON-safe), as set by this event.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    body: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    case: Mapped[Case] = relationship(back_populates="events")
    actor = relationship("StaffUser")

    def __repr__(self) -> str:
        return f"<CaseEvent {self.id} case={self.case_id} {self.kind}:{self.name}>"


class Attachment(db.Model):
    """A photo or document kept with a complaint; the bytes live in the database, so every
    app process sees them."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id"))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # Deferred: lists need the name and size, only the download reads the bytes.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    public: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<Attachment {self.id} {self.filename} {self.size}B>"


class SlaPolicy(db.Model):
    """Targets in business hours for one category × severity; a null matches any.

    ``hours`` maps the name of each SLA target (services/cases/sla.py) to its business hours, so a
    new target needs no column; a target the policy does not name takes its default."""

    __tablename__ = "sla_policy"
    __table_args__ = (UniqueConstraint("category", "severity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str | None] = mapped_column(String(32))
    severity: Mapped[Severity | None] = mapped_column(str_enum(Severity))
    hours: Mapped[dict] = mapped_column(JSON)
    # Share of a target's time after which the case shows a warning.
    warning_share: Mapped[float] = mapped_column(default=0.75)

    def __repr__(self) -> str:
        return f"<SlaPolicy {self.category or '*'}/{self.severity or '*'}>"


class CalendarDay(db.Model):
    """A day the firm's calendar overrides: a closure, or a weekend day worked to make up a holiday."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(100))

    def __repr__(self) -> str:
        return f"<CalendarDay {self.day} {'work' if self.workday else 'closed'}>"
