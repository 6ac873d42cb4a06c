"""An export too large to write while the page waits is prepared as a background job: its page
offers the job, the job shows its progress, and the file it leaves is the one the page would have sent."""
import io
import os
import time

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.demo import create_demo
from survey_app.extensions import db
from survey_app.models import Job, JobStatus, Role, StaffUser
from survey_app.services.reporting import exports


@pytest.fixture
def demo(app, staff, tmp_path):
    app.instance_path = str(tmp_path)
    create_demo(responses=40)


@pytest.fixture
def small_pages(monkeypatch):
    """A page writes at most 10 rows, so the demo's 40 responses need a job."""
    monkeypatch.setitem(exports.DIRECT_ROWS, "csv", 10)
    monkeypatch.setitem(exports.DIRECT_ROWS, "xlsx", 10)


def _direct(client, url: str) -> bytes:
    return client.get(url).get_data()


def _prepare(client, url: str, **form):
    offer = client.get(url, headers={"Accept-Language": "en"})
    assert offer.status_code == 200 and offer.mimetype == "text/html"
    assert "40 submitted responses" in offer.get_data(as_text=True)
    started = client.post(url, data=form)
    assert started.status_code == 303
    return started.headers["Location"]


def test_a_large_csv_export_is_prepared_in_the_background_and_is_the_same_file(client, auth, demo, monkeypatch):
    auth.login("manager")
    url = "/staff/surveys/demo/responses.csv"
    expected = _direct(client, url)
    monkeypatch.setitem(exports.DIRECT_ROWS, "csv", 10)
    status_url = _prepare(client, url)
    job = db.session.scalar(sa.select(Job))
    assert job.status is JobStatus.DONE and job.progress == 1.0 and job.result["rows"] == 40
    status = client.get(status_url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Download the file" in status
    download = client.get(f"{status_url}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert 'filename="demo-responses.csv"' in download.headers["Content-Disposition"]
    assert download.get_data() == expected


def test_a_large_xlsx_export_with_question_texts_keeps_them(client, auth, demo, monkeypatch):
    auth.login("manager")
    url = "/staff/surveys/demo/responses.xlsx?labels=1&lang=zh"
    expected = load_workbook(io.BytesIO(_direct(client, url)))
    monkeypatch.setitem(exports.DIRECT_ROWS, "xlsx", 10)
    offer = client.get(url).get_data(as_text=True)
    assert "40 份提交的答卷" in offer and 'name="labels" value="1"' in offer
    status_url = client.post(url, data={"labels": "1"}).headers["Location"]
    got = load_workbook(io.BytesIO(client.get(f"{status_url}/file").get_data()))
    assert got.sheetnames == expected.sheetnames
    for name in got.sheetnames:
        assert list(got[name].values) == list(expected[name].values)


def test_only_whoever_started_an_export_may_download_it(client, auth, demo, small_pages, staff):
    auth.login("manager")
    status_url = _prepare(client, "/staff/surveys/demo/responses.csv")
    other = StaffUser(username="manager2", role=Role.MANAGER)
    other.set_password("another-long-pass")
    db.session.add(other)
    db.session.commit()
    auth.logout()
    auth.login("manager2", "another-long-pass")
    assert client.get(status_url).status_code == 404
    assert client.get(f"{status_url}/file").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get(f"{status_url}/file").status_code == 200
    # The job is the demo's: under another survey's address it is not found.
    assert client.get(status_url.replace("/demo/", "/nps-pulse/") + "/file").status_code == 404
    auth.logout()
    auth.login("agent")
    assert client.get(f"{status_url}/file").status_code in (302, 403)


def test_a_day_old_export_is_removed_by_the_next_one(client, auth, demo, small_pages, app):
    auth.login("manager")
    first = _prepare(client, "/staff/surveys/demo/responses.csv")
    job_id = first.rstrip("/").split("/")[-1]
    path = exports.export_file(job_id, "csv")
    assert path.exists()
    old = time.time() - exports.KEEP_EXPORT.total_seconds() - 60
    os.utime(path, (old, old))
    _prepare(client, "/staff/surveys/demo/responses.csv")
    assert not path.exists()
    assert client.get(f"{first}/file").status_code == 404


def test_a_small_export_is_still_sent_at_once(client, auth, demo):
    auth.login("manager")
    reply = client.get("/staff/surveys/demo/responses.csv")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0
