"""The page that waits for a background job: a progress bar that refreshes itself without JavaScript."""
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Job
from ..services.platform.jobs import STATUS_LABELS

bp = Blueprint("jobs", __name__)


@bp.get("/<job_id>")
@login_required
def status(job_id: str):
    """Show a job's progress; the page reloads itself every two seconds until the job ends.

    :raise 404: for an unknown job or one another staff member started.
    """
    job = db.get_or_404(Job, job_id)
    if job.created_by_id not in (None, current_user.id) and not current_user.role.at_least("admin"):
        abort(404)
    return render_template("jobs/status.html", job=job, status_labels=STATUS_LABELS)


def own_job_or_404(job_id: str, kind: str) -> Job:
    """A job of ``kind`` the current user started (admins may open anyone's), for its result page.

    :raise 404: for an unknown job, another kind of job, or one another staff member started.
    """
    job = db.get_or_404(Job, job_id)
    if job.kind != kind or (job.created_by_id != current_user.id and not current_user.role.at_least("admin")):
        abort(404)
    return job
