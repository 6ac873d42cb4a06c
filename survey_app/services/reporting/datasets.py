"""The one way from stored responses to a table in instrument item order; reports and exports use it."""
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from ...extensions import db
from ...models import Response, ResponseSegment, ResponseStatus, Survey, Wave


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
    response_ids: list[int]
    submitted_at: list
    waves: list[str | None]
    segments: list[dict]
    answers: list[dict] = field(repr=False)


def submitted_responses(survey: Survey, flt: ResponseFilter = ResponseFilter()):
    query = (
        sa.select(Response)
        .where(Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.submitted_at, Response.id)
    )
    return db.session.scalars(flt.apply(query)).yield_per(1000)


def load_dataset(survey: Survey, item_ids: list[str], flt: ResponseFilter = ResponseFilter()) -> Dataset:
    """Responses of ``survey`` matching ``flt`` as a matrix with one column per item id."""
    wave_names = dict(db.session.execute(sa.select(Wave.id, Wave.name).where(Wave.survey_id == survey.id)).all())
    rows, ids, times, waves, segments, answers = [], [], [], [], [], []
    for response in submitted_responses(survey, flt):
        rows.append([_number(response.answers.get(item)) for item in item_ids])
        ids.append(response.id)
        times.append(response.submitted_at)
        waves.append(wave_names.get(response.wave_id))
        segments.append(response.segments or {})
        answers.append(response.answers)
    matrix = np.array(rows, dtype=float).reshape(len(rows), len(item_ids))
    return Dataset(item_ids, matrix, ids, times, waves, segments, answers)


def _number(value) -> float:
    if isinstance(value, bool) or value is None:
        return np.nan
    if isinstance(value, (int, float)):
        return float(value)
    return np.nan
