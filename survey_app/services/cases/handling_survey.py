"""The handling-satisfaction survey a closed case invites its customer to."""
from datetime import date, datetime

import sqlalchemy as sa

from instruments import load_builtin

from ...extensions import db
from ...models import Case, Survey, Wave
from ...models.base import now_utc
from .. import surveys
from ..customers.consent import may_contact, record_contact
from ..errors import NotFound
from ..surveys.invitations import issue_invitation, token_for
from ..platform.settings import settings

HANDLING_SURVEY = "complaint-handling"


def handling_survey() -> Survey:
    """The survey closed complaints are invited to, set up from the built-in instrument on first
    use (without committing: it is part of the closing transaction)."""
    survey = db.session.scalar(sa.select(Survey).where(Survey.slug == HANDLING_SURVEY))
    if survey is not None:
        return survey
    try:
        version = surveys.latest_version(HANDLING_SURVEY)
    except NotFound:
        version = surveys.store_instrument(load_builtin(HANDLING_SURVEY))
    survey = Survey(slug=HANDLING_SURVEY, title=surveys.instrument_of(version).title.get("en"), instrument_version=version,
                    anonymous_link=False, segment_fields={"category": []},
                    waves=[Wave(name="continuous", opens_on=date(2000, 1, 1))])
    db.session.add(survey)
    db.session.flush()
    return survey


def invite_to_handling_survey(case: Case, now: datetime) -> None:
    """Issue the closed case's customer a personal link to the handling survey, once. Does not commit."""
    customer = case.complaint.customer
    if case.handling_invitation_id is not None or not may_contact(customer, "email", "survey").allowed:
        return
    survey = handling_survey()
    invitation = issue_invitation(survey, None, customer.id, {"category": case.category},
                                  settings().secret_key, now, settings().invitation_days_valid)
    case.handling_invitation_id = invitation.id
    if case.complaint.contact_email:
        record_contact(customer, "email", "survey", f"invitation:{invitation.id}", at=now)


def handling_survey_url(case: Case) -> str | None:
    invitation = case.handling_invitation
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= now_utc():
        return None
    base = settings().public_base_url
    return f"{base}/i/{token_for(invitation, settings().secret_key)}"
