"""The queue's pages: an SLA filter, every case on exactly one page in deadline order, and the
same statements for a page whatever the number of cases."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ActorKind, Case, CaseEvent, CaseState, Complaint, EventKind, Severity, SlaPolicy
from survey_app.services import cases
from survey_app.services.cases.deadlines import RUNNING_BAND, SLA_SEVERITY, keep_deadlines
from survey_app.services.cases.workflow import CUSTOMER_ACTOR, Actor
from tests.factories import make_complaint, make_user, put_case_in
from tests.services.test_case_deadlines import CLOSURE, live, live_band
from tests.services.test_sla import local


def test_an_sla_filter_fills_each_page_from_as_many_cases_as_it_takes(app, english_request):
    filed = [make_complaint(phone=f"1380013{n:04d}").case for n in range(7)]
    waiting = [put_case_in(case, CaseState.WAITING_CUSTOMER) for case in filed[1::2]]
    supervisor = make_user("supervisor", "supervisor")
    paused = cases.QueueFilter(sla_state="paused")

    first = cases.queue(paused, supervisor, page_size=2)
    assert [row.case.id for row in first.rows] == [c.id for c in waiting[:2]] and first.next_after == waiting[1].id
    second = cases.queue(paused, supervisor, after=first.next_after, page_size=2)
    assert [row.case.id for row in second.rows] == [waiting[2].id] and second.next_after is None
    running = cases.queue(cases.QueueFilter(sla_state="ok"), supervisor, page_size=3)
    assert [row.case.id for row in running.rows] == [c.id for c in filed[0::2][:3]]
    assert running.counts[CaseState.WAITING_CUSTOMER] == 3 and running.counts[CaseState.RECEIVED] == 4


# What follows walks the queue page by page against the clocks counted from each case's log.
def _case_ids(pages) -> list[int]:
    return [row.case.id for page in pages for row in page.rows]


def walk(filters: cases.QueueFilter, viewer, now, page_size: int = 3) -> list:
    """Every page of the queue at ``now``, following each page's link to the next."""
    pages = [cases.queue(filters, viewer, now=now, page_size=page_size)]
    while pages[-1].next_after is not None:
        pages.append(cases.queue(filters, viewer, after=pages[-1].next_after, now=now, page_size=page_size))
        assert len(pages) < 100, "the pages go round in a circle"
    return pages


def expected_order(matching: list, now) -> list[int]:
    """The cases in the queue's order by their clocks counted at ``now``: running clocks first, the
    earliest deadline first; then those whose clocks all stopped, the oldest first; ties by case."""
    def position(case):
        deadline, _state = live(case, now)
        band = live_band(case, now)
        return band, deadline if band == RUNNING_BAND else case.opened_at, case.id

    return [case.id for case in sorted(matching, key=position)]


