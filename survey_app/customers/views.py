"""Staff pages for the customer database: search, the customer page, review queue, merges and imports."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import role_required
from ..extensions import db
from ..i18n import current_language
from ..jobs.views import own_job_or_404
from ..models import (
    AuditAction,
    ConsentSource,
    Customer,
    CustomerMerge,
    DuplicateCandidate,
    Response,
    Role,
)
from ..services import cases, customers, surveys
from ..services.cases import labels as complaint_labels
from ..services.cases.labels import category_label
from ..services.customers import consent, labels, merges
from ..services.errors import Conflict, InvalidInput
from ..services.platform import audit
from ..services.platform.jobs import start_job
from ..services.platform.settings import settings
from ..services.platform.uploads import read_csv_upload
from ..record_numbers import record_number
from .forms import (
    ConsentForm,
    CustomerKeysForm,
    ImportCustomersForm,
    MergeForm,
    NoteForm,
    RemovalForm,
    SearchForm,
)

bp = Blueprint("customers", __name__)
IMPORT_JOB = "customer_import"


@bp.context_processor
def words_for_codes() -> dict:
    """The customer pages show every code in the reader's language."""
    return {"contact_channels": customers.CHANNELS, "purpose_labels": labels.PURPOSE_LABELS,
            "consent_source_labels": labels.CONSENT_SOURCE_LABELS, "consent_note_labels": consent.CONSENT_NOTE_LABELS,
            "customer_event_labels": labels.CUSTOMER_EVENT_LABELS, "field_labels": labels.FIELD_LABELS,
            "entry_kind_labels": customers.ENTRY_KIND_LABELS, "duplicate_reason_labels": labels.DUPLICATE_REASON_LABELS,
            "duplicate_status_labels": labels.DUPLICATE_STATUS_LABELS, "callback_statuses": labels.CALLBACK_STATUSES,
            "complaint_channels": complaint_labels.CHANNEL_LABELS, "audit_action_labels": audit.ACTION_LABELS,
            "event_summary": complaint_labels.event_summary}


@bp.get("/")
@role_required(Role.AGENT)
def search():
    """Find customers by name, phone, email or reference."""
    form = SearchForm(request.args)
    found = customers.search_customers(form.q.data) if form.validate() else []
    return render_template("customers/search.html", form=form, customers=customers.visible_to(current_user, found),
                           open_reviews=customers.open_candidate_count()
                           if current_user.role.at_least(Role.SUPERVISOR) else None)


@bp.get("/<int:customer_id>")
@role_required(Role.AGENT)
def detail(customer_id: int):
    """One customer and everything about them, newest first; every view is audited."""
    customer = _customer(customer_id)
    kinds = {customers.EntryKind(k) for k in request.args.getlist("kind") if k in set(customers.EntryKind)}
    audit.record_access(current_user, AuditAction.VIEW_CUSTOMER, [customer.id], f"/staff/customers/{customer.id}")
    return _detail_page(customer, kinds)


def _detail_page(customer: Customer, kinds=frozenset(), note_form=None, consent_form=None, status=200):
    entries = customers.timeline(customer, kinds or None)
    language = current_language()
    return render_template(
        "customers/detail.html", customer=customer, survivor=customers.active_customer(customer),
        merged_keys=merges.merged_keys(customer), entries=entries, kinds=list(customers.EntryKind),
        headlines={e.item.id: surveys.headline_scores(e.item, language) for e in entries
                   if e.kind is customers.EntryKind.SURVEY},
        chosen={k.value for k in kinds}, consent_state=consent.consent_state(customer),
        category_label=category_label, state_label=cases.state_label, event_label=cases.event_label,
        note_form=note_form or NoteForm(),
        consent_form=consent_form or ConsentForm(), removal_form=RemovalForm(), action_form=FlaskForm(),
    ), status


