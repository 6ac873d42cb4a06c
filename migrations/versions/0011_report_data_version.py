"""A survey's data version kept on its row, so a cached report is checked in one read; the indexes
the report, the export, the case queue and the complaint report walk

Revision ID: 0011_report_data_version
Revises: 0010_job_heartbeat
Create Date: 2026-12-02 00:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011_report_data_version"
down_revision = "0010_job_heartbeat"
branch_labels = None
depends_on = None


def upgrade():
    # Reports cached before this start under the old key format and age out; 0 is as good a start as any.
    with op.batch_alter_table("survey") as batch:
        batch.add_column(sa.Column("data_version", sa.Integer(), nullable=False, server_default=sa.text("0")))
    op.create_index("ix_response_survey_submitted", "response", ["survey_id", "status", "submitted_at", "id"])
    op.drop_index("ix_response_survey_id", table_name="response")
    op.create_index("ix_complaint_case_opened", "complaint_case", ["opened_at", "id"])


def downgrade():
    op.drop_index("ix_complaint_case_opened", table_name="complaint_case")
    op.create_index("ix_response_survey_id", "response", ["survey_id"])
    op.drop_index("ix_response_survey_submitted", table_name="response")
    with op.batch_alter_table("survey") as batch:
        batch.drop_column("data_version")
