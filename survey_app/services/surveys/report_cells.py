"""Report cells: a survey's submitted responses added up per wave and segments, kept true as they are written.

This module writes them; :mod:`survey_app.services.reporting.cells` reads them for a report.

A report needs only sums of its responses: their number, the item moments the PLS fit and the
index are computed from (:class:`analysis.Moments`, with the pair sums that keep mean
replacement exact), and the count of each answer, for the NPS and top-box shares. Sums of
disjoint sets add up, so a survey's responses are kept as one
:class:`~survey_app.models.ReportCell` per wave and combination of segment values, and the report
of any filter (a wave, segment values) adds up the cells it selects: it costs what the number of
cells costs, whatever the number of responses. Answers are whole numbers, so every sum is exact
in float64 and taking a response out restores the cell to the bit.

Every write of a submitted response changes its cell in the write's own transaction: the
respondent's submission (:func:`response_submitted`, which the survey service calls beside its
single-statement INSERT or UPDATE) and everything written through the session (the flush events
at the end: the demo data, an edit, a deletion). A write that bypasses both (a bulk load, a Core
DELETE) must be followed by :func:`rebuild_cells`. Each change first moves the survey's data
version on (``report_data_changed``), which locks the survey row until the transaction ends, so
two writers never read and write one cell at once. The responses of a database older than the
cells are added up by the migration that made them (:func:`add_up`).
"""
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy import event

from ...extensions import db
from ...models import ReportCell, Response, ResponseStatus, Survey
from ...models.survey import report_data_changed
from .instruments import Instrument, instrument_of, instrument_of_survey

log = logging.getLogger(__name__)
# Submitted responses read per round trip when a survey's cells are added up from its rows.
REBUILD_BATCH = 5000
_CELLS = ReportCell.__table__
_RESPONSES = Response.__table__
# Sent with every submission, so built once (bound by name): constructing a statement costs more
# than SQLAlchemy's cache saves when it is made anew each time.
_LOCK = report_data_changed([sa.bindparam("survey_id")]).returning(Survey.cells_ready)
_CELL = sa.select(_CELLS.c.id, _CELLS.c.n, _CELLS.c.moments, _CELLS.c.tallies).where(
    _CELLS.c.survey_id == sa.bindparam("survey_id"), _CELLS.c.cell_key == sa.bindparam("key"))
_UPDATE_CELL = sa.update(_CELLS).where(_CELLS.c.id == sa.bindparam("cell_id")).values(
    n=sa.bindparam("new_n"), moments=sa.bindparam("new_moments"), tallies=sa.bindparam("new_tallies"))


def tallied_elements(instrument: Instrument) -> tuple[str, ...]:
    """The elements whose answers a cell counts: the items, and the recommendation question."""
    question = instrument.net_promoter_question
    return (*instrument.item_ids, *([question.id] if question and question.id not in instrument.item_ids else []))


def segment_values(segments: Mapping | None) -> dict[str, str]:
    """A response's segments as reports filter on them: values as text, empty ones left out
    (as ``ResponseSegment`` rows are written)."""
    return {name: str(value) for name, value in (segments or {}).items() if value not in (None, "")}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def item_value(value) -> float:
    """An item's answer as a number: NaN for "don't know" (stored as null), a skipped item or text."""
    return float(value) if _is_number(value) else np.nan


def answer_key(value) -> str | None:
    """How an answer is counted in a cell's tallies: a number as text; None for anything else."""
    return str(value) if _is_number(value) else None


