"""The deadline kept on each case (services/cases/deadlines.py) is what the clocks counted from its
log say, after every kind of write, at every later moment until the next write; the migration's
back-fill and the recount after a policy change give the same rows."""
import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from survey_app.extensions import db
from survey_app.models import Case, CaseState, Channel, Severity, SlaPolicy
from survey_app.services import cases
from survey_app.services.cases import sla
from survey_app.services.cases.deadlines import (
    CLOSED_BAND,
    DEADLINE_COLUMNS,
    RUNNING_BAND,
    SLA_SEVERITY,
    STOPPED_BAND,
    recompute_deadlines,
    sla_state_of,
)
from survey_app.services.cases.first_contact import settle_at_first_contact
from survey_app.services.cases.workflow import CUSTOMER_ACTOR, Actor
from tests.factories import make_complaint, make_user
from tests.services.test_sla import local

pytestmark = pytest.mark.usefixtures("english_request")
# Moments after a write at which the kept row is read against the clocks: within the hour, the
# night, the weekend, past every target.
LATER = [timedelta(0), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5), timedelta(hours=9),
         timedelta(hours=15), timedelta(days=1), timedelta(days=2, hours=3), timedelta(days=4), timedelta(days=8),
         timedelta(days=21)]
CLOSURE = {"decision": "We replace the kettle.", "root_cause": "Seal", "resolution_code": "upheld",
           "remedy": "replacement"}


def live(case: Case, now) -> tuple:
    """The deadline and SLA state the queue showed before they were kept: from the clocks at ``now``."""
    clocks = sla.clocks_for([case], now)[case.id]
    shown = [c.due_at for c in clocks if c.state.value in ("ok", "warning", "breached")]
    return min(shown) if shown else None, min((c.state.value for c in clocks), key=SLA_SEVERITY.index)


def live_band(case: Case, now) -> int:
    clocks = sla.clocks_for([case], now)[case.id]
    if case.is_closed:
        return CLOSED_BAND
    running = any(c.met_at is None and case.state not in c.target.paused_in for c in clocks)
    return RUNNING_BAND if running else STOPPED_BAND


def assert_kept(case: Case, written_at) -> None:
    """The row as stored tells, at each moment after ``written_at``, what the clocks counted then say."""
    db.session.expire(case)
    for later in LATER:
        now = written_at + later
        assert (case.next_due_at, sla_state_of(case, now)) == live(case, now), (case.state, later)
    band = live_band(case, written_at)
    assert case.queue_band == band
    assert case.queue_at == (case.next_due_at if band == RUNNING_BAND else case.opened_at)


@pytest.fixture
def people(app):
    return {role: Actor.staff(make_user(role, role, team=None)) for role in ("agent", "supervisor", "admin")}


def step(case, event, actor, at, **fields):
    cases.transition(case, event, actor, expected_version=case.version, fields=fields, now=at)
    assert_kept(case, at)


