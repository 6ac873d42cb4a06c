"""Settlement at first contact: the flag on the case and each person's settlement limit

Revision ID: 0005_first_contact
Revises: 0004_complaints
Create Date: 2026-12-01 08:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = "0005_first_contact"
down_revision = "0004_complaints"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaint_case") as batch_op:
        batch_op.add_column(sa.Column("first_contact", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.add_column(sa.Column("settlement_limit", sa.Numeric(precision=12, scale=2), nullable=True))


def downgrade():
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("settlement_limit")
    with op.batch_alter_table("complaint_case") as batch_op:
        batch_op.drop_column("first_contact")
