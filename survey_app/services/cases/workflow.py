"""The complaint workflow as data: states, transitions, who may make each, what each needs.

Every change appends a :class:`CaseEvent`; the case row is the projection of those events and
carries a version. A write names the version its author saw: an older one is refused with a
:class:`Conflict`, and the row's own ``WHERE version =`` check catches a write racing past that.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from ...extensions import db
from ...models import (
    ActorKind,
    Attachment,
    Case,
    CaseEvent,
    CaseState,
    Channel,
    EventKind,
    Remedy,
    Role,
    Severity,
    StaffUser,
    StateCategory,
)
from ...models.base import now_utc
from ..errors import Conflict, InvalidInput
from ..platform.settings import settings
from .deadlines import keep_deadlines
from .events import Event
from .handling_survey import invite_to_handling_survey
from .labels import event_label, state_label
from .notices import tell_customer
from .photos import check_photos

S = CaseState
E = Event
STAFF = frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
CUSTOMER = frozenset({ActorKind.CUSTOMER})
SYSTEM = frozenset({ActorKind.SYSTEM})
NOT_CLOSED = frozenset(s for s in CaseState if s.category is not StateCategory.CLOSED)
# Fields kept on the case: a transition needing one is satisfied by the value already there.
CASE_FIELDS = ("category", "severity", "root_cause", "resolution_code", "remedy", "remedy_amount")
FIRST_CONTACT_REMEDIES = (Remedy.APOLOGY, Remedy.EXPLANATION, Remedy.GOODWILL)


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a staff member, the customer (through the tracking link) or the system."""

    kind: ActorKind
    user: StaffUser | None = None

    @classmethod
    def staff(cls, user: StaffUser) -> "Actor":
        return cls(ActorKind.STAFF, user)

    @property
    def role(self) -> Role | ActorKind:
        """A staff member's role; the customer and the system act as their own kind."""
        return self.user.role if self.user is not None else self.kind


CUSTOMER_ACTOR = Actor(ActorKind.CUSTOMER)
SYSTEM_ACTOR = Actor(ActorKind.SYSTEM)


@dataclass(frozen=True)
class Guard:
    """A rule that may refuse a transition: ``check`` says why, or None to let it go ahead. A guard
    refusing what was typed rather than the step names the ``field`` its refusal is shown at."""

    check: Callable[[Case | None, Actor, dict, datetime | None], str | None]
    field: str | None = None

    def __call__(self, case: Case | None, actor: Actor, values: dict, now: datetime | None) -> str | None:
        return self.check(case, actor, values, now)


@dataclass(frozen=True)
class Choice:
    """A condition that chooses between the transitions of one event: the row applies when it holds."""

    holds: Callable[[Case], bool]

    def __call__(self, case: Case) -> bool:
        return self.holds(case)


def field_guard(field: str) -> Callable[[Callable], Guard]:
    """Declare a function a :class:`Guard` of what was typed in ``field``."""
    return lambda check: Guard(check, field)


# Guards: each returns None when the transition may go ahead, else the reason it may not.
def _approval_limit() -> Decimal:
    return settings().remedy_approval_limit


@field_guard("remedy_amount")
def amount_given_for_money(case, actor, values, now):
    if values.get("remedy") in (Remedy.REFUND, Remedy.GOODWILL) and not values.get("remedy_amount"):
        return _("A refund or goodwill payment needs an amount.")
    return None


def approved_amount(case: Case) -> Decimal | None:
    """The amount of the latest approval given on the case: a decision within it was approved already."""
    changes = _latest(case, E.APPROVE, CaseEvent.changes) or {}
    return Decimal(changes["remedy_amount"]) if changes.get("remedy_amount") is not None else None


def _approved_up_to(case: Case) -> Decimal:
    return max(_approval_limit(), approved_amount(case) or 0)


@Guard
def something_to_approve(case, actor, values, now):
    """Only an amount is approved: without one the refusal is of the step, not of an empty field."""
    if values.get("remedy_amount") is None:
        return _("Only a remedy with an amount over %(limit)s needs approval: send the response directly.",
                 limit=_approval_limit())
    return None


