"""Answers given to a survey, saved page by page and submitted once."""
import enum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Response(db.Model):
    __tablename__ = "response"
    # A report and the export read a survey's submitted responses in submission order: this
    # index finds them and gives that order, whatever the number of other surveys' responses.
    __table_args__ = (Index("ix_response_survey_submitted", "survey_id", "status", "submitted_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by ix_response_survey_submitted, which starts with it.
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    # Issued with the first page; a re-sent POST carrying the same key finds this row again.
    form_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[ResponseStatus] = mapped_column(
        str_enum(ResponseStatus), default=ResponseStatus.DRAFT
    )
    page: Mapped[int] = mapped_column(default=0)
    # Item or question id -> value; "don't know" is stored as null.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    segments: Mapped[dict] = mapped_column(JSON, default=dict)
    language: Mapped[str] = mapped_column(String(8), default="en")
    started_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    updated_at = mapped_column(UTCDateTime, default=now_utc, onupdate=now_utc, nullable=False)
    submitted_at = mapped_column(UTCDateTime, index=True)

    survey = relationship("Survey")
    wave = relationship("Wave")

    @property
    def is_submitted(self) -> bool:
        return self.status is ResponseStatus.SUBMITTED

    def __repr__(self) -> str:
        return f"<Response {self.id} survey={self.survey_id} {self.status}>"


class ResponseSegment(db.Model):
    """One segment value of a submitted response, indexed so reports can filter on it."""

    __tablename__ = "response_segment"
    __table_args__ = (Index("ix_response_segment_name_value", "name", "value"),)

    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"<ResponseSegment {self.response_id} {self.name}={self.value}>"
