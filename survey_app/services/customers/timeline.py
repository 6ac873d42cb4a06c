"""What staff see of a customer: who may open a page, and one timeline across channels."""
import enum
import json
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased, contains_eager, selectinload

from ...extensions import db
from ...models import (
    Callback,
    Case,
    CaseEvent,
    Complaint,
    ConsentRecord,
    Contact,
    Customer,
    CustomerEvent,
    CustomerEventKind,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateStatus,
    Invitation,
    Response,
    Role,
    StaffUser,
    Team,
)
from ..platform.labels import EnumTable
from .matching import active_customer
from .merges import customer_references

def may_view(user: StaffUser, customer: Customer) -> bool:
    """Supervisors, managers and admins see every customer; an agent those with a complaint whose
    case is one they work (:func:`cases_worked_by`)."""
    if user.role.at_least(Role.SUPERVISOR):
        return True
    return db.session.scalar(
        sa.select(sa.literal(1)).select_from(Case).join(Complaint, Case.complaint_id == Complaint.id)
        .where(Complaint.customer_id.in_({customer.id, active_customer(customer).id}), cases_worked_by(user)).limit(1)
    ) is not None


def visible_to(user: StaffUser, customers: list[Customer]) -> list[Customer]:
    """The ones of ``customers`` (survivors, as search gives them) that :func:`may_view` lets
    ``user`` open, in their order, with one query for an agent however many there are."""
    if user.role.at_least(Role.SUPERVISOR) or not customers:
        return list(customers)
    worked = set(db.session.scalars(
        sa.select(Complaint.customer_id).join(Case, Case.complaint_id == Complaint.id)
        .where(Complaint.customer_id.in_({c.id for c in customers}), cases_worked_by(user)).distinct()))
    return [c for c in customers if c.id in worked]


def cases_worked_by(user: StaffUser) -> sa.ColumnElement[bool]:
    """The condition on :class:`Case` of the cases ``user`` may open: all of them for supervisors
    and above, an agent's team's and those given to them. A customer's page and a case page open
    by this one rule, so what the one refuses the other does not show."""
    if user.role.at_least(Role.SUPERVISOR):
        return sa.true()
    ours = [Case.assignee_id == user.id]
    if user.team:
        ours.append(Case.team_id.in_(sa.select(Team.id).where(Team.name == user.team)))
    return sa.or_(*ours)


class EntryKind(enum.StrEnum):
    SURVEY = "survey"
    INVITATION = "invitation"
    CONTACT = "contact"
    CONSENT = "consent"
    NOTE = "note"
    MERGE = "merge"
    COMPLAINT = "complaint"
    CALLBACK = "callback"
    OTHER = "other"


ENTRY_KIND_LABELS = EnumTable(EntryKind, {
    EntryKind.SURVEY: _l("Survey answers"), EntryKind.INVITATION: _l("Invitations"),
    EntryKind.CONTACT: _l("Messages sent"), EntryKind.CONSENT: _l("Consent"), EntryKind.NOTE: _l("Notes"),
    EntryKind.MERGE: _l("Merges"), EntryKind.COMPLAINT: _l("Complaints and case events"),
    EntryKind.CALLBACK: _l("Callbacks"), EntryKind.OTHER: _l("Other records"),
})


@dataclass
class TimelineEntry:
    at: datetime
    kind: EntryKind
    # A template fragment name under templates/customers/entries/ renders ``item``.
    item: object
    extra: dict = field(default_factory=dict)


def timeline(customer: Customer, kinds: set[EntryKind] | None = None) -> list[TimelineEntry]:
    """Everything about ``customer`` across channels, newest first, optionally only some kinds."""
    wanted = kinds or set(EntryKind)
    entries: list[TimelineEntry] = []
    for kind, collect in _COLLECTORS.items():
        if kind in wanted:
            entries.extend(collect(customer))
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _responses(customer: Customer) -> list[TimelineEntry]:
    """Each response as one entry; its scores are read on their own scales from its questionnaire
    (services.surveys.headline_scores), never averaged across questions."""
    responses = db.session.scalars(sa.select(Response).where(Response.customer_id == customer.id)
                                   .options(selectinload(Response.survey)))
    return [TimelineEntry(r.submitted_at or r.started_at, EntryKind.SURVEY, r) for r in responses]


def _invitations(customer: Customer) -> list[TimelineEntry]:
    rows = db.session.scalars(sa.select(Invitation).where(Invitation.customer_id == customer.id))
    return [TimelineEntry(i.created_at, EntryKind.INVITATION, i) for i in rows]


def _contacts(customer: Customer) -> list[TimelineEntry]:
    rows = db.session.scalars(sa.select(Contact).where(Contact.customer_id == customer.id))
    return [TimelineEntry(c.contacted_at, EntryKind.CONTACT, c) for c in rows]


def _consents(customer: Customer) -> list[TimelineEntry]:
    """One entry per decision: the channel × purpose records written together are shown together."""
    rows = db.session.scalars(sa.select(ConsentRecord).where(ConsentRecord.customer_id == customer.id)
                              .order_by(ConsentRecord.id))
    groups: dict[tuple, list[ConsentRecord]] = {}
    for record in rows:
        groups.setdefault((record.recorded_at, record.granted, record.source, record.recorded_by_id), []).append(record)
    return [TimelineEntry(records[0].recorded_at, EntryKind.CONSENT, records[0], {"records": records})
            for records in groups.values()]


def _events(customer: Customer) -> list[TimelineEntry]:
    rows = db.session.scalars(sa.select(CustomerEvent).where(CustomerEvent.customer_id == customer.id))
    return [TimelineEntry(e.at, EntryKind.NOTE, e, {"changes": json.loads(e.text)}
                          if e.kind is CustomerEventKind.KEYS_CHANGED else {}) for e in rows]


