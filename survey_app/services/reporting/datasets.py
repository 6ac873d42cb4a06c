"""Which responses a report selects, and, for the work that needs them one by one (the bootstrap),
those responses as a table in instrument item order. Reports themselves read the sums kept in
:mod:`.cells`."""
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from ...extensions import db
from ...models import Response, ResponseSegment, ResponseStatus, Survey
from ..surveys.report_cells import item_value

# Responses read per round trip when a table of rows is built.
BATCH_ROWS = 5000


@dataclass(frozen=True)
class ResponseFilter:
    """Which submitted responses of a survey to take: by wave and by segment values."""

    wave_ids: tuple[int, ...] = ()
    segments: tuple[tuple[str, str], ...] = ()

    def apply(self, query):
        if self.wave_ids:
            query = query.where(Response.wave_id.in_(self.wave_ids))
        for name, value in self.segments:
            matching = sa.select(ResponseSegment.response_id).where(
                ResponseSegment.name == name, ResponseSegment.value == value
            )
            query = query.where(Response.id.in_(matching))
        return query


@dataclass
class Dataset:
    """Submitted responses as rows: ``items`` is numeric (NaN for "don't know" or unanswered)."""

    item_ids: list[str]
    items: np.ndarray
    response_ids: np.ndarray


def load_dataset(survey: Survey, item_ids: list[str], flt: ResponseFilter = ResponseFilter()) -> Dataset:
    """Responses of ``survey`` matching ``flt``, in order of submission, as a matrix with one column
    per item id. Plain rows read in batches (a server-side cursor on PostgreSQL): memory holds the
    matrix and one batch, never an object per response."""
    query = flt.apply(
        sa.select(Response.id, Response.answers)
        .where(Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.submitted_at, Response.id)
    ).execution_options(yield_per=BATCH_ROWS)
    blocks, ids = [], []
    for batch in db.session.execute(query).partitions():
        ids.extend(row.id for row in batch)
        blocks.append(np.array([[item_value(row.answers.get(item)) for item in item_ids] for row in batch], float))
    matrix = np.concatenate(blocks) if blocks else np.empty((0, len(item_ids)))
    return Dataset(item_ids, matrix.reshape(len(ids), len(item_ids)), np.array(ids, dtype=np.int64))
