"""The satisfaction report of a survey: the instrument's model fitted to its responses.

Everything the report shows comes from :mod:`analysis`; this module only chooses the responses
(through :func:`datasets.load_dataset`), fixes the fitting settings, and runs the bootstrap as a
background job that reports its progress. Pages, downloads and the bootstrap take the report
from :func:`report_of`, which fits once per survey, filter and data version
(:mod:`.report_cache`).
"""
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from analysis import (EstimationError, ModelSpecificationError, NegativeWeightWarning, PLSResults, fit_model,
                      from_instrument)
from analysis.bootstrap import bootstrap
from analysis.nps import NPSResult, ShareResult, net_promoter_score, top_box

from ...extensions import db
from ...models import Survey
from . import cache as report_cache
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


def build_report(survey: Survey, flt: ResponseFilter) -> SurveyReport:
    """Fit the survey's model to the filtered responses; too few responses give no fit, not an error."""
    instrument = instrument_of(survey.instrument_version)
    dataset = load_dataset(survey, list(instrument.item_ids), flt)
    notes: list[str] = []
    fit = None
    if instrument.paths and dataset.items.shape[0] >= MIN_RESPONSES:
        fit, notes = _fit(instrument, dataset.items)
    elif instrument.paths:
        notes.append(_l("At least %(n)d responses are needed for the model; this selection has %(m)d.",
                        n=MIN_RESPONSES, m=dataset.items.shape[0]))
    return SurveyReport(len(dataset.response_ids), fit, _nps(instrument, dataset), _csat(instrument, dataset), notes)


def _fit(instrument, items: np.ndarray) -> tuple[PLSResults | None, list]:
    table = pd.DataFrame(items, columns=list(instrument.item_ids))
    # Both refusals are the manager's to read, not a 500: the selection can defeat a valid model
    # (an item nobody varied on), and so can the instrument a survey was published from, whose
    # loader checks what a questionnaire needs but not all a model does (a path declared twice
    # passes it). Any other error is a bug and is left to fail.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", NegativeWeightWarning)
            fit = fit_model(table, from_instrument(instrument), **FIT_SETTINGS)
            fit.index  # computed here so its warning is caught with the others
    except (EstimationError, ModelSpecificationError) as error:
        return None, [_l("The model cannot be fitted to this selection: %(reason)s", reason=str(error))]
    return fit, [str(w.message) for w in caught]


def _nps(instrument, dataset) -> NPSResult | None:
    question = instrument.net_promoter_question
    if question is None:
        return None
    scores = [a.get(question.id) for a in dataset.answers]
    scores = [s for s in scores if isinstance(s, int)]
    return net_promoter_score(scores) if scores else None


def _csat(instrument, dataset) -> ShareResult | None:
    """Top-2-box share of the satisfaction construct's first item, when there is one."""
    items = instrument.items_of("satisfaction")
    if not items:
        return None
    column = list(instrument.item_ids).index(items[0].id)
    answers = dataset.items[:, column]
    if np.isnan(answers).all():
        return None
    return top_box(answers - items[0].scale.min + 1, items[0].scale.max - items[0].scale.min + 1)


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
        report, version = report_cache.fetch(survey, filter_from_dict(flt), build_report)
        if report.fit is None:
            raise InvalidInput(" ".join(map(str, report.warnings)) or _("There are no responses to analyse."))
        result = bootstrap(report.fit, resamples, seed=BOOTSTRAP_SEED,
                           progress=lambda done, total: progress(done / total))
        return {"survey": survey.slug, "filter": flt, "version": version, "n": report.n,
                "bootstrap": result.to_dict()}

    run_job(job_id, work)
