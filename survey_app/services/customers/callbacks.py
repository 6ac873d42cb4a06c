"""The monthly callback check of front-line service (DOMAIN.md, "Measuring every customer").

For each contact-centre agent, up to five customers the agent served in a month are drawn and
called back to rate the service, say what else they need and suggest improvements; the ratings
feed the agents' evaluation.

An agent *served* a customer in a month when the agent wrote any staff event (a step, a note, a
reply, an assignment) on a case of that customer's complaint during the month. Months are
calendar months in ``BUSINESS_TIMEZONE``: the check follows the contact centre's working month,
so work done at 07:00 on the 1st in Shanghai counts for that month, not for the one before in UTC.

Only customers :func:`services.consent.may_contact` allows for a phone callback are drawn; every
other one served is reported with the reason. A drawn callback counts as a contact at once (the
draw hands the customer to a caller), so the same customer is not also invited to a survey
within ``CONTACT_CAP_DAYS``.
"""
import enum
import random
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import (
    Callback,
    CallbackDraw,
    CallbackStatus,
    Case,
    CaseEvent,
    Complaint,
    ContactChannel,
    ContactPurpose,
    Customer,
    Role,
    StaffUser,
)
from ...models.base import now_utc
from ..errors import Conflict, InvalidInput
from ..platform.jobs import Progress, job, run_job
from ..platform.labels import EnumTable
from ..platform.settings import settings
from . import consent
from .channels import reaches
from .consent import ContactReason
from .matching import active_customer

PER_AGENT = 5
MONTH_PATTERN = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TEXT_LIMIT = 2000


# Why a customer served was not drawn: any refusal of the consent rules (a new one needs its words
# in the table below, or the app does not start), or no number to call.
SkipReason = enum.StrEnum("SkipReason", [*((reason.name, reason.value) for reason in ContactReason
                                           if reason is not ContactReason.ALLOWED), ("NO_PHONE", "no_phone")])
SKIP_REASON_LABELS = EnumTable(SkipReason, {
    SkipReason.OPTED_OUT: _l("opted out of callbacks"), SkipReason.REMOVAL_REQUESTED: _l("asked to be removed"),
    SkipReason.CAPPED: _l("contacted recently, within the contact limit"), SkipReason.NO_PHONE: _l("no phone number"),
})


def _zone() -> ZoneInfo:
    return settings().business_timezone


def month_of(moment: datetime) -> str:
    """The business month ("YYYY-MM") a moment falls in."""
    return moment.astimezone(_zone()).strftime("%Y-%m")


def previous_month(moment: datetime | None = None) -> str:
    """The month before the one ``moment`` (default now) falls in: the one due for its check."""
    first = (moment or now_utc()).astimezone(_zone()).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next one, in the business time zone.

    :raise InvalidInput: when ``month`` is not "YYYY-MM".
    """
    found = MONTH_PATTERN.match((month or "").strip())
    if not found:
        raise InvalidInput(_("Give the month as YYYY-MM, e.g. 2026-03."), {"month": _("Give the month as YYYY-MM.")})
    year, number = int(found.group(1)), int(found.group(2))
    zone = _zone()
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def has_begun(month: str, *, now: datetime | None = None) -> bool:
    """Whether ``month`` has begun in the business time zone, so someone can have been served in it.

    :raise InvalidInput: when ``month`` is not "YYYY-MM".
    """
    start, _end = month_bounds(month)
    return start <= (now or now_utc())


def check_month(month: str, *, now: datetime | None = None) -> str:
    """Check a month before its draw is queued; returns it tidied.

    :raise InvalidInput: for a malformed month or one that has not begun.
    :raise Conflict: when the month has been drawn already.
    """
    month = (month or "").strip()
    if not has_begun(month, now=now):
        raise InvalidInput(_("This month has not begun; nobody has been served in it yet."),
                           {"month": _("This month has not begun.")})
    if draw_of(month) is not None:
        raise Conflict(_("%(month)s has been drawn already; there is one draw a month.", month=month))
    return month


def draw_of(month: str) -> CallbackDraw | None:
    return db.session.scalar(sa.select(CallbackDraw).where(CallbackDraw.month == month))


@dataclass(frozen=True)
class Served:
    """A customer an agent served in the month, with the case of the agent's latest work for them."""

    agent: StaffUser
    customer: Customer
    case_id: int


