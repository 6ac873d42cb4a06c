"""The case workflow: every (state, event, role) allowed or refused, required fields, guards,
the event log as the source of truth, and two agents editing one case at once."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm.attributes import set_committed_value

from survey_app.extensions import db
from survey_app.models import ActorKind, CaseEvent, CaseState, Remedy, Role, StaffUser, Team
from survey_app.models.base import now_utc
from survey_app.services import cases
from survey_app.services.cases import workflow
from survey_app.services.cases.events import Event
from survey_app.services.cases.workflow import CUSTOMER_ACTOR, SYSTEM_ACTOR, Actor, Transition
from survey_app.services.errors import Conflict, InvalidInput
from tests.factories import make_complaint, make_user, put_case_in

S = CaseState
STAFF = {Role.AGENT, Role.SUPERVISOR, Role.ADMIN}
SUPERVISORS = {Role.SUPERVISOR, Role.ADMIN}
CUSTOMER, SYSTEM = ActorKind.CUSTOMER, ActorKind.SYSTEM
NOT_CLOSED = {S.RECEIVED, S.ASSESSING, S.INVESTIGATING, S.WAITING_CUSTOMER, S.WAITING_INTERNAL,
              S.PENDING_APPROVAL, S.RESPONDED, S.ESCALATED}
ROLES = (*Role, CUSTOMER, SYSTEM)

# The specification, written out independently of the table in services/cases/workflow.py:
# event -> {state it may start from: the roles that may make it}.
ALLOWED = {
    "acknowledge": {S.RECEIVED: STAFF},
    "investigate": {S.ASSESSING: STAFF},
    "reject": {S.ASSESSING: STAFF},
    "ask_customer": {S.ASSESSING: STAFF, S.INVESTIGATING: STAFF},
    "customer_replied": {S.WAITING_CUSTOMER: STAFF | {CUSTOMER}},
    "wait_internal": {S.INVESTIGATING: STAFF},
    "resume": {S.WAITING_INTERNAL: STAFF},
    "request_approval": {S.INVESTIGATING: STAFF, S.ESCALATED: STAFF},
    "approve": {S.PENDING_APPROVAL: SUPERVISORS},
    "decline": {S.PENDING_APPROVAL: SUPERVISORS},
    "respond": {S.INVESTIGATING: STAFF, S.ESCALATED: STAFF},
    "accept": {S.RESPONDED: STAFF | {CUSTOMER}},
    "contest": {S.RESPONDED: STAFF | {CUSTOMER}},
    # Not from pending approval: the request would be lost, and it is with the supervisors already.
    "escalate": {state: STAFF | {SYSTEM} for state in NOT_CLOSED - {S.ESCALATED, S.PENDING_APPROVAL}},
    "take_over": {S.ESCALATED: SUPERVISORS},
    "close_unresolved": {S.RESPONDED: SUPERVISORS, S.ESCALATED: SUPERVISORS},
    "withdraw": {state: STAFF | {CUSTOMER} for state in NOT_CLOSED},
    "reopen": {S.CLOSED_ACCEPTED: SUPERVISORS | {CUSTOMER}, S.CLOSED_UNRESOLVED: SUPERVISORS | {CUSTOMER}},
    "merge": {state: STAFF for state in NOT_CLOSED},
    # Offered only where a complaint is entered; its guards bind it to that step (test_cases_first_contact.py).
    "settle": {S.RECEIVED: STAFF},
}
TARGET = {
    "acknowledge": S.ASSESSING, "investigate": S.INVESTIGATING, "reject": S.NOT_A_COMPLAINT,
    "ask_customer": S.WAITING_CUSTOMER, "customer_replied": S.INVESTIGATING, "wait_internal": S.WAITING_INTERNAL,
    "resume": S.INVESTIGATING, "request_approval": S.PENDING_APPROVAL, "approve": S.RESPONDED,
    "decline": S.INVESTIGATING, "respond": S.RESPONDED, "accept": S.CLOSED_ACCEPTED, "contest": S.INVESTIGATING,
    "escalate": S.ESCALATED, "take_over": S.INVESTIGATING, "close_unresolved": S.CLOSED_UNRESOLVED,
    "withdraw": S.WITHDRAWN, "reopen": S.INVESTIGATING, "merge": S.MERGED, "settle": S.CLOSED_ACCEPTED,
}
CLOSURE = {"root_cause": "Seal fitted badly", "resolution_code": "upheld", "remedy": "apology"}
FIELDS = {
    "investigate": {"severity": "high"},
    "reject": {"reason": "A question about opening hours."},
    "ask_customer": {"message": "Which store was it?"},
    "customer_replied": {"message": "The north store."},
    "wait_internal": {"message": "Asked the warehouse."},
    "request_approval": {"decision": "We refund the set.", **CLOSURE, "remedy": "refund", "remedy_amount": "900"},
    "decline": {"message": "Offer a repair first."},
    "respond": {"decision": "We replace the kettle.", **CLOSURE},
    "contest": {"message": "A replacement is not enough."},
    "escalate": {"reason": "Customer very upset."},
    "close_unresolved": {"recourse": "You may apply to the consumer association.", **CLOSURE},
    "withdraw": {"reason": "Sorted out in the store."},
    "reopen": {"message": "It leaks again."},
}


pytestmark = pytest.mark.usefixtures("english_request")


@pytest.fixture
def people(app):
    return {role: make_user(role, role) for role in ("agent", "supervisor", "manager", "admin")}


def actor_for(role: Role | ActorKind, people) -> Actor:
    if role is CUSTOMER:
        return CUSTOMER_ACTOR
    if role is SYSTEM:
        return SYSTEM_ACTOR
    return Actor.staff(people[role])


def test_the_specification_names_every_step_of_the_table():
    assert set(ALLOWED) == set(cases.EVENTS) == set(TARGET)


@pytest.mark.parametrize("event", sorted(ALLOWED))
def test_every_state_and_role_for_event(app, people, event):
    survivor = make_complaint("other", phone="13900139000").case
    mismatches = []
    for state in CaseState:
        filed = make_complaint()
        case = put_case_in(filed.case, state, closed_at=now_utc() if state.category == "closed" else None,
                           **{k: (Remedy(v) if k == "remedy" else v) for k, v in CLOSURE.items()})
        fields = dict(FIELDS.get(event, {}), **({"merged_into": survivor.id} if event == "merge" else {}))
        for role in ROLES:
            expected = role in ALLOWED[event].get(state, set())
            if (event in cases.allowed_events(case, actor_for(role, people))) != expected:
                mismatches.append((state.value, role.value, "not offered" if expected else "offered"))
            if event == "settle":
                continue
            try:
                record = workflow.apply(case, event, actor_for(role, people), expected_version=case.version,
                                        fields=fields, now=now_utc())
                outcome = record.to_state is TARGET[event]
            except Conflict:
                outcome = False
            if outcome != expected:
                mismatches.append((state.value, role.value, "refused" if expected else "allowed"))
            db.session.rollback()
    assert mismatches == [], f"{event}: wrong for {mismatches}"


@pytest.mark.parametrize("event", list(Event))
def test_every_event_has_a_label_in_each_language(app, event):
    with force_locale("en"):
        english = cases.event_label(event)
    with force_locale("zh"):
        chinese = cases.event_label(event)
    assert english == str(event.row.label) and english != event.value
    assert chinese not in (english, event.value)


def test_every_guard_and_choice_in_the_table_is_callable():
    for row in workflow.TRANSITIONS:
        assert all(callable(guard) for guard in (*workflow.ALWAYS, *row.guards)), row.event
        assert row.when is None or callable(row.when), row.event


def test_a_row_naming_a_guard_it_does_not_hold_cannot_be_built():
    sources = frozenset({S.RECEIVED})
    for bad in ({"guards": ("needs_approval",)}, {"guards": (lambda *args: None,)}, {"when": "contested_before"},
                {"when": workflow.needs_approval}, {"event": "acknowledge"}):
        with pytest.raises(TypeError):
            Transition(**{"event": Event.ACKNOWLEDGE, "sources": sources, "target": S.ASSESSING,
                          "roles": workflow.STAFF, **bad})


def test_a_chosen_row_has_a_row_to_fall_back_on():
    """Where a choice picks a target, a row without one takes the case otherwise, for the same states and roles."""
    for index, row in enumerate(workflow.TRANSITIONS):
        if row.when is not None:
            assert any(other.event is row.event and other.when is None and row.sources <= other.sources
                       and row.roles <= other.roles for other in workflow.TRANSITIONS[index + 1:]), row.event


def test_transition_appends_event_and_bumps_version(app, people):
    case = make_complaint().case
    record = cases.transition(case, "acknowledge", Actor.staff(people["agent"]), expected_version=1)
    assert (case.state, case.version) == (S.ASSESSING, 2)
    assert (record.from_state, record.to_state, record.actor_id, record.actor_kind) == (
        S.RECEIVED, S.ASSESSING, people["agent"].id, ActorKind.STAFF)


def test_missing_required_fields_are_named(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    with pytest.raises(InvalidInput) as refused:
        cases.transition(case, "respond", Actor.staff(people["agent"]), expected_version=case.version,
                         fields={"decision": "We are sorry."})
    assert set(refused.value.field_errors) == {"root_cause", "resolution_code", "remedy"}
    assert case.state is S.INVESTIGATING


def test_invalid_values_are_refused(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    with pytest.raises(InvalidInput) as refused:
        cases.transition(case, "respond", Actor.staff(people["agent"]), expected_version=case.version,
                         fields={"decision": "x", **CLOSURE, "remedy": "cash", "resolution_code": "maybe"})
    assert set(refused.value.field_errors) == {"remedy", "resolution_code"}


def test_refund_needs_an_amount_and_big_ones_need_approval(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    agent, supervisor = Actor.staff(people["agent"]), Actor.staff(people["supervisor"])
    fields = {"decision": "We refund you.", **CLOSURE, "remedy": "refund"}
    # What was typed is refused, not the step: the message belongs next to the amount.
    with pytest.raises(InvalidInput, match="amount") as refused:
        cases.transition(case, "respond", agent, expected_version=case.version, fields=fields)
    assert set(refused.value.field_errors) == {"remedy_amount"}
    with pytest.raises(InvalidInput, match="approval") as refused:
        cases.transition(case, "respond", agent, expected_version=case.version,
                         fields={**fields, "remedy_amount": "600"})
    assert set(refused.value.field_errors) == {"remedy_amount"}
    with pytest.raises(InvalidInput, match="within the limit"):
        cases.transition(case, "request_approval", agent, expected_version=case.version,
                         fields={**fields, "remedy_amount": "100"})
    cases.transition(case, "request_approval", agent, expected_version=case.version,
                     fields={**fields, "remedy_amount": "600"})
    assert case.state is S.PENDING_APPROVAL and case.remedy_amount == Decimal("600.00")
    cases.transition(case, "approve", supervisor, expected_version=case.version)
    assert case.state is S.RESPONDED


def test_a_supervisor_too_has_a_large_remedy_approved_by_someone_else(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    supervisor = Actor.staff(people["supervisor"])
    fields = {"decision": "We refund you.", **CLOSURE, "remedy": "refund", "remedy_amount": "700"}
    with pytest.raises(InvalidInput, match="other than you"):
        cases.transition(case, "respond", supervisor, expected_version=case.version, fields=fields)
    cases.transition(case, "request_approval", supervisor, expected_version=case.version, fields=fields)
    cases.transition(case, "decline", supervisor, expected_version=case.version, fields={"message": "Withdrawn."})
    with pytest.raises(InvalidInput, match="other than you"):
        cases.transition(case, "respond", supervisor, expected_version=case.version, fields=fields)
    assert case.state is S.INVESTIGATING


def test_nobody_approves_their_own_request(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    supervisor, other = Actor.staff(people["supervisor"]), Actor.staff(people["admin"])
    cases.transition(case, "request_approval", supervisor, expected_version=case.version,
                     fields={"decision": "We refund you.", **CLOSURE, "remedy": "refund", "remedy_amount": "800"})
    with pytest.raises(Conflict, match="another supervisor"):
        cases.transition(case, "approve", supervisor, expected_version=case.version)
    assert case.state is S.PENDING_APPROVAL
    cases.transition(case, "approve", other, expected_version=case.version)
    assert case.state is S.RESPONDED


def test_a_case_waiting_for_approval_keeps_its_request(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    cases.transition(case, "request_approval", Actor.staff(people["agent"]), expected_version=case.version,
                     fields={"decision": "We refund you.", **CLOSURE, "remedy": "refund", "remedy_amount": "800"})
    for role in ("agent", "supervisor"):
        with pytest.raises(Conflict):
            cases.transition(case, "escalate", Actor.staff(people[role]), expected_version=case.version,
                             fields={"reason": "Hurry."})
    assert (case.state, case.remedy_amount) == (S.PENDING_APPROVAL, Decimal("800.00"))


def test_the_customers_answer_returns_the_case_to_where_it_was_asked_from(app, people):
    agent = Actor.staff(people["agent"])
    for before, steps in ((S.ASSESSING, ["acknowledge"]), (S.INVESTIGATING, ["acknowledge", "investigate"])):
        case = make_complaint(phone=None, email=f"{before.value}@example.com").case
        for step in steps:
            cases.transition(case, step, agent, expected_version=case.version)
        cases.transition(case, "ask_customer", agent, expected_version=case.version, fields={"message": "Which store?"})
        cases.transition(case, "customer_replied", CUSTOMER_ACTOR, expected_version=case.version,
                         fields={"message": "North."})
        assert case.state is before


def test_second_contest_escalates(app, people):
    case = put_case_in(make_complaint().case, S.RESPONDED, **CLOSURE, decision="Sorry.")
    cases.transition(case, "contest", CUSTOMER_ACTOR, expected_version=case.version, fields={"message": "No."})
    assert case.state is S.INVESTIGATING
    cases.transition(case, "respond", Actor.staff(people["agent"]), expected_version=case.version,
                     fields={"decision": "We repair it.", **CLOSURE})
    cases.transition(case, "contest", CUSTOMER_ACTOR, expected_version=case.version, fields={"message": "Still no."})
    assert case.state is S.ESCALATED


def test_reopen_window_binds_the_customer_not_a_supervisor(app, people):
    case = put_case_in(make_complaint().case, S.CLOSED_ACCEPTED, closed_at=now_utc() - timedelta(days=20))
    with pytest.raises(Conflict, match="14 days"):
        cases.transition(case, "reopen", CUSTOMER_ACTOR, expected_version=case.version, fields={"message": "Again"})
    cases.transition(case, "reopen", Actor.staff(people["supervisor"]), expected_version=case.version,
                     fields={"message": "Customer called"})
    assert case.state is S.INVESTIGATING and case.closed_at is None


def test_agent_of_another_team_is_refused(app, people):
    db.session.add(Team(name="returns", categories=["product"]))
    db.session.commit()
    case = make_complaint("product").case
    assert case.team.name == "returns" and case.assignee_id is None
    outsider = Actor.staff(make_user("outsider", "agent", team="front"))
    with pytest.raises(Conflict, match="another team"):
        cases.transition(case, "acknowledge", outsider, expected_version=1)
    insider = Actor.staff(make_user("insider", "agent", team="returns"))
    cases.transition(case, "acknowledge", insider, expected_version=1)


def test_closing_records_closure_fields_and_projection_matches_log(app, people):
    agent = Actor.staff(people["agent"])
    case = make_complaint().case
    for event, fields in [("acknowledge", {}), ("investigate", {"severity": "high"}),
                          ("respond", {"decision": "We replace it.", **CLOSURE, "remedy": "replacement"})]:
        cases.transition(case, event, agent, expected_version=case.version, fields=fields)
    cases.transition(case, "accept", CUSTOMER_ACTOR, expected_version=case.version)
    assert case.state is S.CLOSED_ACCEPTED and case.closed_at is not None
    projected = cases.project(cases.events_of(case))
    assert projected["state"] is case.state
    for name in ("root_cause", "resolution_code", "decision"):
        assert projected[name] == getattr(case, name)
    assert projected["remedy"] == case.remedy.value and projected["severity"] == case.severity.value


def test_two_agents_edit_one_case_one_wins(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    first, second = Actor.staff(people["agent"]), Actor.staff(make_user("agent2", "agent"))
    seen = case.version
    cases.transition(case, "wait_internal", first, expected_version=seen, fields={"message": "Asked stock."})
    with pytest.raises(Conflict, match="Someone else changed"):
        cases.transition(case, "respond", second, expected_version=seen,
                         fields={"decision": "Refund", **CLOSURE})
    db.session.expire_all()
    assert case.state is S.WAITING_INTERNAL and case.decision is None
    names = db.session.scalars(sa.select(CaseEvent.name).where(CaseEvent.case_id == case.id)).all()
    assert names.count("wait_internal") == 1 and "respond" not in names
    with pytest.raises(Conflict):
        cases.add_message(case, second, "note", public=False, expected_version=seen)


def test_a_write_racing_past_the_check_overwrites_nothing(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    seen = case.version
    # Another process commits between our read and our write: the row moves on, our copy does not.
    db.session.execute(sa.text("UPDATE complaint_case SET version = version + 1, root_cause = 'theirs' WHERE id = :id"),
                       {"id": case.id})
    db.session.commit()
    set_committed_value(case, "version", seen)
    set_committed_value(case, "root_cause", None)
    with pytest.raises(Conflict, match="Someone else changed"):
        cases.transition(case, "respond", Actor.staff(people["agent"]), expected_version=seen,
                         fields={"decision": "Mine", **CLOSURE})
    db.session.expire_all()
    assert case.root_cause == "theirs" and case.state is S.INVESTIGATING


def test_notes_are_internal_and_replies_public(app, people):
    case = make_complaint().case
    agent = Actor.staff(people["agent"])
    cases.add_message(case, agent, "Called the store.", public=False, expected_version=case.version)
    cases.add_message(case, agent, "We are on it.", public=True, expected_version=case.version)
    public = [e.body for e in cases.events_of(case, public_only=True)]
    assert public == ["We are on it."]
    with pytest.raises(InvalidInput):
        cases.add_message(case, agent, "   ", public=False, expected_version=case.version)


def test_merge_keeps_both_histories(app, people):
    agent = Actor.staff(people["agent"])
    first = make_complaint().case
    second = make_complaint().case
    assert second.complaint.possible_duplicate_of_id == first.complaint.id
    cases.merge(second, first, agent, expected_version=second.version)
    assert second.state is S.MERGED and second.merged_into_id == first.id
    assert [e.name for e in cases.events_of(second)] == ["receive", "merge"]
    assert [e.name for e in cases.events_of(first)] == ["receive", "merged_in"]
    with pytest.raises(Conflict):
        cases.merge(first, first, agent, expected_version=first.version)


def test_reassign_is_for_supervisors(app, people):
    case = make_complaint().case
    with pytest.raises(Conflict):
        cases.reassign(case, Actor.staff(people["agent"]), team_id=None, assignee_id=people["agent"].id,
                       expected_version=case.version)
    cases.reassign(case, Actor.staff(people["supervisor"]), team_id=None, assignee_id=people["agent"].id,
                   expected_version=case.version)
    assert db.session.get(StaffUser, case.assignee_id).username == "agent"


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e999", "-5", "-0.001", "0.001", "12.345", "99999999999"])
def test_amounts_the_database_cannot_hold_are_refused(app, people, amount):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    with pytest.raises(InvalidInput) as refused:
        cases.transition(case, "respond", Actor.staff(people["supervisor"]), expected_version=case.version,
                         fields={"decision": "We refund you.", **CLOSURE, "remedy": "refund", "remedy_amount": amount})
    assert set(refused.value.field_errors) == {"remedy_amount"}


def test_a_refund_of_nothing_is_no_refund(app, people):
    case = put_case_in(make_complaint().case, S.INVESTIGATING)
    with pytest.raises(InvalidInput, match="needs an amount"):
        cases.transition(case, "respond", Actor.staff(people["agent"]), expected_version=case.version,
                         fields={"decision": "We refund you.", **CLOSURE, "remedy": "refund", "remedy_amount": "0"})


def test_a_bad_amount_is_named_as_an_amount(app):
    from flask_babel import force_locale

    from survey_app.models import CaseState
    from survey_app.services.cases.workflow import Actor, transition
    from survey_app.services.errors import InvalidInput
    from tests.factories import make_complaint, make_user, put_case_in

    agent = make_user("amount-agent", "agent", team="front-line")
    case = make_complaint().case
    put_case_in(case, CaseState.INVESTIGATING)
    fields = {"root_cause": "Seal", "resolution_code": "upheld", "remedy": "refund", "remedy_amount": "abc",
              "decision": "We refund you."}
    with force_locale("en"), pytest.raises(InvalidInput) as refused:
        transition(case, "respond", Actor.staff(agent), expected_version=case.version, fields=fields)
    assert refused.value.field_errors["remedy_amount"] == "Enter an amount of money, e.g. 120.00."
