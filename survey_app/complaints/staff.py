"""Staff case pages: the queue, entering a complaint, the case page and each workflow step."""
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import role_required
from ..extensions import db
from ..form_errors import show_field_errors
from ..models import Case, CaseState, Channel, Role, Severity, StaffUser, Team
from ..models.base import now_utc
from ..record_numbers import is_record_number, record_number
from ..services import cases, customers
from ..services.cases import first_contact, labels, sla
from ..services.errors import Conflict, InvalidInput, NotFound
from ..services.platform.settings import settings
from .forms import NoteForm, StaffComplaintForm, TransitionForm
from .views import intake_from, known, photo_response, prefill_contact, uploaded_photos

bp = Blueprint("cases", __name__)
# The queue's first-contact resolution rate covers the complaints of this many recent days.
FIRST_CONTACT_DAYS = 30


@bp.context_processor
def words_for_codes() -> dict:
    """The staff pages show every workflow code in the reader's language."""
    return {"severity_label": labels.severity_label, "sla_label": labels.sla_label,
            "channel_labels": labels.CHANNEL_LABELS, "actor_labels": labels.ACTOR_LABELS,
            "remedy_labels": labels.REMEDY_LABELS, "resolution_label": labels.resolution_label,
            "describe_changes": labels.describe_changes, "event_summary": labels.event_summary,
            "sla_filters": labels.SLA_LABELS.choices(labels.SLA_FILTERS),
            "size_in_words": cases.size_in_words, "age_in_words": cases.age_in_words}


@bp.get("/")
@role_required(Role.AGENT)
def queue():
    """One page of the cases the user may open, running clocks first, with filters, "my cases"
    and the count in each state."""
    args = request.args
    filters = cases.QueueFilter(
        state=known(CaseState, args.get("state")), category=args.get("category") or None,
        severity=known(Severity, args.get("severity")), team_id=args.get("team", type=record_number),
        assignee_id=current_user.id if args.get("mine") else args.get("assignee", type=record_number),
        sla_state=args.get("sla") or None,
    )
    page = cases.queue(filters, current_user, after=args.get("after", type=record_number))
    settled, received = first_contact.first_contact_rate(since=now_utc() - timedelta(days=FIRST_CONTACT_DAYS))
    return render_template("complaints/queue.html", page=page, args=args, states=CaseState,
                           first_args={**args.to_dict(), "after": None}, next_args={**args.to_dict(), "after": page.next_after},
                           first_contact=(settled, received, FIRST_CONTACT_DAYS),
                           severities=Severity, categories=cases.categories(), teams=_teams(), agents=_agents(),
                           state_label=cases.state_label, category_label=cases.category_label)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.AGENT)
def new():
    """Enter a complaint received by phone, letter or in person."""
    form = StaffComplaintForm(resolution_codes=settings().resolution_codes,
                              first_contact_remedies=cases.FIRST_CONTACT_REMEDIES)
    caller, lookup_error = None, None
    if request.args.get("caller"):
        # The agent types the caller's number once; a known customer's details fill the form
        # (and stay named above it while the agent corrects the rest).
        try:
            caller = cases.customer_by_phone(request.args["caller"], settings().default_phone_region)
        except InvalidInput as error:
            lookup_error = str(error)
        if request.method == "GET":
            prefill_contact(form, caller)
            if caller is None and not lookup_error:
                form.phone.data = request.args["caller"]
    if form.is_submitted():
        form_valid = form.validate()
        actor, settlement = cases.Actor.staff(current_user), form.settlement()
        data = intake_from(form, known(Channel, form.channel.data) or Channel.PHONE)
        try:
            if not form_valid:
                first_contact.check_entry(data, actor, settlement)  # so every correction is asked for at once
            elif settlement is None:
                reference = cases.file_complaint(data, entered_by=current_user).complaint.reference
                flash(_("Complaint %(ref)s entered.", ref=reference), "success")
                return _after_entry(reference)
            else:
                reference = first_contact.settle_at_first_contact(data, actor, settlement).complaint.reference
                flash(_("Complaint %(ref)s entered and settled at first contact.", ref=reference), "success")
                return _after_entry(reference)
        except InvalidInput as error:
            show_field_errors(form, error)
        except Conflict as error:
            flash(str(error), "error")
            return _entry_page(form, caller, lookup_error), 409
    return _entry_page(form, caller, lookup_error), 422 if form.errors else 200


def _after_entry(reference: str):
    """The case page of the complaint just entered; the queue when it went to a team the user does
    not work in, as its page would not open for them."""
    try:
        cases.find_by_reference(reference, current_user)
    except NotFound:
        return redirect(url_for("cases.queue"), code=303)
    return redirect(url_for("cases.detail", reference=reference), code=303)


def _entry_page(form: StaffComplaintForm, caller, lookup_error):
    return render_template("complaints/staff_new.html", form=form, caller=caller, lookup_error=lookup_error,
                           looked_up=request.args.get("caller", ""), limit=cases.settlement_limit(current_user))


@bp.get("/<reference>")
@role_required(Role.AGENT)
def detail(reference: str):
    """The case page: complaint, SLA, timeline, and one form per step the user may take."""
    return _case_page(_case(reference))