@pytest.fixture
def many_cases(app, english_request):
    """Cases filed over a week, several at the same moment (ties in deadline), in two categories
    with their own targets, some waiting for the customer, answered, or closed."""
    db.session.add(SlaPolicy(category="other", severity=None,
                             hours={"acknowledge": 1, "first_response": 3, "resolution": 9}))
    db.session.commit()
    agent = Actor.staff(make_user("agent", "agent"))
    filed = []
    for n in range(22):
        at = local(2026, 3, 2, 9) + timedelta(hours=7 * (n // 3))  # three at a time: equal deadlines
        filed.append(make_complaint("other" if n % 4 == 1 else "product", phone=f"1380013{n:04d}", now=at).case)
    for case in filed[2::5]:
        cases.transition(case, "acknowledge", agent, expected_version=case.version, now=case.opened_at)
        cases.transition(case, "ask_customer", agent, expected_version=case.version, fields={"message": "Photo?"},
                         now=case.opened_at + timedelta(hours=1))
    for case in filed[3::6]:
        for event, fields in (("acknowledge", {}), ("investigate", {}), ("respond", CLOSURE)):
            cases.transition(case, event, agent, expected_version=case.version, fields=fields,
                             now=case.opened_at + timedelta(minutes=30))
    cases.transition(filed[4], "withdraw", CUSTOMER_ACTOR, expected_version=filed[4].version,
                     fields={"reason": "Sorted."}, now=filed[4].opened_at + timedelta(hours=2))
    return filed


FILTERS = [cases.QueueFilter(), cases.QueueFilter(category="other"), cases.QueueFilter(severity=Severity.NORMAL),
           cases.QueueFilter(state=CaseState.WAITING_CUSTOMER), cases.QueueFilter(state=CaseState.WITHDRAWN),
           cases.QueueFilter(state=CaseState.RECEIVED, sla_state="breached"),
           *(cases.QueueFilter(sla_state=state) for state in SLA_SEVERITY)]


MOMENTS = [local(2026, 3, 4, 11, 30), local(2026, 3, 4, 12, 30), local(2026, 3, 9, 20), local(2026, 3, 30, 9)]


@pytest.mark.parametrize("now", MOMENTS)
def test_every_case_is_on_exactly_one_page_in_deadline_order(many_cases, now):
    supervisor = make_user("supervisor", "supervisor")
    for filters in FILTERS:
        pages = walk(filters, supervisor, now)
        matching = [case for case in many_cases
                    if (case.state == filters.state if filters.state else not case.is_closed)
                    and filters.category in (None, case.category) and filters.severity in (None, case.severity)
                    and filters.sla_state in (None, live(case, now)[1])]
        assert _case_ids(pages) == expected_order(matching, now), filters
        assert all(len(page.rows) == 3 for page in pages[:-1])
        for row in (row for page in pages for row in page.rows):
            assert (row.deadline, row.sla_state) == live(row.case, now)


def test_the_walk_sees_running_breached_and_stopped_cases(many_cases):
    # The pages above are worth reading only if the cases they walk differ in all these ways.
    states = {live(case, now)[1] for case in many_cases for now in MOMENTS}
    now = MOMENTS[1]
    deadlines = [live(case, now)[0] for case in many_cases if live_band(case, now) == RUNNING_BAND]
    assert {"breached", "warning", "ok", "paused", "met"} <= states
    assert len(set(deadlines)) < len(deadlines) and deadlines != sorted(deadlines)


def statements_of(action) -> list[str]:
    sent = []

    def record(_connection, _cursor, statement, *_args):
        sent.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    return sent


def copies_of(filed, count: int) -> None:
    """``count`` more cases like ``filed``, as intake leaves them (their deadlines kept), in one commit."""
    complaint = filed.complaint
    copies = []
    start = db.session.scalar(sa.select(sa.func.count(Complaint.id)))
    for n in range(start, start + count):
        copy = Complaint(reference=f"C-COPY-{n:06d}", tracking_nonce=f"{n:032d}", tracking_hash=f"{n:064d}",
                         customer_id=complaint.customer_id, channel=complaint.channel, category=complaint.category,
                         description=complaint.description, language=complaint.language,
                         created_at=complaint.created_at)
        copies.append(Case(complaint=copy, category=filed.category, severity=filed.severity,
                           opened_at=filed.opened_at, updated_at=filed.opened_at))
    db.session.add_all(copies)
    db.session.flush()
    db.session.add_all(CaseEvent(case_id=case.id, kind=EventKind.TRANSITION, name="receive",
                                 actor_kind=ActorKind.CUSTOMER, to_state=CaseState.RECEIVED, changes={},
                                 at=case.opened_at) for case in copies)
    keep_deadlines(copies, now=filed.opened_at)
    db.session.commit()


def test_a_page_costs_the_same_statements_for_60_cases_as_for_600(app, english_request):
    supervisor = make_user("supervisor", "supervisor")
    agent = Actor.staff(make_user("agent", "agent"))
    now = local(2026, 3, 3, 9)
    # A dozen cases waiting for the customer, whatever the number running: a rare state to filter by.
    for n in range(12):
        case = make_complaint(phone=f"1380013{n:04d}", now=local(2026, 3, 2, 9)).case
        cases.transition(case, "acknowledge", agent, expected_version=case.version, now=local(2026, 3, 2, 9))
        cases.transition(case, "ask_customer", agent, expected_version=case.version,
                         fields={"message": "Photo?"}, now=local(2026, 3, 2, 10))
    running = make_complaint(phone="13900139000", now=local(2026, 3, 2, 9)).case
    costs = []
    for total in (60, 600):
        copies_of(running, total - db.session.scalar(sa.select(sa.func.count(Case.id))))
        cost = []
        for filters in (cases.QueueFilter(), cases.QueueFilter(sla_state="paused")):
            first = cases.queue(filters, supervisor, now=now, page_size=10)
            assert first.next_after is not None
            db.session.expire_all()
            cost += [len(statements_of(lambda: cases.queue(filters, supervisor, now=now, page_size=10))),
                     len(statements_of(lambda: cases.queue(filters, supervisor, after=first.next_after, now=now,
                                                           page_size=10)))]
        costs.append(cost)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 600
    assert costs[0] == costs[1]
