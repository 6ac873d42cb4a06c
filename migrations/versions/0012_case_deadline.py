"""What the case queue orders and filters by, kept on the case: its deadline, the moments it turns
warning and breached, its SLA state otherwise, its band in the queue; and the index the queue walks

Revision ID: 0012_case_deadline
Revises: 0011_report_data_version
Create Date: 2026-12-02 06:00:00

"""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from survey_app.models import ActorKind, CaseState, EventKind, Severity
from survey_app.models.base import UTCDateTime, now_utc
from survey_app.services.cases import sla
from survey_app.services.cases.deadlines import DEADLINE_COLUMNS, deadline_of

revision = "0012_case_deadline"
down_revision = "0011_report_data_version"
branch_labels = None
depends_on = None

BATCH_SIZE = 1000
# The columns read and written here as this revision has them, whatever the models say later.
cases = sa.table("complaint_case", sa.column("id", sa.Integer), sa.column("state", sa.String),
                 sa.column("category", sa.String), sa.column("severity", sa.String),
                 sa.column("opened_at", UTCDateTime), sa.column("next_due_at", UTCDateTime),
                 sa.column("warn_at", UTCDateTime), sa.column("breach_at", UTCDateTime),
                 sa.column("sla_rest", sa.String), sa.column("queue_band", sa.SmallInteger),
                 sa.column("queue_at", UTCDateTime))
events = sa.table("case_event", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                  sa.column("kind", sa.String), sa.column("actor_kind", sa.String),
                  sa.column("from_state", sa.String), sa.column("to_state", sa.String),
                  sa.column("public", sa.Boolean), sa.column("at", UTCDateTime))
policies = sa.table("sla_policy", sa.column("category", sa.String), sa.column("severity", sa.String),
                    sa.column("hours", sa.JSON), sa.column("warning_share", sa.Float))
calendar_days = sa.table("calendar_day", sa.column("day", sa.Date), sa.column("workday", sa.Boolean))


def upgrade():
    with op.batch_alter_table("complaint_case") as batch:
        batch.add_column(sa.Column("next_due_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("warn_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("breach_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("sla_rest", sa.String(16), nullable=False, server_default="ok"))
        batch.add_column(sa.Column("queue_band", sa.SmallInteger(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("queue_at", UTCDateTime(), nullable=True))
    backfill_deadlines(op.get_bind())
    op.create_index("ix_complaint_case_queue", "complaint_case", ["queue_band", "queue_at", "id"])
    op.create_index("ix_complaint_case_breach", "complaint_case", ["queue_band", "breach_at"])


def downgrade():
    op.drop_index("ix_complaint_case_breach", table_name="complaint_case")
    op.drop_index("ix_complaint_case_queue", table_name="complaint_case")
    for name in ("queue_at", "queue_band", "sla_rest", "breach_at", "warn_at", "next_due_at"):
        # SQLite drops a plain column in place: rebuilding the table would trip over the events
        # and callbacks pointing at its cases.
        op.execute(f"ALTER TABLE complaint_case DROP COLUMN {name}")


@dataclass(frozen=True)
class _Case:
    id: int
    state: CaseState
    category: str
    severity: Severity
    opened_at: datetime

    @property
    def is_closed(self) -> bool:
        return self.state in sla.CLOSED


@dataclass(frozen=True)
class _Event:
    kind: EventKind
    actor_kind: ActorKind
    from_state: CaseState | None
    to_state: CaseState | None
    public: bool
    at: datetime


@dataclass(frozen=True)
class _Policy:
    category: str | None
    severity: Severity | None
    hours: dict
    warning_share: float


def backfill_deadlines(connection: sa.Connection, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Count every case's clocks from its log, ``batch_size`` cases at a time, with the clock
    arithmetic of services/cases/sla.py (business hours are not SQL), and store what the queue
    reads; returns how many cases it counted."""
    now = now or now_utc()
    calendar = sla.business_calendar(tuple(connection.execute(sa.select(calendar_days.c.day,
                                                                        calendar_days.c.workday)).tuples()))
    known = [_Policy(p.category, Severity(p.severity) if p.severity else None, p.hours, p.warning_share)
             for p in connection.execute(sa.select(policies))]
    write = cases.update().where(cases.c.id == sa.bindparam("case_id")).values(
        {name: sa.bindparam(f"new_{name}", type_=cases.c[name].type) for name in DEADLINE_COLUMNS})
    after, done = 0, 0
    while True:
        batch = [_Case(row.id, CaseState(row.state), row.category, Severity(row.severity), row.opened_at)
                 for row in connection.execute(sa.select(cases.c.id, cases.c.state, cases.c.category,
                                                         cases.c.severity, cases.c.opened_at)
                                               .where(cases.c.id > after).order_by(cases.c.id).limit(batch_size))]
        if not batch:
            return done
        logs: dict[int, list[_Event]] = {case.id: [] for case in batch}
        for row in connection.execute(sa.select(events).where(events.c.case_id.in_(list(logs)))
                                      .order_by(events.c.id)):
            logs[row.case_id].append(_Event(EventKind(row.kind), ActorKind(row.actor_kind),
                                            CaseState(row.from_state) if row.from_state else None,
                                            CaseState(row.to_state) if row.to_state else None,
                                            bool(row.public), row.at))
        rows = []
        for case in batch:
            log = logs[case.id]
            at = max([now, *(event.at for event in log)])
            clocks = sla.clocks(case, log, sla.allowance_among(case, known), calendar, at)
            fact = deadline_of(case, clocks)
            rows.append({"case_id": case.id, **{f"new_{name}": getattr(fact, name) for name in DEADLINE_COLUMNS}})
        connection.execute(write, rows)
        done, after = done + len(batch), batch[-1].id
