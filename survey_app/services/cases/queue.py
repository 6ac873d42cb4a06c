"""The case queue: one page of the open cases a staff member may open, those whose clocks run
first and the longest waiting first, with the count of those cases in each state."""
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from babel.dates import format_timedelta
from babel.lists import format_list
from flask_babel import get_locale
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Case, CaseState, Complaint, Severity, StaffUser
from ...models.base import now_utc
from ..customers.timeline import cases_worked_by
from . import sla
from .workflow import NOT_CLOSED

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    state: CaseState | None = None
    category: str | None = None
    severity: Severity | None = None
    team_id: int | None = None
    assignee_id: int | None = None
    sla_state: str | None = None


@dataclass(frozen=True)
class QueueRow:
    case: Case
    clocks: list
    # The earliest moment a running clock runs out; None when every clock is met or paused.
    deadline: datetime | None
    sla_state: str
    # Since the complaint was received.
    age: timedelta


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    counts: dict[CaseState, int]
    # The case the next page starts after; None on the last page.
    next_after: int | None


SLA_SEVERITY = ("breached", "warning", "ok", "paused", "met_late", "met")
# Cases whose every clock is stopped (waiting for the customer, answered) come after those still
# running. The deadline itself is counted in business hours from each case's log, which a database
# cannot order by; among running cases under one policy the one received first is due first.
CLOCKS_STOPPED = sa.case((Case.state.in_(sla.CLOCK_STOPPED), 1), else_=0)


def queue(filters: QueueFilter, viewer: StaffUser, *, after: int | None = None, now: datetime | None = None,
          page_size: int = PAGE_SIZE) -> QueuePage:
    """The page of cases matching ``filters`` (cases not closed unless a state is asked for) that
    ``viewer`` may open, starting after case ``after``, and the number of their cases in each state.

    Each batch of cases costs the same few statements whatever its size: the customer, team and
    assignee come in the cases' query, the events of all of them in one more."""
    now = now or now_utc()
    shown: list[QueueRow] = []
    more = False
    for batch in _batches(_matching(filters, viewer), _start(after), page_size + 1):
        clocks = sla.clocks_for(batch, now)
        for case in batch:
            row = _row(case, clocks[case.id], now)
            if filters.sla_state and row.sla_state != filters.sla_state:
                continue
            if len(shown) == page_size:
                more = True
                break
            shown.append(row)
        if more:
            break
    counts = dict.fromkeys(CaseState, 0)
    counts.update({state: n for state, n in db.session.execute(
        sa.select(Case.state, sa.func.count()).where(cases_worked_by(viewer)).group_by(Case.state))})
    return QueuePage(shown, counts, shown[-1].case.id if more else None)


def _matching(filters: QueueFilter, viewer: StaffUser) -> sa.Select:
    query = sa.select(Case).where(cases_worked_by(viewer)).options(
        joinedload(Case.complaint).joinedload(Complaint.customer), joinedload(Case.team), joinedload(Case.assignee))
    query = query.where(Case.state == filters.state) if filters.state else query.where(Case.state.in_(NOT_CLOSED))
    for column, value in ((Case.category, filters.category), (Case.severity, filters.severity),
                          (Case.team_id, filters.team_id), (Case.assignee_id, filters.assignee_id)):
        if value is not None:
            query = query.where(column == value)
    return query.order_by(CLOCKS_STOPPED, Case.opened_at, Case.id)


def _start(after: int | None) -> tuple | None:
    """Where the page after case ``after`` starts; None (the first page) when there is no such case."""
    case = db.session.get(Case, after) if after else None
    return _position(case) if case else None


def _position(case: Case) -> tuple:
    return int(case.state in sla.CLOCK_STOPPED), case.opened_at, case.id


def _batches(query: sa.Select, start: tuple | None, size: int) -> Iterator[list[Case]]:
    """The cases of ``query`` after ``start``, ``size`` at a time, in the query's order."""
    while True:
        page = query
        if start is not None:
            stopped, opened_at, case_id = start
            page = query.where(sa.or_(
                CLOCKS_STOPPED > stopped,
                sa.and_(CLOCKS_STOPPED == stopped, sa.or_(
                    Case.opened_at > opened_at, sa.and_(Case.opened_at == opened_at, Case.id > case_id)))))
        batch = list(db.session.scalars(page.limit(size)).unique())
        if batch:
            yield batch
        if len(batch) < size:
            return
        start = _position(batch[-1])


def _row(case: Case, clocks: list, now: datetime) -> QueueRow:
    running = [c.due_at for c in clocks if c.due_at and c.state.value in ("ok", "warning", "breached")]
    worst = min((c.state.value for c in clocks), key=SLA_SEVERITY.index)
    return QueueRow(case, clocks, min(running) if running else None, worst, now - case.complaint.created_at)


def age_in_words(age: timedelta) -> str:
    """How long a case has waited, in its two largest units ("3d 4h", "5h 20m"; "3天4小时"), in the
    reader's language."""
    minutes = max(0, int(age.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    first = next((i for i, (amount, _unit) in enumerate(units) if amount), len(units) - 1)
    locale = get_locale()
    parts = [format_timedelta(timedelta(**{unit + "s": amount}), granularity=unit, threshold=float("inf"),
                              format="narrow", locale=locale)
             for amount, unit in units[first:first + 2] if amount or unit == units[first][1]]
    return format_list(parts, style="unit-narrow", locale=locale)