def served_customers(month: str) -> dict[StaffUser, list[Served]]:
    """Each active agent's customers served in ``month``, followed through merges, by customer id."""
    start, end = month_bounds(month)
    rows = db.session.execute(
        sa.select(CaseEvent.actor_id, Complaint.customer_id, Case.id)
        .join(Case, CaseEvent.case_id == Case.id).join(Complaint, Case.complaint_id == Complaint.id)
        .join(StaffUser, StaffUser.id == CaseEvent.actor_id)
        .where(StaffUser.role == Role.AGENT, StaffUser.active.is_(True),
               CaseEvent.at >= start, CaseEvent.at < end)
        .order_by(CaseEvent.at.desc(), CaseEvent.id.desc())
    ).all()
    agents = {a.id: a for a in db.session.scalars(sa.select(StaffUser).where(
        StaffUser.role == Role.AGENT, StaffUser.active.is_(True)).order_by(StaffUser.id))}
    found: dict[int, dict[int, Served]] = {agent_id: {} for agent_id in agents}
    for agent_id, customer_id, case_id in rows:
        customer = active_customer(db.session.get(Customer, customer_id))
        # Newest first: the first case seen for a customer is the agent's latest work for them.
        found[agent_id].setdefault(customer.id, Served(agents[agent_id], customer, case_id))
    return {agents[a]: [served[c] for c in sorted(served)] for a, served in found.items()}


def draw_month(month: str, *, per_agent: int = PER_AGENT, actor: StaffUser | None, seed: int | None = None,
               progress: Progress | None = None) -> CallbackDraw:
    """Draw up to ``per_agent`` callbacks for each agent from the customers they served in ``month``. Commits.

    The same ``seed`` on the same data draws the same customers; without one a seed is chosen
    and kept on the draw.

    :raise InvalidInput: for a malformed month or a number per agent under 1.
    :raise Conflict: when the month has been drawn already.
    """
    month = check_month(month)
    if per_agent < 1:
        raise InvalidInput(_("Draw at least one customer per agent."), {"per_agent": _("At least 1.")})
    seed = secrets.randbelow(2**31) if seed is None else seed
    rng = random.Random(seed)
    drawn_at = now_utc()
    # Chosen while only reading, so progress can be written beside it; then stored in one go.
    # (A write here would hold SQLite's lock that the progress writer waits for.)
    chosen: list[Served] = []
    taken: set[int] = set()
    skipped = []
    served = served_customers(month)
    for done, (agent, customers_served) in enumerate(served.items()):
        eligible = []
        for entry in customers_served:
            # A customer two agents served is called once: for the second, they count as contacted.
            reason, last = (SkipReason.CAPPED, drawn_at) if entry.customer.id in taken \
                else _why_not(entry.customer)
            if reason is None:
                eligible.append(entry)
            else:
                skipped.append({"agent_id": agent.id, "customer_id": entry.customer.id, "reason": reason.value,
                                "last_contacted_at": last.isoformat() if last else None})
        for entry in rng.sample(eligible, min(per_agent, len(eligible))):
            chosen.append(entry)
            taken.add(entry.customer.id)
        if progress:
            progress((done + 1) / max(len(served), 1) * 0.9, agent.username)
    draw = CallbackDraw(month=month, per_agent=per_agent, seed=seed, skipped=skipped,
                        drawn_by_id=actor.id if actor else None, drawn_at=drawn_at)
    db.session.add(draw)
    try:
        db.session.flush()
        for entry in chosen:
            _add_callback(draw, entry)
        db.session.commit()
    except IntegrityError as error:  # another draw of the month committed first
        db.session.rollback()
        raise Conflict(_("%(month)s has been drawn already; there is one draw a month.", month=month)) from error
    return draw


def _why_not(customer: Customer) -> tuple[SkipReason | None, datetime | None]:
    """Why a served customer may not be drawn, or (None, None) when they may."""
    if not reaches(customer, ContactChannel.PHONE):
        return SkipReason.NO_PHONE, None
    decision = consent.may_contact(customer, ContactChannel.PHONE, ContactPurpose.CALLBACK)
    if decision.allowed:
        return None, None
    return SkipReason(decision.reason.value), decision.last_contacted_at


def _add_callback(draw: CallbackDraw, entry: Served) -> Callback:
    callback = Callback(draw_id=draw.id, agent_id=entry.agent.id, customer_id=entry.customer.id, case_id=entry.case_id,
                        status=CallbackStatus.DUE, drawn_at=draw.drawn_at)
    db.session.add(callback)
    db.session.flush()
    consent.record_contact(entry.customer, ContactChannel.PHONE, ContactPurpose.CALLBACK, f"callback:{callback.id}",
                           at=draw.drawn_at)
    return callback


OUTCOMES = (CallbackStatus.DONE, CallbackStatus.UNREACHABLE, CallbackStatus.DECLINED)


