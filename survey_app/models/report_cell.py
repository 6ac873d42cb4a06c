"""The item moments of a survey's submitted responses, one row per wave and combination of segments."""
from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ReportCell(db.Model):
    """What a report reads instead of the responses of one cell: their number, their item moments
    and the count of each answer, kept true by every write of a submitted response
    (:mod:`~survey_app.services.surveys.report_cells`). A report of any filter adds up the cells it
    selects, so its cost follows the number of cells, not of responses."""

    __tablename__ = "report_cell"
    __table_args__ = (Index("ix_report_cell_key", "survey_id", "cell_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("wave.id", ondelete="CASCADE"))
    # The response's segments with empty values left out, as a report filter reads them.
    segments: Mapped[dict] = mapped_column(JSON, default=dict)
    # Wave and segments in one canonical string: unique per survey (a NULL wave would not be).
    cell_key: Mapped[str] = mapped_column(String(2000))
    n: Mapped[int] = mapped_column(Integer, default=0)
    # Σx, Σxxᵀ, pair sums and pair counts of the instrument's items as float64 (analysis.moments).
    moments: Mapped[bytes] = mapped_column(LargeBinary)
    # Element id -> {answer: count} for the items and the recommendation question.
    tallies: Mapped[dict] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<ReportCell survey={self.survey_id} {self.cell_key} n={self.n}>"