@field_guard("remedy_amount")
def needs_approval(case, actor, values, now):
    amount, approved = values.get("remedy_amount"), approved_amount(case)
    if amount is None or amount > _approved_up_to(case):
        return None
    if approved is not None and amount > _approval_limit():
        return _("A supervisor already approved %(amount)s on this case: send the response directly.",
                 amount=approved)
    return _("This remedy is within the limit: send the response directly.")


@field_guard("remedy_amount")
def within_approval_limit(case, actor, values, now):
    """Four eyes on large remedies: over the limit, whoever proposes one has another approve it, unless
    a supervisor approved as much on this case already."""
    amount = values.get("remedy_amount")
    if amount is None or amount <= _approved_up_to(case):
        return None
    approved = approved_amount(case)
    if approved is not None and approved > _approval_limit():
        return _("A supervisor approved %(amount)s on this case; more needs the approval of a supervisor other "
                 "than you: use “%(step)s”.", amount=approved, step=event_label(E.REQUEST_APPROVAL))
    return _("A remedy over %(limit)s needs the approval of a supervisor other than you: use “%(step)s”.",
             limit=_approval_limit(), step=event_label(E.REQUEST_APPROVAL))


def _latest(case: Case, event: Event, column):
    """``column`` of the case's latest ``event``, read from the log (None when there is none)."""
    return db.session.scalar(sa.select(column).where(CaseEvent.case_id == case.id, CaseEvent.name == event.value)
                             .order_by(CaseEvent.id.desc()).limit(1))


@Guard
def not_own_request(case, actor, values, now):
    """Four eyes: whoever asked for an approval cannot give it."""
    requester = _latest(case, E.REQUEST_APPROVAL, CaseEvent.actor_id)
    if actor.user is not None and requester == actor.user.id:
        return _("You asked for this approval: another supervisor or an admin must give it.")
    return None


def settlement_limit(user: StaffUser) -> Decimal:
    if user.settlement_limit is not None:
        return user.settlement_limit
    return settings().first_contact_limit


@Guard
def taken_by_actor(case, actor, values, now):
    """Only the person who took the complaint settles it at first contact, and only then."""
    complaint = case.complaint
    if actor.user is not None and complaint.entered_by_id == actor.user.id and case.version == 1:
        return None
    return _("Only the person taking a complaint can settle it at first contact, as they enter it.")


@field_guard("remedy")
def first_contact_remedy(case, actor, values, now):
    if values.get("remedy") not in FIRST_CONTACT_REMEDIES:
        return _("At first contact: an apology, an explanation or a goodwill gesture.")
    return None


@field_guard("remedy_amount")
def within_settlement_limit(case, actor, values, now):
    limit = settlement_limit(actor.user)
    if (values.get("remedy_amount") or 0) > limit:
        return _("Over your limit of %(limit)s for settling at once: open the case and ask for approval.", limit=limit)
    return None


@Guard
def within_reopen_window(case, actor, values, now):
    if actor.kind is not ActorKind.CUSTOMER:
        return None
    if case.closed_at and now - case.closed_at <= timedelta(days=settings().reopen_window_days):
        return None
    return _("The case closed more than %(days)d days ago.", days=settings().reopen_window_days)


@Guard
def agent_works_own_team(case, actor, values, now):
    """Agents work the cases of their team and those given to them; supervisors any case."""
    if actor.role != Role.AGENT:
        return None
    user = actor.user
    if case.assignee_id == user.id or case.team is None or case.team.name == user.team:
        return None
    return _("This case belongs to another team.")


# Guards every transition passes.
ALWAYS = (agent_works_own_team,)


@Choice
def asked_while_assessing(case: Case) -> bool:
    return _latest(case, E.ASK_CUSTOMER, CaseEvent.from_state) is S.ASSESSING


@Choice
def contested_before(case: Case) -> bool:
    return _latest(case, E.CONTEST, CaseEvent.id) is not None


@dataclass(frozen=True)
class Transition:
    """One row of the table: ``event`` takes a case from any of ``sources`` to ``target`` when one of
    ``roles`` makes it, ``when`` chooses this row (else the next row of the event applies) and no
    guard refuses. What the event needs is in its :class:`EventRow`."""

    event: Event
    sources: frozenset[CaseState]
    target: CaseState
    roles: frozenset[Role | ActorKind]
    guards: tuple[Guard, ...] = ()
    when: Choice | None = None

    def __post_init__(self):
        # A name or a plain function in place of an event, a guard or a choice fails here, as the table is built.
        if (not isinstance(self.event, Event) or not all(isinstance(g, Guard) for g in self.guards)
                or not isinstance(self.when, Choice | None)):
            raise TypeError(f"{self.event!r}: an Event, Guards and a Choice, not {self.guards}, {self.when}")


