"""Manager reports: the satisfaction index and the drivers of loyalty for a survey."""
from importlib.resources import files
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..assets import hashed_url, send_hashed
from ..auth.access import role_required
from ..i18n import current_language
from ..jobs.views import own_job_or_404
from ..models import Role
from ..services import reporting, surveys
from ..services.errors import InvalidInput, NotFound
from ..services.platform.jobs import start_job
from ..services.surveys import instrument_of

bp = Blueprint("reports", __name__)
BOOTSTRAP_RESAMPLES = 2000


@bp.get("/")
@role_required(Role.MANAGER)
def index():
    """Every survey, with a link to its report."""
    return render_template("reports/index.html", rows=surveys.list_surveys())


@bp.get("/<slug>")
@role_required(Role.MANAGER)
def survey_report(slug: str):
    """The index, paths, drivers and NPS of a survey for the chosen wave and segment."""
    survey = _survey(slug)
    instrument = instrument_of(survey.instrument_version)
    labels = _construct_labels(instrument)
    try:
        report, charts = reporting.report_with_charts(survey, _chosen_filter(survey), labels)
    except InvalidInput as error:
        return render_template("errors/error.html", title=_("Unknown filter"), message=str(error)), 400
    return render_template(
        "reports/survey.html", survey=survey, instrument=instrument, labels=labels, report=report,
        charts=charts, action_form=FlaskForm(), filter_args=request.args,
        resamples=BOOTSTRAP_RESAMPLES,
    )


@bp.get("/<slug>/index.csv")
@role_required(Role.MANAGER)
def index_csv(slug: str):
    """Download the construct table (index, R², reliability) of the report as CSV."""
    survey = _survey(slug)
    try:
        report = reporting.report_of(survey, _chosen_filter(survey))
    except InvalidInput:
        abort(400)
    if report.fit is None:
        abort(404)
    names = _construct_labels(instrument_of(survey.instrument_version))
    body = reporting.index_csv(report.fit, names, current_language()).encode("utf-8-sig")
    return Response(body, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-index.csv"'})


@bp.post("/<slug>/bootstrap")
@role_required(Role.MANAGER)
def start_bootstrap(slug: str):
    """Start a bootstrap of the report's intervals in the background and show its progress."""
    survey = _survey(slug)
    try:
        flt = reporting.parse_filter(survey, request.form.get("wave"), _segment_args(survey, request.form))
    except InvalidInput:
        abort(400)
    record = start_job("bootstrap", reporting.bootstrap_report, survey.id, reporting.filter_to_dict(flt),
                       BOOTSTRAP_RESAMPLES, created_by_id=current_user.id)
    return redirect(url_for("reports.bootstrap_result", slug=slug, job_id=record.id), code=303)


@bp.get("/<slug>/bootstrap/<job_id>")
@role_required(Role.MANAGER)
def bootstrap_result(slug: str, job_id: str):
    """The bootstrap's progress while it runs, then the intervals.

    :raise 404: for another kind of job, one of another survey, or one another manager started
        (admins see all), like every job's result page.
    """
    survey = _survey(slug)
    record = own_job_or_404(job_id, "bootstrap")
    if record.result and record.result.get("survey") != slug:
        abort(404)
    return render_template("reports/bootstrap.html", survey=survey, job=record,
                           result=(record.result or {}).get("bootstrap"),
                           labels=_construct_labels(instrument_of(survey.instrument_version)))


PLOTLY_JS = Path(str(files("plotly") / "package_data" / "plotly.min.js"))


@bp.get("/plotly.min.js")
def plotly_js():
    """plotly.js from the installed plotly package, so charts load nothing from another host; under
    its hash (``plotly_url``) it is kept for a year, as a plotly upgrade changes the URL. Public like
    static/: the library is no secret, and a response that read no session varies on no cookie."""
    return send_hashed(PLOTLY_JS, mimetype="text/javascript")


@bp.context_processor
def plotly_url():
    return {"plotly_url": lambda: hashed_url("reports.plotly_js", PLOTLY_JS)}


def _construct_labels(instrument) -> dict[str, str]:
    """Construct ids to their names in the reader's language, for tables and charts."""
    return {c.id: c.name.get(current_language()) for c in instrument.constructs}


def _chosen_filter(survey):
    """The wave and segments the query string chooses.

    :raise InvalidInput: for a wave or segment the survey does not have.
    """
    return reporting.parse_filter(survey, request.args.get("wave"), _segment_args(survey))


def _segment_args(survey, source=None) -> dict[str, str]:
    source = request.args if source is None else source
    return {name: source.get(f"seg_{name}", "") for name in survey.segment_fields}


def _survey(slug: str):
    """:raise 404: when no survey has this slug."""
    try:
        return surveys.survey_by_slug(slug)
    except NotFound:
        abort(404)
