"""A real worker (``huey_consumer survey_app.worker.huey``) killed with SIGKILL in the middle of a
customer import: the job is marked failed once its heartbeat stops, its page says so and which
lines were stored, and a retry on a fresh worker stores the rest, with no row stored twice."""
import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Customer, Job, JobStatus
from tests.conftest import RequestClient, _test_settings
from tests.factories import make_user

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_TIMEOUT = 1.5
# Four chunks of the import's 2000 rows: long enough to kill the worker between two of them.
ROWS = 8_000


@pytest.fixture
def shared_app(database, tmp_path):
    """An app whose database and queue a worker process shares: a SQLite file (or the PostgreSQL
    test database) and Huey's SQLite storage in a file."""
    url = f"sqlite:///{tmp_path / 'app.db'}" if database == "sqlite" else os.environ["TEST_DATABASE_URL"]
    config = {**_test_settings(), "SQLALCHEMY_DATABASE_URI": url, "HUEY_IMMEDIATE": False,
              "HUEY_URL": f"sqlite:///{tmp_path / 'queue.db'}", "JOB_HEARTBEAT_TIMEOUT": HEARTBEAT_TIMEOUT}
    app = create_app(config)
    app.test_client_class = RequestClient
    with app.app_context():
        if database == "sqlite":
            db.create_all()
        yield app
        db.session.remove()
        if database == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


class Worker:
    """``huey_consumer survey_app.worker.huey`` in a process of its own, on the test app's database and queue."""

    def __init__(self, app, log: Path):
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "HUEY_URL": app.config["HUEY_URL"],
               "HUEY_IMMEDIATE": "0", "SECRET_KEY": secrets.token_hex(32),
               "JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT)}
        self.log = log.open("a")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "huey_consumer"), "survey_app.worker.huey", "--workers", "1",
             "--delay", "0.05", "--max-delay", "0.2", "--no-periodic"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.kill()
        self.log.close()


def job_row(job_id: str) -> Job:
    db.session.rollback()
    return db.session.get(Job, job_id, populate_existing=True)


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"waited {seconds}s for {what}")


def customers_stored() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Customer))


def test_an_import_whose_worker_is_killed_fails_visibly_and_a_retry_stores_the_rest_once(shared_app, tmp_path):
    make_user("supervisor", "supervisor")
    client = shared_app.test_client()
    client.post("/staff/login", data={"username": "supervisor", "password": "password-123"})
    csv_text = "name,phone\n" + "".join(f"P{i},138{i:08d}\n" for i in range(ROWS))
    english = {"Accept-Language": "en"}
    workers = [Worker(shared_app, tmp_path / "worker.log")]
    try:
        started = client.post("/staff/customers/import", headers=english,
                              data={"file": (io.BytesIO(csv_text.encode()), "customers.csv")})
        page = started.headers["Location"]
        job_id = page.rsplit("/", 1)[1]

        # Killed once the first chunks are committed, and before the last one is.
        checkpoint = wait_for(lambda: job_row(job_id).checkpoint, 20, "a first chunk stored")
        workers[0].kill()
        # The fresh worker starts now (it takes seconds), and finds nothing to do until the retry.
        workers.append(Worker(shared_app, tmp_path / "worker.log"))
        killed = job_row(job_id)
        assert killed.status is JobStatus.RUNNING and killed.checkpoint["next_line"] <= ROWS
        # What the checkpoint says was stored is what was stored: they commit together.
        last_stored = killed.checkpoint["next_line"] - 1
        assert customers_stored() == killed.checkpoint["report"]["created"] == last_stored - 1
        assert checkpoint["next_line"] <= killed.checkpoint["next_line"]

        # Nobody is left to say the worker died: the page notices the heartbeat stopped.
        html = client.get(page, headers=english).get_data(as_text=True)
        assert "refresh" in html and "stopped" not in html  # within the timeout it may still be alive
        time.sleep(HEARTBEAT_TIMEOUT + 0.5)
        html = client.get(page, headers=english).get_data(as_text=True)
        assert "Import failed" in html and "The worker running this job stopped before the job finished" in html
        assert f"Stored before the import stopped: lines 2 to {last_stored} of the file" in html
        assert job_row(job_id).status is JobStatus.FAILED and job_row(job_id).worker_stopped

        token = re.search(r'name="csrf_token" value="([^"]*)"', html)
        retried = client.post(f"/staff/jobs/{job_id}/retry", data={"next": page, "csrf_token": token.group(1)})
        assert retried.status_code == 303 and retried.headers["Location"] == page
        done = wait_for(lambda: job_row(job_id).status is JobStatus.DONE and job_row(job_id), 25, "the retry to finish")
    finally:
        for worker in workers:
            worker.stop()

    report = done.result["report"]
    assert customers_stored() == ROWS == report["created"] == report["read"]
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Customer.phone)))) == ROWS
    assert report["runs"] == [{"attempt": 1, "first_line": 2, "last_line": last_stored},
                              {"attempt": 2, "first_line": last_stored + 1, "last_line": ROWS + 1}]
    html = client.get(page, headers=english).get_data(as_text=True)
    assert f"2–{last_stored}" in html and f"{last_stored + 1}–{ROWS + 1}" in html
