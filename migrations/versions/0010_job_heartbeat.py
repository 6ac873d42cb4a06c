"""Jobs beat while they run, so a job whose worker stopped is marked failed; a failed job can be queued again

Revision ID: 0010_job_heartbeat
Revises: 0009_approved_decisions
Create Date: 2026-12-01 23:50:00

"""
import sqlalchemy as sa
from alembic import op

import survey_app.models.base

revision = "0010_job_heartbeat"
down_revision = "0009_approved_decisions"
branch_labels = None
depends_on = None

JOB = sa.table("job", sa.column("status", sa.String), sa.column("started_at", survey_app.models.base.UTCDateTime()),
               sa.column("heartbeat_at", survey_app.models.base.UTCDateTime()))


def upgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("task", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("arguments", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("attempt", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("heartbeat_at", survey_app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("worker_stopped", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("checkpoint", sa.JSON(), nullable=True))
    # A job left running by a worker from before heartbeats last beat when it started: if that
    # worker is gone, the job is marked failed once the timeout has passed.
    op.execute(JOB.update().where(JOB.c.status == "running").values(heartbeat_at=JOB.c.started_at))
    # The defaults only filled the rows already there; the model sets both on every new job.
    with op.batch_alter_table("job") as batch:
        batch.alter_column("attempt", server_default=None)
        batch.alter_column("worker_stopped", server_default=None)


def downgrade():
    with op.batch_alter_table("job") as batch:
        for column in ("checkpoint", "worker_stopped", "heartbeat_at", "attempt", "arguments", "task"):
            batch.drop_column(column)
