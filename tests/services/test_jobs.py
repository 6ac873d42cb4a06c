"""Background jobs: progress and results recorded, failures kept, a real queue and worker, a
stopped worker noticed, and a failed job started again."""
import io
import threading
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from huey.consumer import Consumer
from huey.storage import MemoryStorage

from survey_app.extensions import db, huey
from survey_app.models import Customer, Job, JobStatus
from survey_app.models.base import now_utc
from survey_app.services.customers import imports as customer_import
from survey_app.services.errors import InvalidInput
from survey_app.services.platform import jobs
from survey_app.services.platform.jobs import (
    JobRun,
    create_job,
    job,
    run_job,
    set_worker_app,
    start_job,
)


@job
def count_to(job_id: str, n: int) -> None:
    def work(progress):
        for i in range(n):
            progress((i + 1) / n, f"{i + 1} of {n}")
        return {"counted": n}

    run_job(job_id, work)


@job
def explode(job_id: str) -> None:
    def work(progress):
        raise InvalidInput("the file has no header")

    run_job(job_id, work)


@job
def crash(job_id: str) -> None:
    def work(progress):
        raise OSError("disk I/O error at /var/lib/secret.db")

    run_job(job_id, work)


def test_job_runs_and_records_result(app):
    record = create_job("count")
    count_to(record.id, 3)
    db.session.expire_all()
    record = db.session.get(Job, record.id)
    assert record.status is JobStatus.DONE and record.progress == 1.0 and record.result == {"counted": 3}


def test_failed_job_keeps_the_reason(app):
    record = create_job("explode")
    explode(record.id)
    db.session.expire_all()
    record = db.session.get(Job, record.id)
    assert record.status is JobStatus.FAILED and "no header" in record.error


