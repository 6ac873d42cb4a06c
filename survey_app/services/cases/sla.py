"""SLA clocks computed from a case's event log, in business hours with a holiday calendar.

Nothing is counted in place: every figure is recomputed from the events, so a late or corrected
event gives the right answer and two processes never disagree about a counter. Each target is one
row of :data:`TARGETS`; its clock starts when the case is opened.
"""
import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ...extensions import db
from ...models import (
    ActorKind,
    CalendarDay,
    Case,
    CaseEvent,
    CaseState,
    EventKind,
    SlaPolicy,
    StateCategory,
)
from ..platform.settings import settings

CLOSED = frozenset(state for state in CaseState if state.category is StateCategory.CLOSED)
# Resting on a decision: answered, or closed.
DECIDED = frozenset({CaseState.RESPONDED}) | CLOSED
# The clock stops while the case waits for the customer (for information, or for their answer
# to our response) and once it is closed; waiting on a colleague does not stop it.
CLOCK_STOPPED = DECIDED | {CaseState.WAITING_CUSTOMER}


class ClockState(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"
    MET_LATE = "met_late"


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours in a time zone, the weekdays worked, public holidays and the firm's own days."""

    zone: ZoneInfo
    opens: time
    closes: time
    weekdays: frozenset[int]
    country: str | None = None
    overrides: tuple[tuple[date, bool], ...] = ()

    def is_workday(self, day: date) -> bool:
        for override_day, workday in self.overrides:
            if override_day == day:
                return workday
        if self.country and day in _public_holidays(self.country, day.year):
            return False
        return day.weekday() in self.weekdays

    def hours_of(self, day: date) -> tuple[datetime, datetime] | None:
        """The UTC start and end of ``day``'s working hours, or None on a day off."""
        if not self.is_workday(day):
            return None
        start = datetime.combine(day, self.opens, self.zone).astimezone(UTC)
        return start, datetime.combine(day, self.closes, self.zone).astimezone(UTC)

    def seconds_between(self, start: datetime, end: datetime) -> float:
        """Business seconds from ``start`` to ``end`` (0 when end is not after start)."""
        total = 0.0
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        while day <= last:
            hours = self.hours_of(day)
            if hours:
                overlap = (min(end, hours[1]) - max(start, hours[0])).total_seconds()
                total += max(0.0, overlap)
            day += timedelta(days=1)
        return total

    def add_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` business seconds after ``start``."""
        day = start.astimezone(self.zone).date()
        remaining = seconds
        for _ in range(3660):  # ten years of days: no calendar has a gap that long
            hours = self.hours_of(day)
            if hours and hours[1] > start:
                begin = max(start, hours[0])
                available = (hours[1] - begin).total_seconds()
                if remaining <= available:
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day += timedelta(days=1)
        raise ValueError("the calendar has no working hours")


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def calendar_from_config() -> BusinessCalendar:
    """The firm's working calendar: its settings and the days it overrides."""
    return business_calendar(tuple(db.session.execute(sa.select(CalendarDay.day, CalendarDay.workday)).tuples()))


def business_calendar(overrides: tuple[tuple[date, bool], ...]) -> BusinessCalendar:
    """The firm's working calendar from its settings, with these days overridden."""
    firm = settings()
    return BusinessCalendar(firm.business_timezone, *firm.business_hours, firm.business_days, firm.holiday_country,
                            tuple(overrides))


def acknowledged(events: list[CaseEvent]) -> datetime | None:
    """When the case first left "received", by whichever step."""
    return next((e.at for e in events if e.from_state is CaseState.RECEIVED and e.to_state is not None), None)


def first_answered(events: list[CaseEvent]) -> datetime | None:
    """When staff first wrote something the customer sees."""
    return next((e.at for e in events if e.public and e.actor_kind is ActorKind.STAFF), None)


def resolved(events: list[CaseEvent]) -> datetime | None:
    """When the case came to rest on a decision, while it still rests on one."""
    last = next((e for e in reversed(events) if e.to_state is not None), None)
    return last.at if last is not None and last.to_state in DECIDED else None


@dataclass(frozen=True)
class Target:
    """One SLA target: its name (also that of its breach in the log and its key in a policy's
    hours), its label, the moment the log says it was met, its business hours where no policy
    names it, and the states that pause it."""

    name: str
    label: LazyString
    met: Callable[[list[CaseEvent]], datetime | None]
    default_hours: float
    paused_in: frozenset[CaseState] = CLOCK_STOPPED


# SLA_DEFAULT_HOURS, when set, overrides the default hours in this order.
TARGETS: tuple[Target, ...] = (
    Target("acknowledge", _l("Acknowledge"), acknowledged, 4),
    Target("first_response", _l("First response"), first_answered, 16),
    Target("resolution", _l("Resolution"), resolved, 40),
)


@dataclass(frozen=True)
class Allowance:
    """Business hours allowed for each target, by name, and the share after which to warn."""

    hours: dict[str, float]
    warning_share: float


def allowance_for(case: Case) -> Allowance:
    """The most specific policy for the case's category and severity, else the configured default."""
    candidates = db.session.scalars(sa.select(SlaPolicy).where(
        sa.or_(SlaPolicy.category == case.category, SlaPolicy.category.is_(None)),
        sa.or_(SlaPolicy.severity == case.severity, SlaPolicy.severity.is_(None)),
    )).all()
    return allowance_among(case, candidates)


def allowance_among(case: Case, policies: list[SlaPolicy]) -> Allowance:
    """The allowance of the most specific of ``policies`` that covers the case."""
    candidates = [p for p in policies if p.category in (None, case.category) and p.severity in (None, case.severity)]
    defaults = default_hours()
    if candidates:
        best = max(candidates, key=lambda p: (p.category is not None, p.severity is not None))
        return Allowance({name: float(best.hours.get(name, hours)) for name, hours in defaults.items()},
                         best.warning_share)
    return Allowance(defaults, settings().sla_warning_share)


def default_hours() -> dict[str, float]:
    """Each target's business hours where no policy names it: SLA_DEFAULT_HOURS, else the table's."""
    configured = settings().sla_default_hours
    if not configured:
        return {target.name: float(target.default_hours) for target in TARGETS}
    return {target.name: hours for target, hours in zip(TARGETS, configured, strict=True)}


@dataclass(frozen=True)
class Clock:
    """One SLA target of one case, as :func:`clocks` computes it."""

    target: Target
    state: ClockState
    allowed_seconds: float
    used_seconds: float
    due_at: datetime | None
    met_at: datetime | None
    # While the clock runs: the moments it turns warning and breached (a breach stays one when it
    # stops), so the queue can tell its state at any later moment from the row alone (deadlines.py).
    warn_at: datetime | None = None
    breach_at: datetime | None = None

    @property
    def share_used(self) -> float:
        return self.used_seconds / self.allowed_seconds if self.allowed_seconds else 1.0


def running_intervals(opened_at: datetime, events: list[CaseEvent], until: datetime,
                      paused_in: frozenset[CaseState]) -> list[tuple[datetime, datetime]]:
    """The stretches, up to ``until``, in which the case was in a state not in ``paused_in``."""
    intervals, state, since = [], CaseState.RECEIVED, opened_at
    for event in events:
        if event.to_state is None or event.at > until:
            continue
        if state not in paused_in and event.at > since:
            intervals.append((since, event.at))
        state, since = event.to_state, event.at
    if state not in paused_in and until > since:
        intervals.append((since, until))
    return intervals


def clocks(case: Case, events: list[CaseEvent], allowance: Allowance, calendar: BusinessCalendar,
           now: datetime) -> list[Clock]:
    """The state of every SLA target of ``case`` at ``now``."""
    return [_clock(target, case, events, allowance, calendar, now) for target in TARGETS]


def _clock(target: Target, case, events, allowance: Allowance, calendar, now) -> Clock:
    allowed = allowance.hours[target.name] * 3600
    done_at = target.met(events)
    until = done_at or now
    intervals = running_intervals(case.opened_at, events, until, target.paused_in)
    used = sum(calendar.seconds_between(a, b) for a, b in intervals)
    due_at = _reached(intervals, allowed, calendar)
    warn_at = breach_at = None
    if done_at is not None:
        state = ClockState.MET if used <= allowed else ClockState.MET_LATE
    elif used > allowed:
        state = ClockState.BREACHED
    elif case.state in target.paused_in:
        state = ClockState.PAUSED
    elif used >= allowance.warning_share * allowed:
        state = ClockState.WARNING
    else:
        state = ClockState.OK
    if done_at is None and case.state not in target.paused_in:
        # Running on from now: each moment is reached inside the stretches so far, or that much later.
        due_at = due_at or calendar.add_seconds(now, allowed - used)
        threshold = allowance.warning_share * allowed
        warn_at = _reached(intervals, threshold, calendar) or calendar.add_seconds(now, threshold - used)
        breach_at = _passed(intervals, allowed, calendar) or calendar.add_seconds(
            calendar.add_seconds(now, allowed - used), 0)
    elif state is ClockState.BREACHED:
        breach_at = _passed(intervals, allowed, calendar)
    return Clock(target, state, allowed, used, due_at, done_at, warn_at, breach_at)


def _reached(intervals, seconds: float, calendar: BusinessCalendar) -> datetime | None:
    """The moment the running time inside the intervals so far reached ``seconds``, if it did: the
    moment an allowance ran out, which stays where it is however late it is read."""
    left = seconds
    for start, end in intervals:
        spent = calendar.seconds_between(start, end)
        if spent >= left:
            return calendar.add_seconds(start, left)
        left -= spent
    return None


def _passed(intervals, seconds: float, calendar: BusinessCalendar) -> datetime | None:
    """The last moment the running time inside the intervals so far was not yet past ``seconds``,
    if it went past: a clock that ran out at closing time is breached once the next working hours begin."""
    left = seconds
    for start, end in intervals:
        spent = calendar.seconds_between(start, end)
        if spent > left:
            return calendar.add_seconds(calendar.add_seconds(start, left), 0)
        left -= spent
    return None


def case_events(case_ids: list[int]) -> dict[int, list[CaseEvent]]:
    """Every event of these cases in order, in one query."""
    grouped: dict[int, list[CaseEvent]] = {case_id: [] for case_id in case_ids}
    if case_ids:
        query = sa.select(CaseEvent).where(CaseEvent.case_id.in_(case_ids)).order_by(CaseEvent.id)
        for event in db.session.scalars(query):
            grouped[event.case_id].append(event)
    return grouped


def clocks_for(cases: list[Case], now: datetime,
               events: dict[int, list[CaseEvent]] | None = None) -> dict[int, list[Clock]]:
    """SLA clocks of many cases at once: the policies, the calendar and the events (unless given,
    as :func:`case_events` reads them) are read once for all of them."""
    calendar = calendar_from_config()
    events = events if events is not None else case_events([case.id for case in cases])
    # A policy per category and severity at most: few enough to read whole.
    policies = list(db.session.scalars(sa.select(SlaPolicy)))
    return {case.id: clocks(case, events[case.id], allowance_among(case, policies), calendar, now) for case in cases}


def breached_targets(clock_list: list[Clock], events: list[CaseEvent]) -> list[str]:
    """Names of the targets breached now that have not been escalated for yet (the log says which were)."""
    escalated = {e.name for e in events if e.kind is EventKind.SLA_BREACH}
    return [c.target.name for c in clock_list if c.state is ClockState.BREACHED and c.target.name not in escalated]
