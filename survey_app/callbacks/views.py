"""Staff pages of the monthly callback check: draws, the customers to call, outcomes and agents' scores."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..extensions import db
from ..form_errors import show_field_errors
from ..i18n import current_language
from ..jobs.views import own_job_or_404
from ..models import Callback, CallbackStatus, JobStatus, Role
from ..services.customers import callbacks
from ..services.customers.labels import CALLBACK_STATUSES
from ..services.errors import Conflict, InvalidInput
from ..services.platform.jobs import start_job
from .forms import DrawForm, OutcomeForm

bp = Blueprint("callbacks", __name__)
DRAW_JOB = "callback_draw"


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():
    """Past draws, and the form to draw a month (the previous one by default)."""
    return _index_page(DrawForm(month=callbacks.previous_month()))


def _index_page(form: DrawForm, status: int = 200):
    return render_template("callbacks/index.html", form=form, draws=callbacks.recent_draws()), status


@bp.post("/draw")
@role_required(Role.SUPERVISOR)
def start_draw():
    """Queue the month's draw and show its progress."""
    form = DrawForm()
    if not form.validate_on_submit():
        return _index_page(form, 422)
    try:
        month = callbacks.check_month(form.month.data)
    except InvalidInput as error:
        show_field_errors(form, error)
        return _index_page(form, 422)
    except Conflict as error:
        form.month.errors = [str(error)]
        return _index_page(form, 409)
    record = start_job(DRAW_JOB, callbacks.draw_month_job, month, form.per_agent.data, current_user.id,
                       current_language(), created_by_id=current_user.id)
    return redirect(url_for("callbacks.progress", job_id=record.id), code=303)


@bp.get("/jobs/<job_id>")
@role_required(Role.SUPERVISOR)
def progress(job_id: str):
    """The draw's progress while it runs, then its page.

    :raise 404: for another kind of job, or a draw another staff member started (admins see all).
    """
    record = own_job_or_404(job_id, DRAW_JOB)
    if record.status is JobStatus.DONE:
        return redirect(url_for("callbacks.draw", month=record.result["month"]), code=303)
    return render_template("callbacks/progress.html", job=record)


@bp.get("/<month>")
@role_required(Role.SUPERVISOR)
def draw(month: str):
    """Each agent's customers to call with a form per callback, who was not drawn and why, and the scores;
    for a month not drawn yet, that it is not, with the button to draw it.

    :raise 404: when ``month`` is not a month (YYYY-MM).
    """
    found = callbacks.draw_of(month)
    if found is not None:
        return _draw_page(found)
    try:
        begun = callbacks.has_begun(month)
    except InvalidInput:
        abort(404)
    return render_template("callbacks/undrawn.html", month=month, begun=begun, form=DrawForm(month=month))


def _draw_page(draw, failed: Callback | None = None, failed_form: OutcomeForm | None = None, status: int = 200):
    calls = callbacks.calls_by_agent(draw)
    forms = {call.callback.id: _outcome_form(call.callback) for agent_calls in calls.values() for call in agent_calls}
    if failed is not None:
        forms[failed.id] = failed_form
    return render_template(
        "callbacks/draw.html", draw=draw, calls=calls, forms=forms, skipped=callbacks.skipped_customers(draw),
        scores=callbacks.agent_scores(draw.month), callback_statuses=CALLBACK_STATUSES,
        skip_reason_labels=callbacks.SKIP_REASON_LABELS,
    ), status


def _outcome_form(callback: Callback) -> OutcomeForm:
    form = OutcomeForm(prefix=f"c{callback.id}", formdata=None)
    if callback.status is not CallbackStatus.DUE:
        form.status.data = callback.status.value
        form.service_rating.data = "" if callback.service_rating is None else str(callback.service_rating)
        form.needs.data, form.suggestion.data = callback.needs, callback.suggestion
    return form


@bp.post("/outcomes/<int:callback_id>")
@role_required(Role.SUPERVISOR)
def record_outcome(callback_id: int):
    """Record how one callback went; a refusal comes back on the draw page with what was typed."""
    callback = db.get_or_404(Callback, callback_id)
    form = OutcomeForm(prefix=f"c{callback.id}")
    if not form.validate_on_submit():
        return _draw_page(callback.draw, callback, form, 422)
    try:
        callbacks.record_outcome(callback, status=form.status.data, service_rating=form.service_rating.data,
                                 needs=form.needs.data, suggestion=form.suggestion.data, actor=current_user)
    except InvalidInput as error:
        show_field_errors(form, error)
        return _draw_page(callback.draw, callback, form, 422)
    flash(_("Outcome recorded for %(name)s.", name=callback.customer.name or callback.customer.phone), "success")
    return redirect(url_for("callbacks.draw", month=callback.draw.month, _anchor=f"callback-{callback.id}"), code=303)
