"""Staff survey pages: access by role, publishing with validation, status changes, exports."""
import io
from datetime import UTC

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import Survey, SurveyStatus
from tests.factories import make_instrument_version, make_survey
from tests.web.test_respondent import answer_all

STAFF_PAGES = ["/staff/surveys/", "/staff/surveys/new", "/staff/surveys/shop", "/staff/surveys/shop/close",
               "/staff/surveys/shop/responses.csv", "/staff/surveys/shop/invitations.csv"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_need_login(client, app, path):
    make_survey("shop")
    reply = client.get(path)
    assert reply.status_code == 302 and "/staff/login" in reply.headers["Location"]


@pytest.mark.parametrize("role, allowed", [("agent", False), ("supervisor", False), ("manager", True), ("admin", True)])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_survey_pages_need_manager_role(client, staff, auth, role, allowed, path):
    make_survey("shop")
    auth.login(role)
    assert client.get(path).status_code == (200 if allowed else 403)


def test_wrong_password_is_refused(client, staff, auth):
    reply = auth.login("manager", "wrong-password")
    assert reply.status_code == 401


def test_publish_with_errors_keeps_input_then_publishes(client, staff, auth):
    version = make_instrument_version("acsi")
    auth.login()
    data = {"title": "Autumn", "slug": "Bad Slug!", "instrument": str(version.id), "languages": ["zh", "en"],
            "waves": "Wave A, 2026-13-01", "segments": "store: north, south", "anonymous_link": "y"}
    reply = client.post("/staff/surveys/new", data=data, headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert 'value="Autumn"' in html and "store: north, south" in html
    assert "Line 1" in html
    data.update(slug="autumn", waves="Wave A, 2026-09-01\nWave B, 2026-10-15")
    reply = client.post("/staff/surveys/new", data=data)
    assert reply.status_code == 302
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "autumn"))
    assert [w.name for w in survey.waves] == ["Wave A", "Wave B"]
    assert survey.segment_fields == {"store": ["north", "south"]}


def test_duplicate_slug_is_refused(client, staff, auth):
    make_survey("shop")
    version = make_instrument_version("acsi")
    auth.login()
    reply = client.post("/staff/surveys/new", data={"title": "Again", "slug": "shop", "instrument": str(version.id),
                                                    "languages": ["en"]}, headers={"Accept-Language": "en"})
    assert reply.status_code == 422 and "This address is taken." in reply.get_data(as_text=True)