def record_outcome(callback: Callback, *, status: CallbackStatus | str, service_rating: int | str | None,
                   needs: str | None, suggestion: str | None, actor: StaffUser | None,
                   now: datetime | None = None) -> Callback:
    """Record how a callback went; recording again corrects it. Commits.

    :raise InvalidInput: for an unknown outcome, a rating missing or outside 1–10 when the
        customer was reached, a rating given when they were not, or text over the limit.
    """
    errors = {}
    try:
        status = CallbackStatus(status)
    except ValueError:
        status = None
    if status not in OUTCOMES:
        errors["status"] = _("Choose how the call went.")
    rating = _rating(service_rating, errors)
    if status is CallbackStatus.DONE and rating is None and "service_rating" not in errors:
        errors["service_rating"] = _("A customer reached rates the service from 1 to 10.")
    if status in (CallbackStatus.UNREACHABLE, CallbackStatus.DECLINED) and rating is not None:
        errors["service_rating"] = _("Only a customer who answered gives a rating.")
    needs, suggestion = (needs or "").strip() or None, (suggestion or "").strip() or None
    for name, text in (("needs", needs), ("suggestion", suggestion)):
        if text and len(text) > TEXT_LIMIT:
            errors[name] = _("At most %(n)d characters.", n=TEXT_LIMIT)
    if errors:
        raise InvalidInput(_("The outcome was not recorded: check the marked fields."), errors)
    callback.status, callback.service_rating = status, rating
    callback.needs, callback.suggestion = needs, suggestion
    callback.called_at, callback.called_by_id = now or now_utc(), actor.id if actor else None
    db.session.commit()
    return callback


def _rating(raw: int | str | None, errors: dict) -> int | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        errors["service_rating"] = _("The rating is a whole number from 1 to 10.")
        return None
    if not 1 <= value <= 10:
        errors["service_rating"] = _("The rating is a whole number from 1 to 10.")
        return None
    return value


class AgentScore(NamedTuple):
    """One agent's line of the month's evaluation, from :func:`agent_scores`."""

    agent: StaffUser
    drawn: int
    reached: int
    unreachable: int
    declined: int
    mean_rating: float | None


def agent_scores(month: str) -> list[AgentScore]:
    """Per agent drawn in ``month``: callbacks drawn, customers reached and their mean service rating."""
    draw = draw_of(month)
    if draw is None:
        return []
    by_agent: dict[int, list[Callback]] = {}
    for callback in db.session.scalars(draw.callbacks.select()):
        by_agent.setdefault(callback.agent_id, []).append(callback)
    scores = []
    for agent_id, callbacks in sorted(by_agent.items()):
        ratings = [c.service_rating for c in callbacks if c.status is CallbackStatus.DONE]
        scores.append(AgentScore(
            agent=db.session.get(StaffUser, agent_id), drawn=len(callbacks), reached=len(ratings),
            unreachable=sum(c.status is CallbackStatus.UNREACHABLE for c in callbacks),
            declined=sum(c.status is CallbackStatus.DECLINED for c in callbacks),
            mean_rating=round(fmean(ratings), 1) if ratings else None))
    return scores


@dataclass(frozen=True)
class CallToMake:
    """A callback on the draw page, with whether the customer may still be called today."""

    callback: Callback
    decision: consent.ContactDecision


def calls_by_agent(draw: CallbackDraw) -> dict[StaffUser, list[CallToMake]]:
    """The draw's callbacks per agent; a customer who opted out or asked to be removed since the
    draw is marked not to be called (the draw's own contact does not cap them)."""
    calls: dict[StaffUser, list[CallToMake]] = {}
    for callback in db.session.scalars(draw.callbacks.select()):
        decision = consent.may_contact(callback.customer, ContactChannel.PHONE, ContactPurpose.CALLBACK,
                                       resend_of=f"callback:{callback.id}")
        calls.setdefault(callback.agent, []).append(CallToMake(callback, decision))
    return dict(sorted(calls.items(), key=lambda item: item[0].id))


class SkippedCustomer(NamedTuple):
    """A customer served but not drawn, from :func:`skipped_customers`."""

    agent: StaffUser
    customer: Customer
    reason: SkipReason
    last_contacted_at: datetime | None


def skipped_customers(draw: CallbackDraw) -> list[SkippedCustomer]:
    """The draw's report of who was served but not drawn, and why, by agent."""
    return [SkippedCustomer(db.session.get(StaffUser, entry["agent_id"]), db.session.get(Customer, entry["customer_id"]),
                            SkipReason(entry["reason"]), datetime.fromisoformat(entry["last_contacted_at"])
                            if entry.get("last_contacted_at") else None)
            for entry in draw.skipped]


def recent_draws(limit: int = 24) -> list[CallbackDraw]:
    return list(db.session.scalars(sa.select(CallbackDraw).order_by(CallbackDraw.month.desc()).limit(limit)))


@job
def draw_month_job(job_id: str, month: str, per_agent: int, actor_id: int | None, language: str) -> None:
    """Background job: the month's draw, with any refusal in the language of who started it."""

    def work(progress):
        with force_locale(language):
            actor = db.session.get(StaffUser, actor_id) if actor_id else None
            draw = draw_month(month, per_agent=per_agent, actor=actor, progress=progress)
            return {"draw_id": draw.id, "month": draw.month}

    run_job(job_id, work)
