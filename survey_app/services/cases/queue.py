"""The case queue: one page of the cases a staff member may open, those whose clocks run first and
the one due first first, with the count of those cases in each state."""
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
from .deadlines import CLOSED_BAND, STOPPED_BAND, sla_state_of, sla_state_sql
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


# The queue's order, that of the index ix_complaint_case_queue: running clocks first, the one due
# first first; then the cases whose every clock has stopped and the closed ones, the oldest first.
POSITION = (Case.queue_band, Case.queue_at, Case.id)


def queue(filters: QueueFilter, viewer: StaffUser, *, after: int | None = None, now: datetime | None = None,
          page_size: int = PAGE_SIZE) -> QueuePage:
    """The page of cases matching ``filters`` (cases not closed unless a state is asked for) that
    ``viewer`` may open, starting after case ``after``, and the number of their cases in each state.

    A page costs the same few statements whatever the number of cases: its cases with their
    customer, team and assignee in one, the position of ``after`` in one, the counts in one. What
    it orders and filters by is kept on the case (services/cases/deadlines.py)."""
    now = now or now_utc()
    query = _matching(filters, viewer, now)
    start = _start(after)
    if start is not None:
        query = query.where(sa.tuple_(*POSITION) > start)
    found = list(db.session.scalars(query.limit(page_size + 1)).unique())
    shown = [QueueRow(case, case.next_due_at, sla_state_of(case, now), now - case.complaint.created_at)
             for case in found[:page_size]]
    counts = dict.fromkeys(CaseState, 0)
    counts.update({state: n for state, n in db.session.execute(
        sa.select(Case.state, sa.func.count()).where(cases_worked_by(viewer)).group_by(Case.state))})
    return QueuePage(shown, counts, shown[-1].case.id if len(found) > page_size else None)


def _matching(filters: QueueFilter, viewer: StaffUser, now: datetime) -> sa.Select:
    query = sa.select(Case).where(cases_worked_by(viewer)).options(
        joinedload(Case.complaint).joinedload(Complaint.customer), joinedload(Case.team), joinedload(Case.assignee))
    if filters.state is None:
        # The band says it in the index's first column; the state says it on the row.
        query = query.where(Case.queue_band <= STOPPED_BAND, Case.state.in_(NOT_CLOSED))
    else:
        band = Case.queue_band == CLOSED_BAND if filters.state not in NOT_CLOSED else Case.queue_band <= STOPPED_BAND
        query = query.where(band, Case.state == filters.state)
    for column, value in ((Case.category, filters.category), (Case.severity, filters.severity),
                          (Case.team_id, filters.team_id), (Case.assignee_id, filters.assignee_id)):
        if value is not None:
            query = query.where(column == value)
    if filters.sla_state:
        query = query.where(sla_state_sql(now) == filters.sla_state)
    return query.order_by(*POSITION)


def _start(after: int | None) -> tuple | None:
    """Where the page after case ``after`` starts; None (the first page) when there is no such case."""
    position = db.session.execute(sa.select(*POSITION).where(Case.id == after)).one_or_none() if after else None
    return tuple(position) if position else None


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