@bp.post("/<reference>/transition")
@role_required(Role.AGENT)
def transition(reference: str):
    """Make one workflow step; a stale version or a refused step re-shows the page with what was typed."""
    case = _case(reference)
    form = _transition_form()
    event = known(cases.Event, form.event.data)
    if not form.validate_on_submit() or event not in cases.EVENTS or not is_record_number(form.version.data):
        return _case_page(case, form=form, open_event=form.event.data), 422
    # A field sent blank is emptied on purpose and clears what the case held; one not sent keeps it.
    fields = {name: form[name].data for name in event.row.fields if name in form and form[name].raw_data}
    try:
        cases.transition(case, event, cases.Actor.staff(current_user), expected_version=int(form.version.data),
                         fields=fields)
    except Conflict as error:
        flash(str(error), "error")
        return _case_page(_reload(case), form=form, open_event=event), 409
    except InvalidInput as error:
        show_field_errors(form, error)
        return _case_page(case, form=form, open_event=event), 422
    flash(_("Done: %(step)s.", step=cases.event_label(event)), "success")
    return redirect(url_for("cases.detail", reference=reference), code=303)


@bp.post("/<reference>/messages")
@role_required(Role.AGENT)
def message(reference: str):
    """Add an internal note or a reply to the customer, with photos."""
    case = _case(reference)
    form = NoteForm()
    if not form.validate_on_submit() or not is_record_number(form.version.data):
        return _case_page(case, note_form=form), 422
    photos = uploaded_photos(form.attachment.name)
    try:
        cases.add_message(case, cases.Actor.staff(current_user), form.body.data, public=form.public.data,
                          expected_version=int(form.version.data), photos=photos)
    except Conflict as error:
        flash(str(error), "error")
        return _case_page(_reload(case), note_form=form), 409
    except InvalidInput as error:
        form.attachment.errors = [*form.attachment.errors, *error.field_errors.values()]
        return _case_page(case, note_form=form), 422
    flash(_("Reply sent.") if form.public.data else _("Note added."), "success")
    return redirect(url_for("cases.detail", reference=reference), code=303)


@bp.post("/<reference>/assign")
@role_required(Role.SUPERVISOR)
def assign(reference: str):
    """Give the case to another team or agent."""
    case = _case(reference)
    try:
        cases.reassign(case, cases.Actor.staff(current_user), team_id=request.form.get("team", type=record_number),
                       assignee_id=request.form.get("assignee", type=record_number),
                       expected_version=request.form.get("version", type=record_number, default=-1))
    except Conflict as error:
        flash(str(error), "error")
        return _case_page(_reload(case)), 409
    flash(_("Case reassigned."), "success")
    return redirect(url_for("cases.detail", reference=reference), code=303)


@bp.post("/<reference>/merge")
@role_required(Role.AGENT)
def merge(reference: str):
    """Close this case as a duplicate of another; both keep their history."""
    case = _case(reference)
    try:
        survivor = cases.find_by_reference((request.form.get("into") or "").strip(), current_user).case
        cases.merge(case, survivor, cases.Actor.staff(current_user),
                    expected_version=request.form.get("version", type=record_number, default=-1))
    except (Conflict, NotFound, InvalidInput) as error:
        flash(str(error), "error")
        return _case_page(_reload(case)), 409 if isinstance(error, Conflict) else 422
    flash(_("Merged into %(ref)s.", ref=survivor.reference), "success")
    return redirect(url_for("cases.detail", reference=survivor.reference), code=303)


@bp.get("/<reference>/attachments/<int:attachment_id>")
@role_required(Role.AGENT)
def attachment(reference: str, attachment_id: int):
    """Open a photo of the case.

    :raise 404: when the case is not one the user may open, or the photo belongs to another complaint.
    """
    try:
        return photo_response(cases.photo_of(_case(reference).complaint, attachment_id))
    except NotFound:
        abort(404)


def _case(reference: str) -> Case:
    """:raise 404: when no complaint has this reference, or its case is not one the user may open."""
    try:
        return cases.find_by_reference(reference, current_user).case
    except NotFound:
        abort(404)


def _reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def _transition_form(**kwargs) -> TransitionForm:
    return TransitionForm(resolution_codes=settings().resolution_codes, **kwargs)


def _case_page(case: Case, form: TransitionForm | None = None, open_event: str | None = None,
               note_form: NoteForm | None = None):
    actor = cases.Actor.staff(current_user)
    now = now_utc()
    events = cases.events_of(case)
    blank = _transition_form(formdata=None, obj=case, version=case.version)
    note = note_form or NoteForm(formdata=None, version=case.version)
    complaint = case.complaint
    teams = _teams()
    return render_template(
        "complaints/case.html", case=case, complaint=complaint, events=events, form=form, blank=blank,
        open_event=open_event, note_form=note, action_form=FlaskForm(),
        # Merging asks for the other case in a form of its own.
        steps=[(event, event.row.fields) for event in cases.allowed_events(case, actor)
               if event is not cases.Event.MERGE and not event.row.entry_only],
        can_merge=cases.Event.MERGE in cases.allowed_events(case, actor),
        clocks=sla.clocks(case, events, sla.allowance_for(case), sla.calendar_from_config(), now),
        staff={u.id: u.username for u in db.session.scalars(db.select(StaffUser))}, teams=teams, agents=_agents(),
        team_names={team.id: team.name for team in teams},
        state_label=cases.state_label, event_label=cases.event_label, category_label=cases.category_label,
        can_assign=current_user.role.at_least(Role.SUPERVISOR),
        customer_status=cases.CUSTOMER_STATUS[case.state],
        customer_link=customers.may_view(current_user, complaint.customer),
    )


def _teams() -> list[Team]:
    return list(db.session.scalars(db.select(Team).order_by(Team.name)))


def _agents() -> list[StaffUser]:
    return list(db.session.scalars(db.select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.username)))
