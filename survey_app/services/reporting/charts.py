"""The charts of the report page: the index bars, the structural model and the importance-performance
map of a fit, as plotly HTML fragments titled in the reader's language."""
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from plotly.io.json import to_json_plotly

from analysis import figures

from ...models import Survey
from . import cache as report_cache
from .datasets import ResponseFilter
from .reports import SurveyReport, report_and_version


def report_with_charts(survey: Survey, flt: ResponseFilter, labels: dict[str, str]) -> tuple[SurveyReport, dict]:
    """The report of the filter and its charts in the reader's language, both from the cache.

    Drawing the charts costs more than reading the report (tens of milliseconds of plotly's
    validation), so they are kept per language beside the report they are drawn from.
    ``labels`` maps construct ids to the names shown, in that language.
    """
    report, version = report_and_version(survey, flt)
    charts = report_cache.fetch_part(survey, flt, version, f"charts/{get_locale()}",
                                     lambda: _charts(report, labels))
    return report, charts


def _charts(report: SurveyReport, labels: dict[str, str]) -> dict[str, str]:
    """The report's charts by name (``index``, ``paths``, ``ipma``); none when it has no fit.

    ``labels`` maps construct ids to the names shown.
    """
    fit = report.fit
    if fit is None:
        return {}
    ipma = fit.ipma()
    target = labels.get(ipma.target, ipma.target)
    return {
        "index": _html(figures.index_bars(fit, title=_("Satisfaction index (0-100)"), labels=labels,
                                          axis_title=_("Index"))),
        "paths": _html(figures.path_diagram(fit, title=_("Structural model"), labels=labels)),
        "ipma": _html(figures.ipma_map(ipma, title=_("Importance-performance map: %(target)s", target=target),
                                       labels=labels, axis_titles=(_("Importance (index points per point)"),
                                                                   _("Performance (0-100)")))),
    }


def _html(figure) -> str:
    """A figure as an element of the page that static/js/charts.js draws with plotly.js.

    Not plotly's own to_html: its inline script would need the page's content policy to allow
    inline scripts, and this element carries the figure as data instead.
    """
    spec = to_json_plotly({**figure.to_plotly_json(), "config": {"displaylogo": False, "responsive": True}})
    return str(Markup('<div class="chart" data-plotly="{}"></div>').format(spec))
