"""Test data: each factory takes keyword overrides and returns a stored object."""
from datetime import date
from functools import lru_cache

from argon2 import PasswordHasher

from instruments import load_builtin
from survey_app.extensions import db
from survey_app.models import ActorKind, CaseEvent, EventKind, Role, StaffUser
from survey_app.models.base import now_utc
from survey_app.services import surveys
from survey_app.services.cases.deadlines import keep_deadlines
from survey_app.services.cases.intake import ComplaintInput, file_complaint
from survey_app.services.surveys.publishing import SurveySpec, publish_survey
from survey_app.services.surveys.responses import new_form_key, store_page

PASSWORD = "password-123"


@lru_cache
def _password_hash(password: str) -> str:
    # Hashing is deliberately slow; do it once per run.
    return PasswordHasher().hash(password)


def make_user(username: str, role: str = "manager", password: str = PASSWORD, team: str | None = None) -> StaffUser:
    user = StaffUser(username=username, role=Role(role), password_hash=_password_hash(password), team=team)
    db.session.add(user)
    db.session.commit()
    return user


def make_instrument_version(instrument_id: str = "acsi"):
    version = surveys.store_instrument(load_builtin(instrument_id))
    db.session.commit()
    return version


def make_survey(slug: str = "shop", instrument_id: str = "acsi", **overrides):
    spec = SurveySpec(
        title=overrides.pop("title", "Shop survey"),
        slug=slug,
        instrument_version=make_instrument_version(instrument_id),
        waves=overrides.pop("waves", [("Wave 1", date(2020, 1, 1))]),
        **overrides,
    )
    return publish_survey(spec)


def make_complaint(category: str = "product", *, phone: str | None = "13800138000", email: str | None = None,
                   consent: bool = True, now=None, **overrides):
    """A complaint filed through the web intake; returns :class:`Filed` (complaint, case, tracking key)."""
    data = ComplaintInput(category=category, description=overrides.pop("description", "The kettle leaks."),
                          phone=phone, email=email, consent_to_contact=consent, **overrides)
    return file_complaint(data, now=now)


def put_case_in(case, state, **fields):
    """Set a case straight into ``state`` with ``fields``, as its log would have it; for testing one step."""
    for name, value in fields.items():
        setattr(case, name, value)
    db.session.add(CaseEvent(case_id=case.id, kind=EventKind.TRANSITION, name="set", actor_kind=ActorKind.SYSTEM,
                             from_state=case.state, to_state=state, changes={}, at=now_utc()))
    case.state = state
    keep_deadlines([case])
    db.session.commit()
    return case


def make_response(survey, answers: dict, *, submitted: bool = True, page: int = 0, invitation=None,
                  segments: dict | None = None, language: str = "en", now=None):
    """A response stored as the respondent pages store one: submitted at once, or with ``submitted=False``
    a draft waiting on ``page``. The page rules that decide this are tested on their own."""
    return store_page(survey, form_key=new_form_key(), values=dict(answers), next_page=page, language=language,
                      final=submitted, invitation=invitation, segments=dict(segments) if segments else None,
                      existing=None, now=now)


def serve(agent, case, at=None, kind: EventKind = EventKind.NOTE):
    """The agent's work on a case at ``at``: any staff event on it makes its customer served that month."""
    db.session.add(CaseEvent(case_id=case.id, kind=kind, name="note", actor_kind=ActorKind.STAFF, actor_id=agent.id,
                             changes={}, body="Called the customer.", at=at or now_utc()))
    keep_deadlines([case])
    db.session.commit()
