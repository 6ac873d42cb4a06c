"""SLA arithmetic: business hours, holidays and the firm's own days, pauses while waiting for the
customer, warnings, breaches and their escalation, all read from the event log."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from freezegun import freeze_time

from survey_app.extensions import db
from survey_app.models import CalendarDay, CaseEvent, CaseState, EventKind, Severity, SlaPolicy
from survey_app.services import cases
from survey_app.services.cases import sla
from survey_app.services.cases.workflow import CUSTOMER_ACTOR, Actor
from survey_app.services.cases.sla import BusinessCalendar, ClockState
from tests.factories import make_complaint, make_user, put_case_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = BusinessCalendar(SHANGHAI, time(9), time(18), frozenset(range(5)), "CN")
HOUR = 3600


def local(year, month, day, hour, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


@pytest.mark.parametrize("start, end, hours", [
    (local(2026, 3, 2, 10), local(2026, 3, 2, 12), 2),  # a Monday morning
    (local(2026, 3, 2, 7), local(2026, 3, 2, 20), 9),  # before opening to after closing
    (local(2026, 3, 2, 17), local(2026, 3, 3, 10), 2),  # overnight
    (local(2026, 3, 6, 17), local(2026, 3, 9, 10), 2),  # over a weekend
    (local(2026, 4, 30, 17), local(2026, 5, 6, 10), 2),  # Labour Day holidays, 1-5 May
    (local(2026, 3, 7, 10), local(2026, 3, 8, 16), 0),  # a weekend only
    (local(2026, 3, 2, 12), local(2026, 3, 2, 10), 0),  # end before start
])
def test_business_seconds(start, end, hours):
    assert CALENDAR.seconds_between(start, end) == hours * HOUR


@pytest.mark.parametrize("start, hours, due", [
    (local(2026, 3, 2, 10), 4, local(2026, 3, 2, 14)),
    (local(2026, 3, 2, 16), 4, local(2026, 3, 3, 11)),
    (local(2026, 3, 6, 20), 1, local(2026, 3, 9, 10)),
    (local(2026, 9, 30, 17), 2, local(2026, 10, 8, 10)),  # National Day week
])
def test_adding_business_hours(start, hours, due):
    assert CALENDAR.add_seconds(start, hours * HOUR) == due
    assert CALENDAR.seconds_between(start, due) == hours * HOUR


def test_the_firms_own_days_override_the_public_calendar():
    calendar = BusinessCalendar(SHANGHAI, time(9), time(18), frozenset(range(5)), "CN",
                                ((date(2026, 3, 7), True), (date(2026, 3, 9), False)))
    # Saturday 7 March worked, Monday 9 March closed.
    assert calendar.seconds_between(local(2026, 3, 6, 17), local(2026, 3, 10, 10)) == (1 + 9 + 1) * HOUR


pytestmark = pytest.mark.usefixtures("english_request")


@pytest.fixture
def agent(app):
    return Actor.staff(make_user("agent", "agent"))


def clock_of(case, target, now):
    events = cases.events_of(case)
    by_target = {c.target.name: c for c in sla.clocks(case, events, sla.allowance_for(case), sla.calendar_from_config(),
                                                      now)}
    return by_target[target]


def test_calendar_from_config_reads_calendar_days(app):
    db.session.add(CalendarDay(day=date(2026, 3, 7), workday=True, name="Make-up day"))
    db.session.commit()
    assert sla.calendar_from_config().is_workday(date(2026, 3, 7))
    assert not sla.calendar_from_config().is_workday(date(2026, 10, 1))


def test_policy_most_specific_wins(app):
    db.session.add_all([
        SlaPolicy(category=None, severity=None, hours={"acknowledge": 8, "first_response": 24, "resolution": 80}),
        SlaPolicy(category="product", severity=None, hours={"acknowledge": 4, "first_response": 16, "resolution": 40}),
        SlaPolicy(category="product", severity=Severity.CRITICAL, hours={"acknowledge": 1, "first_response": 2},
                  warning_share=0.5),
    ])
    db.session.commit()
    case = make_complaint("product").case
    assert sla.allowance_for(case).hours["acknowledge"] == 4
    case.severity = Severity.CRITICAL
    # A target the policy does not name keeps its default hours.
    assert sla.allowance_for(case) == sla.Allowance({"acknowledge": 1, "first_response": 2, "resolution": 40}, 0.5)
    case.category = "other"
    assert sla.allowance_for(case).hours["acknowledge"] == 8


def test_without_a_policy_the_configured_hours_apply_in_table_order(app, configure):
    configure(SLA_DEFAULT_HOURS=(3, 12, 30), SLA_WARNING_SHARE=0.6)
    allowance = sla.allowance_for(make_complaint().case)
    assert allowance == sla.Allowance({"acknowledge": 3, "first_response": 12, "resolution": 30}, 0.6)


def test_without_configured_hours_each_target_keeps_its_own(app):
    assert sla.allowance_for(make_complaint().case).hours == {"acknowledge": 4, "first_response": 16, "resolution": 40}


def test_configured_hours_must_name_every_target(app, configure):
    configure(SLA_DEFAULT_HOURS=(3, 12))
    with pytest.raises(ValueError):
        sla.allowance_for(make_complaint().case)


@pytest.mark.parametrize("target", sla.TARGETS, ids=lambda target: target.name)
def test_every_target_has_a_label_in_each_language_and_default_hours(app, target):
    with force_locale("en"):
        english = str(target.label)
    with force_locale("zh"):
        chinese = str(target.label)
    assert english != target.name and chinese not in (english, target.name)
    assert target.default_hours > 0


def test_acknowledgement_met_on_time_and_late(app, agent):
    opened = local(2026, 3, 2, 9)
    case = make_complaint(now=opened).case
    assert clock_of(case, "acknowledge", local(2026, 3, 2, 11)).state is ClockState.OK
    assert clock_of(case, "acknowledge", local(2026, 3, 2, 12)).state is ClockState.WARNING  # 3 of 4 hours
    breached = clock_of(case, "acknowledge", local(2026, 3, 2, 14))
    assert breached.state is ClockState.BREACHED and breached.due_at == local(2026, 3, 2, 13)
    cases.transition(case, "acknowledge", agent, expected_version=case.version, now=local(2026, 3, 2, 15))
    late = clock_of(case, "acknowledge", local(2026, 3, 3, 9))
    assert late.state is ClockState.MET_LATE and late.used_seconds == 6 * HOUR


def investigated(agent, acknowledged_at, investigated_at):
    """A case filed at 09:00 on Monday 2 March, acknowledged and then under investigation."""
    case = make_complaint(now=local(2026, 3, 2, 9)).case
    cases.transition(case, "acknowledge", agent, expected_version=case.version, now=acknowledged_at)
    cases.transition(case, "investigate", agent, expected_version=case.version, now=investigated_at)
    return case


def test_waiting_for_the_customer_pauses_the_clock(app, agent):
    case = investigated(agent, local(2026, 3, 2, 10), local(2026, 3, 2, 11))
    cases.transition(case, "ask_customer", agent, expected_version=case.version, fields={"message": "Photo?"},
                     now=local(2026, 3, 2, 12))
    paused = clock_of(case, "resolution", local(2026, 3, 4, 12))
    assert paused.state is ClockState.PAUSED and paused.used_seconds == 3 * HOUR and paused.due_at is None
    assert clock_of(case, "first_response", local(2026, 3, 4, 12)).met_at == local(2026, 3, 2, 12)
    cases.transition(case, "customer_replied", CUSTOMER_ACTOR, expected_version=case.version,
                     fields={"message": "Here."}, now=local(2026, 3, 5, 9))
    running = clock_of(case, "resolution", local(2026, 3, 5, 11))
    assert running.used_seconds == 5 * HOUR
    # 40 hours allowed, 5 used: 35 more business hours from 11:00 Thursday 5 March.
    assert running.due_at == CALENDAR.add_seconds(local(2026, 3, 5, 11), 35 * HOUR)


def test_waiting_internally_does_not_pause(app, agent):
    case = investigated(agent, local(2026, 3, 2, 9), local(2026, 3, 2, 9))
    cases.transition(case, "wait_internal", agent, expected_version=case.version, fields={"message": "Warehouse"},
                     now=local(2026, 3, 2, 10))
    assert clock_of(case, "resolution", local(2026, 3, 3, 9)).used_seconds == 9 * HOUR


def test_resolution_met_on_response_and_running_again_when_contested(app, agent):
    case = make_complaint(now=local(2026, 3, 2, 9)).case
    for event, fields in [("acknowledge", {}), ("investigate", {}),
                          ("respond", {"decision": "Sorry", "root_cause": "x", "resolution_code": "upheld",
                                       "remedy": "apology"})]:
        cases.transition(case, event, agent, expected_version=case.version, fields=fields, now=local(2026, 3, 2, 11))
    assert clock_of(case, "resolution", local(2026, 3, 9, 9)).state is ClockState.MET
    cases.transition(case, "contest", CUSTOMER_ACTOR, expected_version=case.version, fields={"message": "No"},
                     now=local(2026, 3, 3, 9))
    assert clock_of(case, "resolution", local(2026, 3, 3, 10)).used_seconds == 3 * HOUR


def test_breach_escalates_once_to_the_supervisors(app, agent):
    with freeze_time(local(2026, 3, 2, 9)):
        case = make_complaint().case
    with freeze_time(local(2026, 3, 2, 12)):
        assert cases.escalate_breaches() == []
    with freeze_time(local(2026, 3, 2, 14)):
        assert cases.escalate_breaches() == [case]
    assert case.state is CaseState.ESCALATED
    breaches = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == EventKind.SLA_BREACH)).all()
    assert [b.name for b in breaches] == ["acknowledge"]
    with freeze_time(local(2026, 3, 2, 15)):
        assert cases.escalate_breaches() == []


def test_breach_while_waiting_for_approval_is_recorded_and_keeps_the_request(app, agent):
    with freeze_time(local(2026, 3, 2, 9)):
        case = put_case_in(make_complaint().case, CaseState.PENDING_APPROVAL)
    with freeze_time(local(2026, 3, 20, 9)):
        assert cases.escalate_breaches() == []
    assert case.state is CaseState.PENDING_APPROVAL
    breaches = db.session.scalars(sa.select(CaseEvent.name).where(CaseEvent.kind == EventKind.SLA_BREACH)).all()
    assert "resolution" in breaches
    with freeze_time(local(2026, 3, 20, 10)):
        assert cases.escalate_breaches() == []
    assert db.session.scalar(sa.select(sa.func.count()).where(CaseEvent.kind == EventKind.SLA_BREACH)) == len(breaches)


def test_queue_clocks_for_many_cases(app):
    first = make_complaint(now=local(2026, 3, 2, 9)).case
    second = make_complaint("other", phone="13900139000", now=local(2026, 3, 2, 10)).case
    clocks = sla.clocks_for([first, second], local(2026, 3, 2, 11))
    assert clocks[first.id][0].used_seconds == 2 * HOUR and clocks[second.id][0].used_seconds == HOUR
    assert clocks[first.id][0].due_at + timedelta(hours=1) == clocks[second.id][0].due_at