@dataclass
class _Change:
    """What some responses add to (or, with negative counts, take from) one cell."""

    wave_id: int | None
    segments: dict[str, str]
    n: int = 0
    sums: np.ndarray | None = None
    tallies: Counter = field(default_factory=Counter)

    @property
    def key(self) -> str:
        canonical = json.dumps([self.wave_id, sorted(self.segments.items())], ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def add(self, instrument: Instrument, answers_rows: list[Mapping], sign: int = 1) -> None:
        items = instrument.item_ids
        x = np.array([[item_value(answers.get(item)) for item in items] for answers in answers_rows], float)
        x = x.reshape(len(answers_rows), len(items))
        observed = ~np.isnan(x)
        x0, m = np.where(observed, x, 0.0), observed.astype(float)
        part = np.concatenate([x0.sum(axis=0), (x0.T @ x0).ravel(), (x0.T @ m).ravel(), (m.T @ m).ravel()])
        self.sums = sign * part if self.sums is None else self.sums + sign * part
        self.n += sign * len(answers_rows)
        elements = tallied_elements(instrument)
        for answers in answers_rows:
            for element in elements:
                key = answer_key(answers.get(element))
                if key is not None:
                    self.tallies[f"{element}\x1f{key}"] += sign


def _changes(instrument: Instrument, rows: Iterable, sign: int) -> dict[str, _Change]:
    """Rows of (wave_id, segments, answers) grouped into one change per cell."""
    grouped: dict[tuple, tuple[_Change, list]] = {}
    for wave_id, segments, answers in rows:
        values = segment_values(segments)
        entry = grouped.setdefault((wave_id, tuple(sorted(values.items()))), (_Change(wave_id, values), []))
        entry[1].append(answers or {})
    changes = {}
    for change, answers_rows in grouped.values():
        change.add(instrument, answers_rows, sign)
        changes[change.key] = change
    return changes


def _apply(connection: sa.Connection, survey_id: int, changes: Iterable[_Change]) -> None:
    """Add ``changes`` to the survey's cells, after locking the survey row by moving its version on."""
    ready = connection.execute(_LOCK, {"survey_id": survey_id}).scalar()
    if not ready:
        return  # rebuild_cells will count these responses with the others
    for change in changes:
        if change.n == 0 and not np.any(change.sums) and not any(change.tallies.values()):
            continue  # an edit that leaves the cell as it was
        cell = connection.execute(_CELL, {"survey_id": survey_id, "key": change.key}).one_or_none()
        if cell is None:
            if change.n <= 0:
                _lost_track(connection, survey_id)
                return
            _insert_cell(connection, survey_id, change)
            continue
        n = cell.n + change.n
        if n < 0:
            _lost_track(connection, survey_id)
            return
        if n == 0:
            connection.execute(sa.delete(_CELLS).where(_CELLS.c.id == cell.id))
            continue
        sums = np.frombuffer(cell.moments, dtype=float) + change.sums
        tallies = tally_counter(cell.tallies)
        tallies.update(change.tallies)
        connection.execute(_UPDATE_CELL, {"cell_id": cell.id, "new_n": n, "new_moments": sums.tobytes(),
                                          "new_tallies": tally_dict(tallies)})


def _insert_cell(connection: sa.Connection, survey_id: int, change: _Change) -> None:
    connection.execute(sa.insert(_CELLS).values(
        survey_id=survey_id, wave_id=change.wave_id, segments=change.segments, cell_key=change.key,
        n=change.n, moments=change.sums.tobytes(), tallies=tally_dict(change.tallies)))


def _lost_track(connection: sa.Connection, survey_id: int) -> None:
    """A response taken out of a cell that does not hold it: the cells were written past this module
    (a bulk load or delete). Recount them from the rows at the next report rather than report wrong sums."""
    log.warning("report cells of survey %s disagree with its responses; they will be rebuilt", survey_id)
    connection.execute(sa.update(Survey.__table__).where(Survey.__table__.c.id == survey_id).values(cells_ready=False))


def tally_counter(stored: Mapping[str, Mapping[str, int]]) -> Counter:
    """A cell's stored tallies as one counter, so those of several cells add up."""
    return Counter({f"{element}\x1f{answer}": count for element, counts in stored.items()
                    for answer, count in counts.items()})


def tally_dict(tallies: Counter) -> dict[str, dict[str, int]]:
    """The stored form of added-up tallies: element -> {answer: count}, without zero counts."""
    out: dict[str, dict[str, int]] = {}
    for key, count in sorted(tallies.items()):
        if count:
            element, answer = key.split("\x1f")
            out.setdefault(element, {})[answer] = count
    return out


def response_submitted(survey: Survey, response: Response) -> None:
    """Add a response just submitted by a single statement (no flush event sees it) to its cell."""
    instrument = instrument_of(survey.instrument_version)
    rows = [(response.wave_id, response.segments, response.answers)]
    _apply(db.session.connection(), survey.id, _changes(instrument, rows, +1).values())


def rebuild_cells(survey: Survey) -> None:
    """Add up the survey's cells afresh from its submitted responses, and commit.

    Run once for a survey whose responses the cells do not hold (``cells_ready`` false); the survey
    row stays locked meanwhile, so submissions wait for it rather than be counted twice or not at all.
    """
    add_up(db.session.connection(), survey.id)
    db.session.commit()


def add_up(connection: sa.Connection, survey_id: int) -> None:
    """:func:`rebuild_cells` through ``connection``, without committing (the migration that made the cells calls it)."""
    connection.execute(report_data_changed([survey_id]))
    connection.execute(sa.delete(_CELLS).where(_CELLS.c.survey_id == survey_id))
    connection.execute(sa.update(Survey.__table__).where(Survey.__table__.c.id == survey_id).values(cells_ready=True))
    instrument = instrument_of_survey(connection, survey_id)
    totals: dict[str, _Change] = {}
    rows = connection.execute(
        sa.select(_RESPONSES.c.wave_id, _RESPONSES.c.segments, _RESPONSES.c.answers).where(
            _RESPONSES.c.survey_id == survey_id, _RESPONSES.c.status == ResponseStatus.SUBMITTED)
        .execution_options(yield_per=REBUILD_BATCH))
    for batch in rows.partitions():
        _absorb(totals, _changes(instrument, batch, +1))
    for change in totals.values():
        _insert_cell(connection, survey_id, change)


def _absorb(totals: dict[str, _Change], changes: dict[str, _Change]) -> None:
    """Add ``changes`` into ``totals``, cell by cell."""
    for key, change in changes.items():
        total = totals.get(key)
        if total is None:
            totals[key] = change
        else:
            total.n += change.n
            total.sums = total.sums + change.sums
            total.tallies.update(change.tallies)


# -- responses written through the session ---------------------------------------------------------
def _stored(connection: sa.Connection, response_id: int):
    """The response as the database holds it before this flush writes it."""
    return connection.execute(sa.select(
        _RESPONSES.c.status, _RESPONSES.c.wave_id, _RESPONSES.c.segments, _RESPONSES.c.answers).where(
        _RESPONSES.c.id == response_id)).one_or_none()


def _session_write(connection, survey_id: int, before, after) -> None:
    """One response's change through the session: ``before`` and ``after`` are (wave_id, segments,
    answers) rows of its submitted state, or None when it was not (is not) submitted."""
    if before is None and after is None:
        return
    instrument = instrument_of_survey(connection, survey_id)
    changes = _changes(instrument, [before] if before else [], -1)
    _absorb(changes, _changes(instrument, [after] if after else [], +1))
    _apply(connection, survey_id, changes.values())


def _submitted_state(response: Response):
    if response.status is not ResponseStatus.SUBMITTED:
        return None
    return response.wave_id, response.segments, response.answers


@event.listens_for(Response, "after_insert")
def _inserted(_mapper, connection, response: Response) -> None:
    _session_write(connection, response.survey_id, None, _submitted_state(response))


@event.listens_for(Response, "before_update")
def _updated(_mapper, connection, response: Response) -> None:
    history = sa.inspect(response).attrs.status.history
    was = history.deleted[0] if history.deleted else response.status
    before = None
    if was is ResponseStatus.SUBMITTED:
        stored = _stored(connection, response.id)
        before = stored[1:] if stored is not None and stored.status == ResponseStatus.SUBMITTED else None
    _session_write(connection, response.survey_id, before, _submitted_state(response))


@event.listens_for(Response, "before_delete")
def _deleted(_mapper, connection, response: Response) -> None:
    stored = _stored(connection, response.id)
    if stored is not None and stored.status == ResponseStatus.SUBMITTED:
        _session_write(connection, response.survey_id, stored[1:], None)
