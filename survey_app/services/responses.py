"""Storing answers page by page, and submitting a response exactly once."""
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Invitation, Response, ResponseSegment, ResponseStatus, Survey
from ..models.base import now_utc


def new_form_key() -> str:
    """A one-time key for a respondent's first page; it identifies the response from then on."""
    return secrets.token_urlsafe(24)


def find_response(survey: Survey, *, form_key: str | None = None, invitation: Invitation | None = None) -> Response | None:
    """The response an invitation or a form key already started, if any."""
    if invitation is not None:
        return db.session.scalar(sa.select(Response).where(Response.invitation_id == invitation.id))
    if form_key:
        return db.session.scalar(
            sa.select(Response).where(Response.form_key == form_key, Response.survey_id == survey.id)
        )
    return None


def record_page(
    survey: Survey,
    *,
    form_key: str,
    values: dict,
    next_page: int,
    language: str,
    final: bool = False,
    invitation: Invitation | None = None,
    segments: dict | None = None,
    now: datetime | None = None,
) -> Response:
    """Save the answers of one page, and submit the response when ``final``.

    Idempotent: a re-sent POST with the same form key updates the same row, and one sent after
    submission changes nothing. Commits before returning, so the thank-you page follows a
    committed response.
    """
    now = now or now_utc()
    response = _draft_for(survey, form_key, invitation, segments or {}, language)
    if response.is_submitted:
        return response
    # Assign a new dict: the JSON column only notices replacement, not mutation.
    response.answers = {**response.answers, **values}
    response.page = max(next_page, 0)
    response.language = language
    response.updated_at = now
    if final:
        _submit(response, invitation, now)
    db.session.commit()
    return response


def _draft_for(survey, form_key, invitation, segments, language) -> Response:
    existing = find_response(survey, form_key=form_key, invitation=invitation)
    if existing is None and invitation is None:
        existing = db.session.scalar(sa.select(Response).where(Response.form_key == form_key))
        if existing is not None and existing.survey_id != survey.id:
            # A key from another survey: never mix answers; start afresh.
            form_key = new_form_key()
            existing = None
    if existing is not None:
        return existing
    response = Response(
        survey_id=survey.id,
        form_key=form_key if invitation is None else new_form_key(),
        invitation_id=invitation.id if invitation else None,
        customer_id=invitation.customer_id if invitation else None,
        segments=dict(invitation.segments if invitation else segments),
        language=language,
        answers={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # Two taps raced to create the same draft: the other one won, use its row.
        found = find_response(survey, form_key=form_key, invitation=invitation)
        if found is None:
            raise
        return found
    return response


def _submit(response: Response, invitation: Invitation | None, now: datetime) -> None:
    survey = db.session.get(Survey, response.survey_id)
    wave = None
    if invitation is not None and invitation.wave_id is not None:
        wave_id = invitation.wave_id
    else:
        wave = survey.wave_on(now.date())
        wave_id = wave.id if wave else None
    segments = {**response.segments, **_segment_answers(survey, response.answers)}
    db.session.flush()
    # A conditional update, so two racing final POSTs submit the row once.
    changed = db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.DRAFT)
        .values(status=ResponseStatus.SUBMITTED, submitted_at=now, wave_id=wave_id, segments=segments)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        return
    db.session.add_all(
        ResponseSegment(response_id=response.id, name=name, value=str(value))
        for name, value in segments.items()
        if value not in (None, "")
    )
    if invitation is not None:
        invitation.used_at = now


def _segment_answers(survey: Survey, answers: dict) -> dict:
    from .instruments import instrument_of

    instrument = instrument_of(survey.instrument_version)
    return {q.id: answers[q.id] for q in instrument.segment_questions if answers.get(q.id) not in (None, "")}
