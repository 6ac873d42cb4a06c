"""SLA clocks computed from a case's event log, in business hours with a holiday calendar.

Nothing is counted in place: every figure is recomputed from the events, so a late or corrected
event gives the right answer and two processes never disagree about a counter.
"""
import enum
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from flask import current_app

from ...extensions import db
from ...models import ActorKind, CalendarDay, Case, CaseEvent, CaseState, EventKind, SlaPolicy, StateCategory

# The clock stops while the case waits for the customer (for information, or for their answer
# to our response) and once it is closed; waiting on a colleague does not stop it.
CLOCK_STOPPED = frozenset(
    {CaseState.WAITING_CUSTOMER, CaseState.RESPONDED}
    | {state for state in CaseState if state.category is StateCategory.CLOSED}
)
TARGETS = ("acknowledge", "first_response", "resolution")


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
        start = datetime.combine(day, self.opens, self.zone).astimezone(timezone.utc)
        return start, datetime.combine(day, self.closes, self.zone).astimezone(timezone.utc)

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
    config = current_app.config
    opens, closes = (time.fromisoformat(part.strip()) for part in config["BUSINESS_HOURS"].split("-"))
    overrides = tuple(db.session.execute(sa.select(CalendarDay.day, CalendarDay.workday)).tuples())
    return BusinessCalendar(ZoneInfo(config["BUSINESS_TIMEZONE"]), opens, closes, frozenset(config["BUSINESS_DAYS"]),
                            config["HOLIDAY_COUNTRY"] or None, overrides)


@dataclass(frozen=True)
class Targets:
    """Business hours allowed for each target, and the share after which to warn."""

    acknowledge: float
    first_response: float
    resolution: float
    warning_share: float

    def hours(self, target: str) -> float:
        return getattr(self, target)


def targets_for(case: Case) -> Targets:
    """The most specific policy for the case's category and severity, else the configured default."""
    candidates = db.session.scalars(sa.select(SlaPolicy).where(
        sa.or_(SlaPolicy.category == case.category, SlaPolicy.category.is_(None)),
        sa.or_(SlaPolicy.severity == case.severity, SlaPolicy.severity.is_(None)),
    )).all()
    if candidates:
        best = max(candidates, key=lambda p: (p.category is not None, p.severity is not None))
        return Targets(best.acknowledge_hours, best.first_response_hours, best.resolution_hours, best.warning_share)
    ack, first, resolution = current_app.config["SLA_DEFAULT_HOURS"]
    return Targets(ack, first, resolution, current_app.config["SLA_WARNING_SHARE"])


@dataclass(frozen=True)
class Clock:
    """One SLA target of one case, as :func:`clocks` computes it."""

    target: str
    state: ClockState
    allowed_seconds: float
    used_seconds: float
    due_at: datetime | None
    met_at: datetime | None

    @property
    def share_used(self) -> float:
        return self.used_seconds / self.allowed_seconds if self.allowed_seconds else 1.0


def running_intervals(opened_at: datetime, events: list[CaseEvent], until: datetime) -> list[tuple[datetime, datetime]]:
    """The stretches, up to ``until``, in which the case was in a state whose clock runs."""
    intervals, state, since = [], CaseState.RECEIVED, opened_at
    for event in events:
        if event.to_state is None or event.at > until:
            continue
        if state not in CLOCK_STOPPED and event.at > since:
            intervals.append((since, event.at))
        state, since = event.to_state, event.at
    if state not in CLOCK_STOPPED and until > since:
        intervals.append((since, until))
    return intervals


def met_at(target: str, events: list[CaseEvent]) -> datetime | None:
    """When a target was met, read from the log; resolution is met while the case rests on a decision."""
    if target == "acknowledge":
        return next((e.at for e in events if e.from_state is CaseState.RECEIVED and e.to_state is not None), None)
    if target == "first_response":
        return next((e.at for e in events if e.public and e.actor_kind is ActorKind.STAFF), None)
    last = next((e for e in reversed(events) if e.to_state is not None), None)
    if last is not None and last.to_state in CLOCK_STOPPED - {CaseState.WAITING_CUSTOMER}:
        return last.at
    return None


def clocks(case: Case, events: list[CaseEvent], targets: Targets, calendar: BusinessCalendar, now: datetime) -> list[Clock]:
    """The state of every SLA target of ``case`` at ``now``."""
    return [_clock(target, case, events, targets, calendar, now) for target in TARGETS]


def _clock(target, case, events, targets, calendar, now) -> Clock:
    allowed = targets.hours(target) * 3600
    done_at = met_at(target, events)
    until = done_at or now
    intervals = running_intervals(case.opened_at, events, until)
    used = sum(calendar.seconds_between(a, b) for a, b in intervals)
    due_at = _due_at(intervals, allowed, calendar)
    if done_at is not None:
        state = ClockState.MET if used <= allowed else ClockState.MET_LATE
    elif used > allowed:
        state = ClockState.BREACHED
    elif case.state in CLOCK_STOPPED:
        state = ClockState.PAUSED
    elif used >= targets.warning_share * allowed:
        state = ClockState.WARNING
    else:
        state = ClockState.OK
    if due_at is None and state in (ClockState.OK, ClockState.WARNING):
        due_at = calendar.add_seconds(now, allowed - used)
    return Clock(target, state, allowed, used, due_at, done_at)


def _due_at(intervals, allowed: float, calendar: BusinessCalendar) -> datetime | None:
    """The moment the allowance ran out inside the intervals so far, if it did."""
    left = allowed
    for start, end in intervals:
        spent = calendar.seconds_between(start, end)
        if spent > left:
            return calendar.add_seconds(start, left)
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


def clocks_for(cases: list[Case], now: datetime) -> dict[int, list[Clock]]:
    """SLA clocks of many cases at once, for the queue."""
    calendar = calendar_from_config()
    events = case_events([case.id for case in cases])
    return {case.id: clocks(case, events[case.id], targets_for(case), calendar, now) for case in cases}


def breached_targets(clock_list: list[Clock], events: list[CaseEvent]) -> list[str]:
    """Targets breached now that have not been escalated for yet (the log says which were)."""
    escalated = {e.name for e in events if e.kind is EventKind.SLA_BREACH}
    return [c.target for c in clock_list if c.state is ClockState.BREACHED and c.target not in escalated]
