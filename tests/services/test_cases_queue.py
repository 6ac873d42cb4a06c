"""The queue's pages when an SLA filter leaves out most of the cases read."""
from survey_app.models import CaseState
from survey_app.services import cases
from tests.factories import make_complaint, make_user, put_case_in


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
