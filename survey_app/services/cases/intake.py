"""Complaint intake: every channel's complaint checked at once, stored with its case, routed,
matched to its customer, and acknowledged to the complainant."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Attachment,
    Case,
    Channel,
    Complaint,
    ConsentRecord,
    ConsentSource,
    ContactPurpose,
    Customer,
    Response,
    Severity,
    StaffUser,
)
from ...models.base import now_utc
from ..customers.channels import COMPLAINT_CONSENT_CHANNELS
from ..customers.consent import ConsentNote
from ..customers.matching import (
    ContactKeys,
    CustomerDetails,
    active_customer,
    check_name,
    find_by_keys,
    note_arrival,
    resolve_customer,
)
from ..errors import InvalidInput
from ..platform.clock import business_day
from ..platform.limits import limited, max_length
from ..platform.settings import settings
from ..surveys.invitations import find_invitation
from . import assignment, notices, tracking, workflow
from .deadlines import keep_deadlines
from .labels import ENTRY_CHANNELS, category_label
from .photos import Photo, photo_problems


def categories() -> list[tuple[str, str]]:
    return [(code, category_label(code)) for code in settings().complaint_categories]


@dataclass
class ComplaintInput:
    """What a customer, a staff member or the API tells us about one complaint, and how long each text may be."""

    category: str
    description: str = limited(5000)
    occurred_on: date | None = None
    location: str | None = limited(200, default=None)
    desired_outcome: str | None = limited(2000, default=None)
    name: str | None = limited(max_length(CustomerDetails, "name"), default=None)
    phone: str | None = limited(max_length(CustomerDetails, "phone"), default=None)
    email: str | None = limited(max_length(CustomerDetails, "email"), default=None)
    consent_to_contact: bool = False
    language: str = "zh"
    channel: Channel = Channel.WEB
    severity: Severity = Severity.NORMAL
    photos: list[Photo] = field(default_factory=list)


@dataclass
class Filed:
    complaint: Complaint
    case: Case
    tracking_key: str


def _record_consent(customer: Customer, data: "ComplaintInput", source: ConsentSource,
                    now: datetime) -> list[ConsentRecord]:
    """The form's "you may contact me about this complaint" box, kept as the customer's consent to follow-up."""
    records = [ConsentRecord(customer_id=customer.id, channel=channel, purpose=ContactPurpose.FOLLOW_UP,
                             granted=data.consent_to_contact, source=source, note=ConsentNote.COMPLAINT_FORM,
                             recorded_at=now)
               for channel in COMPLAINT_CONSENT_CHANNELS]
    db.session.add_all(records)
    return records


def file_complaint(data: ComplaintInput, *, entered_by: StaffUser | None = None, customer: Customer | None = None,
                   response: Response | None = None, follows: Case | None = None, now: datetime | None = None,
                   commit: bool = True) -> Filed:
    """Store a complaint and open its case, routed to a team and an agent; commits, then emails
    the reference when the customer gave an address and may be contacted. With ``commit=False``
    it only flushes: the caller goes on in the same transaction, commits and tells the customer.

    :raise InvalidInput: with ``field_errors`` for anything the person filing can correct.
    """
    now = now or now_utc()
    photos, keys = check_intake(data)
    if customer is None:
        customer, _created = resolve_customer(keys, data.name)
    consents = []
    if response is None:
        source = ConsentSource.STAFF if entered_by else (
            ConsentSource.API if data.channel is Channel.API else ConsentSource.CUSTOMER_FORM)
        consents = _record_consent(customer, data, source, now)
    nonce, key, key_hash = tracking.new_tracking()
    complaint = Complaint(
        reference=f"pending-{nonce[:8]}", tracking_nonce=nonce, tracking_hash=key_hash, customer_id=customer.id,
        channel=data.channel, category=data.category, description=data.description.strip(),
        occurred_on=data.occurred_on, location=_blank(data.location), desired_outcome=_blank(data.desired_outcome),
        contact_name=_blank(data.name), contact_phone=keys.phone, contact_email=keys.email,
        consent_to_contact=data.consent_to_contact,
        language=data.language, response_id=response.id if response else None,
        possible_duplicate_of_id=_possible_duplicate(customer.id, data.category, now),
        entered_by_id=entered_by.id if entered_by else None, created_at=now,
    )
    complaint.attachments = [Attachment(filename=p.filename, content_type=t, size=len(p.data), data=p.data,
                                        created_at=now) for p, t in photos]
    db.session.add(complaint)
    note_arrival(keys, customer, [complaint, *consents], at=now)
    db.session.flush()
    # The id makes the number unique without a counter that concurrent intakes would fight over.
    complaint.reference = f"C-{now.year}-{complaint.id:06d}"
    case = Case(complaint=complaint, category=data.category, severity=data.severity, opened_at=now, updated_at=now,
                follows_case_id=follows.id if follows else None)
    with db.session.no_autoflush:
        assignment.route(case)
    db.session.add(case)
    db.session.flush()
    actor = (workflow.Actor.staff(entered_by) if entered_by
             else workflow.SYSTEM_ACTOR if response else workflow.CUSTOMER_ACTOR)
    workflow.receive(case, actor, channel=data.channel, now=now)
    keep_deadlines([case], now)
    if not commit:
        db.session.flush()
        return Filed(complaint, case, key)
    db.session.commit()
    if response is None:
        # A follow-up opened from a low survey score is ours to make, not a complaint the
        # customer filed: no "we have received your complaint" for it.
        notices.confirm_receipt(complaint)
    return Filed(complaint, case, key)


def check_intake(data: ComplaintInput) -> tuple[list[tuple[Photo, str]], ContactKeys]:
    """The photos with their types and the normalised contact keys, checked all at once.

    :raise InvalidInput: naming every field the person filing must correct, not just the first.
    """
    errors, keys = {}, None
    try:
        keys = ContactKeys.checked(data.phone, data.email, region=settings().default_phone_region)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if data.category not in settings().complaint_categories:
        errors["category"] = _("Choose what the complaint is about.")
    try:
        check_name(data.name)
    except InvalidInput as error:
        errors["name"] = str(error)
    if data.occurred_on and data.occurred_on > business_day():
        errors["occurred_on"] = _("That day has not come yet.")
    for name, text in (("location", (data.location or "").strip()), ("desired_outcome", data.desired_outcome),
                       ("description", data.description)):
        if text and len(text) > (limit := max_length(ComplaintInput, name)):
            errors[name] = _("Please keep it under %(n)d characters.", n=limit)
    # A complaint on a staff entry channel is taken down by staff: what is missing is asked of
    # them, not of the customer.
    taken_down = data.channel in ENTRY_CHANNELS
    if not data.description or not data.description.strip():
        errors["description"] = (_("Write down what the customer says happened.") if taken_down
                                 else _("Tell us what happened."))
    if not (_blank(data.phone) or _blank(data.email)):
        errors["phone"] = (_("Take down a phone number or an email address, so we can answer the customer.")
                           if taken_down else _("Give a phone number or an email address, so we can answer you."))
    photos, photo_errors = photo_problems(data.photos)
    errors.update(photo_errors)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return photos, keys


def _possible_duplicate(customer_id: int, category: str, now: datetime) -> int | None:
    since = now - timedelta(days=settings().duplicate_window_days)
    return db.session.scalar(
        sa.select(Complaint.id).where(Complaint.customer_id == customer_id, Complaint.category == category,
                                      Complaint.created_at >= since)
        .order_by(Complaint.id.desc()).limit(1)
    )


def _blank(text: str | None) -> str | None:
    return (text or "").strip() or None


def file_follow_on(case: Case, body: str, now: datetime, photos: list[Photo] | None = None) -> Case:
    """The customer wrote after the reopen window: a new case, linked to the old one; commits."""
    complaint = case.complaint
    data = ComplaintInput(category=complaint.category, description=body, location=complaint.location,
                          name=complaint.contact_name, phone=complaint.contact_phone, email=complaint.contact_email,
                          consent_to_contact=complaint.consent_to_contact, language=complaint.language,
                          channel=complaint.channel, severity=case.severity, photos=photos or [])
    return file_complaint(data, customer=complaint.customer, follows=case, now=now).case


def customer_of_invitation(token: str) -> Customer | None:
    """The customer a survey invitation was sent to, so their complaint form needs no contact details."""
    invitation = find_invitation(token) if token else None
    if invitation is None or invitation.customer_id is None:
        return None
    return active_customer(db.session.get(Customer, invitation.customer_id))


def customer_by_phone(raw: str, region: str) -> Customer | None:
    """The customer a caller's number belongs to (any way it is written), or None.

    :raise InvalidInput: when it cannot be a phone number.
    """
    keys = ContactKeys.parse(phone=raw, region=region)
    customer = find_by_keys(keys)
    return active_customer(customer) if customer else None