TRANSITIONS: tuple[Transition, ...] = (
    Transition(E.ACKNOWLEDGE, frozenset({S.RECEIVED}), S.ASSESSING, STAFF),
    Transition(E.INVESTIGATE, frozenset({S.ASSESSING}), S.INVESTIGATING, STAFF),
    Transition(E.REJECT, frozenset({S.ASSESSING}), S.NOT_A_COMPLAINT, STAFF),
    Transition(E.ASK_CUSTOMER, frozenset({S.ASSESSING, S.INVESTIGATING}), S.WAITING_CUSTOMER, STAFF),
    # The answer takes the case back to where the question was asked from.
    Transition(E.CUSTOMER_REPLIED, frozenset({S.WAITING_CUSTOMER}), S.ASSESSING, STAFF | CUSTOMER,
               when=asked_while_assessing),
    Transition(E.CUSTOMER_REPLIED, frozenset({S.WAITING_CUSTOMER}), S.INVESTIGATING, STAFF | CUSTOMER),
    Transition(E.WAIT_INTERNAL, frozenset({S.INVESTIGATING}), S.WAITING_INTERNAL, STAFF),
    Transition(E.RESUME, frozenset({S.WAITING_INTERNAL}), S.INVESTIGATING, STAFF),
    Transition(E.REQUEST_APPROVAL, frozenset({S.INVESTIGATING, S.ESCALATED}), S.PENDING_APPROVAL, STAFF,
               (something_to_approve, amount_given_for_money, needs_approval)),
    Transition(E.APPROVE, frozenset({S.PENDING_APPROVAL}), S.RESPONDED, SUPERVISORS, (not_own_request,)),
    Transition(E.DECLINE, frozenset({S.PENDING_APPROVAL}), S.INVESTIGATING, SUPERVISORS),
    Transition(E.RESPOND, frozenset({S.INVESTIGATING, S.ESCALATED}), S.RESPONDED, STAFF,
               (amount_given_for_money, within_approval_limit)),
    Transition(E.ACCEPT, frozenset({S.RESPONDED}), S.CLOSED_ACCEPTED, STAFF | CUSTOMER),
    # A second contest goes over the handler's head.
    Transition(E.CONTEST, frozenset({S.RESPONDED}), S.ESCALATED, STAFF | CUSTOMER, when=contested_before),
    Transition(E.CONTEST, frozenset({S.RESPONDED}), S.INVESTIGATING, STAFF | CUSTOMER),
    # A case waiting for approval already rests with the supervisors: escalating it would drop the request.
    Transition(E.ESCALATE, NOT_CLOSED - {S.ESCALATED, S.PENDING_APPROVAL}, S.ESCALATED, STAFF | SYSTEM),
    Transition(E.TAKE_OVER, frozenset({S.ESCALATED}), S.INVESTIGATING, SUPERVISORS),
    Transition(E.CLOSE_UNRESOLVED, frozenset({S.RESPONDED, S.ESCALATED}), S.CLOSED_UNRESOLVED, SUPERVISORS),
    Transition(E.WITHDRAW, NOT_CLOSED, S.WITHDRAWN, STAFF | CUSTOMER),
    Transition(E.REOPEN, frozenset({S.CLOSED_ACCEPTED, S.CLOSED_UNRESOLVED}), S.INVESTIGATING,
               SUPERVISORS | CUSTOMER, (within_reopen_window,)),
    Transition(E.MERGE, NOT_CLOSED, S.MERGED, STAFF),
    # The front line settles a small complaint in the step that records it (see settle_at_first_contact).
    Transition(E.SETTLE, frozenset({S.RECEIVED}), S.CLOSED_ACCEPTED, STAFF,
               (taken_by_actor, first_contact_remedy, amount_given_for_money, within_settlement_limit)),
)
SETTLE = next(t for t in TRANSITIONS if t.event is E.SETTLE)
# The steps someone may take, in table order; the other events of the log are written by the code.
EVENTS = tuple(dict.fromkeys(t.event for t in TRANSITIONS))


