"""Report cells: the item moments of each survey's responses per wave and segments, so a report
adds up cells instead of reading responses

Revision ID: 0014_report_cells
Revises: 0013_customer_search
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0014_report_cells"
down_revision = "0013_customer_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_cell",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey_id", sa.Integer(), sa.ForeignKey("survey.id", ondelete="CASCADE"), nullable=False),
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("wave.id", ondelete="CASCADE"), nullable=True),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("cell_key", sa.String(2000), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("moments", sa.LargeBinary(), nullable=False),
        sa.Column("tallies", sa.JSON(), nullable=False),
    )
    op.create_index("ix_report_cell_key", "report_cell", ["survey_id", "cell_key"], unique=True)
    # Responses stored before this have no cells yet: each survey's first report adds them up
    # (or `flask reports rebuild-cells` does, ahead of time, for a large database).
    with op.batch_alter_table("survey") as batch:
        batch.add_column(sa.Column("cells_ready", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("cells_ready")
    op.drop_index("ix_report_cell_key", table_name="report_cell")
    op.drop_table("report_cell")
