"""The monthly callback check of front-line service: draws and their callbacks

Revision ID: 0007_callbacks
Revises: 0006_customer_arrival
Create Date: 2026-12-08 09:10:00

"""
from alembic import op
import sqlalchemy as sa

import survey_app.models.base


revision = "0007_callbacks"
down_revision = "0006_customer_arrival"
branch_labels = None
depends_on = None

STATUSES = ("due", "done", "unreachable", "declined")


def upgrade():
    op.create_table(
        "callback_draw",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("per_agent", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("drawn_by_id", sa.Integer(), nullable=True),
        sa.Column("drawn_at", survey_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["drawn_by_id"], ["staff_user.id"], name=op.f("fk_callback_draw_drawn_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_draw")),
        sa.UniqueConstraint("month", name=op.f("uq_callback_draw_month")),
    )
    op.create_table(
        "callback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draw_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.Enum(*STATUSES, name="callbackstatus", native_enum=False, length=32), nullable=False),
        sa.Column("service_rating", sa.Integer(), nullable=True),
        sa.Column("needs", sa.Text(), nullable=True),
        sa.Column("suggestion", sa.Text(), nullable=True),
        sa.Column("drawn_at", survey_app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("called_at", survey_app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("called_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["staff_user.id"], name=op.f("fk_callback_agent_id_staff_user")),
        sa.ForeignKeyConstraint(["called_by_id"], ["staff_user.id"], name=op.f("fk_callback_called_by_id_staff_user")),
        sa.ForeignKeyConstraint(["case_id"], ["complaint_case.id"], name=op.f("fk_callback_case_id_complaint_case")),
        sa.ForeignKeyConstraint(["customer_id"], ["customer.id"], name=op.f("fk_callback_customer_id_customer")),
        sa.ForeignKeyConstraint(["draw_id"], ["callback_draw.id"], name=op.f("fk_callback_draw_id_callback_draw")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback")),
    )
    with op.batch_alter_table("callback") as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_customer_id"), ["customer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_callback_draw_id"), ["draw_id"], unique=False)


def downgrade():
    with op.batch_alter_table("callback") as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_draw_id"))
        batch_op.drop_index(batch_op.f("ix_callback_customer_id"))
        batch_op.drop_index(batch_op.f("ix_callback_agent_id"))
    op.drop_table("callback")
    op.drop_table("callback_draw")
