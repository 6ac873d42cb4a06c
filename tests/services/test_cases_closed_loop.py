"""The closed loop: a low survey score opens one follow-up case; a closed case invites the customer
to the handling-satisfaction survey."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState, Channel, Complaint, ConsentSource, ContactChannel, ContactPurpose, Invitation
from survey_app.models.base import now_utc
from survey_app.services import cases
from survey_app.services.customers import consent
from survey_app.services.cases.workflow import CUSTOMER_ACTOR, Actor
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from survey_app.services.surveys.invitations import find_invitation, issue_invitation
from tests.factories import make_complaint, make_response, make_survey, make_user, put_case_in


pytestmark = pytest.mark.usefixtures("english_request")


def answer(app, survey, values, *, invited=True):
    invitation = None
    if invited:
        customer, _ = resolve_customer(ContactKeys.parse("13800138000", "li@example.com"), "Li")
        invitation = issue_invitation(survey, None, customer.id, {}, app.config["SECRET_KEY"], now_utc(), 30)
        db.session.commit()
    return make_response(survey, values, invitation=invitation)


def follow_ups():
    return db.session.scalars(sa.select(Complaint).where(Complaint.channel == Channel.SURVEY)).all()


@pytest.mark.parametrize("values, opens", [
    ({"nps": 3, "csat": 4}, True),  # a detractor
    ({"nps": 8, "csat": 2}, True),  # satisfaction 2.5 of 10
    ({"nps": 9, "csat": 4}, False),
])
def test_low_score_opens_one_follow_up_case(app, values, opens):
    survey = make_survey("pulse", "nps-pulse")
    response = answer(app, survey, {**values, "reason": "Queue too long"})
    found = follow_ups()
    assert len(found) == (1 if opens else 0)
    if opens:
        assert found[0].response_id == response.id and "Queue too long" in found[0].description
        assert found[0].case.state is CaseState.RECEIVED
        assert cases.open_follow_up(response) is None  # one case per response, however often asked
        assert len(follow_ups()) == 1


def test_follow_up_case_sends_no_complaint_acknowledgement(app, mailbox):
    survey = make_survey("pulse", "nps-pulse")
    answer(app, survey, {"nps": 2, "csat": 1, "reason": "Rude staff"})
    assert len(follow_ups()) == 1
    assert mailbox() == []  # the customer filed no complaint; staff call them


def test_anonymous_or_opted_out_responses_open_nothing(app):
    survey = make_survey("pulse", "nps-pulse")
    answer(app, survey, {"nps": 1, "csat": 1}, invited=False)
    customer, _ = resolve_customer(ContactKeys.parse("13800138000", "li@example.com"), "Li")
    consent.set_consent(customer, granted=False, source=ConsentSource.STAFF, channels=[ContactChannel.PHONE],
                        purposes=[ContactPurpose.FOLLOW_UP])
    answer(app, survey, {"nps": 1, "csat": 1})
    assert follow_ups() == []


def test_threshold_is_configuration(app, configure):
    configure(FOLLOW_UP_SCORE=8, FOLLOW_UP_NPS_DETRACTORS=False)
    survey = make_survey("pulse", "nps-pulse")
    answer(app, survey, {"nps": 2, "csat": 4})  # 7.5 of 10, under 8
    assert len(follow_ups()) == 1


def test_closing_invites_to_the_handling_survey_once(app):
    case = put_case_in(make_complaint(email="li@example.com").case, CaseState.RESPONDED, root_cause="x",
                       resolution_code="upheld", decision="Sorry")
    case.remedy = "apology"
    db.session.commit()
    cases.transition(case, "accept", CUSTOMER_ACTOR, expected_version=case.version)
    invitation = case.handling_invitation
    assert invitation.survey.slug == "complaint-handling" and invitation.customer_id == case.complaint.customer_id
    url = cases.handling_survey_url(case)
    assert find_invitation(url.rsplit("/", 1)[1]).id == invitation.id
    boss = Actor.staff(make_user("boss", "supervisor"))
    for event, fields in [("reopen", {"message": "again"}), ("escalate", {"reason": "unhappy"}),
                          ("close_unresolved", {"recourse": "Consumer association"})]:
        cases.transition(case, event, boss, expected_version=case.version, fields=fields)
    assert case.state is CaseState.CLOSED_UNRESOLVED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1


def test_customer_writing_after_the_window_opens_a_linked_case(app):
    case = put_case_in(make_complaint().case, CaseState.CLOSED_ACCEPTED, closed_at=now_utc() - timedelta(days=30))
    new_case = cases.customer_writes(case, "It broke again", expected_version=case.version)
    assert new_case.id != case.id and new_case.follows_case_id == case.id
    assert new_case.complaint.description == "It broke again" and case.state is CaseState.CLOSED_ACCEPTED
    recent = put_case_in(make_complaint("other").case, CaseState.CLOSED_ACCEPTED, closed_at=now_utc())
    assert cases.customer_writes(recent, "Still wrong", expected_version=recent.version) is recent
    assert recent.state is CaseState.INVESTIGATING
