"""What the queue orders and filters cases by, kept on each case's row.

SLA clocks are counted in business hours from the event log (sla.py), which no database can
order by. But while nothing happens to a case, each of its clocks runs out at a fixed moment,
turns "warning" at another and "breached" at a third, and those moments do not depend on when
they are read. So every write that can move a clock (intake, each workflow step, a message, a
merge, an escalation) recomputes them for its cases through :func:`keep_deadlines`, and the
queue reads the SLA state at any moment from the row alone (:func:`sla_state_sql`): breached
after ``breach_at``, warning from ``warn_at``, else ``sla_rest``. A change to the SLA policies
or the firm's calendar moves every open case's moments: :func:`recompute_deadlines` redoes them.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ...extensions import db
from ...models import Case, SlaPolicy
from ...models.base import now_utc
from . import sla
from .sla import Clock, ClockState

# The queue's bands, in its order: a clock runs; every clock is stopped (waiting for the customer,
# answered, or met); closed.
RUNNING_BAND, STOPPED_BAND, CLOSED_BAND = 0, 1, 2
# The worst state of a case's clocks is the one furthest to the left.
SLA_SEVERITY = ("breached", "warning", "ok", "paused", "met_late", "met")
# The clocks whose deadline the queue shows: those running, and those breached whether or not they run.
SHOWN = frozenset({ClockState.OK, ClockState.WARNING, ClockState.BREACHED})
DEADLINE_COLUMNS = ("next_due_at", "warn_at", "breach_at", "sla_rest", "queue_band", "queue_at")
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Deadline:
    """What a case's clocks come to, as long as nothing happens to it."""

    next_due_at: datetime | None
    warn_at: datetime | None
    breach_at: datetime | None
    sla_rest: str
    queue_band: int
    queue_at: datetime


def sla_state_of(facts, now: datetime) -> str:
    """The SLA state at ``now`` of a :class:`Deadline` or a case carrying its columns."""
    if facts.breach_at is not None and facts.breach_at < now:
        return ClockState.BREACHED.value
    if facts.warn_at is not None and facts.warn_at <= now:
        return ClockState.WARNING.value
    return facts.sla_rest


def sla_state_sql(now: datetime) -> sa.ColumnElement[str]:
    """The SLA state of a case at ``now`` in SQL, from its row alone."""
    return sa.case((Case.breach_at < now, ClockState.BREACHED.value),
                   (Case.warn_at <= now, ClockState.WARNING.value), else_=Case.sla_rest)


def deadline_of(case: Case, clocks: list[Clock]) -> Deadline:
    """The facts the queue keeps of ``case`` from its clocks, computed at or after its last event."""
    running = [c for c in clocks if c.met_at is None and case.state not in c.target.paused_in]
    shown = [c.due_at for c in clocks if c.state in SHOWN and c.due_at is not None]
    warnings = [c.warn_at for c in running if c.warn_at is not None]
    breaches = [c.breach_at for c in clocks if c.breach_at is not None]
    # A running clock rests at ok until it warns; a stopped one at what it is (a breach stays one through breach_at).
    rests = [ClockState.OK.value if c in running else ClockState.PAUSED.value if c.state is ClockState.BREACHED
             else c.state.value for c in clocks]
    next_due_at = min(shown) if shown else None
    band = CLOSED_BAND if case.is_closed else RUNNING_BAND if running else STOPPED_BAND
    return Deadline(next_due_at, min(warnings) if warnings else None, min(breaches) if breaches else None,
                    min(rests, key=SLA_SEVERITY.index) if rests else ClockState.MET.value, band,
                    next_due_at if band == RUNNING_BAND else case.opened_at)


def deadlines_of(cases: list[Case], now: datetime | None = None) -> dict[int, Deadline]:
    """The facts of many cases, from their logs as flushed: the calendar, the policies and the
    events are read once for all of them."""
    now = now or now_utc()
    calendar = sla.calendar_from_config()
    events = sla.case_events([case.id for case in cases])
    # A policy per category and severity at most: few enough to read whole.
    policies = list(db.session.scalars(sa.select(SlaPolicy)))
    facts = {}
    for case in cases:
        log = events[case.id]
        # Counted after every event of the log, so an event dated ahead of the clock counts too.
        at = max([now, *(event.at for event in log)])
        facts[case.id] = deadline_of(case, sla.clocks(case, log, sla.allowance_among(case, policies), calendar, at))
    return facts


def keep_deadlines(cases: Iterable[Case], now: datetime | None = None) -> None:
    """Recompute the queue's facts of ``cases`` and write them in the transaction under way.

    The write goes past the ORM, so it does not move the cases' versions: a version says someone
    changed the case, and a clock recounted changes nothing anyone wrote. Does not commit."""
    cases = [case for case in dict.fromkeys(cases)]
    if not cases:
        return
    db.session.flush()
    facts = deadlines_of(cases, now)
    table = Case.__table__
    statement = table.update().where(table.c.id == sa.bindparam("case_id")).values(
        {name: sa.bindparam(f"new_{name}", type_=table.c[name].type) for name in DEADLINE_COLUMNS})
    db.session.execute(statement, [{"case_id": case_id, **{f"new_{name}": getattr(fact, name)
                                                           for name in DEADLINE_COLUMNS}}
                                   for case_id, fact in facts.items()])
    for case in cases:
        for name in DEADLINE_COLUMNS:
            set_committed_value(case, name, getattr(facts[case.id], name))


def recompute_deadlines(batch_size: int = BATCH_SIZE, now: datetime | None = None) -> int:
    """Recount every case not closed, ``batch_size`` at a time, after the SLA policies, the
    calendar or the business hours changed; commits each batch (running it again gives the same
    rows), and returns how many cases it recounted."""
    after, done = 0, 0
    while True:
        batch = list(db.session.scalars(sa.select(Case).where(Case.state.not_in(sla.CLOSED), Case.id > after)
                                        .order_by(Case.id).limit(batch_size)))
        if not batch:
            return done
        keep_deadlines(batch, now)
        db.session.commit()
        done, after = done + len(batch), batch[-1].id