@bp.get("/<int:customer_id>/responses/<int:response_id>")
@role_required(Role.AGENT)
def response(customer_id: int, response_id: int):
    """One of the customer's survey responses, question by question, each answer on its own scale; audited.

    :raise 404: when the response is not this customer's. :raise 403: when the user may not see the customer.
    """
    customer = _customer(customer_id)
    answered = db.get_or_404(Response, response_id)
    if answered.customer_id != customer.id:
        abort(404)
    audit.record_access(current_user, AuditAction.VIEW_CUSTOMER, [customer.id],
                        f"/staff/customers/{customer.id}/responses/{answered.id}")
    return render_template("customers/response.html", customer=customer, response=answered,
                           lines=surveys.answer_sheet(answered, current_language()))


@bp.post("/<int:customer_id>/notes")
@role_required(Role.AGENT)
def add_note(customer_id: int):
    """Add a note to the customer's timeline."""
    customer = _customer(customer_id)
    form = NoteForm()
    if not form.validate_on_submit():
        return _detail_page(customer, note_form=form, status=422)
    customers.add_note(customer, form.text.data, actor=current_user)
    flash(_("Note added."), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id), code=303)


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def edit(customer_id: int):
    """Correct a customer's name, phone, email or reference; a key another customer holds goes to review."""
    customer = _customer(customer_id)
    form = CustomerKeysForm(obj=customer)
    if not form.validate_on_submit():
        return render_template("customers/edit.html", customer=customer, form=form), 422 if form.errors else 200
    try:
        queued = customers.edit_keys(customer, form.details(), actor=current_user)
    except InvalidInput as error:
        for name, message in error.field_errors.items():
            form[name].errors.append(message)
        return render_template("customers/edit.html", customer=customer, form=form), 422
    except Conflict as error:
        flash(str(error), "error")
        return render_template("customers/edit.html", customer=customer, form=form), 409
    flash(_("Customer details saved."), "success")
    if queued:
        flash(_("Another customer has the same phone, email or reference: the pair is waiting in the review queue."),
              "error")
    return redirect(url_for("customers.detail", customer_id=customer.id), code=303)


