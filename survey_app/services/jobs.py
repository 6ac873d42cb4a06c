"""Starting background jobs and recording their progress, so a page can show a bar."""
import logging
import time
from collections.abc import Callable

import sqlalchemy as sa

from ..extensions import db
from ..models import Job, JobStatus
from ..models.base import now_utc
from .errors import DomainError

log = logging.getLogger(__name__)
Progress = Callable[[float, str | None], None]


def create_job(kind: str, created_by_id: int | None = None) -> Job:
    """A queued job row; enqueue the task with its id after this commits."""
    job = Job(kind=kind, created_by_id=created_by_id)
    db.session.add(job)
    db.session.commit()
    return job


def run_job(job_id: str, work: Callable[[Progress], dict]) -> None:
    """Run ``work(progress)`` for a job, storing its result or its error.

    Progress is written on a connection of its own, so it is visible while the work's own
    transaction is still open; writes are spaced at least half a second apart.
    """
    _update(job_id, status=JobStatus.RUNNING, started_at=now_utc())
    last = 0.0

    def progress(fraction: float, message: str | None = None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 0.5 or fraction >= 1.0:
            last = now
            _update(job_id, progress=max(0.0, min(1.0, fraction)), message=message)

    try:
        result = work(progress)
    except Exception as error:  # noqa: BLE001 - a failed job records why instead of vanishing
        db.session.rollback()
        log.exception("job %s failed", job_id)
        # A domain refusal says what to do; anything else is ours to read in the log, and the
        # page says so in the reader's language (an empty error).
        _update(job_id, status=JobStatus.FAILED, error=str(error) if isinstance(error, DomainError) else "",
                finished_at=now_utc())
        return
    _update(job_id, status=JobStatus.DONE, progress=1.0, result=result, finished_at=now_utc())


def _update(job_id: str, **values) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.update(Job).where(Job.id == job_id).values(**values))
