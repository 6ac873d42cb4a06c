"""The monthly callback check of front-line service: a draw per month and the callbacks it drew."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class CallbackStatus(enum.StrEnum):
    DUE = "due"
    DONE = "done"
    UNREACHABLE = "unreachable"
    DECLINED = "declined"


class CallbackDraw(db.Model):
    """One month's draw: which customers each agent's callbacks go to, and who could not be drawn."""

    __tablename__ = "callback_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "YYYY-MM" in the business time zone; unique, so a month is drawn once.
    month: Mapped[str] = mapped_column(String(7), unique=True)
    per_agent: Mapped[int]
    # Kept so the draw can be repeated exactly when someone asks how a customer was chosen.
    seed: Mapped[int]
    # Customers served but not drawn: [{"agent_id", "customer_id", "reason", "last_contacted_at"}].
    skipped: Mapped[list] = mapped_column(JSON, default=list)
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)

    drawn_by = relationship("StaffUser")
    callbacks: WriteOnlyMapped["Callback"] = relationship(back_populates="draw", order_by="Callback.id")

    def __repr__(self) -> str:
        return f"<CallbackDraw {self.month} {self.per_agent} per agent>"


class Callback(db.Model):
    """A customer to call back about one agent's service, and what they said."""

    __tablename__ = "callback"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("callback_draw.id"), index=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    # The case whose work made the agent this customer's server that month.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("complaint_case.id"))
    status: Mapped[CallbackStatus] = mapped_column(str_enum(CallbackStatus), default=CallbackStatus.DUE)
    service_rating: Mapped[int | None]
    needs: Mapped[str | None] = mapped_column(Text)
    suggestion: Mapped[str | None] = mapped_column(Text)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    draw: Mapped[CallbackDraw] = relationship(back_populates="callbacks")
    agent = relationship("StaffUser", foreign_keys=[agent_id])
    called_by = relationship("StaffUser", foreign_keys=[called_by_id])
    customer = relationship("Customer")
    case = relationship("Case")

    def __repr__(self) -> str:
        return f"<Callback {self.id} agent={self.agent_id} customer={self.customer_id} {self.status}>"
