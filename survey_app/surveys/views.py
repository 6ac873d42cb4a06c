"""Staff pages for surveys: list, publish, status changes, invitations and exports."""
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import role_required
from ..extensions import db
from ..form_errors import show_field_errors
from ..i18n import current_language
from ..jobs.views import own_job_or_404
from ..models import JobStatus, Role, Survey, SurveyStatus, Wave
from ..models.base import now_utc
from ..services import reporting, surveys
from ..services.errors import Conflict, InvalidInput, NotFound
from ..services.platform.jobs import STATUS_LABELS, start_job
from ..services.platform.settings import settings
from ..services.platform.uploads import read_csv_upload
from ..services.surveys import available_instruments, instrument_of
from .forms import ImportInvitationsForm, PublishSurveyForm, WaveForm
from .publishing import spec_from_form

bp = Blueprint("surveys", __name__)


@bp.get("/")
@role_required(Role.MANAGER)
def index():
    """List every survey with its response count."""
    return render_template("surveys/index.html", rows=surveys.list_surveys(), now=now_utc(),
                           status_label=surveys.status_label)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.MANAGER)
def new():
    """Publish a survey from an instrument."""
    versions = {str(v.id): v for v in available_instruments()}
    form = PublishSurveyForm(zone=settings().business_timezone.key)
    form.instrument.choices = [(key, f"{v.instrument_id} {v.version}") for key, v in versions.items()]
    if form.is_submitted():
        # The form's own checks and the survey rules run together, so one submission shows
        # every field to correct.
        form_valid = form.validate()
        try:
            spec = spec_from_form(form, versions.get(form.instrument.data))
        except InvalidInput as error:
            show_field_errors(form, error)
        else:
            if form_valid:
                survey = surveys.publish_survey(spec)
                flash(_("Survey published."), "success")
                return redirect(url_for("surveys.detail", slug=survey.slug))
    return render_template("surveys/new.html", form=form), 422 if form.errors else 200


@bp.get("/<slug>")
@role_required(Role.MANAGER)
def detail(slug: str):
    """One survey: its links, waves, counts and actions."""
    return _detail_page(_survey(slug), WaveForm())


@bp.post("/<slug>/status")
@role_required(Role.MANAGER)
def change_status(slug: str):
    """Pause, resume or close a survey; closing needs the confirmation page's ``confirm``."""
    survey = _survey(slug)
    try:
        status = SurveyStatus(request.form.get("status", ""))
    except ValueError:
        flash(_("Unknown status."), "error")
        return redirect(url_for("surveys.detail", slug=slug), code=303)
    if status is SurveyStatus.CLOSED and request.form.get("confirm") != "1":
        return redirect(url_for("surveys.confirm_close", slug=slug), code=303)
    try:
        surveys.change_status(survey, status)
    except Conflict as error:
        flash(str(error), "error")
        return redirect(url_for("surveys.detail", slug=slug), code=303)
    flash(_("The survey is now %(status)s.", status=surveys.status_label(survey.status)), "success")
    return redirect(url_for("surveys.detail", slug=slug), code=303)


@bp.get("/<slug>/close")
@role_required(Role.MANAGER)
def confirm_close(slug: str):
    """Say what closing a survey does before it is done; closing cannot be undone."""
    survey = _survey(slug)
    if survey.status is SurveyStatus.CLOSED:
        flash(_("The survey is closed already."), "info")
        return redirect(url_for("surveys.detail", slug=slug))
    return render_template("surveys/close.html", survey=survey, counts=reporting.response_counts(survey),
                           action_form=FlaskForm())


@bp.post("/<slug>/waves")
@role_required(Role.MANAGER)
def add_wave(slug: str):
    """Start a new wave of fieldwork; a refused wave shows the survey again with what was typed."""
    survey = _survey(slug)
    form = WaveForm()
    if form.validate_on_submit():
        try:
            surveys.add_wave(survey, form.name.data.strip(), form.opens_on.data)
        except InvalidInput as error:
            show_field_errors(form, error)
        else:
            flash(_("Wave added."), "success")
            return redirect(url_for("surveys.detail", slug=slug), code=303)
    return _detail_page(survey, form), 422


@bp.post("/<slug>/invitations")
@role_required(Role.MANAGER)
def import_invitations(slug: str):
    """Import a CSV of customers and issue one personal link each."""
    survey = _survey(slug)
    form = _import_form(survey)
    if not form.validate_on_submit():
        return render_template("surveys/import_failed.html", survey=survey, form=form), 422
    wave = db.session.get(Wave, form.wave.data) if form.wave.data else None
    try:
        report = surveys.import_invitations(
            survey, read_csv_upload(form.file.data.read()).text, secret_key=settings().secret_key, wave=wave,
            days_valid=settings().invitation_days_valid, region=settings().default_phone_region,
        )
    except InvalidInput as error:
        form.file.errors.append(str(error))
        return render_template("surveys/import_failed.html", survey=survey, form=form), 422
    return render_template("surveys/import_report.html", survey=survey, report=report)


