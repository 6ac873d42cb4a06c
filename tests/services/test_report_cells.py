"""Report cells: a report read from the sums kept per wave and segments gives the figures the
responses themselves give, and every way a submitted response is written keeps the sums true."""
import re

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from analysis.nps import net_promoter_score, top_box
from survey_app.demo import create_demo
from survey_app.extensions import db
from survey_app.models import ReportCell, Response, ResponseStatus, Survey
from survey_app.services.customers import merges
from survey_app.services.reporting import cells, reports
from survey_app.services.surveys import report_cells
from survey_app.services.reporting.datasets import ResponseFilter, load_dataset
from survey_app.services.surveys.publishing import survey_by_slug
from survey_app.services.surveys.responses import find_response, store_page
from tests.factories import make_response

TOLERANCE = 1e-9


@pytest.fixture
def survey(app, staff):
    create_demo(responses=400)
    survey = survey_by_slug("demo")
    # Some "don't know" answers and a skipped item, so mean replacement needs its pair sums.
    rng = np.random.default_rng(7)
    items = reports.instrument_of(survey.instrument_version).item_ids
    for k, response in enumerate(_submitted(survey)[:40]):
        answers = dict(response.answers)
        for item in rng.choice(items, size=1 + k % 3, replace=False):
            answers[str(item)] = None if k % 2 else "skipped"
        response.answers = answers
    db.session.commit()
    return survey


def _submitted(survey) -> list[Response]:
    return list(db.session.scalars(sa.select(Response).where(
        Response.survey_id == survey.id, Response.status == ResponseStatus.SUBMITTED).order_by(Response.id)))


def _filters(survey) -> list[ResponseFilter]:
    first, second = (w.id for w in survey.waves)
    return [ResponseFilter(), ResponseFilter((first,)), ResponseFilter((second,)),
            ResponseFilter((), (("store", "north"),)), ResponseFilter((first,), (("store", "south"),))]


def _cells(survey) -> dict:
    """The survey's cells as comparable values."""
    return {cell.cell_key: (cell.wave_id, cell.segments, cell.n, np.frombuffer(cell.moments).tolist(), cell.tallies)
            for cell in db.session.scalars(sa.select(ReportCell).where(ReportCell.survey_id == survey.id))}


def _rebuilt(survey) -> dict:
    """What the cells are when added up afresh from the rows."""
    db.session.expire_all()
    report_cells.rebuild_cells(db.session.get(Survey, survey.id))
    return _cells(survey)


def _assert_cells_true(survey) -> None:
    db.session.expire_all()
    kept = _cells(survey)
    assert kept == _rebuilt(survey)


def test_the_report_from_cells_equals_the_report_from_rows_on_every_filter(survey):
    instrument = reports.instrument_of(survey.instrument_version)
    for flt in _filters(survey):
        report = reports.build_report(survey, flt)
        rows_fit = reports.fit_to_rows(survey, flt)
        dataset = load_dataset(survey, list(instrument.item_ids), flt)
        assert report.n == len(dataset.response_ids)
        assert report.fit is not None and not report.fit.from_rows and report.fit.moments.has_missing
        for figures in ("paths", "outer_weights", "loadings", "r2", "index", "total_effects"):
            pd.testing.assert_series_equal(getattr(report.fit, figures), getattr(rows_fit, figures),
                                           rtol=0, atol=TOLERANCE, obj=f"{figures} of {flt}")
        _assert_pulse_figures_are_the_rows(survey, flt, report)


def test_nps_and_top_box_from_the_cells_are_those_of_the_rows(survey):
    pulse = survey_by_slug("nps-pulse")
    for k, response in enumerate(_submitted(pulse)[:30]):
        response.answers = {**response.answers, "nps": None if k % 2 else "n/a", "csat": None if k % 3 else 5}
    db.session.commit()
    for flt in (ResponseFilter(), ResponseFilter((pulse.waves[0].id,)) if pulse.waves else ResponseFilter()):
        report = reports.build_report(pulse, flt)
        assert report.nps is not None and report.csat is not None
        _assert_pulse_figures_are_the_rows(pulse, flt, report)


def _assert_pulse_figures_are_the_rows(survey, flt, report) -> None:
    instrument = reports.instrument_of(survey.instrument_version)
    dataset = load_dataset(survey, list(instrument.item_ids), flt)
    chosen = set(dataset.response_ids.tolist())
    question = instrument.net_promoter_question
    if question is None:
        assert report.nps is None
    else:
        scores = [r.answers.get(question.id) for r in _submitted(survey) if r.id in chosen]
        assert report.nps == net_promoter_score([s for s in scores if isinstance(s, int)])
    satisfaction = instrument.items_of("satisfaction")[0]
    column = dataset.items[:, list(instrument.item_ids).index(satisfaction.id)]
    scale = satisfaction.scale
    assert report.csat == top_box(column - scale.min + 1, scale.max - scale.min + 1)


