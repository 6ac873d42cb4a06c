"""Settled at first contact: the person taking a small complaint closes it in the same step,
within their limit, with the full log, the closure fields, the handling survey and the rate."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState, Channel, Complaint, Invitation
from survey_app.models.base import now_utc
from survey_app.services import cases
from survey_app.services.cases import first_contact
from survey_app.services.platform import users
from survey_app.services.cases.workflow import Actor
from survey_app.services.cases.intake import ComplaintInput
from survey_app.services.errors import Conflict, InvalidInput
from tests.factories import make_complaint, make_user

SETTLED = {"decision": "We are sorry: the cashier was wrong, and we took it up with the store.",
           "root_cause": "Cashier not trained on returns", "resolution_code": "upheld", "remedy": "apology"}


pytestmark = pytest.mark.usefixtures("english_request")


@pytest.fixture
def agent(app):
    return Actor.staff(make_user("agent", "agent", team="front"))


def call(**overrides) -> ComplaintInput:
    return ComplaintInput(**{"category": "service_attitude", "description": "The cashier shouted at me.",
                             "phone": "13800138000", "email": "li@example.com", "consent_to_contact": True,
                             "channel": Channel.PHONE, **overrides})


def test_an_apology_closes_the_complaint_in_the_step_that_records_it(app, agent, mailbox):
    filed = first_contact.settle_at_first_contact(call(), agent, SETTLED)
    case = filed.case
    assert (case.state, case.first_contact, case.assignee_id) == (CaseState.CLOSED_ACCEPTED, True, agent.user.id)
    assert (case.root_cause, case.resolution_code, case.remedy.value) == (
        "Cashier not trained on returns", "upheld", "apology")
    events = cases.events_of(case)
    assert [e.name for e in events] == ["receive", "settle"]
    assert events[1].changes["first_contact"] is True and events[1].public
    projected = cases.project(events)
    assert (projected["state"], projected["first_contact"], projected["remedy"]) == (case.state, True, "apology")
    invitation = db.session.get(Invitation, case.handling_invitation_id)
    assert invitation is not None and invitation.survey.slug == "complaint-handling"
    # One email: the outcome with the survey link, not "we have received your complaint".
    (message,) = mailbox()
    body = message.get_payload(decode=True).decode()
    assert "cashier was wrong" in body and "/i/" in body and "received your complaint" not in body


def test_a_goodwill_gesture_within_the_limit_and_not_beyond(app, agent, configure):
    configure(FIRST_CONTACT_LIMIT="50")
    with pytest.raises(InvalidInput) as refused:
        first_contact.settle_at_first_contact(call(), agent, {**SETTLED, "remedy": "goodwill", "remedy_amount": "80"})
    assert set(refused.value.field_errors) == {"remedy_amount"} and "50" in refused.value.field_errors["remedy_amount"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0
    case = first_contact.settle_at_first_contact(call(), agent, {**SETTLED, "remedy": "goodwill", "remedy_amount": "50"}).case
    assert case.remedy_amount == Decimal("50.00") and case.is_closed


def test_a_person_s_own_limit_comes_before_the_default(app, agent):
    users.set_settlement_limit("agent", "300")
    case = first_contact.settle_at_first_contact(call(), agent, {**SETTLED, "remedy": "goodwill", "remedy_amount": "250"}).case
    assert case.first_contact
    users.set_settlement_limit("agent", "default")
    with pytest.raises(InvalidInput):
        first_contact.settle_at_first_contact(call(phone="13900139000"), agent,
                                              {**SETTLED, "remedy": "goodwill", "remedy_amount": "250"})


def test_only_small_remedies_settle_at_first_contact(app, agent):
    with pytest.raises(InvalidInput) as refused:
        first_contact.settle_at_first_contact(call(), agent, {**SETTLED, "remedy": "refund", "remedy_amount": "10"})
    assert set(refused.value.field_errors) == {"remedy"}


def test_every_correction_is_named_at_once(app, agent):
    with pytest.raises(InvalidInput) as refused:
        first_contact.settle_at_first_contact(call(phone="12", email="nobody", description=""), agent,
                                              {"remedy": "goodwill", "remedy_amount": "lots"})
    assert set(refused.value.field_errors) == {"phone", "email", "description", "remedy_amount"}
    with pytest.raises(InvalidInput) as refused:
        first_contact.settle_at_first_contact(call(), agent, {"remedy": "apology"})
    assert set(refused.value.field_errors) == {"decision", "root_cause", "resolution_code"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_a_complaint_filed_elsewhere_is_not_settled_by_the_first_contact_step(app, agent):
    case = make_complaint().case
    with pytest.raises(Conflict, match="taking a complaint"):
        cases.transition(case, "settle", agent, expected_version=case.version, fields=SETTLED)
    assert case.state is CaseState.RECEIVED
    assert "settle" not in [e for e in cases.allowed_events(case, agent) if not e.row.entry_only]


def test_first_contact_rate_counts_complaints_not_duplicates(app, agent):
    first_contact.settle_at_first_contact(call(), agent, SETTLED)
    make_complaint("product", phone="13900139000")
    duplicate = make_complaint("product", phone="13900139000").case
    survivor = db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()[1].case
    cases.merge(duplicate, survivor, agent, expected_version=duplicate.version)
    assert first_contact.first_contact_rate(now_utc() - timedelta(days=30)) == (1, 2)
    assert first_contact.first_contact_rate(now_utc() + timedelta(minutes=1)) == (0, 0)


def test_the_person_settling_handles_it_whatever_team_its_category_goes_to(app, agent):
    from survey_app.models import Team

    db.session.add(Team(name="returns", categories=["service_attitude"], strategy="round_robin"))
    db.session.commit()
    case = first_contact.settle_at_first_contact(call(), agent, SETTLED).case
    assert case.team.name == "returns" and case.assignee_id == agent.user.id and case.first_contact