def _merges(customer: Customer) -> list[TimelineEntry]:
    rows = db.session.scalars(sa.select(CustomerMerge).where(
        sa.or_(CustomerMerge.survivor_id == customer.id, CustomerMerge.absorbed_id == customer.id)))
    entries = []
    for merge in rows:
        entries.append(TimelineEntry(merge.merged_at, EntryKind.MERGE, merge, {"undo": False}))
        if merge.is_undone:
            entries.append(TimelineEntry(merge.undone_at, EntryKind.MERGE, merge, {"undo": True}))
    return entries


def _complaints(customer: Customer) -> list[TimelineEntry]:
    """Each complaint as it was received, and every event of its case, so the whole handling shows."""
    complaints = list(db.session.scalars(sa.select(Complaint).where(Complaint.customer_id == customer.id)))
    entries = [TimelineEntry(c.created_at, EntryKind.COMPLAINT, c, {"event": None}) for c in complaints]
    by_case = {c.case.id: c for c in complaints if c.case is not None}
    if by_case:
        events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id.in_(by_case))
                                    .where(CaseEvent.name != "receive").order_by(CaseEvent.id))
        entries.extend(TimelineEntry(e.at, EntryKind.COMPLAINT, by_case[e.case_id], {"event": e}) for e in events)
    return entries


def _callbacks(customer: Customer) -> list[TimelineEntry]:
    """A callback shows twice: when the customer was drawn, and when the call was made."""
    entries = []
    for callback in db.session.scalars(sa.select(Callback).where(Callback.customer_id == customer.id)):
        entries.append(TimelineEntry(callback.drawn_at, EntryKind.CALLBACK, callback, {"outcome": False}))
        if callback.called_at is not None:
            entries.append(TimelineEntry(callback.called_at, EntryKind.CALLBACK, callback, {"outcome": True}))
    return entries


SHOWN_TABLES = {"response", "invitation", "contact", "consent_record", "customer_event", "complaint",
                "callback"}
TIME_COLUMNS = ("created_at", "opened_at", "received_at", "at")


def _other_records(customer: Customer) -> list[TimelineEntry]:
    """Rows of tables this page does not know yet (complaints, cases): at least listed, with their time."""
    entries = []
    for column in customer_references():
        table = column.table
        if table.name in SHOWN_TABLES:
            continue
        when = next((table.c[name] for name in TIME_COLUMNS if name in table.c), None)
        if when is None:
            continue
        for row in db.session.execute(sa.select(table).where(column == customer.id)).mappings():
            entries.append(TimelineEntry(row[when.name], EntryKind.OTHER, dict(row), {"table": table.name}))
    return entries


_COLLECTORS = {
    EntryKind.SURVEY: _responses,
    EntryKind.INVITATION: _invitations,
    EntryKind.CONTACT: _contacts,
    EntryKind.CONSENT: _consents,
    EntryKind.NOTE: _events,
    EntryKind.MERGE: _merges,
    EntryKind.COMPLAINT: _complaints,
    EntryKind.CALLBACK: _callbacks,
    EntryKind.OTHER: _other_records,
}


REVIEW_PAGE_SIZE = 50


@dataclass(frozen=True)
class ReviewPage:
    """One page of the review queue; ``next_after`` is the pair the next page starts after (None: the last)."""

    candidates: list[DuplicateCandidate]
    next_after: int | None


def open_candidates(*, after: int | None = None, page_size: int | None = None) -> ReviewPage:
    """A page of the review queue: open pairs whose customers are both still separate, oldest first,
    starting after pair ``after``. One query, whatever the number of pairs: both customers come in it."""
    page_size = page_size or REVIEW_PAGE_SIZE
    first, second = aliased(Customer), aliased(Customer)
    query = _open_pairs(sa.select(DuplicateCandidate), first, second).options(
        contains_eager(DuplicateCandidate.first.of_type(first)),
        contains_eager(DuplicateCandidate.second.of_type(second)),
    ).order_by(DuplicateCandidate.created_at, DuplicateCandidate.id)
    start = db.session.get(DuplicateCandidate, after) if after else None
    if start is not None:
        query = query.where(sa.or_(DuplicateCandidate.created_at > start.created_at, sa.and_(
            DuplicateCandidate.created_at == start.created_at, DuplicateCandidate.id > start.id)))
    rows = list(db.session.scalars(query.limit(page_size + 1)).unique())
    more = len(rows) > page_size
    return ReviewPage(rows[:page_size], rows[page_size - 1].id if more else None)


def open_candidate_count() -> int:
    """How many pairs the review queue lists, counted by the database."""
    first, second = aliased(Customer), aliased(Customer)
    return db.session.scalar(_open_pairs(sa.select(sa.func.count()).select_from(DuplicateCandidate), first, second))


def _open_pairs(query: sa.Select, first, second) -> sa.Select:
    return (query.join(first, first.id == DuplicateCandidate.first_id)
            .join(second, second.id == DuplicateCandidate.second_id)
            .where(DuplicateCandidate.status == DuplicateStatus.OPEN, first.merged_into_id.is_(None),
                   second.merged_into_id.is_(None)))


def customer_summary(customer: Customer) -> dict:
    """Counts shown beside a customer in the review queue, so staff compare like with like."""
    return {
        "responses": db.session.scalar(sa.select(sa.func.count(Response.id)).where(Response.customer_id == customer.id)),
        "invitations": db.session.scalar(sa.select(sa.func.count(Invitation.id))
                                         .where(Invitation.customer_id == customer.id)),
    }
