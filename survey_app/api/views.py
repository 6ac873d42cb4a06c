"""The JSON API, version 1.

Authentication: every request carries ``Authorization: Bearer <token>``; a token acts for one
staff account and is created with ``flask api-tokens create <username> <name>``.
No session cookie is read, so the API needs no CSRF token.
"""
from datetime import date

from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _

from ..extensions import csrf, limiter
from ..models import Channel, Role, Severity, StaffUser
from ..services.platform import api_tokens
from ..services import cases, customers
from ..services.cases.labels import ENTRY_CHANNELS
from ..services.errors import InvalidInput
from ..services.platform.settings import settings

bp = Blueprint("api", __name__)
csrf.exempt(bp)

# The API files what staff enter by hand, and complaints of its own.
API_CHANNELS = (Channel.API, *ENTRY_CHANNELS)


@bp.post("/complaints")
@limiter.limit("120 per minute")
def create_complaint():
    """File a complaint for a customer: 201 with its reference and tracking link, or 422 naming
    the fields to fix.

    :raise 401: without a valid token of an active staff account.
    """
    user = _caller()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _invalid(_("Send a JSON object."), {})
    try:
        filed = cases.file_complaint(_intake(body), entered_by=user)
    except InvalidInput as error:
        return _invalid(str(error), error.field_errors)
    case = filed.case
    reply = jsonify(reference=filed.complaint.reference, tracking_url=cases.tracking_url(filed.complaint),
                    case={"state": case.state.value, "version": case.version, "category": case.category,
                          "severity": case.severity.value, "team": case.team.name if case.team else None,
                          "assignee": case.assignee.username if case.assignee else None,
                          "possible_duplicate_of": filed.complaint.possible_duplicate_of.reference
                          if filed.complaint.possible_duplicate_of else None})
    reply.status_code = 201
    reply.headers["Location"] = url_for("cases.detail", reference=filed.complaint.reference)
    return reply


@bp.post("/customers")
@limiter.limit("600 per minute")
def record_customer():
    """Find or create a customer by the import's rules, with value fields and segments: 201 when
    created, 200 when matched (``review`` says whether a likely duplicate went to review), or
    422 naming the fields to fix.

    :raise 401: without a valid token of an active staff account.
    :raise 403: when the token's account may not import customers (supervisors and up may).
    """
    user = _caller()
    if not user.role.at_least(Role.SUPERVISOR):
        return jsonify(error=_("This account may not import customers."), fields={}, status=403), 403
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _invalid(_("Send a JSON object."), {})
    try:
        customer, created, review = customers.record_customer(
            body, region=settings().default_phone_region)
    except InvalidInput as error:
        return _invalid(str(error), error.field_errors)
    reply = jsonify(id=customer.id, created=created, review=review, customer={
        "name": customer.name, "phone": customer.phone, "email": customer.email, "reference": customer.reference,
        "annual_spend": str(customer.annual_spend) if customer.annual_spend is not None else None,
        "first_purchase_on": customer.first_purchase_on.isoformat() if customer.first_purchase_on else None,
        "purchase_count": customer.purchase_count, "segments": customer.segments})
    reply.status_code = 201 if created else 200
    reply.headers["Location"] = url_for("customers.detail", customer_id=customer.id)
    return reply


def _caller() -> StaffUser:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    user = api_tokens.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        abort(401)
    return user


def _intake(body: dict) -> cases.ComplaintInput:
    """:raise InvalidInput: for a field of the wrong type or value."""
    errors = {}
    text = {name: body.get(name) for name in ("category", "description", "location", "desired_outcome", "name",
                                              "phone", "email", "language")}
    for name, value in text.items():
        if value is not None and not isinstance(value, str):
            errors[name] = _("Must be text.")
        elif value and "\x00" in value:
            errors[name] = _("Contains a character that cannot be stored.")
    occurred_on = channel = severity = None
    try:
        occurred_on = date.fromisoformat(body["occurred_on"]) if body.get("occurred_on") else None
    except (TypeError, ValueError):
        errors["occurred_on"] = _("Use a date as YYYY-MM-DD.")
    try:
        channel = Channel(body.get("channel", "api"))
        if channel not in API_CHANNELS:
            raise ValueError
    except ValueError:
        errors["channel"] = _("Not a valid choice.")
    try:
        severity = Severity(body.get("severity", "normal"))
    except ValueError:
        errors["severity"] = _("Not a valid choice.")
    if not isinstance(body.get("consent_to_contact", False), bool):
        errors["consent_to_contact"] = _("Must be true or false.")
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return cases.ComplaintInput(
        category=text["category"] or "", description=text["description"] or "", occurred_on=occurred_on,
        location=text["location"], desired_outcome=text["desired_outcome"], name=text["name"], phone=text["phone"],
        email=text["email"], consent_to_contact=body.get("consent_to_contact", False),
        language=text["language"] if text["language"] in ("zh", "en") else "zh", channel=channel, severity=severity,
    )


def _invalid(message: str, fields: dict):
    return jsonify(error=message, fields=fields, status=422), 422
