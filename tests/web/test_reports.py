"""Manager reports: index, paths and NPS from the demo data, filters, and the bootstrap job."""
import json

import pytest
import sqlalchemy as sa

from survey_app.demo import create_demo
from survey_app.extensions import db
from survey_app.models import Job, JobStatus
from tests.factories import make_response
from tests.spies import count_calls


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
    from survey_app.services.reporting.datasets import ResponseFilter
    from survey_app.services.reporting.reports import build_report
    from survey_app.services.surveys.publishing import survey_by_slug

    fit = build_report(survey_by_slug("demo"), ResponseFilter()).fit
    # The demo population has quality -> value 0.60 and satisfaction -> loyalty 0.55.
    assert fit.paths["quality->value"] == pytest.approx(0.6, abs=0.15)
    assert fit.paths["satisfaction->loyalty"] > 0.3
    assert all(0 < v < 100 for v in fit.index)


def test_report_filters_by_wave_and_store(client, auth, demo):
    from survey_app.services.surveys.publishing import survey_by_slug

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


def test_a_bootstrap_result_opens_only_for_who_started_it_and_admins(client, auth, demo):
    from tests.factories import make_user

    make_user("other-manager", "manager")
    auth.login("manager")
    page = client.post("/staff/reports/demo/bootstrap", data={}).headers["Location"]
    assert client.get(page).status_code == 200
    auth.logout()
    auth.login("other-manager")
    assert client.get(page).status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get(page).status_code == 200


def test_index_csv_and_plotly_are_served(client, auth, demo):
    auth.login("manager")
    reply = client.get("/staff/reports/demo/index.csv")
    body = reply.get_data()
    # A BOM and CRLF line ends for spreadsheets; headings and constructs in words; no R² for an exogenous construct.
    header = "Construct,Index (0–100),R² (variance explained),Cronbach's alpha,Composite reliability (rho_C)," \
             "Average variance extracted (AVE)\r\n"
    assert body.startswith(("\ufeff" + header + "Customer expectations,68.685,,").encode())
    assert b"\r\nCustomer satisfaction,67.026,0.6337,0.8739,0.9225,0.7986\r\n" in body and len(body.splitlines()) == 7
    assert b"nan" not in body and b"None" not in body
    zh = client.get("/staff/reports/demo/index.csv?lang=zh").get_data().decode("utf-8-sig").splitlines()
    assert zh[0].startswith("维度,指数（0–100）,") and zh[1].startswith("顾客预期,68.685,,")
    assert reply.mimetype == "text/csv" and reply.mimetype_params["charset"] == "utf-8"
    assert reply.headers["Content-Disposition"] == 'attachment; filename="demo-index.csv"'
    with client.get("/staff/reports/plotly.min.js") as reply:
        assert reply.status_code == 200 and len(reply.get_data()) > 1_000_000


@pytest.mark.parametrize("role, status", [("agent", 403), ("supervisor", 403), ("manager", 200)])
def test_reports_need_manager_role(client, auth, demo, role, status):
    auth.login(role)
    assert client.get("/staff/reports/demo").status_code == status


@pytest.fixture
def fits(monkeypatch):
    """Each call of the report's fit function (the real one runs)."""
    from survey_app.services.reporting import reports

    return count_calls(monkeypatch, reports, "fit_model")


def _n(html: str) -> int:
    return int(html.split("Responses in this selection: <strong>")[1].split("<")[0])


def test_report_page_and_csv_share_one_fit(client, auth, demo, fits):
    auth.login("manager")
    first = client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    second = client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    body = client.get("/staff/reports/demo/index.csv").get_data(as_text=True)
    assert len(fits) == 1
    assert _n(first) == _n(second) == 300 and len(body.splitlines()) == 7


def test_report_refits_after_a_new_response(client, auth, demo, fits):
    from survey_app.models import Response
    from survey_app.services.surveys.publishing import survey_by_slug

    auth.login("manager")
    assert _n(client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)) == 300
    survey = survey_by_slug("demo")
    like = db.session.scalars(sa.select(Response).where(Response.survey_id == survey.id)).first()
    make_response(survey, like.answers, segments=like.segments)
    html = client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert _n(html) == 301 and len(fits) == 2
    client.get("/staff/reports/demo/index.csv")
    assert len(fits) == 2


def test_report_filters_do_not_share_a_result(client, auth, demo, fits):
    from survey_app.services.surveys.publishing import survey_by_slug

    auth.login("manager")
    first, second = (w.id for w in survey_by_slug("demo").waves)
    counts = [_n(client.get(f"/staff/reports/demo?{query}", headers={"Accept-Language": "en"}).get_data(as_text=True))
              for query in ("", f"wave={first}", f"wave={second}", "seg_store=north", f"wave={first}")]
    assert len(fits) == 4
    assert counts[1] + counts[2] == counts[0] == 300 and counts[1] == counts[4] and counts[3] < 300


