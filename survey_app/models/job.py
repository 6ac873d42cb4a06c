"""Long work done in the background, with the progress the waiting page shows."""
import enum
import uuid

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from ..extensions import db
from .base import UTCDateTime, now_utc, str_enum


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED)
    progress: Mapped[float] = mapped_column(default=0.0)
    message: Mapped[str | None] = mapped_column(String(500))
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at = mapped_column(UTCDateTime, default=now_utc, nullable=False)
    started_at = mapped_column(UTCDateTime)
    finished_at = mapped_column(UTCDateTime)
    # The task and what it was given, so a failed job can be queued again as it was first started.
    # The arguments may hold a whole uploaded file: loaded only to queue the job again.
    task: Mapped[str | None] = mapped_column(String(200))
    arguments: Mapped[list | None] = deferred(mapped_column(JSON))
    # Each run of the job (the first and every retry) has its number; a run whose job was given
    # up on and started again writes nothing more.
    attempt: Mapped[int] = mapped_column(default=1)
    # Written while a run is alive; a running job whose heartbeat stops had its worker stop.
    heartbeat_at = mapped_column(UTCDateTime)
    worker_stopped: Mapped[bool] = mapped_column(default=False)
    # What the work had stored when it last committed, so a retry goes on from there.
    checkpoint: Mapped[dict | None] = mapped_column(JSON)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def __repr__(self) -> str:
        return f"<Job {self.id[:8]} {self.kind} {self.status} {self.progress:.0%}>"