def test_a_report_reads_the_cells_and_no_response(survey, app):
    statements = []

    def record(_connection, _cursor, statement, *_args):
        statements.append(statement)

    cells.cell_totals(survey, ResponseFilter())  # the cells are ready
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        for flt in _filters(survey):
            reports.build_report(survey, flt)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    reading_responses = [s for s in statements if re.search(r"\bFROM response\b(?!_)", s)]
    assert statements and reading_responses == []


def test_every_kind_of_submission_keeps_the_cells_true(survey):
    model = _submitted(survey)[50]
    # A first page that is the last: one INSERT.
    make_response(survey, model.answers, segments={"store": "east"})
    _assert_cells_true(survey)
    # A draft submitted on its second page: an UPDATE of the row.
    draft = make_response(survey, {}, submitted=False, page=1)
    store_page(survey, form_key=draft.form_key, values=model.answers, next_page=2, language="en", final=True,
               existing=find_response(survey, form_key=draft.form_key))
    _assert_cells_true(survey)
    # A draft page changes no cell.
    before = _cells(survey)
    make_response(survey, model.answers, submitted=False, page=1)
    assert _cells(survey) == before


def test_an_edit_a_move_and_a_deletion_through_the_session_keep_the_cells_true(survey):
    first, second = survey.waves
    response = _submitted(survey)[60]
    response.answers = {**response.answers, survey.instrument_version.document["items"][0]["id"]: 1}
    _assert_cells_true(survey)
    response = _submitted(survey)[61]
    response.segments = {"store": "west"}
    response.wave_id = second.id if response.wave_id == first.id else first.id
    db.session.commit()
    _assert_cells_true(survey)
    db.session.delete(_submitted(survey)[62])
    db.session.commit()
    _assert_cells_true(survey)


def test_a_merge_moves_no_answer_and_leaves_the_cells(survey, staff):
    from survey_app.models import Customer

    owners = db.session.scalars(sa.select(Response.customer_id).where(
        Response.survey_id == survey.id, Response.customer_id.is_not(None)).distinct().order_by(
        Response.customer_id).limit(2)).all()
    assert len(owners) == 2
    before = _cells(survey)
    merges.merge_customers(db.session.get(Customer, owners[0]), db.session.get(Customer, owners[1]),
                           actor=staff["supervisor"])
    db.session.expire_all()
    assert _cells(survey) == before == _rebuilt(survey)


def test_a_survey_whose_responses_came_before_its_cells_is_added_up_by_its_first_report(survey):
    expected = reports.build_report(survey, ResponseFilter()).fit.paths
    db.session.execute(sa.delete(ReportCell))
    db.session.execute(sa.update(Survey).where(Survey.id == survey.id).values(cells_ready=False))
    db.session.commit()
    report = reports.build_report(survey, ResponseFilter())
    pd.testing.assert_series_equal(report.fit.paths, expected, rtol=0, atol=TOLERANCE)
    assert db.session.scalar(sa.select(Survey.cells_ready).where(Survey.id == survey.id)) is True


def test_cells_that_lost_track_of_a_response_are_recounted_not_trusted(survey):
    # A response written past the application (a bulk load), in a cell of its own...
    model = _submitted(survey)[0]
    db.session.execute(sa.insert(Response).values(
        survey_id=survey.id, form_key="bulk-1", status=ResponseStatus.SUBMITTED, answers=model.answers,
        segments={"store": "bulk"}, language="en", page=0, started_at=model.started_at,
        updated_at=model.updated_at, submitted_at=model.submitted_at))
    db.session.commit()
    # ...then deleted through the session: its cell does not exist, so the cells are marked for a recount.
    db.session.delete(db.session.scalar(sa.select(Response).where(Response.form_key == "bulk-1")))
    db.session.commit()
    assert db.session.scalar(sa.select(Survey.cells_ready).where(Survey.id == survey.id)) is False
    report = reports.build_report(survey, ResponseFilter())
    assert report.n == len(_submitted(survey))
    _assert_cells_true(survey)


def test_the_rebuild_command_adds_up_the_cells_of_a_bulk_loaded_survey(survey, runner):
    before = _cells(survey)
    db.session.execute(sa.delete(ReportCell))
    db.session.execute(sa.update(Survey).values(cells_ready=False))
    db.session.commit()
    result = runner.invoke(args=["reports", "rebuild-cells", "demo"])
    assert result.exit_code == 0 and "demo: report cells rebuilt" in result.output
    db.session.expire_all()
    assert _cells(survey) == before
    assert db.session.scalar(sa.select(Survey.cells_ready).where(Survey.slug == "nps-pulse")) is False
