"""Who may open a case: the customer's rule, applied to the case page, its photos, every step on
it and the queue; and the customer's private tracking link on no staff page."""
import io
import re

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseEvent, CaseState, Team
from survey_app.services.cases.photos import Photo
from tests.factories import make_complaint, make_user

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EN = {"Accept-Language": "en"}


@pytest.fixture
def teams(staff):
    """Two teams of one agent each: products go to north, service attitude to south."""
    db.session.add_all([Team(name="north", categories=["product"]), Team(name="south", categories=["service_attitude"])])
    db.session.commit()
    return {"north": make_user("north_agent", "agent", team="north"),
            "south": make_user("south_agent", "agent", team="south")}


@pytest.fixture
def north_case(app, teams):
    """A product complaint with a photo: routed to the north team and its agent."""
    with app.test_request_context():
        return make_complaint("product", email="li@example.com", photos=[Photo("seal.png", PNG)])


@pytest.fixture
def south_case(app, teams):
    with app.test_request_context():
        return make_complaint("service_attitude", phone="13900139000")


def login(client, username):
    client.post("/staff/logout")
    return client.post("/staff/login", data={"username": username, "password": "password-123"})


def test_an_agent_of_another_team_finds_nothing_of_the_case(client, auth, teams, north_case):
    ref, case = north_case.complaint.reference, north_case.case
    photo = north_case.complaint.attachments[0]
    login(client, "south_agent")
    assert client.get(f"/staff/cases/{ref}").status_code == 404
    assert client.get(f"/staff/cases/{ref}/attachments/{photo.id}").status_code == 404
    steps = {"transition": {"event": "acknowledge", "version": case.version},
             "messages": {"version": case.version, "body": "Seen it", "public": "y"},
             "merge": {"version": case.version, "into": ref}}
    for step, data in steps.items():
        assert client.post(f"/staff/cases/{ref}/{step}", data=data).status_code == 404, step
    reply = client.post(f"/staff/cases/{ref}/messages", data={"version": case.version, "body": "Seen it",
                                                             "attachment": [(io.BytesIO(PNG), "mine.png")]},
                        content_type="multipart/form-data")
    assert reply.status_code == 404
    db.session.expire_all()
    assert case.version == 1 and case.state is CaseState.RECEIVED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) == 1
    login(client, "north_agent")
    assert client.get(f"/staff/cases/{ref}").status_code == 200
    assert client.get(f"/staff/cases/{ref}/attachments/{photo.id}").status_code == 200


def test_the_queue_lists_and_counts_only_the_cases_the_agent_may_open(client, teams, north_case, south_case):
    login(client, "south_agent")
    html = client.get("/staff/cases/", headers=EN).get_data(as_text=True)
    assert south_case.complaint.reference in html and north_case.complaint.reference not in html
    assert "received: <strong>1</strong>" in html
    html = client.get("/staff/cases/?state=received&team=" + str(north_case.case.team_id)).get_data(as_text=True)
    assert north_case.complaint.reference not in html
    login(client, "supervisor")
    html = client.get("/staff/cases/", headers=EN).get_data(as_text=True)
    assert south_case.complaint.reference in html and north_case.complaint.reference in html
    assert "received: <strong>2</strong>" in html


@pytest.mark.parametrize("username, opens", [
    ("north_agent", True), ("south_agent", False), ("agent", False), ("given_agent", True),
    ("supervisor", True), ("manager", True), ("admin", True),
])
def test_a_case_opens_for_whoever_may_open_its_customer(client, teams, north_case, username, opens):
    """Agents of the team and the agent given the case; supervisors, managers and admins all."""
    if username == "given_agent":
        north_case.case.assignee_id = make_user("given_agent", "agent").id
        db.session.commit()
    login(client, username)
    case_page = client.get(f"/staff/cases/{north_case.complaint.reference}", headers=EN)
    customer_page = client.get(f"/staff/customers/{north_case.complaint.customer_id}")
    assert case_page.status_code == (200 if opens else 404)
    assert customer_page.status_code == (200 if opens else 403)


def test_the_case_page_links_the_customer_to_their_record(client, teams, north_case):
    login(client, "north_agent")
    html = client.get(f"/staff/cases/{north_case.complaint.reference}", headers=EN).get_data(as_text=True)
    link = re.search(r'<a href="/staff/customers/(\d+)">([^<]+)</a>', html)
    assert link and int(link.group(1)) == north_case.complaint.customer_id
    assert client.get(link.group(0).split('"')[1]).status_code == 200


def test_merging_into_a_case_of_another_team_is_refused_as_unknown(client, teams, north_case, south_case):
    login(client, "south_agent")
    reply = client.post(f"/staff/cases/{south_case.complaint.reference}/merge", headers=EN,
                        data={"version": south_case.case.version, "into": north_case.complaint.reference})
    assert reply.status_code == 422
    assert f"No complaint has the reference {north_case.complaint.reference}" in reply.get_data(as_text=True)
    db.session.expire_all()
    assert south_case.case.state is CaseState.RECEIVED and north_case.case.state is CaseState.RECEIVED


def test_a_complaint_entered_for_another_team_leads_back_to_the_queue(client, teams):
    login(client, "south_agent")
    reply = client.post("/staff/cases/new", headers=EN, data={
        "channel": "phone", "category": "product", "severity": "normal", "description": "The lid cracked.",
        "phone": "13700137000"})
    assert reply.status_code == 303 and reply.headers["Location"] == "/staff/cases/"
    page = client.get(reply.headers["Location"], headers=EN).get_data(as_text=True)
    assert re.search(r"Complaint C-\d{4}-\d{6} entered\.", page)


@pytest.mark.parametrize("username", ["north_agent", "supervisor", "admin"])
def test_no_staff_page_carries_the_tracking_link(client, teams, north_case, username):
    ref, key = north_case.complaint.reference, north_case.tracking_key
    login(client, username)
    client.post(f"/staff/cases/{ref}/messages", data={"version": north_case.case.version, "body": "We are on it",
                                                     "public": "y"})
    pages = ["/staff/cases/", f"/staff/cases/{ref}", f"/staff/customers/{north_case.complaint.customer_id}",
             "/staff/customers/?q=li%40example.com"]
    for path in pages:
        reply = client.get(path, headers=EN)
        html = reply.get_data(as_text=True)
        assert reply.status_code == 200, path
        assert key not in html and "/complaints/track/" not in html, path
