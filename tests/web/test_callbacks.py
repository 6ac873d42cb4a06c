"""Staff pages of the monthly callback check: who may open them, the draw through the job queue,
outcomes with what was typed kept, CSRF, and the customer page showing the callbacks."""
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Callback, CallbackDraw, CallbackStatus, Job
from survey_app.services.customers import callbacks, consent
from survey_app.services.platform.jobs import create_job
from tests import factories
from tests.factories import make_complaint

ROLES = ["agent", "supervisor", "manager", "admin"]
EN = {"Accept-Language": "en"}


def serve(agent, case, at=datetime(2026, 3, 15, 4, tzinfo=UTC)):
    factories.serve(agent, case, at)


@pytest.fixture
def served(app, staff):
    """Three customers the agent served in March 2026, one of whom opted out of callbacks."""
    filed = [make_complaint(phone=f"1380013800{n}", name=f"Customer {n}", language="en") for n in range(3)]
    for one in filed:
        serve(staff["agent"], one.case)
    consent.opt_out(filed[2].complaint.customer)
    return filed


@pytest.fixture
def drawn(served):
    return callbacks.draw_month("2026-03", actor=None, seed=1)


def first_callback(draw):
    return db.session.scalar(sa.select(Callback).where(Callback.draw_id == draw.id).order_by(Callback.id))


def pages(draw, job_id):
    return ["/staff/callbacks/", f"/staff/callbacks/{draw.month}", f"/staff/callbacks/jobs/{job_id}"]


@pytest.mark.parametrize("role", ROLES)
def test_callback_pages_are_for_supervisors_and_up(client, auth, staff, drawn, role):
    auth.login(role)
    job = create_job("callback_draw", created_by_id=staff[role].id)
    for path in pages(drawn, job.id):
        assert client.get(path).status_code == (403 if role == "agent" else 200), path
    callback = first_callback(drawn)
    posts = {"/staff/callbacks/draw": {"month": "2026-04", "per_agent": "5"},
             f"/staff/callbacks/outcomes/{callback.id}": {f"c{callback.id}-status": "unreachable"}}
    for path, data in posts.items():
        status = client.post(path, data=data).status_code
        assert (status == 403) is (role == "agent"), path


