"""Manager reports: index, paths and NPS from the demo data, filters, and the bootstrap job."""
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Job, JobStatus
from survey_app.services.demo import create_demo


@pytest.fixture
def demo(app, staff):
    create_demo(responses=300)


def test_report_shows_index_and_recovers_the_population_paths(client, auth, demo):
    auth.login("manager")
    reply = client.get("/staff/reports/demo", headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "Responses in this selection: <strong>300</strong>" in html
    assert "Perceived quality" in html and "plotly.min.js" in html
    from survey_app.services.datasets import ResponseFilter
    from survey_app.services.reports import build_report
    from survey_app.services.surveys import survey_by_slug

    fit = build_report(survey_by_slug("demo"), ResponseFilter()).fit
    # The demo population has quality -> value 0.60 and satisfaction -> loyalty 0.55.
    assert fit.paths["quality->value"] == pytest.approx(0.6, abs=0.15)
    assert fit.paths["satisfaction->loyalty"] > 0.3
    assert all(0 < v < 100 for v in fit.index)


def test_report_filters_by_wave_and_store(client, auth, demo):
    from survey_app.services.surveys import survey_by_slug

    auth.login("manager")
    wave = survey_by_slug("demo").waves[0]
    html = client.get(f"/staff/reports/demo?wave={wave.id}&seg_store=north", headers={"Accept-Language": "en"}).get_data(as_text=True)
    n = int(html.split("Responses in this selection: <strong>")[1].split("<")[0])
    assert 0 < n < 150
    assert client.get("/staff/reports/demo?seg_store=mars").status_code == 400


def test_nps_survey_report_shows_nps(client, auth, demo):
    auth.login("manager")
    html = client.get("/staff/reports/nps-pulse", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Net Promoter Score" in html and "n = 120" in html


def test_bootstrap_runs_as_a_job_and_shows_intervals(client, auth, demo):
    auth.login("manager")
    reply = client.post("/staff/reports/demo/bootstrap", data={})
    assert reply.status_code == 303
    job = db.session.scalar(sa.select(Job))
    assert job.status is JobStatus.DONE and job.progress == 1.0
    html = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "BCa intervals at 95%" in html
    index = job.result["bootstrap"]["index"]["satisfaction"]
    assert index["ci_low"] < index["estimate"] < index["ci_high"]


def test_index_csv_and_plotly_are_served(client, auth, demo):
    auth.login("manager")
    body = client.get("/staff/reports/demo/index.csv").get_data(as_text=True).lstrip("\ufeff")
    assert body.splitlines()[0] == "construct,index,r2,alpha,rho_c,ave" and len(body.splitlines()) == 7
    with client.get("/staff/reports/plotly.min.js") as reply:
        assert reply.status_code == 200 and len(reply.get_data()) > 1_000_000


@pytest.mark.parametrize("role, status", [("agent", 403), ("supervisor", 403), ("manager", 200)])
def test_reports_need_manager_role(client, auth, demo, role, status):
    auth.login(role)
    assert client.get("/staff/reports/demo").status_code == status