def allowed_events(case: Case, actor: Actor) -> list[Event]:
    """The events this actor could make now, role and state permitting (fields and guards are checked on apply)."""
    return [e for e in EVENTS if any(t.event is e and case.state in t.sources and actor.role in t.roles
                                     for t in TRANSITIONS)]


def receive(case: Case, actor: Actor, *, channel: Channel, now: datetime) -> CaseEvent:
    """The first event of every case: the complaint arrived, by ``channel``. Does not commit."""
    record = CaseEvent(case_id=case.id, kind=EventKind.TRANSITION, name=E.RECEIVE.value, actor_kind=actor.kind,
                       actor_id=actor.user.id if actor.user else None, to_state=S.RECEIVED,
                       changes={"category": case.category, "severity": case.severity.value, "channel": channel.value},
                       at=now, public=E.RECEIVE.row.public)
    db.session.add(record)
    return record


def transition(case: Case, event: Event | str, actor: Actor, *, expected_version: int, fields: dict | None = None,
               photos: list | None = None, now: datetime | None = None) -> CaseEvent:
    """Make ``event`` happen to ``case``, with any photos sent along, and commit it.

    :raise Conflict: when the case changed since ``expected_version``, or no transition allows it.
    :raise InvalidInput: when a required field is missing or invalid (``field_errors`` says which),
        or a photo is refused by :func:`photos.check_photos`.
    """
    now = now or now_utc()
    checked = check_photos(photos or [])
    record = apply(case, event, actor, expected_version=expected_version, fields=fields or {}, now=now)
    attach_photos(case, record, checked, now)
    save(case)
    tell_customer(case, record)
    return record


def apply(case: Case, event: Event | str, actor: Actor, *, expected_version: int, fields: dict,
          now: datetime) -> CaseEvent:
    """Check and make a transition without committing; the caller saves."""
    check_version(case, expected_version)
    candidates = [t for t in TRANSITIONS if t.event == event and case.state in t.sources]
    if not candidates:
        raise Conflict(_("“%(event)s” cannot be done to a case that is %(state)s.",
                         event=event_label(event), state=state_label(case.state)))
    candidates = [t for t in candidates if actor.role in t.roles]
    if not candidates:
        raise Conflict(_("Your role may not do “%(event)s”.", event=event_label(event)))
    rule = next(t for t in candidates if t.when is None or t.when(case))
    values = clean_fields(fields)
    merged = {**{name: getattr(case, name) for name in CASE_FIELDS}, **values}
    missing = {name: _("Required.") for name in rule.event.row.required if merged.get(name) in (None, "")}
    if missing:
        raise InvalidInput(_("Please fill in the marked fields."), missing)
    refusals = [(g, reason) for g in (*ALWAYS, *rule.guards) if (reason := g(case, actor, merged, now))]
    if not refusals:
        return _record_transition(case, rule, actor, values, now)
    # The last refusal is said: the row's own guards come after those every step passes.
    guard, reason = refusals[-1]
    if guard.field:
        raise InvalidInput(reason, {guard.field: reason})
    raise Conflict(reason)


def _record_transition(case: Case, rule: Transition, actor: Actor, values: dict, now: datetime) -> CaseEvent:
    from_state = case.state
    changes = {}
    for name in (*CASE_FIELDS, "decision", "recourse", "reason"):
        # An emptied field clears what the case held; emptying one that held nothing changes nothing.
        if name in values and (values[name] is not None or getattr(case, name) is not None):
            changes[name] = _json(values[name])
            setattr(case, name, values[name])
    row = rule.event.row
    if row.sends_decision:
        # The log keeps the remedy the customer is given with the step that gives it, also when it was
        # typed before (what an approval approves: a decision within that amount needs no approval again).
        for name in ("remedy", "remedy_amount"):
            if name not in changes and getattr(case, name) is not None:
                changes[name] = _json(getattr(case, name))
    if "merged_into" in values:
        case.merged_into_id = changes["merged_into"] = values["merged_into"]
    case.state = rule.target
    case.updated_at = now
    if rule.target.category is StateCategory.CLOSED:
        case.closed_at = now
    elif from_state.category is StateCategory.CLOSED:
        case.closed_at = None
    # Whichever step sends the decision, the customer reads the same text: in the email and in their messages,
    # where it stays after they contest it.
    body = case.decision if row.sends_decision else values.get(row.text)
    record = CaseEvent(case_id=case.id, kind=EventKind.TRANSITION, name=rule.event.value, actor_kind=actor.kind,
                       actor_id=actor.user.id if actor.user else None, from_state=from_state, to_state=rule.target,
                       changes=changes, body=body, public=row.public, at=now)
    db.session.add(record)
    if rule.target in (S.CLOSED_ACCEPTED, S.CLOSED_UNRESOLVED):
        invite_to_handling_survey(case, now)
    return record


