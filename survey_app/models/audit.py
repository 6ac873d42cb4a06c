"""The audit log: who looked at or exported which customers' personal data, and when."""
import enum

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class AuditAction(enum.StrEnum):
    VIEW_CUSTOMER = "view_customer"
    EXPORT_PERSONAL_DATA = "export_personal_data"


class AuditEntry(db.Model):
    """One access to personal data. Customer ids are plain values, not keys: a merge never rewrites the log."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction))
    customer_ids: Mapped[list] = mapped_column(JSON, default=list)
    # What was opened or exported, e.g. "survey shop invitation links".
    detail: Mapped[str | None] = mapped_column(String(500))
    at = mapped_column(UTCDateTime, default=now_utc, nullable=False, index=True)

    actor = relationship("StaffUser")

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} by {self.actor_id} of {len(self.customer_ids)} customers>"
