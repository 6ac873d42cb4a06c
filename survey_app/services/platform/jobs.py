"""Background jobs: binding Huey to the app's settings, declaring jobs that run inside an app
context, recording their progress so a page can show a bar, and noticing a worker that stopped.

Huey takes a task off its queue before running it, so a worker killed mid-task (SIGKILL, a
machine restart) leaves nothing in the queue to run again and nothing that says so: the job row
stays "running". A run therefore beats on its row while it lives; a running job whose heartbeat
is older than JOB_HEARTBEAT_TIMEOUT is marked failed, by a periodic task and whenever its page is
read. A failed job can be queued again with the arguments it was started with: work that stores
as it goes saves a checkpoint with each commit and goes on from there, the rest is all or nothing.
"""
import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from huey import crontab
from huey.signals import SIGNAL_INTERRUPTED
from huey.storage import RedisStorage, SqliteStorage

from ...extensions import db, huey
from ...models import Job, JobStatus
from ...models.base import now_utc
from ..errors import Conflict, DomainError
from .labels import EnumTable
from .settings import settings

log = logging.getLogger(__name__)
Progress = Callable[[float, str | None], None]
_worker_app: Flask | None = None
# Every @job task by its Huey name, to queue a failed job again from what its row recorded.
_tasks: dict = {}
STATUS_LABELS = EnumTable(JobStatus, {JobStatus.QUEUED: _l("Waiting to start"), JobStatus.RUNNING: _l("Running"),
                                      JobStatus.DONE: _l("Finished"), JobStatus.FAILED: _l("Failed")})


class JobStopped(Exception):
    """This run's job was given up on (its heartbeat had stopped) or started again: the run stores nothing more."""


def create_job(kind: str, created_by_id: int | None = None, *, task: str | None = None,
               arguments: list | None = None) -> Job:
    """A queued job row; enqueue the task with its id after this commits."""
    job = Job(kind=kind, created_by_id=created_by_id, task=task, arguments=arguments)
    db.session.add(job)
    db.session.commit()
    return job


def start_job(kind: str, task, *args, created_by_id: int | None = None) -> Job:
    """Record a job of ``kind`` and queue ``task(job_id, *args)``, so its row exists before a worker looks.

    The arguments are kept on the row (they must be JSON) for :func:`retry_job`.
    """
    record = create_job(kind, created_by_id, task=task.name, arguments=list(args))
    task(record.id, *args)
    return record


@dataclass
class JobRun:
    """One run of a job (its first, or a retry): which it is, and the checkpoint the runs before it left."""

    job_id: str
    # 1 for the first run, one more for each retry.
    attempt: int
    checkpoint: dict | None

    def save_checkpoint(self, state: dict) -> None:
        """Record ``state`` in the session's transaction, so it commits with the rows it describes or not at all.

        :raise JobStopped: when this run is no longer the job's live run.
        """
        written = db.session.execute(
            _this_run(self.job_id, self.attempt).values(checkpoint=state, heartbeat_at=now_utc()),
            execution_options={"synchronize_session": False})
        if written.rowcount == 0:
            raise JobStopped(self.job_id)
        self.checkpoint = state


class JobProgress:
    """The ``progress(fraction, message)`` a job's work calls; its ``run`` is for work that stores as it goes.

    Progress is written on a connection of its own, so it is visible while the work's own
    transaction is still open; writes are spaced at least half a second apart.
    """

    def __init__(self, run: JobRun):
        self.run = run
        self._last = 0.0

    def __call__(self, fraction: float, message: str | None = None) -> None:
        now = time.monotonic()
        if now - self._last >= 0.5 or fraction >= 1.0:
            self._last = now
            _write_run(self.run, progress=max(0.0, min(1.0, fraction)), message=message, heartbeat_at=now_utc())


def run_job(job_id: str, work: Callable[[JobProgress], dict]) -> None:
    """Run ``work(progress)`` for a queued job, storing its result or its error.

    A job that is not waiting to start (it runs elsewhere, or it has ended) is left alone, so a
    task delivered twice runs once.
    """
    run = _begin(job_id)
    if run is None:
        log.warning("job %s is not waiting to start; not run again", job_id)
        return
    try:
        with _heartbeat(run):
            result = work(JobProgress(run))
    except JobStopped:
        db.session.rollback()
        log.warning("job %s was given up on or started again while this run went on; it stopped", job_id)
        return
    except Exception as error:  # a failed job records why instead of vanishing
        db.session.rollback()
        log.exception("job %s failed", job_id)
        # A domain refusal says what to do; anything else is ours to read in the log, and the
        # page says so in the reader's language (an empty error).
        _end_run(run, status=JobStatus.FAILED, error=str(error) if isinstance(error, DomainError) else "",
                 finished_at=now_utc())
        return
    _end_run(run, status=JobStatus.DONE, progress=1.0, result=result, finished_at=now_utc())


def _this_run(job_id: str, attempt: int):
    return sa.update(Job).where(Job.id == job_id, Job.attempt == attempt, Job.status == JobStatus.RUNNING)


