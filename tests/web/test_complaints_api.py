"""The JSON API for complaints (bearer tokens) and the complaint commands."""
import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from survey_app.extensions import db
from survey_app.models import CaseState, Channel, Complaint, StaffUser
from survey_app.services.platform.api_tokens import create_token
from tests.factories import make_complaint, make_user

BODY = {"category": "delivery_installation", "description": "Fridge delivered damaged", "phone": "13800138000",
        "channel": "phone", "severity": "high", "occurred_on": "2026-03-01", "consent_to_contact": True}


@pytest.fixture
def token(app):
    return create_token(make_user("crm", "agent"), "crm system")


def post(client, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api/v1/complaints", json=body, headers={**headers, "Accept-Language": "en"})


def test_api_files_a_complaint(client, token):
    reply = post(client, BODY, token)
    assert reply.status_code == 201
    data = reply.get_json()
    complaint = db.session.scalar(sa.select(Complaint))
    assert data["reference"] == complaint.reference and data["case"]["state"] == "received"
    assert complaint.channel is Channel.PHONE and complaint.case.severity.value == "high"
    assert complaint.entered_by_id == db.session.scalar(sa.select(StaffUser.id).where(StaffUser.username == "crm"))
    assert client.get(data["tracking_url"].split("5000", 1)[1]).status_code == 200


@pytest.mark.parametrize("headers_token", [None, "wrong"])
def test_api_needs_a_valid_token(client, app, headers_token):
    reply = post(client, BODY, headers_token)
    assert reply.status_code == 401 and reply.is_json


def test_api_refuses_the_token_of_a_disabled_account(client, app):
    user = make_user("kiosk", "agent")
    token = create_token(user, "kiosk")
    assert post(client, BODY, token).status_code == 201
    user.active = False
    db.session.commit()
    assert post(client, {**BODY, "phone": "13900139000"}, token).status_code == 401


@pytest.mark.parametrize("changes, field", [
    ({"category": "weather"}, "category"), ({"description": ""}, "description"),
    ({"occurred_on": "yesterday"}, "occurred_on"), ({"channel": "survey"}, "channel"),
    ({"phone": 13800138000}, "phone"), ({"phone": None}, "phone"), ({"consent_to_contact": "yes"}, "consent_to_contact"),
])
def test_api_names_the_fields_to_fix(client, token, changes, field):
    reply = post(client, {**BODY, **changes}, token)
    assert reply.status_code == 422 and field in reply.get_json()["fields"]


def test_api_needs_a_json_object(client, token):
    assert post(client, ["not", "an", "object"], token).status_code == 422


def test_check_sla_command_escalates(app, runner):
    with freeze_time("2026-03-02 01:00:00"), app.test_request_context():
        case = make_complaint().case
    with freeze_time("2026-03-02 07:00:00"):
        result = runner.invoke(args=["cases", "check-sla"])
    assert f"escalated {case.reference}" in result.output
    db.session.expire_all()
    assert case.state is CaseState.ESCALATED


def test_api_token_command(app, runner):
    make_user("crm", "agent")
    result = runner.invoke(args=["api-tokens", "create", "crm", "crm system"])
    assert result.exit_code == 0 and len(result.output.strip()) >= 40
    assert runner.invoke(args=["api-tokens", "create", "nobody", "x"]).exit_code != 0


def test_text_longer_than_its_field_is_named_not_stored(client, token):
    reply = post(client, {**BODY, "name": "n" * 201, "location": "l" * 201, "desired_outcome": "d" * 2001}, token)
    assert reply.status_code == 422
    assert set(reply.get_json()["fields"]) == {"name", "location", "desired_outcome"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_a_nul_character_is_refused_not_stored(client, token):
    reply = post(client, {**BODY, "description": "x\u0000y"}, token)
    assert reply.status_code == 422 and set(reply.get_json()["fields"]) == {"description"}


def test_every_api_error_has_the_same_shape(client):
    reply = post(client, BODY, "wrong")
    assert reply.status_code == 401 and set(reply.get_json()) >= {"error", "fields", "status"}


def test_a_value_the_database_refuses_is_a_400_not_a_500(app, client):
    import sqlalchemy as sa

    @app.get("/api/v1/test-unstorable")
    def unstorable():
        raise sa.exc.DataError("INSERT …", {}, Exception("invalid byte sequence"))

    reply = client.get("/api/v1/test-unstorable", headers={"Accept-Language": "en"})
    assert reply.status_code == 400 and "cannot be stored" in reply.get_json()["error"]
