"""The page that waits for a background job: a progress bar that refreshes itself without JavaScript,
and the button that starts a failed job again."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ..extensions import db
from ..models import Job
from ..services.errors import Conflict
from ..services.platform import jobs
from ..services.platform.jobs import STATUS_LABELS

bp = Blueprint("jobs", __name__)


@bp.app_context_processor
def job_rules() -> dict:
    """Every job page (the import's, the draw's, the bootstrap's) offers a retry only to whom may ask for it."""
    return {"may_retry_job": _started_by_reader}


@bp.get("/<job_id>")
@login_required
def status(job_id: str):
    """Show a job's progress; the page reloads itself every two seconds until the job ends.

    :raise 404: for an unknown job or one another staff member started.
    """
    job = db.get_or_404(Job, job_id)
    if job.created_by_id not in (None, current_user.id) and not current_user.role.at_least("admin"):
        abort(404)
    return render_template("jobs/status.html", job=jobs.checked_job(job), status_labels=STATUS_LABELS)


@bp.post("/<job_id>/retry")
@login_required
def retry(job_id: str):
    """Queue a failed job again with what it was started with, then go back to the page it was retried from.

    :raise 404: for an unknown job or one another staff member started (admins may retry anyone's).
    """
    job = db.get_or_404(Job, job_id)
    if not _started_by_reader(job):
        abort(404)
    # CSRFProtect has refused a form without its token before this view runs.
    if FlaskForm().validate_on_submit():
        try:
            jobs.retry_job(jobs.checked_job(job))
        except Conflict as error:
            flash(str(error), "error")
    back = request.form.get("next", "")
    return redirect(back if _on_this_site(back) else url_for("jobs.status", job_id=job.id), code=303)


def own_job_or_404(job_id: str, kind: str) -> Job:
    """A job of ``kind`` the current user started (admins may open anyone's), for its result page.

    A running job whose worker stopped is shown as failed.

    :raise 404: for an unknown job, another kind of job, or one another staff member started.
    """
    job = db.get_or_404(Job, job_id)
    if job.kind != kind or not _started_by_reader(job):
        abort(404)
    return jobs.checked_job(job)


def _started_by_reader(job: Job) -> bool:
    """Whoever started the job, or an admin: who may open its result and start it again."""
    return job.created_by_id == current_user.id or current_user.role.at_least("admin")


def _on_this_site(target: str) -> bool:
    # Only a path of this site: "//host" and "/\host" are read by browsers as another host.
    parts = urlsplit(target)
    return target.startswith("/") and not target.startswith(("//", "/\\")) and not parts.scheme and not parts.netloc