def test_an_unexpected_failure_shows_no_internals(app, client, staff, auth):
    record = create_job("crash", created_by_id=staff["manager"].id)
    crash(record.id)
    db.session.expire_all()
    assert db.session.get(Job, record.id).status is JobStatus.FAILED and db.session.get(Job, record.id).error == ""
    auth.login("manager")
    page = client.get(f"/staff/jobs/{record.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Something went wrong on our side" in page and "secret.db" not in page


def test_job_goes_through_a_real_queue_and_worker(app, tmp_path):
    """Enqueue into Huey's SQLite storage and let a consumer thread run it."""
    from huey.storage import SqliteStorage

    record = create_job("count")
    set_worker_app(app)
    huey.immediate = False
    huey.storage = SqliteStorage("test", filename=str(tmp_path / "queue.db"))
    try:
        count_to(record.id, 2)
        assert huey.pending_count() == 1
        consumer = Consumer(huey, workers=1, worker_type="thread", periodic=False, check_worker_health=False)
        consumer.start()  # worker threads, without run()'s signal handlers
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            status = db.session.scalar(sa.select(Job.status).where(Job.id == record.id).execution_options(populate_existing=True))
            if status is JobStatus.DONE:
                break
            db.session.rollback()
            time.sleep(0.1)
        consumer.stop(graceful=True)
        assert status is JobStatus.DONE
    finally:
        huey.immediate = True
        set_worker_app(None)


def test_job_page_shows_progress_and_needs_login(client, staff, auth):
    record = create_job("count")
    assert client.get(f"/staff/jobs/{record.id}").status_code == 302
    auth.login("agent")
    html = client.get(f"/staff/jobs/{record.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Waiting to start" in html and 'http-equiv="refresh"' in html


def test_worker_escalates_sla_breaches_on_its_schedule(app):
    from freezegun import freeze_time

    from survey_app.models.complaint import CaseState
    from survey_app.services.cases import operations as schedule
    from tests.factories import make_complaint

    with freeze_time("2026-03-02 01:00:00"), app.test_request_context():
        case = make_complaint().case
    with freeze_time("2026-03-02 07:00:00"):
        assert schedule.escalate_sla_breaches.call_local() == [case.reference]
    db.session.expire_all()
    assert case.state is CaseState.ESCALATED
    # The worker finds it due every five minutes.
    due = huey.read_periodic(datetime(2026, 3, 2, 7, 5))
    assert any(task.name.endswith("escalate_sla_breaches") for task in due)


def _worker_gone(record: Job, minutes: float = 10) -> None:
    """The row as a worker killed mid-job leaves it: running, its last heartbeat ``minutes`` ago."""
    db.session.execute(sa.update(Job).where(Job.id == record.id).values(
        status=JobStatus.RUNNING, started_at=now_utc() - timedelta(minutes=minutes + 1),
        heartbeat_at=now_utc() - timedelta(minutes=minutes)))
    db.session.commit()
    db.session.expire_all()


def test_the_worker_schedule_marks_failed_the_running_jobs_whose_heartbeat_stopped(app):
    gone, alive = create_job("count"), create_job("count")
    _worker_gone(gone, minutes=10)
    _worker_gone(alive, minutes=1)
    assert jobs.fail_jobs_of_stopped_workers.call_local() == 1
    db.session.expire_all()
    assert (gone.status, gone.worker_stopped, gone.error) == (JobStatus.FAILED, True, None)
    assert gone.finished_at is not None and alive.status is JobStatus.RUNNING
    # The worker runs it every minute.
    due = huey.read_periodic(datetime(2026, 3, 2, 7, 1))
    assert any(task.name.endswith("fail_jobs_of_stopped_workers") for task in due)


def test_the_heartbeat_timeout_is_a_setting(app, configure):
    record = create_job("count")
    _worker_gone(record, minutes=1)
    jobs.mark_stopped_workers()
    assert db.session.get(Job, record.id).status is JobStatus.RUNNING
    configure(JOB_HEARTBEAT_TIMEOUT=30)
    assert jobs.mark_stopped_workers() == 1


def test_a_job_page_shows_that_the_worker_stopped_even_with_no_worker_running(client, staff, auth):
    record = create_job("count", created_by_id=staff["manager"].id)
    _worker_gone(record)
    auth.login("manager")
    html = client.get(f"/staff/jobs/{record.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The worker running this job stopped before the job finished" in html and "refresh" not in html
    assert "Something went wrong" not in html
    assert db.session.get(Job, record.id).status is JobStatus.FAILED
    html = client.get(f"/staff/jobs/{record.id}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "运行此任务的后台进程在任务完成前停止了" in html


def test_a_failed_job_is_started_again_from_its_page_with_what_it_was_started_with(client, staff, auth):
    record = start_job("count", count_to, 3, created_by_id=staff["manager"].id)
    _worker_gone(record)
    auth.login("manager")
    page = f"/staff/jobs/{record.id}"
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'action="/staff/jobs/{record.id}/retry"' in html and "Try again" in html
    reply = client.post(f"/staff/jobs/{record.id}/retry", data={"next": page})
    assert reply.status_code == 303 and reply.headers["Location"] == page
    record = db.session.get(Job, record.id)
    assert (record.status, record.result, record.attempt, record.worker_stopped) == (JobStatus.DONE, {"counted": 3},
                                                                                     2, False)
    # A finished job is not run again, nor twice for a second click.
    html = client.post(f"/staff/jobs/{record.id}/retry", data={"next": page}, follow_redirects=True,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This job has not failed, so there is nothing to start again." in html
    assert db.session.get(Job, record.id).attempt == 2


def test_only_who_started_a_job_or_an_admin_may_start_it_again(client, staff, auth):
    record = start_job("count", count_to, 2, created_by_id=staff["manager"].id)
    _worker_gone(record)
    auth.login("supervisor")
    assert client.post(f"/staff/jobs/{record.id}/retry").status_code == 404
    assert db.session.get(Job, record.id).status is JobStatus.RUNNING
    auth.logout()
    assert client.post(f"/staff/jobs/{record.id}/retry").status_code == 302  # to the login page
    auth.login("admin")
    # Sent back only to a page of this site.
    reply = client.post(f"/staff/jobs/{record.id}/retry", data={"next": "//attacker.example/x"})
    assert reply.headers["Location"] == f"/staff/jobs/{record.id}"
    assert db.session.get(Job, record.id).status is JobStatus.DONE


def test_starting_a_job_again_needs_the_forms_csrf_token(app, client, staff, auth):
    record = start_job("count", count_to, 2, created_by_id=staff["manager"].id)
    _worker_gone(record)
    auth.login("manager")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/staff/jobs/{record.id}/retry").status_code == 400
    assert db.session.get(Job, record.id).attempt == 1


def test_a_job_queued_without_its_arguments_cannot_be_started_again(client, staff, auth):
    record = create_job("count", created_by_id=staff["manager"].id)
    _worker_gone(record)
    auth.login("manager")
    html = client.post(f"/staff/jobs/{record.id}/retry", follow_redirects=True,
                       headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "This job cannot be started again; start a new one." in html and "Try again" not in html


@job
def store_after_being_given_up_on(job_id: str) -> None:
    def work(progress):
        # Meanwhile the page found its heartbeat too old and marked the job failed.
        with db.engine.begin() as connection:
            connection.execute(sa.update(Job).where(Job.id == job_id).values(status=JobStatus.FAILED,
                                                                             worker_stopped=True))
        db.session.add(Customer(name="Li Lei", phone="+8613800138000"))
        db.session.flush()
        progress.run.save_checkpoint({"stored": 1})
        db.session.commit()  # as an import commits each chunk with its checkpoint
        return {"stored": 1}

    run_job(job_id, work)


def test_a_run_whose_job_was_given_up_on_stores_nothing_more(app):
    record = create_job("store")
    store_after_being_given_up_on(record.id)
    db.session.expire_all()
    record = db.session.get(Job, record.id)
    assert (record.status, record.worker_stopped, record.checkpoint, record.result) == (JobStatus.FAILED, True,
                                                                                        None, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_a_job_already_running_or_ended_is_not_run_again_when_its_task_comes_twice(app):
    record = create_job("count")
    count_to(record.id, 2)
    db.session.execute(sa.update(Job).where(Job.id == record.id).values(result={"counted": "first"}))
    db.session.commit()
    count_to(record.id, 2)
    db.session.expire_all()
    assert db.session.get(Job, record.id).result == {"counted": "first"}


@job
def wait_for_release(job_id: str, release: str) -> None:
    def work(progress):
        RELEASES[release].wait(20)
        return {"released": True}

    run_job(job_id, work)


RELEASES: dict[str, threading.Event] = {}


def test_a_job_cut_short_by_a_consumer_stopping_at_once_is_marked_failed_without_waiting(app, tmp_path):
    """Huey tells which tasks a consumer stopping at once (SIGTERM) left unfinished."""
    from huey.storage import SqliteStorage

    record = create_job("wait")
    RELEASES[record.id] = threading.Event()
    set_worker_app(app)
    huey.immediate = False
    huey.storage = SqliteStorage("test", filename=str(tmp_path / "queue.db"))
    consumer = Consumer(huey, workers=1, worker_type="thread", periodic=False, check_worker_health=False)
    try:
        wait_for_release(record.id, record.id)
        consumer.start()
        status = None
        deadline = time.monotonic() + 20
        while status is not JobStatus.RUNNING and time.monotonic() < deadline:
            db.session.rollback()
            status = db.session.scalar(sa.select(Job.status).where(Job.id == record.id))
            time.sleep(0.05)
        consumer.stop()
        huey.notify_interrupted_tasks()  # what the consumer's run() does once its loop has stopped
        db.session.rollback()
        record = db.session.get(Job, record.id, populate_existing=True)
        assert (status, record.status, record.worker_stopped) == (JobStatus.RUNNING, JobStatus.FAILED, True)
    finally:
        RELEASES.pop(record.id).set()
        for _, thread in consumer.worker_threads:
            thread.join(20)
        huey.immediate = True
        set_worker_app(None)
    # The run that was cut short does not write over what was said of it.
    db.session.rollback()
    assert db.session.get(Job, record.id, populate_existing=True).status is JobStatus.FAILED


def test_a_retried_import_stores_only_what_its_first_run_had_not_and_says_which_lines_each_run_stored(
        client, staff, auth, monkeypatch):
    monkeypatch.setattr(customer_import, "CHUNK", 2)
    rows = [f"P{i},1380013{i:04d}" for i in range(5)]
    auth.login("supervisor")
    huey.immediate = False
    huey.storage = MemoryStorage("test")
    try:
        reply = client.post("/staff/customers/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(("name,phone\n" + "\n".join(rows) + "\n").encode()), "customers.csv")})
        assert huey.dequeue() is not None  # taken by the worker that is about to die
    finally:
        huey.immediate = True
    page = reply.headers["Location"]
    record = db.session.scalar(sa.select(Job))
    # The first run stored its first chunk (lines 2 and 3) with its checkpoint, then its worker was killed.
    _worker_gone(record)
    customer_import.import_customers("name,phone\n" + "\n".join(rows[:2]) + "\n",
                                     run=JobRun(record.id, 1, None))
    _worker_gone(record)
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Import failed" in html and "The worker running this job stopped" in html
    assert ("Stored before the import stopped: lines 2 to 3 of the file (2 rows: 2 customers created, 0 matched, "
            "0 rejected).") in html
    assert client.post(f"/staff/jobs/{record.id}/retry", data={"next": page}).headers["Location"] == page
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Rows read: 5" in html and "Customers created: 5" in html and "Matched to existing customers: 0" in html
    assert "<td>1</td><td>2–3</td>" in html and "<td>2</td><td>4–6</td>" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 5
