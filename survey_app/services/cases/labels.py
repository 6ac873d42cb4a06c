"""The complaint workflow's codes in words, in one place for forms, pages, emails and exports:
categories, states, events, what the customer is told, severities, remedies, resolutions,
channels, who acted, SLA states and what an event changed."""
from typing import NamedTuple

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...models import ActorKind, CaseEvent, CaseState, Channel, EventKind, Remedy, Severity
from ..platform.labels import EnumTable
from .events import Event
from .sla import TARGETS, ClockState

S = CaseState

CATEGORY_LABELS = {
    "product": _l("Product quality"),
    "service_attitude": _l("Staff attitude"),
    "service_quality": _l("Service quality (waiting, errors)"),
    "delivery_installation": _l("Delivery, installation or repair"),
    "incident": _l("Incident or emergency"),
    "other": _l("Other"),
}


def category_label(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))


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


def state_label(state: CaseState) -> str:
    """The state in plain words, as staff and customers read it."""
    return {
        S.RECEIVED: _("received"), S.ASSESSING: _("being assessed"), S.INVESTIGATING: _("being investigated"),
        S.WAITING_CUSTOMER: _("waiting for the customer"),
        S.WAITING_INTERNAL: _("waiting for a colleague"), S.PENDING_APPROVAL: _("waiting for approval"),
        S.RESPONDED: _("answered"), S.ESCALATED: _("escalated"), S.CLOSED_ACCEPTED: _("closed, accepted"),
        S.CLOSED_UNRESOLVED: _("closed, unresolved"), S.WITHDRAWN: _("withdrawn"), S.MERGED: _("merged"),
        S.NOT_A_COMPLAINT: _("not a complaint"),
    }[state]


def event_label(event: str) -> str:
    """An event of the case log in words; a name the workflow does not write shows as it is."""
    try:
        return str(Event(event).row.label)
    except ValueError:
        return event


SEVERITY_LABELS = EnumTable(Severity, {
    Severity.LOW: _l("low"), Severity.NORMAL: _l("normal"), Severity.HIGH: _l("high"), Severity.CRITICAL: _l("critical"),
})
# Labels of the default resolution codes; a code added in configuration shows as written.
RESOLUTION_LABELS = {
    "upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"), "not_upheld": _l("Not upheld"),
    "goodwill_gesture": _l("Goodwill gesture"), "referred": _l("Referred elsewhere"),
}


def resolution_label(code: str) -> str:
    return str(RESOLUTION_LABELS.get(code, code))


REMEDY_LABELS = EnumTable(Remedy, {
    Remedy.APOLOGY: _l("Apology"), Remedy.EXPLANATION: _l("Explanation"), Remedy.REPAIR: _l("Repair"),
    Remedy.REPLACEMENT: _l("Replacement"), Remedy.REFUND: _l("Refund"), Remedy.GOODWILL: _l("Goodwill payment"),
})


class ChannelWords(NamedTuple):
    """How a complaint channel reads: in a sentence ("received by phone"), and as a choice of the
    staff entry form (None: staff do not enter complaints received on it). A row reads as its
    sentence form, so what an event changed names the channel the same way."""

    label: object
    entry_label: object | None = None

    def __str__(self) -> str:
        return str(self.label)


CHANNEL_LABELS = EnumTable(Channel, {
    Channel.WEB: ChannelWords(_l("web form")), Channel.PHONE: ChannelWords(_l("phone"), _l("Phone")),
    Channel.LETTER: ChannelWords(_l("letter"), _l("Letter")),
    Channel.VISIT: ChannelWords(_l("visit in person"), _l("In person")),
    Channel.EMAIL: ChannelWords(_l("email"), _l("Email")), Channel.WECHAT: ChannelWords(_l("WeChat"), _l("WeChat")),
    Channel.API: ChannelWords(_l("API")), Channel.SURVEY: ChannelWords(_l("survey follow-up")),
})
# The channels staff enter complaints from, in the entry form's order.
ENTRY_CHANNELS = tuple(channel for channel, words in CHANNEL_LABELS.items() if words.entry_label is not None)


class ActorWords(NamedTuple):
    """Who acted, as staff read it on the case page and as the complainant reads it on theirs."""

    label: object
    to_customer: object


ACTOR_LABELS = EnumTable(ActorKind, {
    ActorKind.STAFF: ActorWords(_l("staff"), _l("Customer service")),
    ActorKind.CUSTOMER: ActorWords(_l("customer"), _l("You")),
    ActorKind.SYSTEM: ActorWords(_l("system"), _l("Customer service")),
})
SLA_LABELS = EnumTable(ClockState, {
    ClockState.OK: _l("on time"), ClockState.WARNING: _l("warning"), ClockState.BREACHED: _l("breached"),
    ClockState.PAUSED: _l("paused"), ClockState.MET: _l("met"), ClockState.MET_LATE: _l("met late"),
})
# The clock states the queue filters by: those of a clock still running or stopped.
SLA_FILTERS = (ClockState.BREACHED, ClockState.WARNING, ClockState.OK, ClockState.PAUSED)
# Entries of a case's log that are messages or breaches rather than steps, named by their kind.
MESSAGE_KINDS = {
    EventKind.NOTE: _l("internal note"), EventKind.REPLY: _l("reply to the customer"),
    EventKind.CUSTOMER_MESSAGE: _l("message from the customer"), EventKind.SLA_BREACH: _l("SLA breached"),
}
FIELD_LABELS = {
    "category": _l("Category"), "severity": _l("Severity"), "root_cause": _l("Root cause"),
    "resolution_code": _l("Resolution"), "remedy": _l("Remedy"), "remedy_amount": _l("Amount"),
    "channel": _l("Received by"), "team_id": _l("Team"), "assignee_id": _l("Assignee"), "reference": _l("Case"),
}


def severity_label(code) -> str:
    return str(SEVERITY_LABELS[Severity(code)])


def sla_label(code) -> str:
    return SLA_LABELS(code)


def event_summary(event: CaseEvent) -> str:
    """One entry of a case's log in words: the step and the state it led to, or the kind of message
    (a breach with its target's name)."""
    if event.kind is EventKind.SLA_BREACH:
        target = next((t.label for t in TARGETS if t.name == event.name), event.name)
        return f"{MESSAGE_KINDS[event.kind]}: {target}"
    if event.kind in MESSAGE_KINDS:
        return str(MESSAGE_KINDS[event.kind])
    step = event_label(event.name)
    return f"{step} → {state_label(event.to_state)}" if event.to_state and event.from_state else step


def describe_changes(changes: dict, staff: dict[int, str], teams: dict[int, str]) -> list[tuple[str, str]]:
    """What an event changed, as (field, value) in words. Texts the event shows as its body
    (decision, reason, recourse) and ids the page links elsewhere are left out."""
    words = {
        "category": category_label, "severity": severity_label,
        "remedy": lambda code: str(REMEDY_LABELS[Remedy(code)]),
        "resolution_code": lambda code: str(RESOLUTION_LABELS.get(code, code)),
        "channel": lambda code: str(CHANNEL_LABELS[Channel(code)]),
        "team_id": teams.get, "assignee_id": staff.get,
    }
    described = []
    for name, value in changes.items():
        if name not in FIELD_LABELS:
            continue
        text = words.get(name, str)(value) if value is not None else None
        described.append((str(FIELD_LABELS[name]), text or "—"))
    return described
