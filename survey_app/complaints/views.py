"""The customer's complaint pages: filing one at /complaints/new and following it from the
private tracking link. Phone first, no JavaScript needed."""
import io

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _

from ..extensions import limiter
from ..form_errors import show_field_errors
from ..i18n import current_language
from ..models import Attachment, CaseState, Channel, Severity
from ..record_numbers import is_record_number
from ..services import cases
from ..services.cases.labels import ACTOR_LABELS
from ..services.errors import Conflict, InvalidInput, NotFound
from ..services.platform.settings import settings
from .forms import AcceptForm, ComplaintForm, MessageForm

bp = Blueprint("complaints", __name__)
# What the tracking page lets the customer do to the decision and the case, besides writing to us.
TRACKING_STEPS = (cases.Event.ACCEPT, cases.Event.CONTEST, cases.Event.WITHDRAW)


@bp.route("/complaints/new", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def new():
    """File a complaint; on success go straight to its tracking page, which shows the reference."""
    form = ComplaintForm()
    if request.method == "GET":
        # An invited respondent arrives with their invitation: what they told us is not asked again.
        prefill_contact(form, cases.customer_of_invitation(request.args.get("invitation", "")))
    if form.is_submitted():
        form_valid = form.validate()
        try:
            data = intake_from(form, Channel.WEB)
            if not form_valid:
                # Say everything that needs correcting at once, the service's findings too.
                cases.check_intake(data)
            else:
                filed = cases.file_complaint(data)
                return redirect(url_for("complaints.track", key=filed.tracking_key, new=1), code=303)
        except InvalidInput as error:
            show_field_errors(form, error)
    return render_template("complaints/new.html", form=form), 422 if form.errors else 200


@bp.get("/complaints/track/<key>")
def track(key: str):
    """Where the customer follows a complaint: status in plain words, replies, accept or contest.

    :raise 404: when the key opens no complaint.
    """
    return _tracking_page(_complaint(key), key)


@bp.get("/complaints/track/<key>/photos/<int:attachment_id>")
def track_photo(key: str, attachment_id: int):
    """A photo of this complaint that the customer may see, theirs or one staff sent them.

    :raise 404: when the key opens no complaint, or the photo is another's or internal.
    """
    try:
        item = cases.photo_of(_complaint(key), attachment_id, public_only=True)
    except NotFound:
        abort(404)
    reply = photo_response(item)
    # The address carries the tracking key: a link followed from the photo must not pass it on.
    reply.headers["Referrer-Policy"] = "no-referrer"
    return reply


@bp.post("/complaints/track/<key>/<action>")
@limiter.limit("30 per hour")
def act(key: str, action: str):
    """Accept or contest the decision, withdraw, or write to us (which may reopen a closed case)."""
    complaint = _complaint(key)
    case = complaint.case
    if action not in (*TRACKING_STEPS, "write"):
        abort(404)
    form = AcceptForm() if action == "accept" else MessageForm()
    if not form.validate_on_submit():
        return _tracking_page(complaint, key, form=form, action=action), 422
    if not is_record_number(form.version.data):
        abort(400)
    version, text = int(form.version.data), form.message.data or ""
    # Whatever was sent is kept: photos come with a message, an acceptance or a contest.
    photos = uploaded_photos(form.photos.name)
    try:
        if action == "write":
            case = cases.customer_writes(case, text, expected_version=version, photos=photos)
        elif action == "accept":
            case = cases.customer_accepts(case, text, expected_version=version, photos=photos)
        else:
            step = cases.Event(action)
            fields = {step.row.text: text} if step.row.text else {}
            cases.transition(case, step, cases.CUSTOMER_ACTOR, expected_version=version, fields=fields,
                             photos=photos)
    except Conflict as error:
        flash(str(error), "error")
        return _tracking_page(complaint, key, form=form, action=action), 409
    except InvalidInput as error:
        show_field_errors(form, error)
        return _tracking_page(complaint, key, form=form, action=action), 422
    flash(_("Thank you, we have it."), "success")
    return redirect(url_for("complaints.track", key=cases.tracking_key(case.complaint)), code=303)


def _complaint(key: str):
    """:raise 404: when no complaint has this tracking key."""
    try:
        return cases.find_by_tracking_key(key)
    except NotFound:
        abort(404)


def _tracking_page(complaint, key: str, form: MessageForm | None = None, action: str | None = None):
    case = complaint.case
    blank = MessageForm(formdata=None, version=case.version)
    return render_template(
        "complaints/track.html", complaint=complaint, case=case, key=key, form=form or blank, blank=blank,
        action=action, events=cases.events_of(case, public_only=True), photos=cases.public_photos(complaint),
        size_in_words=cases.size_in_words,
        status=cases.CUSTOMER_STATUS[case.state],
        category=cases.category_label(complaint.category), states=CaseState,
        survey_url=cases.handling_survey_url(case) if case.is_closed else None,
        link=cases.tracking_url(complaint), new=request.args.get("new") == "1", actor_labels=ACTOR_LABELS,
    )


def intake_from(form: ComplaintForm, channel: Channel) -> cases.ComplaintInput:
    """The service's input from a filled complaint form and its uploaded photos."""
    photos = uploaded_photos(form.photos.name)
    severity = known(Severity, form.severity.data) if hasattr(form, "severity") else None
    return cases.ComplaintInput(
        category=form.category.data, description=form.description.data, occurred_on=form.occurred_on.data,
        location=form.location.data, desired_outcome=form.desired_outcome.data, name=form.name.data,
        phone=form.phone.data, email=form.email.data, consent_to_contact=form.consent_to_contact.data,
        language=current_language(), channel=channel, photos=photos,
        severity=severity or Severity.NORMAL,
    )


def known(kind, value):
    """The member of enum ``kind`` that ``value`` names, or None for a blank or unknown value."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def uploaded_photos(field_name: str) -> list[cases.Photo]:
    """The files sent in ``field_name``, each read to one byte past the size limit so that an
    oversized photo is refused by its size without being read whole."""
    limit = settings().complaint_photo_max_bytes
    return [cases.Photo(f.filename, f.read(limit + 1)) for f in request.files.getlist(field_name)
            if f and f.filename]


def photo_response(item: Attachment):
    """A kept photo, shown in the browser under its name: the type is one the intake recognised
    or a plain download, and the browser may not read it as anything else."""
    content_type = item.content_type if item.content_type in cases.PHOTO_TYPES else "application/octet-stream"
    # A name kept before intake cleaned names is cleaned here too, so it cannot break the header.
    reply = send_file(io.BytesIO(item.data), mimetype=content_type,
                      download_name=cases.clean_filename(item.filename, content_type))
    reply.headers["X-Content-Type-Options"] = "nosniff"
    reply.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    reply.headers["Cache-Control"] = "private, no-cache"
    return reply


def prefill_contact(form: ComplaintForm, customer) -> None:
    """Fill the contact fields from a known customer, leaving the rest of the form alone."""
    if customer is None:
        return
    form.name.data = form.name.data or customer.name
    form.phone.data = form.phone.data or customer.phone
    form.email.data = form.email.data or customer.email
