"""Background jobs: binding Huey to the app's settings, declaring jobs that run inside an app
context, and recording their progress so a page can show a bar."""
import functools
import logging
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, has_app_context
from flask_babel import lazy_gettext as _l
from huey.storage import RedisStorage, SqliteStorage

from ...extensions import db, huey
from ...models import Job, JobStatus
from ...models.base import now_utc
from ..errors import DomainError
from .labels import EnumTable

log = logging.getLogger(__name__)
Progress = Callable[[float, str | None], None]
_worker_app: Flask | None = None
STATUS_LABELS = EnumTable(JobStatus, {JobStatus.QUEUED: _l("Waiting to start"), JobStatus.RUNNING: _l("Running"),
                                      JobStatus.DONE: _l("Finished"), JobStatus.FAILED: _l("Failed")})


def create_job(kind: str, created_by_id: int | None = None) -> Job:
    """A queued job row; enqueue the task with its id after this commits."""
    job = Job(kind=kind, created_by_id=created_by_id)
    db.session.add(job)
    db.session.commit()
    return job


def start_job(kind: str, task, *args, created_by_id: int | None = None) -> Job:
    """Record a job of ``kind`` and queue ``task(job_id, *args)``, so its row exists before a worker looks."""
    record = create_job(kind, created_by_id)
    task(record.id, *args)
    return record


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


def init_app(app: Flask) -> None:
    """Point the queue at HUEY_URL (sqlite:///path or redis://...), or run jobs at once when HUEY_IMMEDIATE."""
    url = app.config["HUEY_URL"]
    if url.startswith(("redis://", "rediss://")):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        filename = Path(url.removeprefix("sqlite:///"))
        filename.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(filename)}
    immediate = bool(app.config["HUEY_IMMEDIATE"])
    if huey.immediate != immediate:
        huey.immediate = immediate
    elif not immediate:
        huey.storage = huey.create_storage()
    app.extensions["huey"] = huey


def _in_app_context(function):
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        with _app().app_context():
            return function(*args, **kwargs)

    return wrapped


def job(function):
    """Declare ``function`` as a background job; in the worker it runs inside an app context."""
    return huey.task(name=f"{function.__module__}.{function.__name__}")(_in_app_context(function))


def every(schedule):
    """Declare a job the worker runs on a schedule (a ``huey.crontab``), inside an app context."""

    def decorator(function):
        return huey.periodic_task(schedule, name=f"{function.__module__}.{function.__name__}")(
            _in_app_context(function))

    return decorator


def set_worker_app(app: Flask) -> None:
    """The app whose context jobs run in when the worker picks them up."""
    global _worker_app
    _worker_app = app


def _app() -> Flask:
    if _worker_app is None:
        raise RuntimeError("no app for jobs: start the worker as `huey_consumer survey_app.worker.huey`")
    return _worker_app
