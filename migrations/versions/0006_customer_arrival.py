"""Records that reached a customer through a merged customer's keys, for an exact undo

Revision ID: 0006_customer_arrival
Revises: 0005_first_contact
Create Date: 2026-12-01 08:40:00

"""
from alembic import op
import sqlalchemy as sa

import survey_app.models.base


revision = "0006_customer_arrival"
down_revision = "0005_first_contact"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "customer_arrival",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("arrived_at", survey_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_customer_arrival_customer_id_customer")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_arrival")),
    )
    with op.batch_alter_table("customer_arrival") as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_arrival_customer_id"), ["customer_id"], unique=False)


def downgrade():
    with op.batch_alter_table("customer_arrival") as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_arrival_customer_id"))
    op.drop_table("customer_arrival")
