"""A published questionnaire: the instrument version it pins, its waves and its invitations."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class InstrumentVersion(db.Model):
    """One exact instrument document; surveys pin it so later edits never re-label old answers."""

    __tablename__ = "instrument_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Deferred: pages need only the hash, and the parsed instrument is cached per process.
    document: Mapped[dict] = mapped_column(JSON, deferred=True)
    loaded_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)

    def __repr__(self) -> str:
        return f"<InstrumentVersion {self.instrument_id} {self.version} {self.content_hash[:8]}>"


class SurveyStatus(enum.StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Survey(db.Model):
    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    instrument_version_id: Mapped[int] = mapped_column(ForeignKey("instrument_version.id"))
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["zh", "en"])
    status: Mapped[SurveyStatus] = mapped_column(
        str_enum(SurveyStatus), default=SurveyStatus.OPEN
    )
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymous_link: Mapped[bool] = mapped_column(default=True)
    # Segment fields recorded with each response, e.g. {"store": ["north", "south"]};
    # an empty list of values accepts any value.
    segment_fields: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    # Moved on by every write that changes what a report of the survey reads (see
    # report_data_changed), so a cached report is checked by reading one row, not its responses.
    data_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    # Whether the survey's report cells hold all its submitted responses: true from the start for a
    # new survey; false for one whose responses came before the cells did (or were bulk-loaded),
    # until :func:`~survey_app.services.surveys.report_cells.rebuild_cells` has added them up.
    cells_ready: Mapped[bool] = mapped_column(default=True, server_default=sa.false())

    # Joined: every page that shows a survey needs its instrument.
    instrument_version: Mapped[InstrumentVersion] = relationship(lazy="joined")
    waves: Mapped[list["Wave"]] = relationship(
        back_populates="survey", order_by="Wave.opens_on", cascade="all, delete-orphan"
    )

    def is_open(self, at: datetime) -> bool:
        if self.status is not SurveyStatus.OPEN:
            return False
        if self.opens_at and at < self.opens_at:
            return False
        return not (self.closes_at and at >= self.closes_at)

    def __repr__(self) -> str:
        return f"<Survey {self.slug} {self.status}>"


def report_data_changed(survey_ids) -> sa.Update:
    """The UPDATE that moves on the data version of the surveys ``survey_ids`` (ids, or a SELECT of them).

    Executed in the transaction of the write it announces, so a report cached under the old
    version is never read again once that write is visible. ``v = v + 1`` in the database, not a
    value read first: two writers committing at once still give two steps.
    """
    survey = Survey.__table__
    return sa.update(survey).where(survey.c.id.in_(survey_ids)).values(data_version=survey.c.data_version + 1)


class Wave(db.Model):
    """A round of fieldwork; responses belong to the wave open when they were given."""

    __tablename__ = "wave"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    opens_on: Mapped[date]

    survey: Mapped[Survey] = relationship(back_populates="waves")

    def __repr__(self) -> str:
        return f"<Wave {self.name} from {self.opens_on}>"


class Invitation(db.Model):
    """A personal link to one survey for one customer, good for one response."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    # The link token is derived from this nonce and the secret key; only its hash is stored.
    nonce: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    segments: Mapped[dict] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime)

    survey: Mapped[Survey] = relationship()
    customer = relationship("Customer")

    def __repr__(self) -> str:
        return f"<Invitation {self.id} survey={self.survey_id} used={self.used_at is not None}>"
