"""Complaint intake and what the customer is told: references, tracking keys, duplicates,
follow-up cases from low survey scores, emails and the handling-satisfaction survey."""
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from instruments import load_builtin

from ..extensions import db
from ..models import (ActorKind, Attachment, Case, CaseEvent, CaseState, Channel, Complaint, ConsentRecord,
                      ConsentSource, ContactChannel, ContactPurpose, Customer, EventKind, Response, Severity, StaffUser,
                      Survey, Wave)
from ..models.base import now_utc
from . import assignment, mail
from . import instruments as instrument_store
from .consent import ContactDecision, may_contact, optout_url, record_contact
from .customers import ContactKeys, active_customer, check_name, find_by_keys, note_arrival, resolve_customer
from .errors import InvalidInput, NotFound
from .instruments import instrument_of
from .invitations import find_invitation, issue_invitation, token_for

MAX_PHOTOS = 3
HANDLING_SURVEY = "complaint-handling"
CATEGORY_LABELS = {
    "product": _l("Product quality"),
    "service_attitude": _l("Staff attitude"),
    "service_quality": _l("Service quality (waiting, errors)"),
    "delivery_installation": _l("Delivery, installation or repair"),
    "incident": _l("Incident or emergency"),
    "other": _l("Other"),
}
CUSTOMER_STATUS = {
    CaseState.RECEIVED: _l("We have received your complaint."),
    CaseState.ASSESSING: _l("We are looking at your complaint."),
    CaseState.INVESTIGATING: _l("We are finding out what happened."),
    CaseState.WAITING_CUSTOMER: _l("We need some information from you: please answer below."),
    CaseState.WAITING_INTERNAL: _l("We are checking with a colleague."),
    CaseState.PENDING_APPROVAL: _l("Our proposed solution is being approved."),
    CaseState.RESPONDED: _l("We have answered. Please tell us whether you accept our answer."),
    CaseState.ESCALATED: _l("A supervisor is now handling your complaint."),
    CaseState.CLOSED_ACCEPTED: _l("Closed: you accepted our answer. Thank you."),
    CaseState.CLOSED_UNRESOLVED: _l("Closed without agreement. The options still open to you are below."),
    CaseState.WITHDRAWN: _l("Withdrawn."),
    CaseState.MERGED: _l("Joined with another of your complaints about the same matter."),
    CaseState.NOT_A_COMPLAINT: _l("We did not treat this as a complaint; the reason is below."),
}
# File signatures of the photo types accepted, so a renamed file is not taken for a photo.
PHOTO_SIGNATURES = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (8, b"WEBP", "image/webp"),
    (4, b"ftypheic", "image/heic"),
    (4, b"ftypheix", "image/heic"),
    (4, b"ftypmif1", "image/heif"),
)


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))


def categories() -> list[tuple[str, str]]:
    return [(code, category_label(code)) for code in current_app.config["COMPLAINT_CATEGORIES"]]


@dataclass
class Photo:
    filename: str
    data: bytes


@dataclass
class ComplaintInput:
    """What a customer, a staff member or the API tells us about one complaint."""

    category: str
    description: str
    occurred_on: date | None = None
    location: str | None = None
    desired_outcome: str | None = None
    name: str | None = None
    phone: str | None = None
    email: str | None = None
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


def may_notify(customer: Customer, channel: str, purpose: str) -> ContactDecision:
    """Whether we may contact this customer on ``channel`` for ``purpose``; every path that
    contacts a complainant asks here, and here asks the customer-wide consent rules."""
    return may_contact(customer, channel, purpose)


