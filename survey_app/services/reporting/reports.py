"""The satisfaction report of a survey: the instrument's model fitted to its responses.

Everything the report shows comes from :mod:`analysis`; this module only chooses the responses
(:class:`~.datasets.ResponseFilter`), fits what their :mod:`.cells` add up to, fixes the fitting
settings, and runs the bootstrap, which needs the responses one by one
(:func:`~.datasets.load_dataset`), as a background job that reports its progress. Pages, downloads and the bootstrap take the report
from :func:`report_of`, which fits once per survey, filter and data version
(:mod:`.report_cache`).
"""
import warnings
from dataclasses import dataclass

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analysis import (EstimationError, ModelSpecificationError, NegativeWeightWarning, PLSResults, fit_model,
                      from_instrument)
from analysis.bootstrap import bootstrap
from analysis.nps import NPSResult, ShareResult, net_promoter_score_of_counts, share

from ...extensions import db
from ...models import Survey
from . import cache as report_cache
from .cells import CellTotals, cell_totals
from .datasets import ResponseFilter, load_dataset
from ..errors import InvalidInput
from ..surveys.instruments import instrument_of
from ..platform.jobs import job, run_job

# SmartPLS and seminr defaults: path scheme, standardised items, mean replacement of "don't know".
FIT_SETTINGS = {"scheme": "path", "scaled": True, "missing": "mean"}
MIN_RESPONSES = 30
BOOTSTRAP_SEED = 20260101


@dataclass
class SurveyReport:
    """What the report page shows for one filter of one survey.

    Our own ``warnings`` are lazy strings, translated when shown, so one cached report serves
    readers of every language.
    """

    n: int
    fit: PLSResults | None
    nps: NPSResult | None
    csat: ShareResult | None
    warnings: list


def report_of(survey: Survey, flt: ResponseFilter) -> SurveyReport:
    """The report for the survey's current responses: cached, fitted only when they have changed."""
    return report_cache.fetch(survey, flt, build_report)[0]


def report_and_version(survey: Survey, flt: ResponseFilter) -> tuple[SurveyReport, int]:
    """:func:`report_of`, with the data version the report is of."""
    return report_cache.fetch(survey, flt, build_report)


def build_report(survey: Survey, flt: ResponseFilter) -> SurveyReport:
    """Fit the survey's model to what the filtered responses add up to; too few responses give no fit,
    not an error. Reads the survey's report cells, never its responses."""
    instrument = instrument_of(survey.instrument_version)
    totals = cell_totals(survey, flt)
    notes: list[str] = []
    fit = None
    if instrument.paths and totals.n >= MIN_RESPONSES:
        fit, notes = _fit(instrument, totals.moments)
    elif instrument.paths:
        notes.append(_l("At least %(n)d responses are needed for the model; this selection has %(m)d.",
                        n=MIN_RESPONSES, m=totals.n))
    return SurveyReport(totals.n, fit, _nps(instrument, totals), _csat(instrument, totals), notes)


def fit_to_rows(survey: Survey, flt: ResponseFilter) -> PLSResults | None:
    """The report's fit made from the filtered responses themselves, as the bootstrap resamples them."""
    instrument = instrument_of(survey.instrument_version)
    dataset = load_dataset(survey, list(instrument.item_ids), flt)
    if not instrument.paths or len(dataset.response_ids) < MIN_RESPONSES:
        return None
    return _fit(instrument, pd.DataFrame(dataset.items, columns=dataset.item_ids))[0]


def _fit(instrument, data) -> tuple[PLSResults | None, list]:
    """Fit the instrument's model to ``data``: a table of rows, or the :class:`~analysis.Moments` of one."""
    # Both refusals are the manager's to read, not a 500: the selection can defeat a valid model
    # (an item nobody varied on), and so can the instrument a survey was published from, whose
    # loader checks what a questionnaire needs but not all a model does (a path declared twice
    # passes it). Any other error is a bug and is left to fail.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NegativeWeightWarning)
            fit = fit_model(data, from_instrument(instrument), **FIT_SETTINGS)
            fit.index  # computed here so its warning is caught with the others
    except (EstimationError, ModelSpecificationError) as error:
        return None, [_l("The model cannot be fitted to this selection: %(reason)s", reason=str(error))]
    return fit, [str(w.message) for w in caught]


def _nps(instrument, totals: CellTotals) -> NPSResult | None:
    question = instrument.net_promoter_question
    counts = totals.tallies.get(question.id) if question is not None else None
    return net_promoter_score_of_counts(counts) if counts else None


def _csat(instrument, totals: CellTotals) -> ShareResult | None:
    """Top-2-box share of the satisfaction construct's first item, when there is one."""
    items = instrument.items_of("satisfaction")
    counts = totals.tallies.get(items[0].id) if items else None
    if not counts:
        return None
    top = sum(k for answer, k in counts.items() if answer > items[0].scale.max - 2)
    return share(top, sum(counts.values()))


def parse_filter(survey: Survey, wave: str | None, segments: dict[str, str]) -> ResponseFilter:
    """A filter from the report form; unknown waves or segment values are refused.

    :raise InvalidInput: naming the field.
    """
    wave_ids = ()
    if wave:
        match = [w.id for w in survey.waves if str(w.id) == wave]
        if not match:
            raise InvalidInput(_("Unknown wave."), {"wave": _("Unknown wave.")})
        wave_ids = tuple(match)
    chosen = []
    for name, value in segments.items():
        if not value:
            continue
        allowed = survey.segment_fields.get(name)
        if allowed is None or (allowed and value not in allowed):
            raise InvalidInput(_("Unknown %(field)s value.", field=name), {name: _("Unknown value.")})
        chosen.append((name, value))
    return ResponseFilter(wave_ids, tuple(chosen))


def filter_to_dict(flt: ResponseFilter) -> dict:
    return {"wave_ids": list(flt.wave_ids), "segments": [list(pair) for pair in flt.segments]}


def filter_from_dict(data: dict) -> ResponseFilter:
    return ResponseFilter(tuple(data.get("wave_ids", ())), tuple(tuple(p) for p in data.get("segments", ())))


@job
def bootstrap_report(job_id: str, survey_id: int, flt: dict, resamples: int) -> None:
    """Background job: bootstrap intervals for the report of one survey and filter."""

    def work(progress):
        survey = db.session.get(Survey, survey_id)
        # The same cached fit the page shows, and the data version it is of, recorded with the intervals.
        selection = filter_from_dict(flt)
        report, version = report_cache.fetch(survey, selection, build_report)
        if report.fit is None:
            raise InvalidInput(" ".join(map(str, report.warnings)) or _("There are no responses to analyse."))
        # Resampling needs the rows; their fit is the page's to 1e-9 (tests/services/test_report_cells.py).
        fit = fit_to_rows(survey, selection)
        if fit is None:
            raise InvalidInput(_("There are no responses to analyse."))
        result = bootstrap(fit, resamples, seed=BOOTSTRAP_SEED,
                           progress=lambda done, total: progress(done / total))
        return {"survey": survey.slug, "filter": flt, "version": version, "n": report.n,
                "bootstrap": result.to_dict()}

    run_job(job_id, work)
