"""An anonymous respondent leaves contact details after answering: the response joins one
customer through the common matching, consent is kept, and a low score is followed up."""
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, Complaint, ConsentRecord, ContactPurpose, Customer
from survey_app.services.customers import consent
from survey_app.services import surveys
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from survey_app.services.errors import Conflict, InvalidInput
from survey_app.services.customers.merges import merge_customers, undo_merge
from tests.factories import make_response, make_survey


pytestmark = pytest.mark.usefixtures("english_request")


def anonymous_answer(survey, values):
    return make_response(survey, values)


def test_details_join_the_known_customer_and_open_the_follow_up(app):
    known, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    survey = make_survey("pulse", "nps-pulse")
    response = anonymous_answer(survey, {"nps": 2, "csat": 1, "reason": "Nobody answered the phone"})
    assert surveys.may_leave_contact(response)
    customer = surveys.leave_contact(response, name="Li Lei", phone="138 0013 8000", email="LI@example.com")
    assert customer.id == known.id and response.customer_id == known.id and customer.email == "li@example.com"
    granted = db.session.scalars(sa.select(ConsentRecord.channel).where(
        ConsentRecord.customer_id == known.id, ConsentRecord.purpose == ContactPurpose.FOLLOW_UP)).all()
    assert sorted(granted) == ["email", "phone", "sms"]
    [follow_up] = db.session.scalars(sa.select(Complaint).where(Complaint.channel == Channel.SURVEY)).all()
    assert follow_up.response_id == response.id and "Nobody answered the phone" in follow_up.description
    assert not surveys.may_leave_contact(response)
    with pytest.raises(Conflict):
        surveys.leave_contact(response, name=None, phone="13900139000", email=None)


def test_a_satisfied_stranger_becomes_a_customer_without_a_case(app):
    survey = make_survey("pulse", "nps-pulse")
    response = anonymous_answer(survey, {"nps": 10, "csat": 5})
    customer = surveys.leave_contact(response, name="", phone=None, email="wang@example.com")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 1
    assert customer.email == "wang@example.com" and consent.may_contact(customer, "email", "follow_up").allowed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_bad_details_are_named_and_nothing_is_stored(app):
    survey = make_survey("pulse", "nps-pulse")
    response = anonymous_answer(survey, {"nps": 3, "csat": 2})
    with pytest.raises(InvalidInput) as refused:
        surveys.leave_contact(response, name="Li", phone="12", email="nobody")
    assert set(refused.value.field_errors) == {"phone", "email"}
    with pytest.raises(InvalidInput) as refused:
        surveys.leave_contact(response, name="Li", phone=" ", email="")
    assert set(refused.value.field_errors) == {"phone"}
    db.session.expire_all()
    assert response.customer_id is None and db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) == 0


def test_a_draft_takes_no_details(app):
    survey = make_survey("shop")
    draft = make_response(survey, {}, submitted=False, page=1)
    assert not surveys.may_leave_contact(draft)
    with pytest.raises(Conflict):
        surveys.leave_contact(draft, name=None, phone="13800138000", email=None)


def test_details_given_with_an_absorbed_customers_email_go_back_on_undo(app, staff):
    survivor, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    absorbed, _ = resolve_customer(ContactKeys.parse(email="li@example.com"), "Li Lei")
    db.session.commit()
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    response = anonymous_answer(make_survey("pulse", "nps-pulse"), {"nps": 9, "csat": 5})
    surveys.leave_contact(response, name=None, phone=None, email="li@example.com")
    assert response.customer_id == survivor.id
    undo_merge(merge, actor=staff["admin"])
    db.session.expire_all()
    assert response.customer_id == absorbed.id
