"""Duplicate customers: the review queue and the merges staff made, each undoable.

Both tables point at customers as history: a merge never moves their rows (``info`` says so).
"""
import enum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum

KEEP_ON_MERGE = {"info": {"customer_merge": "keep"}}


class DuplicateReason(enum.StrEnum):
    SHARED_KEY = "shared_key"
    SIMILAR_PHONE = "similar_phone"
    SIMILAR_EMAIL = "similar_email"
    # A record's phone, email or reference found a customer whose name or reference differs.
    KEY_CONFLICT = "key_conflict"


class DuplicateStatus(enum.StrEnum):
    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


class DuplicateCandidate(db.Model):
    """Two customers that may be one person, waiting for a person to decide; never merged on a guess."""

    __tablename__ = "duplicate_candidate"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id", name="uq_duplicate_candidate_pair"),
        CheckConstraint("first_id < second_id", name="ordered_pair"),
        KEEP_ON_MERGE,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    second_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    reason: Mapped[DuplicateReason] = mapped_column(str_enum(DuplicateReason))
    # What made them look alike, e.g. {"phone": ["+86138...", "+86139..."]}.
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[DuplicateStatus] = mapped_column(str_enum(DuplicateStatus), default=DuplicateStatus.OPEN, index=True)
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    decided_at = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    first = relationship("Customer", foreign_keys=[first_id])
    second = relationship("Customer", foreign_keys=[second_id])

    def __repr__(self) -> str:
        return f"<DuplicateCandidate {self.first_id}~{self.second_id} {self.reason} {self.status}>"


class CustomerMerge(db.Model):
    """One merge: which rows moved from the absorbed customer to the survivor, so undo can put them back."""

    __tablename__ = "customer_merge"
    __table_args__ = (KEEP_ON_MERGE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # {"table.column": [primary key, ...]} of every row moved to the survivor.
    moved: Mapped[dict] = mapped_column(JSON, default=dict)
    # Same form: the survivor's own rows at the time of the merge, so undo can tell later additions.
    kept: Mapped[dict] = mapped_column(JSON, default=dict)
    # The survivor's fields before the merge filled them from the absorbed customer.
    survivor_before: Mapped[dict] = mapped_column(JSON, default=dict)
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("duplicate_candidate.id"))
    note: Mapped[str | None] = mapped_column(String(500))
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    merged_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    undone_at = mapped_column(UTCDateTime)

    survivor = relationship("Customer", foreign_keys=[survivor_id])
    absorbed = relationship("Customer", foreign_keys=[absorbed_id])

    @property
    def is_undone(self) -> bool:
        return self.undone_at is not None

    def __repr__(self) -> str:
        return f"<CustomerMerge {self.absorbed_id}->{self.survivor_id}{' undone' if self.is_undone else ''}>"


class CustomerArrival(db.Model):
    """A record that reached a customer through the keys of a customer merged into them, with
    those keys: undoing that merge sends the record back to whoever the keys belonged to."""

    __tablename__ = "customer_arrival"
    __table_args__ = (KEEP_ON_MERGE,)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[int]
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(254))
    reference: Mapped[str | None] = mapped_column(String(64))
    arrived_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    def keys(self) -> set[tuple[str, str]]:
        return {(name, value) for name in ("phone", "email", "reference") if (value := getattr(self, name))}
