"""Settled at first contact (DOMAIN.md): the person taking a small complaint may apologise,
explain or make a goodwill gesture within their limit and close it in the same step, with the
full event log, the closure fields and the handling survey; the share settled so is counted.

The step itself is the workflow's "settle" transition (services/cases/workflow.py), with its guards.
"""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import Case, CaseState
from ...models.base import now_utc
from . import intake, notices, workflow
from .events import Event
from ..errors import DomainError, InvalidInput


def check_entry(data: intake.ComplaintInput, actor: workflow.Actor, settlement: dict | None) -> None:
    """Check a complaint being entered, and its settlement at first contact if one is given.

    :raise InvalidInput: naming every field to correct, of the complaint and of the settlement together.
    """
    errors = {}
    try:
        intake.check_intake(data)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if settlement is not None:
        errors.update(_settlement_errors(actor, settlement))
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)


def _settlement_errors(actor: workflow.Actor, fields: dict) -> dict[str, str]:
    try:
        values = workflow.clean_fields(fields)
    except InvalidInput as error:
        return error.field_errors
    # The category comes with the complaint itself.
    errors = {name: _("Required.") for name in workflow.SETTLE.event.row.required
              if name != "category" and values.get(name) is None}
    for guard in workflow.SETTLE.guards:
        if guard.field and guard.field not in errors:
            reason = guard(None, actor, values, None)
            if reason:
                errors[guard.field] = reason
    return errors


def settle_at_first_contact(data: intake.ComplaintInput, actor: workflow.Actor, settlement: dict,
                            now: datetime | None = None) -> intake.Filed:
    """Enter a complaint and close it at once with what the person taking it gave (DOMAIN.md: the
    front line may apologise, explain and settle a small matter without asking a superior).

    One commit: the complaint, its "received" and "settled" events, the first-contact flag and the
    handling-survey invitation; then one email with the outcome instead of an acknowledgement.

    :raise InvalidInput: naming every field to correct (see :func:`check_entry`).
    :raise Conflict: when a workflow rule refuses the step; nothing is stored then.
    """
    now = now or now_utc()
    check_entry(data, actor, settlement)
    filed = intake.file_complaint(data, entered_by=actor.user, now=now, commit=False)
    case = filed.case
    # The one who settles it handles it, whichever team its category routes to (and the
    # monthly callbacks draw from the customers they served).
    case.assignee_id = actor.user.id
    try:
        record = workflow.apply(case, Event.SETTLE, actor, expected_version=case.version, fields=settlement, now=now)
    except DomainError:
        db.session.rollback()
        raise
    case.first_contact = True
    record.changes = {**record.changes, "assignee_id": actor.user.id, "first_contact": True}
    workflow.save(case)
    notices.tell_customer(case, record)
    return filed


def first_contact_rate(since: datetime) -> tuple[int, int]:
    """Complaints opened since ``since`` settled at first contact, and all complaints opened
    since then; duplicates merged away and contacts that were not complaints are not counted."""
    counted = sa.select(sa.func.count(), sa.func.count().filter(Case.first_contact.is_(True))).where(
        Case.opened_at >= since, Case.state.not_in((CaseState.MERGED, CaseState.NOT_A_COMPLAINT)))
    total, settled = db.session.execute(counted).one()
    return settled, total
