"""The customer: one record per person, shared by surveys and complaints."""
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, now_utc


class Customer(db.Model):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # E.164, normalised by services.customers before it is stored.
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    reference: Mapped[str | None] = mapped_column(String(64), index=True)
    segments: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.name!r}>"
