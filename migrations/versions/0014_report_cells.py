"""Report cells: the item moments of each survey's responses per wave and segments, so a report
adds up cells instead of reading responses

Revision ID: 0014_report_cells
Revises: 0013_customer_search
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

from survey_app.services.surveys.report_cells import add_up

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
    with op.batch_alter_table("survey") as batch:
        # A constant default (not sa.false()), so SQLite adds the column in place instead of rebuilding the
        # table, which the responses referring to its surveys would refuse.
        batch.add_column(sa.Column("cells_ready", sa.Boolean(), nullable=False, server_default="0"))
    # The responses stored before this are added up here, once, rather than by a survey's first
    # report: at a large size that would be a request longer than any server waits for. The cell
    # arithmetic is the application's own (one definition of a cell), as the responses' columns it
    # reads are the same at this revision.
    connection = op.get_bind()
    for survey_id in connection.scalars(sa.text("SELECT id FROM survey ORDER BY id")).all():
        add_up(connection, survey_id)


def downgrade():
    # In place (SQLite 3.35 and later too): rebuilding the table would trip over the responses pointing at its surveys.
    op.execute("ALTER TABLE survey DROP COLUMN cells_ready")
    op.drop_index("ix_report_cell_key", table_name="report_cell")
    op.drop_table("report_cell")