@bp.get("/<slug>/invitations.csv")
@role_required(Role.MANAGER)
def export_invitation_links(slug: str):
    """Download the personal links of unused invitations for the SMS, WeChat or email tool."""
    survey = _survey(slug)
    base = settings().public_base_url
    body = surveys.export_links(
        survey, secret_key=settings().secret_key,
        link_for=lambda token: base + url_for("respondent.invited", token=token),
        optout_link_for=lambda token: base + url_for("optout.optout", token=token), actor=current_user,
    )
    return _csv_download(body, f"{slug}-links.csv")


@bp.get("/<slug>/responses.<fmt>")
@role_required(Role.MANAGER)
def export_responses(slug: str, fmt: str):
    """Download submitted responses as CSV or XLSX; ?labels=1 adds the question texts as a row.

    A survey with more responses than a page can write in its time gets a page offering to prepare
    the file in the background instead.
    """
    survey = _survey(slug)
    if fmt not in reporting.DIRECT_ROWS:
        abort(404)
    labels = request.args.get("labels") == "1"
    size = reporting.export_size(survey)
    if size > reporting.DIRECT_ROWS[fmt]:
        return render_template("surveys/export_large.html", survey=survey, fmt=fmt, labels=labels, size=size,
                               form=FlaskForm())
    table = reporting.response_table(survey, labels=labels, language=current_language())
    if fmt == "csv":
        return _csv_download(reporting.as_csv(table), f"{slug}-responses.csv")
    reply = send_file(reporting.as_xlsx(table), mimetype=reporting.MIMETYPES["xlsx"])
    reply.headers["Content-Disposition"] = _attachment(f"{slug}-responses.xlsx")
    return reply


@bp.post("/<slug>/responses.<fmt>")
@role_required(Role.MANAGER)
def prepare_export(slug: str, fmt: str):
    """Start preparing the export in the background and show its progress."""
    survey = _survey(slug)
    if fmt not in reporting.DIRECT_ROWS:
        abort(404)
    # CSRFProtect has refused a form without its token before this view runs.
    record = start_job(reporting.EXPORT_KIND, reporting.prepare_export, survey.id, fmt,
                       request.form.get("labels") == "1", current_language(), created_by_id=current_user.id)
    return redirect(url_for("surveys.export_status", slug=slug, job_id=record.id), code=303)


@bp.get("/<slug>/exports/<job_id>")
@role_required(Role.MANAGER)
def export_status(slug: str, job_id: str):
    """The progress of an export being prepared, then its download link."""
    survey = _survey(slug)
    record = _export_job(survey, job_id)
    ready = record.status is JobStatus.DONE
    return render_template("jobs/status.html", job=record, status_labels=STATUS_LABELS,
                           result_url=url_for("surveys.export_download", slug=slug, job_id=job_id) if ready else None,
                           result_label=_("Download the file"))


@bp.get("/<slug>/exports/<job_id>/file")
@role_required(Role.MANAGER)
def export_download(slug: str, job_id: str):
    """The prepared export, to whoever started it (or an admin), until it is removed after a day."""
    survey = _survey(slug)
    record = _export_job(survey, job_id)
    path = reporting.export_file(job_id, record.result["format"]) if record.status is JobStatus.DONE else None
    if path is None or not path.exists():
        abort(404)
    fmt = record.result["format"]
    reply = send_file(path, mimetype=reporting.MIMETYPES[fmt], conditional=False)
    reply.headers["Content-Disposition"] = _attachment(f"{slug}-responses.{fmt}")
    return reply


def _export_job(survey: Survey, job_id: str):
    """:raise 404: for another kind of job, one of another survey, or one another manager started."""
    record = own_job_or_404(job_id, reporting.EXPORT_KIND)
    if record.arguments[0] != survey.id:
        abort(404)
    return record


def _survey(slug: str) -> Survey:
    """:raise 404: when no survey has this slug."""
    try:
        return surveys.survey_by_slug(slug)
    except NotFound:
        abort(404)


def _detail_page(survey: Survey, wave_form: WaveForm) -> str:
    return render_template(
        "surveys/detail.html", survey=survey, instrument=instrument_of(survey.instrument_version),
        status_label=surveys.status_label,
        counts=reporting.response_counts(survey), action_form=FlaskForm(), import_form=_import_form(survey),
        wave_form=wave_form, public_url=settings().public_base_url, business_zone=settings().business_timezone.key,
    )


def _import_form(survey: Survey) -> ImportInvitationsForm:
    form = ImportInvitationsForm()
    form.wave.choices = [(w.id, w.name) for w in survey.waves] or [(0, "-")]
    return form


def _csv_download(chunks: Iterator[bytes], filename: str) -> Response:
    """A CSV sent as it is written, its rows read in the request's context (its user, its URLs)."""
    return Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": _attachment(filename)})


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'