def test_the_kept_deadline_is_the_clocks_after_every_step_of_a_case(app, people):
    # Severity high has targets of its own: the step that sets it moves every deadline.
    db.session.add(SlaPolicy(category="product", severity=Severity.HIGH,
                             hours={"acknowledge": 2, "first_response": 6, "resolution": 20}, warning_share=0.5))
    db.session.commit()
    agent, supervisor, admin = people["agent"], people["supervisor"], people["admin"]
    filed_at = local(2026, 3, 2, 8)  # a Monday, before opening
    case = make_complaint(now=filed_at).case
    assert_kept(case, filed_at)
    step(case, "acknowledge", agent, local(2026, 3, 2, 10))
    step(case, "investigate", agent, local(2026, 3, 2, 11), severity="high")
    cases.add_message(case, agent, "Checked the stock.", public=False, expected_version=case.version,
                      now=local(2026, 3, 2, 12))
    assert_kept(case, local(2026, 3, 2, 12))
    cases.add_message(case, agent, "We are on it.", public=True, expected_version=case.version,
                      now=local(2026, 3, 2, 13))
    assert_kept(case, local(2026, 3, 2, 13))
    step(case, "ask_customer", agent, local(2026, 3, 2, 14), message="A photo of the seam?")
    cases.customer_writes(case, "Here it is.", expected_version=case.version, now=local(2026, 3, 4, 10))
    assert_kept(case, local(2026, 3, 4, 10))
    step(case, "wait_internal", agent, local(2026, 3, 4, 11), message="Asked the warehouse.")
    step(case, "resume", agent, local(2026, 3, 4, 12))
    cases.reassign(case, supervisor, team_id=None, assignee_id=agent.user.id, expected_version=case.version,
                   now=local(2026, 3, 4, 13))
    assert_kept(case, local(2026, 3, 4, 13))
    step(case, "respond", agent, local(2026, 3, 5, 17, 30), **CLOSURE)
    step(case, "contest", CUSTOMER_ACTOR, local(2026, 3, 6, 9, 30), message="It leaks again.")
    step(case, "escalate", agent, local(2026, 3, 6, 10), reason="Second time.")
    step(case, "take_over", supervisor, local(2026, 3, 6, 11))
    step(case, "request_approval", agent, local(2026, 3, 9, 10), **{**CLOSURE, "remedy": "refund",
                                                                   "remedy_amount": "900"})
    step(case, "decline", admin, local(2026, 3, 9, 11), message="Replace it instead.")
    step(case, "respond", agent, local(2026, 3, 9, 12), **CLOSURE, remedy_amount=None)
    step(case, "accept", CUSTOMER_ACTOR, local(2026, 3, 10, 9))
    cases.customer_writes(case, "It broke again.", expected_version=case.version, now=local(2026, 3, 12, 9))
    assert case.state is CaseState.INVESTIGATING
    assert_kept(case, local(2026, 3, 12, 9))
    step(case, "withdraw", CUSTOMER_ACTOR, local(2026, 3, 12, 10), reason="Bought another.")
    assert case.queue_band == CLOSED_BAND


def test_a_merge_keeps_both_cases_deadlines(app, people):
    duplicate = make_complaint(now=local(2026, 3, 2, 9)).case
    survivor = make_complaint(phone="13900139000", now=local(2026, 3, 2, 10)).case
    cases.merge(duplicate, survivor, people["agent"], expected_version=duplicate.version, now=local(2026, 3, 2, 11))
    assert_kept(duplicate, local(2026, 3, 2, 11))
    assert_kept(survivor, local(2026, 3, 2, 11))


def test_settling_rejecting_and_a_follow_up_keep_their_deadlines(app, people):
    agent = people["agent"]
    data = cases.ComplaintInput(category="product", description="Rude at the till.", phone="13700137000",
                                consent_to_contact=True, channel=Channel.PHONE)
    settled = settle_at_first_contact(data, agent, {"decision": "Sorry.", "root_cause": "Staff",
                                                    "resolution_code": "upheld", "remedy": "apology"},
                                      now=local(2026, 3, 2, 9)).case
    assert_kept(settled, local(2026, 3, 2, 9))
    rejected = make_complaint(phone="13600136000", now=local(2026, 3, 2, 9)).case
    step(rejected, "acknowledge", agent, local(2026, 3, 2, 10))
    step(rejected, "reject", agent, local(2026, 3, 2, 11), reason="A question about opening hours.")


def test_a_clock_breached_before_it_stops_stays_breached(app, people):
    agent = people["agent"]
    case = make_complaint(now=local(2026, 3, 2, 9)).case
    step(case, "acknowledge", agent, local(2026, 3, 2, 9, 5))
    step(case, "investigate", agent, local(2026, 3, 2, 9, 10))
    # The resolution's 40 business hours ran out on Friday; the question stops its clock late.
    step(case, "ask_customer", agent, local(2026, 3, 10, 10), message="Still there?")
    assert sla_state_of(case, local(2026, 3, 20, 10)) == "breached" and case.queue_band == STOPPED_BAND


def test_a_clock_running_out_at_closing_time_is_breached_when_work_resumes(app):
    # Nine hours from before opening run out at 18:00 sharp: the night after, no business time has
    # passed beyond them, so the case warns until 09:00 and only then is breached; its deadline
    # stays 18:00 all the while.
    db.session.add(SlaPolicy(category="product", severity=None, hours={"acknowledge": 9}))
    db.session.commit()
    case = make_complaint(now=local(2026, 3, 2, 8)).case
    for now, state in ((local(2026, 3, 2, 20), "warning"), (local(2026, 3, 3, 8, 59), "warning"),
                       (local(2026, 3, 3, 9, 1), "breached")):
        assert live(case, now) == (local(2026, 3, 2, 18), state)
        assert (case.next_due_at, sla_state_of(case, now)) == live(case, now)


