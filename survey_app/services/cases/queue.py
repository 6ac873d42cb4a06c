"""The case queue: open cases soonest deadline first, with the count of cases in each state."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...models import Case, CaseState, Severity
from ...models.base import now_utc
from . import sla
from .workflow import NOT_CLOSED


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


SLA_SEVERITY = ("breached", "warning", "ok", "paused", "met_late", "met")


def queue(filters: QueueFilter, now: datetime | None = None) -> tuple[list[QueueRow], dict[CaseState, int]]:
    """Cases matching ``filters`` (cases not closed unless a state is asked for), soonest deadline
    first, and the number of cases in each state."""
    now = now or now_utc()
    query = sa.select(Case)
    query = query.where(Case.state == filters.state) if filters.state else query.where(Case.state.in_(NOT_CLOSED))
    for column, value in ((Case.category, filters.category), (Case.severity, filters.severity),
                          (Case.team_id, filters.team_id), (Case.assignee_id, filters.assignee_id)):
        if value is not None:
            query = query.where(column == value)
    found = list(db.session.scalars(query.order_by(Case.id)))
    clocks = sla.clocks_for(found, now)
    rows = []
    for case in found:
        running = [c.due_at for c in clocks[case.id] if c.due_at and c.state.value in ("ok", "warning", "breached")]
        worst = min((c.state.value for c in clocks[case.id]), key=SLA_SEVERITY.index)
        rows.append(QueueRow(case, clocks[case.id], min(running) if running else None, worst))
    if filters.sla_state:
        rows = [row for row in rows if row.sla_state == filters.sla_state]
    rows.sort(key=lambda row: (row.deadline is None, row.deadline or now, row.case.id))
    counts = dict.fromkeys(CaseState, 0)
    counts.update({state: n for state, n in db.session.execute(sa.select(Case.state, sa.func.count()).group_by(Case.state))})
    return rows, counts
