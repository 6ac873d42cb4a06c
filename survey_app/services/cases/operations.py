"""Case operations beside the transition table: messages, the customer writing from the tracking
page, reassignment, merging duplicates and escalating SLA breaches."""
import logging
from datetime import datetime

import sqlalchemy as sa
from huey import crontab
from flask_babel import gettext as _

from ...extensions import db
from ...models import ActorKind, Case, CaseEvent, EventKind
from ...models.base import now_utc
from ..errors import Conflict, InvalidInput
from ..platform.jobs import every
from . import notices, sla
from .intake import file_follow_on
from .photos import check_photos
from .deadlines import RUNNING_BAND, STOPPED_BAND
from .events import Event
from .workflow import (CUSTOMER_ACTOR, NOT_CLOSED, S, SUPERVISORS, SYSTEM_ACTOR, Actor, agent_works_own_team, apply,
                       attach_photos, check_version, save, transition, within_reopen_window)

log = logging.getLogger(__name__)


def add_message(case: Case, actor: Actor, body: str, *, public: bool, expected_version: int,
                photos: list | None = None, now: datetime | None = None) -> CaseEvent:
    """An internal note (``public=False``) or a reply the customer sees, with photos; commits.

    :raise InvalidInput: for an empty text or a photo refused by :func:`photos.check_photos`.
    :raise Conflict: when the case changed since ``expected_version``.
    """
    now = now or now_utc()
    check_version(case, expected_version)
    body = (body or "").strip()
    if not body:
        raise InvalidInput(_("Please write something."), {"body": _("Required.")})
    refusal = agent_works_own_team(case, actor, {}, now)
    if refusal:
        raise Conflict(refusal)
    checked = check_photos(photos or [])
    if actor.kind is ActorKind.CUSTOMER:
        kind = EventKind.CUSTOMER_MESSAGE
    else:
        kind = EventKind.REPLY if public else EventKind.NOTE
    record = CaseEvent(case_id=case.id, kind=kind, name=kind.value, actor_kind=actor.kind,
                       actor_id=actor.user.id if actor.user else None, body=body, public=public, at=now, changes={})
    db.session.add(record)
    attach_photos(case, record, checked, now)
    case.updated_at = now
    save(case)
    if kind is EventKind.REPLY:
        notices.tell_customer(case, record)
    return record


def customer_writes(case: Case, body: str, *, expected_version: int, photos: list | None = None,
                    now: datetime | None = None) -> Case:
    """A message from the tracking page, with any photos: answers a question, reopens a recently
    closed case, or, after the reopen window, opens a new case linked to this one. Returns the
    case that got it."""
    now = now or now_utc()
    if case.state is S.WAITING_CUSTOMER:
        transition(case, Event.CUSTOMER_REPLIED, CUSTOMER_ACTOR, expected_version=expected_version,
                   fields={"message": body}, photos=photos, now=now)
        return case
    if case.state in (S.CLOSED_ACCEPTED, S.CLOSED_UNRESOLVED):
        check_version(case, expected_version)
        if within_reopen_window(case, CUSTOMER_ACTOR, {}, now) is None:
            transition(case, Event.REOPEN, CUSTOMER_ACTOR, expected_version=expected_version,
                       fields={"message": body}, photos=photos, now=now)
            return case
        return file_follow_on(case, body, now, photos=photos)
    if case.is_closed:
        raise Conflict(_("This case is closed."))
    add_message(case, CUSTOMER_ACTOR, body, public=True, expected_version=expected_version, photos=photos, now=now)
    return case


def customer_accepts(case: Case, body: str, *, expected_version: int, photos: list | None = None,
                     now: datetime | None = None) -> Case:
    """The customer accepts the answer from the tracking page. What they wrote and sent with it is
    theirs to keep: it becomes their message on the case, just before the acceptance, in the same
    commit, so accepting never drops it.

    :raise Conflict: when the case changed since ``expected_version`` or is not answered.
    :raise InvalidInput: for a photo refused by :func:`photos.check_photos`.
    """
    now = now or now_utc()
    check_version(case, expected_version)
    body = (body or "").strip()
    try:
        if body:
            # The photos go with the words, where the customer reads them back; without words, with the acceptance.
            checked = check_photos(photos or [])
            message = CaseEvent(case_id=case.id, kind=EventKind.CUSTOMER_MESSAGE, name=EventKind.CUSTOMER_MESSAGE.value,
                                actor_kind=ActorKind.CUSTOMER, body=body, public=True, at=now, changes={})
            db.session.add(message)
            attach_photos(case, message, checked, now)
            photos = []
        transition(case, Event.ACCEPT, CUSTOMER_ACTOR, expected_version=expected_version, photos=photos, now=now)
    except (Conflict, InvalidInput):
        # The message goes in with the acceptance or not at all.
        db.session.rollback()
        raise
    return case