def test_pause_resume_close(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    for status in ("paused", "open", "closed"):
        data = {"status": status, "confirm": "1"} if status == "closed" else {"status": status}
        assert client.post("/staff/surveys/shop/status", data=data).status_code == 303
        db.session.refresh(survey)
        assert survey.status is SurveyStatus(status)
    reply = client.post("/staff/surveys/shop/status", data={"status": "open"}, follow_redirects=True)
    assert survey.status is SurveyStatus.CLOSED
    assert "cannot be opened or paused again" in reply.get_data(as_text=True)


def test_publish_shows_every_field_error_in_one_pass(client, staff, auth):
    version = make_instrument_version("acsi")
    make_survey("shop")
    auth.login()
    data = {"title": "", "slug": "shop", "instrument": str(version.id),
            "opens_at": "2026-09-02T09:00", "closes_at": "2026-09-01T09:00",
            "waves": "Wave A, 2026-13-01\nWave B, 2026-10-15\n, 2026-11-01",
            "segments": "store: north, south\nbad name!: x"}
    reply = client.post("/staff/surveys/new", data=data, headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    for message in ("This field is required.", "This address is taken.", "Choose at least one language.",
                    "The survey must close after it opens.", "Line 1: write a name, a comma and a date",
                    "Line 3: the wave needs a name.", "Line 2: a field name uses letters"):
        assert message in html, message
    assert 'value="shop"' in html and "Wave B, 2026-10-15" in html and "bad name!: x" in html
    assert 'value="2026-09-02T09:00"' in html


@pytest.mark.parametrize("name", ["lang", "page", "form_key", "next", "back", "csrf_token", "seg_store"])
def test_publish_refuses_segment_fields_named_like_page_parameters(client, staff, auth, name):
    version = make_instrument_version("acsi")
    auth.login()
    data = {"title": "Autumn", "slug": "autumn", "instrument": str(version.id), "languages": ["en"],
            "segments": f"{name}: a, b"}
    reply = client.post("/staff/surveys/new", data=data, headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f"The field name {name} is used by the survey page itself" in html
    assert db.session.scalar(sa.select(Survey).where(Survey.slug == "autumn")) is None


@pytest.mark.parametrize("name, opens_on, message", [
    ("Wave 1", "2026-05-01", "A wave with this name exists already."),
    ("Spring", "", "Give the first day of the wave."),
    ("Spring", "2026-02-30", "Write the day as a date like 2026-03-01."),
    ("S" * 65, "2026-05-01", "Keep the wave name to 64 characters or fewer."),
    ("  ", "2026-05-01", "Give the wave a name."),
])
def test_add_wave_shows_the_error_next_to_the_field_and_keeps_the_input(client, staff, auth, name, opens_on,
                                                                        message):
    survey = make_survey("shop")
    auth.login()
    reply = client.post("/staff/surveys/shop/waves", data={"name": name, "opens_on": opens_on},
                        headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert f'<p class="error">{message}</p>' in html
    assert "Give the wave a name and a first day." not in html
    if name.strip():
        assert f'value="{name}"' in html
    if opens_on:
        assert f'value="{opens_on}"' in html
    db.session.refresh(survey)
    assert [w.name for w in survey.waves] == ["Wave 1"]


def test_add_wave_adds_it(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    reply = client.post("/staff/surveys/shop/waves", data={"name": "Spring", "opens_on": "2026-05-01"})
    assert reply.status_code == 303
    db.session.refresh(survey)
    assert [w.name for w in survey.waves] == ["Wave 1", "Spring"]


def test_closing_asks_for_confirmation_first(client, staff, auth):
    survey = make_survey("shop")
    auth.login()
    detail = client.get("/staff/surveys/shop", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'method="get" action="/staff/surveys/shop/close"' in detail
    assert 'name="status" value="closed"' not in detail
    page = client.get("/staff/surveys/shop/close", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "cannot be undone" in html
    assert "stop taking answers" in html and 'name="confirm" value="1"' in html
    db.session.refresh(survey)
    assert survey.status is SurveyStatus.OPEN
    # A close without the confirmation step lands on the confirmation page and changes nothing.
    reply = client.post("/staff/surveys/shop/status", data={"status": "closed"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/staff/surveys/shop/close")
    db.session.refresh(survey)
    assert survey.status is SurveyStatus.OPEN
    reply = client.post("/staff/surveys/shop/status", data={"status": "closed", "confirm": "1"})
    assert reply.status_code == 303
    db.session.refresh(survey)
    assert survey.status is SurveyStatus.CLOSED
    again = client.get("/staff/surveys/shop/close")
    assert again.status_code == 302 and again.headers["Location"].endswith("/staff/surveys/shop")


def test_exports_have_one_row_per_response_and_item_columns(client, staff, auth):
    from survey_app.services.surveys.instruments import instrument_of

    survey = make_survey("shop", segment_fields={"store": ["north"]})
    instrument = instrument_of(survey.instrument_version)
    answer_all(client, "/s/shop?store=north", instrument)
    answer_all(client.application.test_client(), "/s/shop?store=north", instrument, value="3")
    auth.login()
    body = client.get("/staff/surveys/shop/responses.csv").get_data(as_text=True).lstrip("\ufeff")
    lines = body.strip().splitlines()
    header = lines[0].split(",")
    assert header[:4] == ["response_id", "submitted_at", "wave", "store"]
    assert list(instrument.item_ids) == header[4:4 + len(instrument.item_ids)]
    assert len(lines) == 3
    xlsx = client.get("/staff/surveys/shop/responses.xlsx?labels=1&lang=en").get_data()
    rows = list(load_workbook(io.BytesIO(xlsx)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    assert rows[1][4] == instrument.item(instrument.item_ids[0]).text.get("en")


def test_csrf_is_enforced_on_post(app, staff):
    app.config["WTF_CSRF_ENABLED"] = True
    make_survey("shop")
    client = app.test_client()
    reply = client.post("/staff/login", data={"username": "manager", "password": "password-123"})
    assert reply.status_code == 400
    reply = client.post("/s/shop", data={"page": 0, "next": "1"})
    assert reply.status_code == 400


def test_healthz(client, app):
    reply = client.get("/healthz")
    assert reply.status_code == 200 and reply.get_json()["database"] == "ok"


@pytest.mark.parametrize("role, sees_surveys", [("agent", False), ("supervisor", False), ("manager", True)])
def test_login_lands_on_a_staff_home_the_role_may_see(client, staff, auth, role, sees_surveys):
    reply = auth.login(role)
    assert reply.headers["Location"].endswith("/staff/")
    html = client.get("/staff/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert ("/staff/surveys/" in html) is sees_surveys
    assert "Log out" in html


def test_forbidden_staff_page_keeps_the_staff_header(client, staff, auth):
    auth.login("agent")
    reply = client.get("/staff/surveys/", headers={"Accept-Language": "en"})
    assert reply.status_code == 403 and "Log out" in reply.get_data(as_text=True)


def test_publish_form_hints_show_the_slug_placeholder(client, staff, auth):
    auth.login()
    html = client.get("/staff/surveys/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/s/&lt;slug&gt;" in html


def test_publish_takes_times_in_the_firms_zone_and_shows_them_in_it(client, staff, auth, configure):
    from datetime import date, datetime

    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    version = make_instrument_version("acsi")
    auth.login()
    form = client.get("/staff/surveys/new", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Opens (Asia/Shanghai time)" in form and "Closes (Asia/Shanghai time)" in form and "UTC" not in form
    data = {"title": "Spring", "slug": "spring", "instrument": str(version.id), "languages": ["en"],
            "opens_at": "2026-03-02T09:00", "closes_at": "2026-03-02T07:00"}
    refused = client.post("/staff/surveys/new", data=data, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "The survey must close after it opens." in refused and 'value="2026-03-02T09:00"' in refused
    reply = client.post("/staff/surveys/new", data={**data, "closes_at": "2026-04-30T18:00"})
    assert reply.status_code == 302
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "spring"))
    assert survey.opens_at == datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert survey.closes_at == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert [w.opens_on for w in survey.waves] == [date(2026, 3, 2)]
    page = client.get("/staff/surveys/spring", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Opens: 2026-03-02 09:00 · Closes: 2026-04-30 18:00 (Asia/Shanghai time)" in page


def test_first_wave_starts_on_the_firms_day_of_opening(client, staff, auth, configure):
    from datetime import date

    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    version = make_instrument_version("acsi")
    auth.login()
    # 07:00 in Shanghai is still the day before in UTC.
    client.post("/staff/surveys/new", data={"title": "Early", "slug": "early", "instrument": str(version.id),
                                            "languages": ["en"], "opens_at": "2026-03-02T07:00"})
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "early"))
    assert [w.opens_on for w in survey.waves] == [date(2026, 3, 2)]


def test_survey_list_says_when_a_survey_opens_in_the_firms_zone(client, staff, auth, configure):
    from datetime import datetime

    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    make_survey("later", opens_at=datetime(2099, 3, 1, 20, 30, tzinfo=UTC))
    auth.login()
    html = client.get("/staff/surveys/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "opens 2099-03-02 04:30" in html


def test_the_analysis_command_reads_the_responses_export_as_the_app_writes_it(client, staff, auth, tmp_path):
    import json
    import subprocess
    import sys
    from pathlib import Path

    from survey_app.demo import create_demo
    from tests.factories import make_response

    create_demo(responses=120)
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == "demo"))
    # Three respondents chose "don't know" for an expectation, one skipped the question.
    for _ in range(3):
        make_response(survey, {"exp1": None, "exp2": 6, "qual1": 7, "sat1": 8})
    make_response(survey, {"exp2": 6, "qual1": 7, "sat1": 8})
    auth.login()
    root = Path(__file__).resolve().parents[2]
    model = root / "instruments" / "builtin" / "acsi.yaml"
    for labels in ("0", "1"):
        export = tmp_path / f"responses-{labels}.csv"
        export.write_bytes(client.get(f"/staff/surveys/demo/responses.csv?labels={labels}&lang=en").get_data())
        assert b",dk," in export.read_bytes()

        def run(*args):
            proc = subprocess.run([sys.executable, "-m", "analysis", *map(str, args)], cwd=root,
                                  capture_output=True, text=True, timeout=120, check=False)
            assert proc.returncode == 0, proc.stderr
            return proc

        fit = json.loads(run("fit", "--model", model, "--data", export).stdout)
        assert fit["n"] == 124
        assert all(0 < value < 100 for value in fit["index"].values())
        assert fit["paths"]["satisfaction->loyalty"] > 0.3
        moments = tmp_path / f"moments-{labels}.json"
        run("moments", export, "--model", model, "--by", "wave", "-o", moments)
        stored = json.loads(moments.read_text())
        assert stored["total"]["n"] == 124 and set(stored["groups"]) == {"2026 wave 1", "2026 wave 2"}


def test_invitation_links_say_the_firms_last_day(client, staff, auth, configure):
    from datetime import UTC, datetime

    from survey_app.models import Invitation
    from tests.web.test_invitations import exported_links, upload

    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    survey = make_survey("shop")
    auth.login()
    upload(client, "shop", "name,phone\nLi Lei,13800138000\n", survey.waves[0].id)
    invitation = db.session.scalar(sa.select(Invitation))
    # 20:00 UTC is 04:00 the next morning in Shanghai.
    invitation.expires_at = datetime(2099, 3, 1, 20, 0, tzinfo=UTC)
    db.session.commit()
    assert [row["expires_at"] for row in exported_links(client, "shop")] == ["2099-03-02"]