def attach_photos(case: Case, record: CaseEvent, checked: list, now: datetime) -> None:
    """Keep checked photos with the event they came with, seen by whoever may see the event."""
    if not checked:
        return
    db.session.flush()
    db.session.add_all(Attachment(complaint_id=case.complaint_id, event_id=record.id, filename=photo.filename,
                                  content_type=content_type, size=len(photo.data), data=photo.data,
                                  public=record.public, created_at=now)
                       for photo, content_type in checked)


def check_version(case: Case, expected_version: int) -> None:
    """:raise Conflict: when the case is no longer at the version the writer saw."""
    if case.version != expected_version:
        raise Conflict(_("Someone else changed case %(ref)s while you had it open (you saw version %(seen)d, it is "
                         "now %(now)d). Nothing of yours was saved: read the latest and try again.",
                         ref=case.reference, seen=expected_version, now=case.version))


def save(case: Case, *also: Case) -> None:
    """Keep the deadlines of the case (and of the cases ``also`` written to) and commit; a concurrent
    write that got there first turns into a Conflict, and nothing is overwritten."""
    reference, seen = case.reference, case.version
    try:
        keep_deadlines([case, *also])
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise Conflict(_("Someone else changed case %(ref)s while you had it open (you saw version %(seen)d). "
                         "Nothing of yours was saved: read the latest and try again.", ref=reference, seen=seen)) from None


def events_of(case: Case, *, public_only: bool = False) -> list[CaseEvent]:
    query = case.events.select().order_by(CaseEvent.id)
    if public_only:
        query = query.where(CaseEvent.public.is_(True))
    return list(db.session.scalars(query))


def project(events: list[CaseEvent]) -> dict:
    """Rebuild the workflow fields of a case from its events alone."""
    state = {"state": S.RECEIVED, "first_contact": False,
             **{name: None for name in (*CASE_FIELDS, "decision", "recourse", "reason")}}
    for event in events:
        if event.to_state is not None:
            state["state"] = event.to_state
        for name, value in event.changes.items():
            if name in state:
                state[name] = value
    return state


def clean_fields(fields: dict) -> dict:
    """Typed values from form or API input. A field given blank is None: emptying a field the case
    page filled in clears it, rather than leaving the old value to stand behind an empty box.

    :raise InvalidInput: for a severity, remedy or amount that is not one.
    """
    values, errors = {}, {}
    for name, raw in fields.items():
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            values[name] = None
            continue
        value = raw.strip() if isinstance(raw, str) else raw
        try:
            if name == "severity":
                value = Severity(value)
            elif name == "remedy":
                value = Remedy(value)
            elif name == "remedy_amount":
                typed = Decimal(str(value))
                # Money to the cent, never rounded behind the writer's back; the column holds 12 digits.
                if not typed.is_finite() or typed.as_tuple().exponent < -2 or not 0 <= typed < Decimal("1e10"):
                    raise ValueError
                value = typed.quantize(Decimal("0.01"))
            elif ((name == "category" and value not in settings().complaint_categories)
                  or (name == "resolution_code" and value not in settings().resolution_codes)):
                raise ValueError
        except (ValueError, InvalidOperation):
            errors[name] = (_("Enter an amount of money, e.g. 120.00.") if name == "remedy_amount"
                            else _("Not a valid choice."))
            continue
        values[name] = value
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return values


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    return value.value if isinstance(value, (Severity, Remedy)) else value