def reassign(case: Case, actor: Actor, *, team_id: int | None, assignee_id: int | None, expected_version: int,
             now: datetime | None = None) -> CaseEvent:
    """Give the case to another team or agent (supervisors and admins); commits."""
    now = now or now_utc()
    check_version(case, expected_version)
    if actor.role not in SUPERVISORS:
        raise Conflict(_("Only a supervisor may reassign a case."))
    case.team_id, case.assignee_id, case.updated_at = team_id, assignee_id, now
    record = CaseEvent(case_id=case.id, kind=EventKind.ASSIGNMENT, name=Event.REASSIGN.value, actor_kind=actor.kind,
                       actor_id=actor.user.id, changes={"team_id": team_id, "assignee_id": assignee_id},
                       public=Event.REASSIGN.row.public, at=now)
    db.session.add(record)
    save(case)
    return record


def merge(duplicate: Case, survivor: Case, actor: Actor, *, expected_version: int, now: datetime | None = None) -> CaseEvent:
    """Close ``duplicate`` as merged into ``survivor``; both keep their own event logs. Commits.

    :raise Conflict: for a case merged into itself or into a closed case.
    """
    now = now or now_utc()
    if duplicate.id == survivor.id or survivor.is_closed:
        raise Conflict(_("A case can only be merged into another case that is not closed."))
    record = apply(duplicate, Event.MERGE, actor, expected_version=expected_version,
                   fields={"merged_into": survivor.id}, now=now)
    db.session.add(CaseEvent(case_id=survivor.id, kind=EventKind.MERGE, name=Event.MERGED_IN.value,
                             actor_kind=actor.kind, actor_id=actor.user.id if actor.user else None,
                             changes={"case": duplicate.id, "reference": duplicate.reference},
                             public=Event.MERGED_IN.row.public, at=now))
    survivor.updated_at = now
    save(duplicate, survivor)
    return record


def escalate_breaches(now: datetime | None = None) -> list[Case]:
    """Escalate every case with a newly breached SLA target to the supervisors; commits each.

    A case waiting for approval gets its breach recorded but keeps its state: it is with the
    supervisors already, and escalating would drop the request they are to decide."""
    now = now or now_utc()
    # The stored deadlines find the cases a clock of which has run out, in one query by index;
    # only those have their clocks counted, the policies and the calendar read once for all.
    cases = list(db.session.scalars(sa.select(Case).where(
        Case.queue_band.in_((RUNNING_BAND, STOPPED_BAND)), Case.breach_at < now,
        Case.state.in_(NOT_CLOSED - {S.ESCALATED})).order_by(Case.id)))
    events = sla.case_events([c.id for c in cases])
    clocks = sla.clocks_for(cases, now, events)
    escalated = []
    for case in cases:
        breached = sla.breached_targets(clocks[case.id], events[case.id])
        if not breached:
            continue
        for target in breached:
            db.session.add(CaseEvent(case_id=case.id, kind=EventKind.SLA_BREACH, name=target,
                                     actor_kind=ActorKind.SYSTEM, changes={}, at=now))
        if case.state is S.PENDING_APPROVAL:
            case.updated_at = now
        else:
            apply(case, Event.ESCALATE, SYSTEM_ACTOR, expected_version=case.version,
                  fields={"reason": _("SLA breached: %(targets)s", targets=", ".join(breached))}, now=now)
            escalated.append(case)
        save(case)
    return escalated


@every(crontab(minute="*/5"))
def escalate_sla_breaches() -> list[str]:
    """Escalate every case whose SLA target has passed to the supervisors (as `flask cases check-sla`)."""
    escalated = [case.reference for case in escalate_breaches()]
    if escalated:
        log.info("escalated %s", ", ".join(escalated))
    return escalated
