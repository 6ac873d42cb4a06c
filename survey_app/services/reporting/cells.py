"""What the report cells of a survey add up to for a filter: a report's whole reading of its responses.

The cells are written by :mod:`survey_app.services.surveys.report_cells`, in the transaction of
every write of a submitted response; a report adds up those its filter selects (a wave, segment
values), so it costs what the number of cells costs, whatever the number of responses.
"""
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from analysis import Moments

from ...extensions import db
from ...models import ReportCell, Survey
from ..surveys.instruments import Instrument, instrument_of
from ..surveys.report_cells import rebuild_cells, tally_counter, tally_dict
from .datasets import ResponseFilter


@dataclass(frozen=True)
class CellTotals:
    """The selected cells added up: the number of responses, their item moments (None without
    responses), and for each tallied element the count of each answer."""

    n: int
    moments: Moments | None
    tallies: dict[str, dict[float, int]]


def _ready(survey: Survey) -> None:
    if not db.session.scalar(sa.select(Survey.cells_ready).where(Survey.id == survey.id)):
        rebuild_cells(survey)


def submitted_by_wave(survey: Survey) -> dict[int | None, int]:
    """The number of submitted responses of each wave (None: outside any wave)."""
    _ready(survey)
    return dict(db.session.execute(sa.select(ReportCell.wave_id, sa.func.sum(ReportCell.n)).where(
        ReportCell.survey_id == survey.id).group_by(ReportCell.wave_id)).all())


def cell_totals(survey: Survey, flt: ResponseFilter) -> CellTotals:
    """What the responses of ``survey`` that ``flt`` selects add up to, read from its cells."""
    _ready(survey)
    query = sa.select(ReportCell.n, ReportCell.segments, ReportCell.moments, ReportCell.tallies).where(
        ReportCell.survey_id == survey.id)
    if flt.wave_ids:
        query = query.where(ReportCell.wave_id.in_(flt.wave_ids))
    n, sums, tallies = 0, None, Counter()
    for cell in db.session.execute(query):
        if any(cell.segments.get(name) != value for name, value in flt.segments):
            continue
        n += cell.n
        vector = np.frombuffer(cell.moments, dtype=float)
        sums = vector.copy() if sums is None else sums + vector
        tallies.update(tally_counter(cell.tallies))
    counts: dict[str, dict[float, int]] = {}
    for element, answers in tally_dict(tallies).items():
        counts[element] = {float(answer): count for answer, count in answers.items()}
    instrument = instrument_of(survey.instrument_version)
    return CellTotals(n, _moments(instrument, n, sums, counts) if n else None, counts)


def _moments(instrument: Instrument, n: int, sums: np.ndarray, counts: Mapping[str, Mapping[float, int]]) -> Moments:
    items = instrument.item_ids
    p = len(items)
    parts = np.split(sums, [p, p + p * p, p + 2 * p * p])
    cross, pair_sums, pair_counts = (part.reshape(p, p) for part in parts[1:])
    seen = [sorted(counts.get(item, {})) for item in items]
    minimum = [values[0] if values else np.nan for values in seen]
    maximum = [values[-1] if values else np.nan for values in seen]
    if np.all(pair_counts == n):
        return Moments(items, n, parts[0], cross, minimum=minimum, maximum=maximum)
    return Moments(items, n, parts[0], cross, pair_sums, pair_counts, minimum, maximum)