def test_callback_pages_need_login(client, drawn):
    for path in ("/staff/callbacks/", "/staff/callbacks/2026-03"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/staff/login" in reply.headers["Location"]


def test_navigation_links_the_callback_check_for_supervisors_only(client, auth, staff):
    auth.login("supervisor")
    assert 'href="/staff/callbacks/"' in client.get("/staff/", headers=EN).get_data(as_text=True)
    auth.logout()
    auth.login("agent")
    assert 'href="/staff/callbacks/"' not in client.get("/staff/", headers=EN).get_data(as_text=True)


def test_the_form_proposes_the_previous_month(client, auth, staff):
    auth.login("supervisor")
    html = client.get("/staff/callbacks/", headers=EN).get_data(as_text=True)
    assert f'value="{callbacks.previous_month()}"' in html and "<script" not in html


def test_drawing_a_month_runs_the_job_and_shows_the_draw(client, auth, staff, served):
    auth.login("supervisor")
    started = client.post("/staff/callbacks/draw", data={"month": "2026-03", "per_agent": "5"}, headers=EN)
    assert started.status_code == 303 and "/staff/callbacks/jobs/" in started.headers["Location"]
    job = db.session.scalar(sa.select(Job))
    assert job.kind == "callback_draw" and job.created_by_id == staff["supervisor"].id
    done = client.get(started.headers["Location"], headers=EN)
    assert done.status_code == 303 and done.headers["Location"].endswith("/staff/callbacks/2026-03")
    html = client.get("/staff/callbacks/2026-03", headers=EN).get_data(as_text=True)
    allowed, opted_out = served[:2], served[2]
    for one in allowed:
        customer = one.complaint.customer
        assert customer.name in html and customer.phone in html and one.complaint.reference in html
        assert f'href="/staff/customers/{customer.id}"' in html
    assert "Served but not drawn" in html and "opted out of callbacks" in html and opted_out.complaint.customer.name in html
    assert "Mean service rating" in html
    assert '<a href="/staff/callbacks/2026-03">2026-03</a>' in client.get("/staff/callbacks/").get_data(as_text=True)


def test_a_month_drawn_already_is_refused_with_the_form_kept(client, auth, staff, drawn):
    auth.login("supervisor")
    reply = client.post("/staff/callbacks/draw", data={"month": "2026-03", "per_agent": "3"}, headers=EN)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409 and "drawn already" in html and 'value="2026-03"' in html and 'selected value="3"' in html
    assert db.session.scalar(sa.select(sa.func.count(CallbackDraw.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(Job.id))) == 0


@pytest.mark.parametrize("month, per_agent, message", [
    ("2026-3", "5", "YYYY-MM"), ("", "5", "YYYY-MM"), ("2099-01", "5", "has not begun"), ("2026-03", "0", ""),
    ("2026-03", "many", ""),
])
def test_a_bad_month_is_refused_with_what_was_typed(client, auth, staff, served, month, per_agent, message):
    auth.login("supervisor")
    reply = client.post("/staff/callbacks/draw", data={"month": month, "per_agent": per_agent}, headers=EN)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and message in html and f'value="{month}"' in html
    assert db.session.scalar(sa.select(sa.func.count(CallbackDraw.id))) == 0


def test_a_malformed_month_and_other_peoples_jobs_are_not_found(client, auth, staff, drawn):
    auth.login("supervisor")
    assert client.get("/staff/callbacks/2026-13").status_code == 404
    assert client.get("/staff/callbacks/march").status_code == 404
    theirs = create_job("callback_draw", created_by_id=staff["manager"].id)
    other_kind = create_job("customer_import", created_by_id=staff["supervisor"].id)
    assert client.get(f"/staff/callbacks/jobs/{theirs.id}").status_code == 404
    assert client.get(f"/staff/callbacks/jobs/{other_kind.id}").status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get(f"/staff/callbacks/jobs/{theirs.id}").status_code == 200


def test_a_failed_draw_shows_why(client, auth, staff, drawn):
    auth.login("supervisor")
    job = create_job("callback_draw", created_by_id=staff["supervisor"].id)
    callbacks.draw_month_job(job.id, "2026-03", 5, staff["supervisor"].id, "en")
    html = client.get(f"/staff/callbacks/jobs/{job.id}", headers=EN).get_data(as_text=True)
    assert "The draw failed" in html and "drawn already" in html


def test_recording_an_outcome(client, auth, staff, drawn):
    auth.login("supervisor")
    callback = first_callback(drawn)
    prefix = f"c{callback.id}-"
    reply = client.post(f"/staff/callbacks/outcomes/{callback.id}", headers=EN, data={
        prefix + "status": "done", prefix + "service_rating": "8", prefix + "needs": "Spare lids",
        prefix + "suggestion": "Answer faster"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/staff/callbacks/2026-03#callback-{callback.id}")
    db.session.refresh(callback)
    assert (callback.status, callback.service_rating, callback.needs, callback.called_by_id) == (
        CallbackStatus.DONE, 8, "Spare lids", staff["supervisor"].id)
    html = client.get("/staff/callbacks/2026-03", headers=EN).get_data(as_text=True)
    assert "rated the service 8 of 10" in html and "Correct the outcome" in html
    assert re.search(r"<td>agent</td><td>2</td><td>1</td><td>0</td><td>0</td><td>8.0</td>", html)


def test_a_refused_outcome_keeps_what_was_typed(client, auth, staff, drawn):
    auth.login("supervisor")
    callback = first_callback(drawn)
    prefix = f"c{callback.id}-"
    reply = client.post(f"/staff/callbacks/outcomes/{callback.id}", headers=EN, data={
        prefix + "status": "done", prefix + "service_rating": "11", prefix + "needs": "A call on Sundays"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "whole number from 1 to 10" in html
    assert 'value="11"' in html and "A call on Sundays" in html
    db.session.refresh(callback)
    assert callback.status is CallbackStatus.DUE
    missing = client.post(f"/staff/callbacks/outcomes/{callback.id}", headers=EN, data={prefix + "status": "done"})
    assert missing.status_code == 422 and "rates the service from 1 to 10" in missing.get_data(as_text=True)
    assert client.post("/staff/callbacks/outcomes/999", data={}).status_code == 404


def test_no_outcome_is_chosen_for_staff(client, auth, staff, drawn):
    auth.login("supervisor")
    callback = first_callback(drawn)
    prefix = f"c{callback.id}-"
    page = client.get(f"/staff/callbacks/{drawn.month}", headers=EN).get_data(as_text=True)
    form = page.split(f'id="callback-{callback.id}"', 1)[1].split("</form>", 1)[0]
    # A select shows, and sends, its first option when none is selected: that one must choose nothing.
    options = re.findall(r'<option([^>]*)value="([^"]*)"', form.split(f'name="{prefix}status"', 1)[1])
    assert options[0][1] == "" and not any("selected" in attrs for attrs, _ in options)
    # Sent as the page offers it, with only the notes typed: refused at the field, notes kept, nothing recorded.
    reply = client.post(f"/staff/callbacks/outcomes/{callback.id}", headers=EN, data={
        prefix + "status": "", prefix + "needs": "A call on Sundays"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "A call on Sundays" in html
    field = html.split(f'id="callback-{callback.id}"', 1)[1].split(f'for="{prefix}service_rating"', 1)[0]
    assert "has-error" in field and "Choose how the call went." in field
    assert client.post(f"/staff/callbacks/outcomes/{callback.id}", headers=EN,
                       data={prefix + "needs": "A call on Sundays"}).status_code == 422
    db.session.refresh(callback)
    assert callback.status is CallbackStatus.DUE and callback.called_at is None


def test_a_customer_who_opted_out_since_the_draw_is_not_to_be_called(client, auth, staff, drawn):
    auth.login("supervisor")
    callback = first_callback(drawn)
    consent.opt_out(callback.customer)
    html = client.get("/staff/callbacks/2026-03", headers=EN).get_data(as_text=True)
    section = html.split(f'id="callback-{callback.id}"', 1)[1].split("</section>", 1)[0]
    assert "Do not call: opted out" in section and "<form" not in section


def test_callback_forms_need_csrf(app, client, auth, staff, served):
    auth.login("supervisor")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/staff/callbacks/draw", data={"month": "2026-03", "per_agent": "5"}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(CallbackDraw.id))) == 0
    draw = callbacks.draw_month("2026-03", actor=None, seed=1)
    callback = first_callback(draw)
    assert client.post(f"/staff/callbacks/outcomes/{callback.id}",
                       data={f"c{callback.id}-status": "unreachable"}).status_code == 400
    html = client.get("/staff/callbacks/2026-03").get_data(as_text=True)
    token = re.search(rf'name="c{callback.id}-csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    assert client.post(f"/staff/callbacks/outcomes/{callback.id}", data={
        f"c{callback.id}-csrf_token": token, f"c{callback.id}-status": "unreachable"}).status_code == 303


def test_the_customer_page_shows_callbacks(client, auth, staff, drawn):
    callback = first_callback(drawn)
    callbacks.record_outcome(callback, status="done", service_rating=9, needs="Spare lids", suggestion=None,
                             actor=staff["supervisor"])
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{callback.customer_id}", headers=EN).get_data(as_text=True)
    assert "Drawn for a callback" in html and "the 2026-03 check of agent's service" in html
    assert "Called back" in html and "rated agent's service 9 of 10" in html and "Spare lids" in html
    only = client.get(f"/staff/customers/{callback.customer_id}?kind=callback", headers=EN).get_data(as_text=True)
    assert "Drawn for a callback" in only and "Message sent" not in only
    assert "Callbacks" in only


NOBODY_DRAWN = "Nobody was drawn"
EVERYONE_DRAWABLE = "Every customer served could be drawn."


def test_a_month_not_drawn_yet_says_so_with_the_button_to_draw_it(client, auth, staff, served):
    auth.login("supervisor")
    reply = client.get("/staff/callbacks/2026-03", headers=EN)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "2026-03 has not been drawn yet." in html
    assert NOBODY_DRAWN not in html and EVERYONE_DRAWABLE not in html
    assert 'action="/staff/callbacks/draw"' in html and 'name="month" value="2026-03"' in html
    drawn = client.post("/staff/callbacks/draw", data={"month": "2026-03", "per_agent": 5}, follow_redirects=True,
                        headers=EN).get_data(as_text=True)
    assert "Customers agent served" in drawn and "has not been drawn yet" not in drawn
    future = client.get("/staff/callbacks/2999-01", headers=EN).get_data(as_text=True)
    assert "This month has not begun" in future and 'action="/staff/callbacks/draw"' not in future


def test_a_drawn_month_nobody_was_served_in_says_that_alone(client, auth, staff):
    callbacks.draw_month("2026-02", actor=None, seed=1)
    auth.login("supervisor")
    html = client.get("/staff/callbacks/2026-02", headers=EN).get_data(as_text=True)
    assert "Nobody was drawn: no agent served a customer in 2026-02." in html
    assert EVERYONE_DRAWABLE not in html and "Served but not drawn" not in html


def test_a_drawn_month_with_nobody_who_may_be_called_says_that_alone(client, auth, staff, served):
    for filed in served:
        consent.opt_out(filed.complaint.customer)
    callbacks.draw_month("2026-03", actor=None, seed=1)
    auth.login("supervisor")
    html = client.get("/staff/callbacks/2026-03", headers=EN).get_data(as_text=True)
    assert "Nobody was drawn: none of the customers served may be called; who and why is below." in html
    assert EVERYONE_DRAWABLE not in html and html.count("opted out of callbacks") == 3
