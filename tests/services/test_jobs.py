"""Background jobs: progress and results recorded, failures kept, and a real queue and worker."""
import time
from datetime import datetime

import sqlalchemy as sa
from huey.consumer import Consumer

from survey_app.extensions import db, huey
from survey_app.models import Job, JobStatus
from survey_app.services.errors import InvalidInput
from survey_app.services.platform.jobs import create_job, job, run_job, set_worker_app


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
