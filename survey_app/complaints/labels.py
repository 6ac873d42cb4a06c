"""The workflow's codes in words, as staff read them on the queue and the case page:
severities, remedies, resolutions, channels, who acted, SLA states and what an event changed."""
from flask_babel import lazy_gettext as _l

from ..models import ActorKind, Channel, Remedy, Severity
from ..services.complaints import category_label
from ..services.sla import ClockState

SEVERITY_LABELS = {
    Severity.LOW: _l("low"), Severity.NORMAL: _l("normal"), Severity.HIGH: _l("high"), Severity.CRITICAL: _l("critical"),
}
# Labels of the default resolution codes; a code added in configuration shows as written.
RESOLUTION_LABELS = {
    "upheld": _l("Upheld"), "partly_upheld": _l("Partly upheld"), "not_upheld": _l("Not upheld"),
    "goodwill_gesture": _l("Goodwill gesture"), "referred": _l("Referred elsewhere"),
}
REMEDY_LABELS = {
    Remedy.APOLOGY: _l("Apology"), Remedy.EXPLANATION: _l("Explanation"), Remedy.REPAIR: _l("Repair"),
    Remedy.REPLACEMENT: _l("Replacement"), Remedy.REFUND: _l("Refund"), Remedy.GOODWILL: _l("Goodwill payment"),
}
CHANNEL_LABELS = {
    Channel.WEB: _l("web form"), Channel.PHONE: _l("phone"), Channel.LETTER: _l("letter"),
    Channel.VISIT: _l("visit in person"), Channel.EMAIL: _l("email"), Channel.WECHAT: _l("WeChat"),
    Channel.API: _l("API"),
    Channel.SURVEY: _l("survey follow-up"),
}
ACTOR_LABELS = {ActorKind.STAFF: _l("staff"), ActorKind.CUSTOMER: _l("customer"), ActorKind.SYSTEM: _l("system")}
SLA_LABELS = {
    ClockState.OK: _l("on time"), ClockState.WARNING: _l("warning"), ClockState.BREACHED: _l("breached"),
    ClockState.PAUSED: _l("paused"), ClockState.MET: _l("met"), ClockState.MET_LATE: _l("met late"),
}
FIELD_LABELS = {
    "category": _l("Category"), "severity": _l("Severity"), "root_cause": _l("Root cause"),
    "resolution_code": _l("Resolution"), "remedy": _l("Remedy"), "remedy_amount": _l("Amount"),
    "channel": _l("Received by"), "team_id": _l("Team"), "assignee_id": _l("Assignee"), "reference": _l("Case"),
}


def severity_label(code) -> str:
    return str(SEVERITY_LABELS[Severity(code)])


def sla_label(code) -> str:
    return str(SLA_LABELS[ClockState(code)])


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