def _record_consent(customer: Customer, data: "ComplaintInput", source: ConsentSource,
                    now: datetime) -> list[ConsentRecord]:
    """The form's "you may contact me about this complaint" box, kept as the customer's consent to follow-up."""
    records = [ConsentRecord(customer_id=customer.id, channel=channel, purpose=ContactPurpose.FOLLOW_UP,
                             granted=data.consent_to_contact, source=source, note="complaint form", recorded_at=now)
               for channel in (ContactChannel.EMAIL, ContactChannel.PHONE, ContactChannel.SMS)]
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
    nonce = secrets.token_hex(16)
    key = _tracking_key(nonce)
    complaint = Complaint(
        reference=f"pending-{nonce[:8]}", tracking_nonce=nonce, tracking_hash=_hash(key), customer_id=customer.id,
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
    actor_kind = ActorKind.STAFF if entered_by else (ActorKind.SYSTEM if response else ActorKind.CUSTOMER)
    db.session.add(CaseEvent(case_id=case.id, kind=EventKind.TRANSITION, name="receive", actor_kind=actor_kind,
                             actor_id=entered_by.id if entered_by else None, to_state=CaseState.RECEIVED,
                             changes={"category": data.category, "severity": data.severity.value,
                                      "channel": data.channel.value}, at=now))
    if not commit:
        db.session.flush()
        return Filed(complaint, case, key)
    db.session.commit()
    if response is None:
        # A follow-up opened from a low survey score is ours to make, not a complaint the
        # customer filed: no "we have received your complaint" for it.
        _send(complaint, lambda: (_("Your complaint %(ref)s", ref=complaint.reference),
                                  _("We have received your complaint. Its reference is %(ref)s.", ref=complaint.reference)))
    return Filed(complaint, case, key)


def check_intake(data: ComplaintInput) -> tuple[list[tuple[Photo, str]], ContactKeys]:
    """The photos with their types and the normalised contact keys, checked all at once.

    :raise InvalidInput: naming every field the person filing must correct, not just the first.
    """
    errors, keys = {}, None
    try:
        keys = ContactKeys.checked(data.phone, data.email, region=current_app.config["DEFAULT_PHONE_REGION"])
    except InvalidInput as error:
        errors.update(error.field_errors)
    if data.category not in current_app.config["COMPLAINT_CATEGORIES"]:
        errors["category"] = _("Choose what the complaint is about.")
    try:
        check_name(data.name)
    except InvalidInput as error:
        errors["name"] = str(error)
    if data.occurred_on and data.occurred_on > _today():
        errors["occurred_on"] = _("That day has not come yet.")
    if data.location and len(data.location.strip()) > 200:
        errors["location"] = _("Please keep it under %(n)d characters.", n=200)
    if data.desired_outcome and len(data.desired_outcome) > 2000:
        errors["desired_outcome"] = _("Please keep it under %(n)d characters.", n=2000)
    if not data.description or not data.description.strip():
        errors["description"] = _("Tell us what happened.")
    elif len(data.description) > 5000:
        errors["description"] = _("Please keep it under %(n)d characters.", n=5000)
    if not (_blank(data.phone) or _blank(data.email)):
        errors["phone"] = _("Give a phone number or an email address, so we can answer you.")
    photos, photo_errors = _photo_problems(data.photos)
    errors.update(photo_errors)
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return photos, keys


def _today() -> date:
    """Today where the firm is: a complaint filed this morning in Shanghai may be about today."""
    return now_utc().astimezone(ZoneInfo(current_app.config["BUSINESS_TIMEZONE"])).date()


def check_photos(photos: list[Photo]) -> list[tuple[Photo, str]]:
    """The photos with their content types.

    :raise InvalidInput: for more than three, one too large, or a file that is not a photo.
    """
    checked, errors = _photo_problems(photos)
    if errors:
        raise InvalidInput(errors["photos"], errors)
    return checked


def _photo_problems(photos: list[Photo]) -> tuple[list[tuple[Photo, str]], dict[str, str]]:
    checked, errors = [], {}
    limit = current_app.config["COMPLAINT_PHOTO_MAX_BYTES"]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = _("Up to %(n)d photos.", n=MAX_PHOTOS)
    for photo in photos[:MAX_PHOTOS]:
        kind = photo_type(photo.data)
        if len(photo.data) > limit:
            errors["photos"] = _("%(name)s is larger than %(mb)d MB.", name=photo.filename, mb=limit // (1024 * 1024))
        elif kind is None:
            errors["photos"] = _("%(name)s is not a JPEG, PNG, WebP or HEIC photo.", name=photo.filename)
        else:
            checked.append((Photo(photo.filename[-200:] or "photo", photo.data), kind))
    return checked, errors


def photo_type(data: bytes) -> str | None:
    for offset, signature, content_type in PHOTO_SIGNATURES:
        if data[offset:offset + len(signature)] == signature:
            return content_type
    return None


def _possible_duplicate(customer_id: int, category: str, now: datetime) -> int | None:
    since = now - timedelta(days=current_app.config["DUPLICATE_WINDOW_DAYS"])
    return db.session.scalar(
        sa.select(Complaint.id).where(Complaint.customer_id == customer_id, Complaint.category == category,
                                      Complaint.created_at >= since)
        .order_by(Complaint.id.desc()).limit(1)
    )


def _tracking_key(nonce: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"complaint:{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _blank(text: str | None) -> str | None:
    return (text or "").strip() or None


def tracking_key(complaint: Complaint) -> str:
    return _tracking_key(complaint.tracking_nonce)


def tracking_url(complaint: Complaint) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/complaints/track/{tracking_key(complaint)}"


def find_by_tracking_key(key: str) -> Complaint:
    """:raise NotFound: when no complaint has this key."""
    complaint = None
    if key and len(key) <= 64:
        complaint = db.session.scalar(sa.select(Complaint).where(Complaint.tracking_hash == _hash(key)))
    if complaint is None:
        raise NotFound(_("We could not find a complaint for this link."))
    return complaint


def public_photo_names(complaint: Complaint) -> dict[int | None, list[str]]:
    """The names of the photos the customer may see, by the event they came with (None: with the
    complaint itself)."""
    names: dict[int | None, list[str]] = {}
    for item in complaint.attachments:
        if item.public:
            names.setdefault(item.event_id, []).append(item.filename)
    return names


def find_by_reference(reference: str) -> Complaint:
    """:raise NotFound: when no complaint has this reference."""
    complaint = db.session.scalar(sa.select(Complaint).where(Complaint.reference == reference))
    if complaint is None:
        raise NotFound(_("No complaint has the reference %(ref)s.", ref=reference))
    return complaint


def file_follow_on(case: Case, body: str, now: datetime, photos: list[Photo] | None = None) -> Case:
    """The customer wrote after the reopen window: a new case, linked to the old one; commits."""
    complaint = case.complaint
    data = ComplaintInput(category=complaint.category, description=body, location=complaint.location,
                          name=complaint.contact_name, phone=complaint.contact_phone, email=complaint.contact_email,
                          consent_to_contact=complaint.consent_to_contact, language=complaint.language,
                          channel=complaint.channel, severity=case.severity, photos=photos or [])
    return file_complaint(data, customer=complaint.customer, follows=case, now=now).case


def handling_survey() -> Survey:
    """The survey closed complaints are invited to, set up from the built-in instrument on first
    use (without committing: it is part of the closing transaction)."""
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == HANDLING_SURVEY))
    if survey is not None:
        return survey
    try:
        version = instrument_store.latest_version(HANDLING_SURVEY)
    except NotFound:
        version = instrument_store.store_instrument(load_builtin(HANDLING_SURVEY))
    survey = Survey(slug=HANDLING_SURVEY, title=instrument_of(version).title.get("en"), instrument_version=version,
                    anonymous_link=False, segment_fields={"category": []},
                    waves=[Wave(name="continuous", opens_on=date(2000, 1, 1))])
    db.session.add(survey)
    db.session.flush()
    return survey


def invite_to_handling_survey(case: Case, now: datetime) -> None:
    """Issue the closed case's customer a personal link to the handling survey, once. Does not commit."""
    customer = case.complaint.customer
    if case.handling_invitation_id is not None or not may_notify(customer, "email", "survey").allowed:
        return
    survey = handling_survey()
    invitation = issue_invitation(survey, None, customer.id, {"category": case.category},
                                  current_app.config["SECRET_KEY"], now, current_app.config["INVITATION_DAYS_VALID"])
    case.handling_invitation_id = invitation.id
    if case.complaint.contact_email:
        record_contact(customer, "email", "survey", f"invitation:{invitation.id}", at=now)


def handling_survey_url(case: Case) -> str | None:
    invitation = case.handling_invitation
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now_utc():
        return None
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/i/{token_for(invitation, current_app.config['SECRET_KEY'])}"


def tell_customer(case: Case, event: CaseEvent) -> None:
    """Email the customer what a staff member told them, or that the case closed."""
    if not event.public or event.actor_kind is ActorKind.CUSTOMER:
        return
    complaint = case.complaint

    def message():
        lines = [str(CUSTOMER_STATUS[case.state]), event.body or ""]
        survey_url = handling_survey_url(case) if case.is_closed and _may_send_survey(case) else None
        if survey_url:
            lines.append(_("Please tell us in one minute how we handled your complaint: %(url)s", url=survey_url))
        return _("News about your complaint %(ref)s", ref=complaint.reference), "\n\n".join(filter(None, lines))

    _send(complaint, message)


def _may_send_survey(case: Case) -> bool:
    """The handling-survey link goes into a closing email only while surveys may reach the customer;
    sending the same invitation again does not count against the contact limit."""
    return may_contact(case.complaint.customer, "email", "survey",
                       resend_of=f"invitation:{case.handling_invitation_id}").allowed


def _send(complaint: Complaint, message) -> None:
    """Email the complainant ``message()`` (subject, text), written in their language, if we may."""
    if not complaint.contact_email or not may_notify(complaint.customer, "email", "follow_up").allowed:
        return
    optout = optout_url(complaint.customer)
    with force_locale(complaint.language):
        subject, text = message()
        body = "\n\n".join([text, _("Follow your complaint here: %(url)s", url=tracking_url(complaint)),
                             _("No more surveys or calls from us? One click: %(url)s", url=optout)])
    # Mail programs offer their own unsubscribe button from these headers (RFC 8058).
    mail.send_mail(complaint.contact_email, subject, body,
                   {"List-Unsubscribe": f"<{optout}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def follow_up_score(response: Response) -> tuple[bool, str]:
    """Whether a submitted response is low enough to open a follow-up case, and why."""
    instrument = instrument_of(response.survey.instrument_version)
    threshold = current_app.config["FOLLOW_UP_SCORE"]
    for question in instrument.questions:
        value = response.answers.get(question.id)
        if question.kind == "nps" and isinstance(value, int) and current_app.config["FOLLOW_UP_NPS_DETRACTORS"] \
                and value <= 6:
            return True, _("Likelihood to recommend %(score)d of 10", score=value)
    scores = []
    constructs = {c.id for c in instrument.constructs}
    for item in instrument.items_of("satisfaction") if "satisfaction" in constructs else ():
        value = response.answers.get(item.id)
        if isinstance(value, int):
            scores.append(10 * (value - item.scale.min) / (item.scale.max - item.scale.min))
    if scores and sum(scores) / len(scores) <= threshold:
        return True, _("Satisfaction %(score).1f of 10", score=sum(scores) / len(scores))
    return False, ""


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


def open_follow_up(response: Response, now: datetime | None = None) -> Case | None:
    """The closed loop: one follow-up case for a low score from a known customer who may be contacted.

    Returns the case, or None when the response does not call for one (or already has one).
    """
    if response.customer_id is None or not response.is_submitted:
        return None
    low, why = follow_up_score(response)
    if not low:
        return None
    customer = db.session.get(Customer, response.customer_id)
    if not may_notify(customer, "phone", "follow_up").allowed:
        return None
    if db.session.scalar(sa.select(Complaint.id).where(Complaint.response_id == response.id)):
        return None
    instrument = instrument_of(response.survey.instrument_version)
    comment = "\n".join(response.answers[q.id] for q in instrument.questions
                        if q.kind == "text" and isinstance(response.answers.get(q.id), str))
    description = "\n".join(filter(None, [_("Survey “%(title)s”: %(why)s.", title=response.survey.title, why=why),
                                          comment]))
    data = ComplaintInput(category=current_app.config["COMPLAINT_CATEGORIES"][-1], description=description,
                          name=customer.name, phone=customer.phone, email=customer.email,
                          consent_to_contact=True, language=response.language, channel=Channel.SURVEY,
                          location=response.segments.get("store"))
    if not (data.phone or data.email):
        return None
    return file_complaint(data, customer=customer, response=response, now=now).case
