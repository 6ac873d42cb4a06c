"""The JSON API for customers: the import's matching rules and value fields, one record a request."""
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Customer, DuplicateCandidate
from survey_app.services.platform.api_tokens import create_token
from tests.factories import make_user


@pytest.fixture
def token(app):
    return create_token(make_user("crm", "supervisor"), "crm system")


def post(client, body, token):
    return client.post("/api/v1/customers", json=body,
                       headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})


def test_api_creates_then_matches_with_value_fields(client, token):
    body = {"name": "Li Lei", "phone": "138 0013 8000", "reference": "VIP-7", "annual_spend": "12,800.50",
            "first_purchase_on": "2019-04-02", "purchase_count": 14, "segments": {"tier": "gold"}}
    reply = post(client, body, token)
    assert reply.status_code == 201
    data = reply.get_json()
    assert data["created"] is True and data["review"] is False
    assert data["customer"] == {"name": "Li Lei", "phone": "+8613800138000", "email": None, "reference": "VIP-7",
                                "annual_spend": "12800.50", "first_purchase_on": "2019-04-02",
                                "purchase_count": 14, "segments": {"tier": "gold"}}
    assert reply.headers["Location"].endswith(f"/staff/customers/{data['id']}")
    again = post(client, {"email": "li@example.com", "reference": "VIP-7", "purchase_count": 15}, token)
    assert again.status_code == 200 and again.get_json()["id"] == data["id"]
    customer = db.session.get(Customer, data["id"])
    assert (customer.email, customer.purchase_count, customer.annual_spend) == ("li@example.com", 15, Decimal("12800.50"))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1


def test_a_shared_key_goes_to_review_not_merged(client, token):
    first = post(client, {"phone": "13800138000"}, token).get_json()["id"]
    second = post(client, {"email": "li@example.com"}, token).get_json()["id"]
    reply = post(client, {"phone": "13800138000", "email": "li@example.com"}, token)
    assert reply.get_json()["review"] is True and first != second
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DuplicateCandidate)) == 1


def test_bad_fields_are_all_named(client, token):
    reply = post(client, {"phone": "12", "email": "nobody", "annual_spend": "lots", "first_purchase_on": "soon",
                          "purchase_count": -3, "segments": ["north"], "name": 7}, token)
    assert reply.status_code == 422
    assert set(reply.get_json()["fields"]) == {"phone", "email", "annual_spend", "first_purchase_on",
                                               "purchase_count", "segments", "name"}
    assert post(client, {"name": "Nobody"}, token).status_code == 422
    long = post(client, {"name": "x" * 201, "reference": "R" * 65, "email": "a" * 250 + "@example.com"}, token)
    assert long.status_code == 422 and set(long.get_json()["fields"]) == {"name", "reference", "email"}
    huge = post(client, {"phone": "13800138000", "purchase_count": 10**12, "annual_spend": "1e15"}, token)
    assert huge.status_code == 422 and set(huge.get_json()["fields"]) == {"purchase_count", "annual_spend"}
    future = post(client, {"phone": "13800138000", "first_purchase_on": "2999-01-01", "purchase_count": True}, token)
    assert set(future.get_json()["fields"]) == {"first_purchase_on", "purchase_count"}
    for spend in ("-100", "12.345"):
        assert set(post(client, {"phone": "13800138000", "annual_spend": spend}, token).get_json()["fields"]) == {
            "annual_spend"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_agents_tokens_may_not_import_customers(client, app):
    agent_token = create_token(make_user("desk", "agent"), "desk")
    assert post(client, {"phone": "13800138000"}, agent_token).status_code == 403
    assert client.post("/api/v1/customers", json={"phone": "13800138000"}).status_code == 401


def test_a_record_whose_phone_is_another_persons_changes_nothing_of_theirs(client, token):
    wang = post(client, {"name": "Wang Fang", "phone": "13800138000", "segments": {"tier": "gold"}}, token).get_json()
    reply = post(client, {"name": "Zhang Wei", "phone": "13800138000", "purchase_count": 3,
                          "segments": {"tier": "bronze"}}, token)
    data = reply.get_json()
    assert reply.status_code == 201 and data["created"] is True and data["review"] is True and data["id"] != wang["id"]
    kept = db.session.get(Customer, wang["id"])
    assert (kept.name, kept.segments, kept.purchase_count) == ("Wang Fang", {"tier": "gold"}, None)
    garbled = post(client, {"name": "Li \ufffd", "phone": "13900139000"}, token)
    assert garbled.status_code == 422 and set(garbled.get_json()["fields"]) == {"name"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 2