def _begin(job_id: str) -> JobRun | None:
    now = now_utc()
    with db.engine.begin() as connection:
        started = connection.execute(sa.update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED).values(
            status=JobStatus.RUNNING, started_at=now, heartbeat_at=now))
        if started.rowcount == 0:
            return None
        attempt, saved = connection.execute(sa.select(Job.attempt, Job.checkpoint).where(Job.id == job_id)).one()
    return JobRun(job_id, attempt, saved)


def _write_run(run: JobRun, **values) -> None:
    """:raise JobStopped: when the run is no longer the job's live run."""
    with db.engine.begin() as connection:
        if connection.execute(_this_run(run.job_id, run.attempt).values(**values)).rowcount == 0:
            raise JobStopped(run.job_id)


def _end_run(run: JobRun, **values) -> None:
    try:
        _write_run(run, **values)
    except JobStopped:
        log.warning("job %s was given up on before this run ended; its outcome is not recorded", run.job_id)


class _heartbeat:
    """Beat on the run's row from a thread of its own while the work runs, whatever the work is doing.

    A job run at once (HUEY_IMMEDIATE) runs in the request that started it: there is no worker
    to lose, and no beat.
    """

    def __init__(self, run: JobRun):
        self.run = run
        self.stopped = threading.Event()
        self.thread = None

    def __enter__(self):
        if not huey.immediate:
            interval = settings().job_heartbeat_timeout / 3
            self.thread = threading.Thread(target=self._beat, args=(db.engine, interval), daemon=True,
                                           name=f"heartbeat-{self.run.job_id[:8]}")
            self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopped.set()
        if self.thread is not None:
            self.thread.join()

    def _beat(self, engine: sa.Engine, interval: float) -> None:
        while not self.stopped.wait(interval):
            try:
                with engine.begin() as connection:
                    if connection.execute(_this_run(self.run.job_id, self.run.attempt).values(
                            heartbeat_at=now_utc())).rowcount == 0:
                        return  # given up on: the work's next write stops it
            except sa.exc.OperationalError:
                # A busy database (SQLite's write lock held by the work) delays a beat, it does not end them.
                log.warning("heartbeat of job %s not written", self.run.job_id, exc_info=True)


def mark_stopped_workers(job_id: str | None = None) -> int:
    """Mark failed each running job (or only ``job_id``) whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT. Commits.

    Returns how many were marked. What their work had committed stays, with its checkpoint.
    """
    cutoff = now_utc() - timedelta(seconds=settings().job_heartbeat_timeout)
    query = sa.update(Job).where(Job.status == JobStatus.RUNNING, Job.heartbeat_at < cutoff)
    if job_id is not None:
        query = query.where(Job.id == job_id)
    marked = db.session.execute(query.values(status=JobStatus.FAILED, worker_stopped=True, error=None,
                                             finished_at=now_utc()),
                                execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    if marked:
        log.warning("marked %d job(s) failed: their worker stopped beating", marked)
    return marked


def checked_job(job: Job) -> Job:
    """``job`` as its page should show it: failed if its worker stopped, even when no worker runs to notice."""
    if job.status is JobStatus.RUNNING and mark_stopped_workers(job.id):
        db.session.refresh(job)
    return job


def retry_job(job: Job) -> None:
    """Queue a failed job again with the arguments it was started with; it goes on from its checkpoint. Commits.

    :raise Conflict: when the job has not failed (it waits, runs or is done) or was not started
        with :func:`start_job`.
    """
    task = _tasks.get(job.task)
    if task is None:
        raise Conflict(_("This job cannot be started again; start a new one."))
    arguments = job.arguments
    queued = db.session.execute(
        sa.update(Job).where(Job.id == job.id, Job.status == JobStatus.FAILED).values(
            status=JobStatus.QUEUED, attempt=Job.attempt + 1, error=None, worker_stopped=False, finished_at=None,
            heartbeat_at=None), execution_options={"synchronize_session": False}).rowcount
    db.session.commit()
    if not queued:
        raise Conflict(_("This job has not failed, so there is nothing to start again."))
    db.session.refresh(job)
    task(job.id, *arguments)


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
    """Declare ``function`` as a background job; in the worker it runs inside an app context.

    A failed job may be queued again (:func:`retry_job`), so its work either commits once at the
    end or saves a checkpoint with each commit and skips what a checkpoint says is stored.
    """
    task = huey.task(name=f"{function.__module__}.{function.__name__}")(_in_app_context(function))
    _tasks[task.name] = task
    return task


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


@every(crontab())
def fail_jobs_of_stopped_workers() -> int:
    """Every minute: mark failed the running jobs whose worker stopped beating."""
    return mark_stopped_workers()


@huey.signal(SIGNAL_INTERRUPTED)
def _interrupted(signal, task, *args, **kwargs) -> None:
    """A consumer stopped at once (SIGTERM) tells which tasks it cut short: their jobs need not wait for the timeout."""
    if task.name not in _tasks or not task.args:
        return
    with _app().app_context():
        db.session.execute(sa.update(Job).where(Job.id == task.args[0], Job.status == JobStatus.RUNNING).values(
            status=JobStatus.FAILED, worker_stopped=True, error=None, finished_at=now_utc()))
        db.session.commit()
