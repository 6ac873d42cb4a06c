"""An approval carries the decision it approves: approvals made before get the text and the remedy of their request

Revision ID: 0009_approved_decisions
Revises: 0008_sla_policy_hours
Create Date: 2026-12-01 23:40:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009_approved_decisions"
down_revision = "0008_sla_policy_hours"
branch_labels = None
depends_on = None

EVENT = sa.table("case_event", sa.column("id", sa.Integer), sa.column("case_id", sa.Integer),
                 sa.column("name", sa.String), sa.column("changes", sa.JSON), sa.column("body", sa.Text))


def upgrade():
    # Each approval approved the latest request of its case before it: its decision is what the
    # customer was answered, and its remedy what a later decision may stay within.
    connection = op.get_bind()
    steps = connection.execute(
        sa.select(EVENT).where(EVENT.c.name.in_(("request_approval", "approve")))
        .order_by(EVENT.c.case_id, EVENT.c.id)).mappings().all()
    requests = {}
    for step in steps:
        if step["name"] == "request_approval":
            requests[step["case_id"]] = step
            continue
        request = requests.get(step["case_id"])
        if step["body"] is not None or request is None:
            continue
        asked = request["changes"] or {}
        remedy = {name: asked[name] for name in ("remedy", "remedy_amount") if asked.get(name) is not None}
        connection.execute(EVENT.update().where(EVENT.c.id == step["id"])
                           .values(body=request["body"], changes={**remedy, **(step["changes"] or {})}))


def downgrade():
    # The earlier code reads an approval's text and remedy nowhere, so they may stay.
    pass