def test_cached_report_speaks_each_readers_language(client, auth, app, staff, monkeypatch):
    from survey_app.services.reporting import reports
    from survey_app.services.surveys.publishing import survey_by_slug

    loads = count_calls(monkeypatch, reports, "cell_totals")
    create_demo(responses=40)
    auth.login("manager")
    wave = survey_by_slug("demo").waves[0].id
    english = client.get(f"/staff/reports/demo?wave={wave}&seg_store=north", headers={"Accept-Language": "en"})
    chinese = client.get(f"/staff/reports/demo?wave={wave}&seg_store=north", headers={"Accept-Language": "zh"})
    assert "At least 30 responses are needed" in english.get_data(as_text=True)
    assert "模型至少需要 30 份答卷" in chinese.get_data(as_text=True)
    assert len(loads) == 1


def test_charts_are_drawn_once_per_language_and_data_version(client, auth, demo, monkeypatch):
    from survey_app.models import Response
    from survey_app.services.reporting import charts
    from survey_app.services.surveys.publishing import survey_by_slug

    drawn = count_calls(monkeypatch, charts.figures, "path_diagram")
    auth.login("manager")
    pages = [client.get("/staff/reports/demo", headers={"Accept-Language": language}).get_data(as_text=True)
             for language in ("en", "en", "zh", "zh")]
    assert len(drawn) == 2
    chinese_title = json.dumps("结构模型")[1:-1]  # as the chart's data carries it
    assert "Structural model" in pages[1] and chinese_title in pages[3] and chinese_title not in pages[1]
    survey = survey_by_slug("demo")
    like = db.session.scalars(sa.select(Response).where(Response.survey_id == survey.id)).first()
    make_response(survey, like.answers, segments=like.segments)
    client.get("/staff/reports/demo", headers={"Accept-Language": "en"})
    assert len(drawn) == 3


def test_bootstrap_uses_the_cached_report_resamples_the_rows_and_records_its_data_version(client, auth, demo, fits):
    from analysis import Moments
    from survey_app.services.reporting.cache import data_version
    from survey_app.services.surveys.publishing import survey_by_slug

    auth.login("manager")
    client.get("/staff/reports/demo")
    client.post("/staff/reports/demo/bootstrap", data={})
    job = db.session.scalar(sa.select(Job))
    # The page's fit of the cells is cached and reused; the bootstrap fits the rows it resamples, once.
    assert job.status is JobStatus.DONE and len(fits) == 2
    assert isinstance(fits[0][0][0], Moments) and not isinstance(fits[1][0][0], Moments)
    assert job.result["version"] == data_version(survey_by_slug("demo"))


def _answer(survey, count: int, **fixed) -> None:
    """``count`` submitted responses with every item answered at random, except the ``fixed`` ones."""
    import random

    from survey_app.services import surveys

    instrument = surveys.instrument_of(survey.instrument_version)
    chance = random.Random(7)
    for _ in range(count):
        values = {i.id: chance.randint(i.scale.min, i.scale.max) for i in instrument.items} | fixed
        make_response(survey, values)


def test_a_selection_the_model_cannot_estimate_says_why(client, auth, staff):
    from tests.factories import make_survey

    _answer(make_survey("shop"), 30, exp1=5)
    auth.login("manager")
    reply = client.get("/staff/reports/shop", headers={"Accept-Language": "en"})
    assert reply.status_code == 200
    assert "The model cannot be fitted to this selection: item(s) without variation: exp1" in reply.get_data(as_text=True)


def test_an_instrument_the_model_refuses_says_why(client, auth, staff):
    from instruments import BUILTIN_DIR, load_instrument_text
    from survey_app.services import surveys

    text = (BUILTIN_DIR / "acsi.yaml").read_text(encoding="utf-8")
    # The loader accepts a path declared twice; the model does not.
    twice = load_instrument_text(text.replace("  - complaints -> loyalty\n", "  - complaints -> loyalty\n" * 2))
    survey = surveys.publish_survey(surveys.SurveySpec("Shop survey", "shop", surveys.store_instrument(twice)))
    _answer(survey, 30)
    auth.login("manager")
    reply = client.get("/staff/reports/shop", headers={"Accept-Language": "en"})
    assert reply.status_code == 200
    assert "cannot be fitted to this selection: a structural path is declared twice" in reply.get_data(as_text=True)


def test_an_error_that_is_not_the_models_is_not_hidden(app, monkeypatch):
    from survey_app.services.reporting import reports
    from survey_app.services.reporting.datasets import ResponseFilter
    from tests.factories import make_survey

    survey = make_survey("shop")
    _answer(survey, 30)

    def broken(*args, **kwargs):
        raise ValueError("a bug of ours")

    monkeypatch.setattr(reports, "fit_model", broken)
    with pytest.raises(ValueError, match="a bug of ours"):
        reports.build_report(survey, ResponseFilter())