@bp.post("/<int:customer_id>/consent")
@role_required(Role.AGENT)
def record_consent(customer_id: int):
    """Record what the customer told staff about being contacted."""
    customer = _customer(customer_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _detail_page(customer, consent_form=form, status=422)
    consent.set_consent(customer, granted=form.granted.data == "yes", source=ConsentSource.STAFF,
                        channels=form.channels.data, purposes=form.purposes.data, actor=current_user,
                        note=form.note.data)
    flash(_("Consent recorded; it applies at once."), "success")
    return redirect(url_for("customers.detail", customer_id=customer.id), code=303)


@bp.post("/<int:customer_id>/removal")
@role_required(Role.AGENT)
def request_removal(customer_id: int):
    """Record the customer's request to be removed: all contact stops at once."""
    customer = _customer(customer_id)
    form = RemovalForm()
    if form.validate_on_submit():
        try:
            customers.request_removal(customer, actor=current_user, note=form.note.data)
            flash(_("Removal request recorded. Nobody will contact this customer any more."), "success")
        except Conflict as error:
            flash(str(error), "error")
    return redirect(url_for("customers.detail", customer_id=customer.id), code=303)


@bp.get("/review")
@role_required(Role.SUPERVISOR)
def review_queue():
    """Pairs of customers that may be one person, waiting for a decision, a page at a time."""
    after = request.args.get("after", type=record_number)
    return render_template("customers/review.html", page=customers.open_candidates(after=after), after=after)


@bp.get("/review/<int:candidate_id>")
@role_required(Role.SUPERVISOR)
def review(candidate_id: int):
    """Two customers side by side with the evidence, to merge or to keep apart."""
    candidate = db.get_or_404(DuplicateCandidate, candidate_id)
    return _review_page(candidate, MergeForm())


def _review_page(candidate: DuplicateCandidate, form: MergeForm, status: int = 200):
    pair = [(candidate.first, customers.customer_summary(candidate.first)),
            (candidate.second, customers.customer_summary(candidate.second))]
    audit.record_access(current_user, AuditAction.VIEW_CUSTOMER, [candidate.first_id, candidate.second_id],
                        f"/staff/customers/review/{candidate.id}")
    return render_template("customers/candidate.html", candidate=candidate, pair=pair, form=form,
                           action_form=FlaskForm()), status


@bp.post("/review/<int:candidate_id>/merge")
@role_required(Role.SUPERVISOR)
def merge(candidate_id: int):
    """Merge the pair into the customer staff chose to keep."""
    candidate = db.get_or_404(DuplicateCandidate, candidate_id)
    form = MergeForm()
    if not form.validate_on_submit():
        return _review_page(candidate, form, 422)
    survivor, absorbed = ((candidate.first, candidate.second) if form.survivor.data == "first"
                          else (candidate.second, candidate.first))
    try:
        merges.merge_customers(survivor, absorbed, actor=current_user, candidate=candidate, note=form.note.data)
    except Conflict as error:
        flash(str(error), "error")
        return _review_page(candidate, form, 409)
    flash(_("Customers merged. The merge can be undone from the customer page."), "success")
    return redirect(url_for("customers.detail", customer_id=survivor.id), code=303)


@bp.post("/review/<int:candidate_id>/dismiss")
@role_required(Role.SUPERVISOR)
def dismiss(candidate_id: int):
    """Keep the pair apart; they are not asked about again."""
    candidate = db.get_or_404(DuplicateCandidate, candidate_id)
    if FlaskForm().validate_on_submit():
        try:
            merges.dismiss_candidate(candidate, actor=current_user)
            flash(_("Kept as two customers."), "success")
        except Conflict as error:
            flash(str(error), "error")
    return redirect(url_for("customers.review_queue"), code=303)


@bp.post("/merges/<int:merge_id>/undo")
@role_required(Role.SUPERVISOR)
def undo(merge_id: int):
    """Undo a merge: both customers return exactly as they were."""
    record = db.get_or_404(CustomerMerge, merge_id)
    if FlaskForm().validate_on_submit():
        try:
            merges.undo_merge(record, actor=current_user)
            flash(_("Merge undone."), "success")
        except Conflict as error:
            flash(str(error), "error")
    return redirect(url_for("customers.detail", customer_id=record.survivor_id), code=303)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def upload():
    """Start importing a customer CSV in the background and show its progress."""
    form = ImportCustomersForm()
    if not form.validate_on_submit():
        return render_template("customers/import.html", form=form), 422 if form.errors else 200
    try:
        upload = read_csv_upload(form.file.data.read())
        customers.check_columns(upload.text)
    except InvalidInput as error:
        form.file.errors.append(str(error))
        return render_template("customers/import.html", form=form), 422
    record = start_job(IMPORT_JOB, customers.import_customers_job, upload.text, settings().default_phone_region,
                       current_language(), upload.encoding, created_by_id=current_user.id)
    return redirect(url_for("customers.import_result", job_id=record.id), code=303)


@bp.get("/import/<job_id>")
@role_required(Role.SUPERVISOR)
def import_result(job_id: str):
    """The import's progress while it runs, then what became of every row.

    :raise 404: for another kind of job, or an import another staff member started (admins see all).
    """
    record = own_job_or_404(job_id, IMPORT_JOB)
    return render_template("customers/import_report.html", job=record, report=(record.result or {}).get("report"))


@bp.get("/audit")
@role_required(Role.ADMIN)
def audit_log():
    """Who viewed or exported which customers' personal data, newest first."""
    return render_template("customers/audit.html", entries=audit.recent_entries())


def _customer(customer_id: int) -> Customer:
    """:raise 404: when there is no such customer. :raise 403: when the user may not see them."""
    customer = db.get_or_404(Customer, customer_id)
    if not customers.may_view(current_user, customer):
        abort(403)
    return customer
