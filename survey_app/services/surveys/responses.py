"""Storing answers page by page, and submitting a response exactly once."""
import re
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached

from ...extensions import db
from ...models import Invitation, Response, ResponseSegment, ResponseStatus, Survey, Wave
from ...models.base import now_utc
from ..platform.clock import business_day
from . import report_cells
from .instruments import instrument_of
from .signals import response_submitted


def new_form_key() -> str:
    """A one-time key for a respondent's first page; it identifies the response from then on."""
    return secrets.token_urlsafe(24)


FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def usable_form_key(posted: str | None) -> str:
    """The posted form key when it has the shape of one we issue, else a fresh key."""
    if posted and FORM_KEY.match(posted):
        return posted
    return new_form_key()


# The lookups every submission makes, built once with their values bound at run time: building
# a statement and its cache key costs more than SQLite takes to run it.
_BY_INVITATION = sa.select(Response).where(Response.invitation_id == sa.bindparam("invitation_id"))
_BY_FORM_KEY = sa.select(Response).where(Response.form_key == sa.bindparam("form_key"),
                                         Response.survey_id == sa.bindparam("survey_id"))
# The latest wave opened by a day, by index rather than loading every wave of the survey.
_WAVE_ON = (
    sa.select(Wave.id)
    .where(Wave.survey_id == sa.bindparam("survey_id"), Wave.opens_on <= sa.bindparam("day"))
    .order_by(Wave.opens_on.desc(), Wave.id.desc())
    .limit(1)
)


def find_response(survey: Survey, *, form_key: str | None = None, invitation: Invitation | None = None) -> Response | None:
    """The response an invitation or a form key already started, if any."""
    if invitation is not None:
        return db.session.scalar(_BY_INVITATION, {"invitation_id": invitation.id})
    if form_key:
        return db.session.scalar(_BY_FORM_KEY, {"form_key": form_key, "survey_id": survey.id})
    return None


def store_page(
    survey: Survey,
    *,
    form_key: str,
    values: dict,
    next_page: int,
    language: str,
    final: bool = False,
    invitation: Invitation | None = None,
    segments: dict | None = None,
    existing: Response | None,
    now: datetime | None = None,
) -> Response:
    """Save the answers of one page, and submit the response when ``final``.

    This stores what it is handed: :func:`~.respondent.answer_page` checks a posted page against
    the instrument's rules and decides ``next_page`` and ``final`` before calling it. ``existing``
    is what :func:`find_response` returned for this respondent (None for a new one); callers look
    it up anyway to show the saved answers. Idempotent: a re-sent POST with the same form key
    updates the same row, and one sent after submission changes nothing. Commits before
    returning, so the thank-you page follows a committed response.
    """
    now = now or now_utc()
    response = existing
    if response is None:
        fields = (values, next_page, language, final, invitation, segments or {}, now)
        created = _create(survey, form_key, *fields)
        if created is not None:
            _close_the_loop(created)
            return created
        # A double tap raced us to the first page: carry on with the row it stored.
        response = find_response(survey, form_key=form_key, invitation=invitation)
        if response is None:
            # The key belongs to another survey's response: never mix answers, start afresh.
            return _create(survey, new_form_key(), *fields)
    if response.is_submitted:
        return response
    # Assign a new dict: the JSON column only notices replacement, not mutation.
    response.answers = {**response.answers, **values}
    response.page = max(next_page, 0)
    response.language = language
    response.updated_at = now
    if final:
        _submit_draft(survey, response, invitation, now)
    _commit()
    _close_the_loop(response)
    return response


def _commit() -> None:
    """Commit without expiring what the session holds.

    Every value of the rows written here was set in Python (or, for the id, returned by the
    INSERT), so the objects already hold what the database does; expiring them, the session's
    default, would read the response back with one more query per submission.
    """
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _close_the_loop(response: Response) -> None:
    """Announce a stored submission, so a low score from a known customer can be followed up."""
    if response.is_submitted:
        response_submitted.send(response)


def _create(survey, form_key, values, next_page, language, final, invitation, segments, now) -> Response | None:
    """Store a new response in one transaction, submitted at once when its first page is its last.

    Returns None when another request stored the same form key or invitation first.
    """
    # Every column is given a value here, none left to a default: the row is written as is.
    response = Response(
        survey_id=survey.id,
        form_key=form_key if invitation is None else new_form_key(),
        invitation_id=invitation.id if invitation else None,
        customer_id=invitation.customer_id if invitation else None,
        segments=dict(invitation.segments if invitation else segments),
        language=language,
        answers=dict(values),
        page=max(next_page, 0),
        status=ResponseStatus.DRAFT,
        started_at=now,
        updated_at=now,
        submitted_at=None,
        wave_id=None,
    )
    if final:
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.wave_id = _wave_id(survey, invitation, now)
        response.segments = _all_segments(survey, response)
    try:
        _insert(response)
        if final:
            _index_segments(response, invitation, now)
            report_cells.response_submitted(survey, response)
        _commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return response


_INSERT = sa.insert(Response.__table__)
_COLUMNS = [column.key for column in Response.__table__.columns if column.key != "id"]


def _insert(response: Response) -> None:
    """INSERT one new response and put it in the session as the stored row it now is.

    A single Core INSERT costs a fraction of a unit-of-work flush, which is most of what a
    submission spends in the ORM; the object then behaves as if it had been loaded.
    """
    result = db.session.execute(_INSERT, {key: getattr(response, key) for key in _COLUMNS})
    response.id = result.inserted_primary_key[0]
    make_transient_to_detached(response)
    db.session.add(response)


def _submit_draft(survey: Survey, response: Response, invitation: Invitation | None, now: datetime) -> None:
    segments = _all_segments(survey, response)
    db.session.flush()
    # A conditional update, so two racing final POSTs submit the row once.
    changed = db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.DRAFT)
        .values(status=ResponseStatus.SUBMITTED, submitted_at=now, updated_at=now, segments=segments,
                wave_id=_wave_id(survey, invitation, now))
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed == 1:
        _index_segments(response, invitation, now)
        report_cells.response_submitted(survey, response)


def _index_segments(response: Response, invitation: Invitation | None, now: datetime) -> None:
    db.session.add_all(
        ResponseSegment(response_id=response.id, name=name, value=str(value))
        for name, value in response.segments.items()
        if value not in (None, "")
    )
    if invitation is not None:
        invitation.used_at = now


def _wave_id(survey: Survey, invitation: Invitation | None, now: datetime) -> int | None:
    if invitation is not None and invitation.wave_id is not None:
        return invitation.wave_id
    # A response belongs to the wave open on the firm's day, not the UTC one.
    return db.session.scalar(_WAVE_ON, {"survey_id": survey.id, "day": business_day(now)})


def _all_segments(survey: Survey, response: Response) -> dict:
    """Segments from the link or invitation, plus the answers to the instrument's segment questions."""
    instrument = instrument_of(survey.instrument_version)
    answered = {q.id: response.answers[q.id] for q in instrument.segment_questions
                if response.answers.get(q.id) not in (None, "")}
    return {**response.segments, **answered}
