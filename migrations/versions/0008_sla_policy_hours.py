"""SLA policies keep their hours by target name, so a new SLA target needs no column

Revision ID: 0008_sla_policy_hours
Revises: 0007_callbacks
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0008_sla_policy_hours"
down_revision = "0007_callbacks"
branch_labels = None
depends_on = None

# The targets the columns held, by the name services/cases/sla.py gives them.
COLUMNS = {"acknowledge": "acknowledge_hours", "first_response": "first_response_hours",
           "resolution": "resolution_hours"}
# The table as both steps see it: its key, the new hours and the old columns.
POLICY = sa.table("sla_policy", sa.column("id", sa.Integer), sa.column("hours", sa.JSON),
                  *(sa.column(column, sa.Float) for column in COLUMNS.values()))


def upgrade():
    with op.batch_alter_table("sla_policy") as batch:
        batch.add_column(sa.Column("hours", sa.JSON(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(POLICY)).mappings().all():
        hours = {target: row[column] for target, column in COLUMNS.items()}
        connection.execute(POLICY.update().where(POLICY.c.id == row["id"]).values(hours=hours))
    with op.batch_alter_table("sla_policy") as batch:
        batch.alter_column("hours", existing_type=sa.JSON(), nullable=False)
        for column in COLUMNS.values():
            batch.drop_column(column)


def downgrade():
    with op.batch_alter_table("sla_policy") as batch:
        for column in COLUMNS.values():
            batch.add_column(sa.Column(column, sa.Float(), nullable=True))
    connection = op.get_bind()
    # The targets' default hours when this step was written: a migration never reads the app's code.
    defaults = {"acknowledge": 4.0, "first_response": 16.0, "resolution": 40.0}
    for row in connection.execute(sa.select(POLICY.c.id, POLICY.c.hours)).mappings().all():
        values = {column: (row["hours"] or {}).get(target, defaults[target]) for target, column in COLUMNS.items()}
        connection.execute(POLICY.update().where(POLICY.c.id == row["id"]).values(**values))
    with op.batch_alter_table("sla_policy") as batch:
        for column in COLUMNS.values():
            batch.alter_column(column, existing_type=sa.Float(), nullable=False)
        batch.drop_column("hours")