def test_the_sla_check_escalates_the_cases_its_stored_deadlines_find(app):
    with freeze_time(local(2026, 3, 2, 9)):
        late = make_complaint().case
    with freeze_time(local(2026, 3, 2, 13, 30)):
        fresh = make_complaint(phone="13900139000").case
    with freeze_time(local(2026, 3, 2, 14)):
        assert cases.escalate_breaches() == [late]
    assert_kept(late, local(2026, 3, 2, 14))
    assert fresh.state is CaseState.RECEIVED


def test_the_sla_check_costs_the_same_whatever_the_number_of_cases_within_their_time(app):
    def statements_of_check(count: int) -> int:
        sent = []

        def record(_connection, _cursor, statement, *_args):
            sent.append(statement)

        with freeze_time(local(2026, 3, 2, 9)):
            for _n in range(count):
                make_complaint(phone=None, email=f"customer{db.session.scalar(sa.func.count(Case.id))}@example.com")
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            with freeze_time(local(2026, 3, 2, 10)):
                assert cases.escalate_breaches() == []
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(sent)

    assert statements_of_check(2) == statements_of_check(8)


def test_a_policy_change_is_recounted_into_every_open_case_without_moving_its_version(app, people):
    open_case = make_complaint(now=local(2026, 3, 2, 9)).case
    closed = make_complaint(phone="13900139000", now=local(2026, 3, 2, 9)).case
    step(closed, "withdraw", CUSTOMER_ACTOR, local(2026, 3, 2, 10), reason="Sorted.")
    version, before = open_case.version, open_case.next_due_at
    db.session.add(SlaPolicy(category="product", severity=None, hours={"acknowledge": 1}))
    db.session.commit()
    assert recompute_deadlines(batch_size=1, now=local(2026, 3, 2, 10)) == 1
    db.session.expire_all()
    assert open_case.next_due_at == local(2026, 3, 2, 10) != before and open_case.version == version
    assert_kept(open_case, local(2026, 3, 2, 10))


def migration_backfill():
    """The back-fill function of migration 0012, as the migration runs it."""
    path = Path(__file__).parents[2] / "migrations" / "versions" / "0012_case_deadline.py"
    spec = importlib.util.spec_from_file_location("case_deadline_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.backfill_deadlines


def test_the_migration_back_fill_gives_the_kept_rows(app, people):
    agent = people["agent"]
    running = make_complaint(now=local(2026, 3, 2, 9)).case
    waiting = make_complaint(phone="13900139000", now=local(2026, 3, 2, 9)).case
    step(waiting, "acknowledge", agent, local(2026, 3, 2, 10))
    step(waiting, "ask_customer", agent, local(2026, 3, 2, 11), message="When did you buy it?")
    answered = make_complaint(phone="13700137000", now=local(2026, 3, 2, 9)).case
    for event, fields in (("acknowledge", {}), ("investigate", {}), ("respond", CLOSURE)):
        step(answered, event, agent, local(2026, 3, 3, 9), **fields)
    late = make_complaint(phone="13600136000", now=local(2026, 3, 2, 9)).case
    step(late, "withdraw", CUSTOMER_ACTOR, local(2026, 3, 16, 9), reason="Too slow.")
    table = Case.__table__
    columns = [table.c[name] for name in DEADLINE_COLUMNS]
    kept = db.session.execute(sa.select(table.c.id, *columns).order_by(table.c.id)).all()
    db.session.execute(table.update().values(next_due_at=None, warn_at=None, breach_at=None, sla_rest="ok",
                                             queue_band=0, queue_at=None))
    assert migration_backfill()(db.session.connection(), batch_size=3) == 4
    assert db.session.execute(sa.select(table.c.id, *columns).order_by(table.c.id)).all() == kept
    assert {row.id for row in kept} == {running.id, waiting.id, answered.id, late.id}


def test_the_recount_runs_from_the_command_line(app, runner):
    case = make_complaint(now=local(2026, 3, 2, 9)).case
    db.session.add(SlaPolicy(category="product", severity=None, hours={"acknowledge": 2}))
    db.session.commit()
    result = runner.invoke(args=["cases", "recount-deadlines"])
    assert result.exit_code == 0 and "1 case(s) recounted." in result.output
    db.session.expire_all()
    assert case.next_due_at == local(2026, 3, 2, 11)
