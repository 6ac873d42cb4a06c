"""Staff customer pages: search, the customer page and its timeline, review, merge, undo, import, audit."""
import io

import pytest
import sqlalchemy as sa
from huey.storage import MemoryStorage

from survey_app.extensions import db, huey
from survey_app.models import (
    AuditAction,
    AuditEntry,
    ConsentRecord,
    Customer,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateStatus,
    Job,
    JobStatus,
    Response,
    ResponseStatus,
    Team,
)
from survey_app.models.base import now_utc
from survey_app.services.customers import imports as customer_import
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from survey_app.services.platform.jobs import create_job
from survey_app.services.surveys.invitations import issue_invitation
from survey_app.services.surveys.responses import new_form_key
from tests.factories import make_complaint, make_survey, make_user


def customer(phone=None, email=None, name="Li Lei", reference=None):
    found, _ = resolve_customer(ContactKeys.parse(phone, email, reference), name)
    db.session.commit()
    return found


@pytest.fixture
def duplicates(app):
    first = customer("13800138000", name="Li Lei")
    second = customer("13800138001", name="li lei")
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    return first, second, candidate


ACCESS = {  # the lowest role that may open each page
    "/staff/customers/?q=Li": "agent", "/staff/customers/{c}": "supervisor", "/staff/customers/review": "supervisor",
    "/staff/customers/review/{d}": "supervisor", "/staff/customers/import": "supervisor",
    "/staff/customers/audit": "admin", "/staff/customers/{c}/edit": "supervisor",
}
ROLES = ["agent", "supervisor", "manager", "admin"]


@pytest.mark.parametrize("path", list(ACCESS))
def test_customer_pages_need_login(client, duplicates, path):
    first, _, candidate = duplicates
    reply = client.get(path.format(c=first.id, d=candidate.id))
    assert reply.status_code == 302 and "/staff/login" in reply.headers["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path, lowest", list(ACCESS.items()))
def test_customer_pages_by_role(client, staff, auth, duplicates, role, path, lowest):
    first, _, candidate = duplicates
    auth.login(role)
    allowed = ROLES.index(role) >= ROLES.index(lowest)
    assert client.get(path.format(c=first.id, d=candidate.id)).status_code == (200 if allowed else 403)


def test_search_finds_by_name_phone_email_and_reference(client, staff, auth):
    li = customer("13800138000", "li@example.com", "Li Lei", "R-7")
    customer("13912345678", "han@example.com", "Han Meimei")
    auth.login("supervisor")
    for query in ("lei", "138 0013 8000", "+8613800138000", "LI@example.com", "R-7"):
        html = client.get("/staff/customers/", query_string={"q": query}).get_data(as_text=True)
        assert f"/staff/customers/{li.id}" in html and "Han Meimei" not in html, query
    assert "No customer matches" in client.get("/staff/customers/?q=nobody").get_data(as_text=True)


def test_search_finds_a_two_character_chinese_name_and_says_how_short_names_are_found(client, staff, auth):
    wang = customer("13800138000", name="王芳")
    customer("13912345678", name="王小芳")
    auth.login("supervisor")
    html = client.get("/staff/customers/", query_string={"q": "王芳", "lang": "zh"}).get_data(as_text=True)
    assert f"/staff/customers/{wang.id}" in html and "王小芳" not in html
    assert "一两个字的姓名按开头查找" in html


def test_agent_search_shows_no_customers_outside_their_cases(client, staff, auth):
    customer("13800138000", name="Li Lei")
    auth.login("agent")
    html = client.get("/staff/customers/?q=Li").get_data(as_text=True)
    assert "No customer matches" in html


def test_agents_see_customers_of_their_teams_cases_and_senior_roles_see_all(client, staff, auth):
    north = Team(name="north", categories=["product"])
    db.session.add(north)
    make_user("north_agent", "agent", team="north")
    south_agent = make_user("south_agent", "agent", team="south")
    case = make_complaint("product", phone="13800138000", name="Li Lei").case
    case.team_id, case.assignee_id = north.id, None
    db.session.commit()
    li = case.complaint.customer
    expected = {"north_agent": 200, "south_agent": 403, "agent": 403, "supervisor": 200, "manager": 200, "admin": 200}
    for username, status in expected.items():
        auth.login(username)
        assert client.get(f"/staff/customers/{li.id}").status_code == status, username
        found = f"/staff/customers/{li.id}" in client.get("/staff/customers/?q=13800138000").get_data(as_text=True)
        assert found is (status == 200), username
        auth.logout()
    # A case given to an agent of another team opens its customer to that agent too.
    case.assignee_id = south_agent.id
    db.session.commit()
    auth.login("south_agent")
    assert client.get(f"/staff/customers/{li.id}").status_code == 200


def test_customer_page_shows_answers_and_timeline_and_is_audited(client, staff, auth):
    li = customer("13800138000", "li@example.com")
    survey = make_survey("shop")
    invitation = issue_invitation(survey, None, li.id, {}, "secret", now_utc(), 60)
    db.session.add(Response(survey_id=survey.id, customer_id=li.id, invitation_id=invitation.id, form_key=new_form_key(),
                            answers={"a": 8, "b": 6}, status=ResponseStatus.SUBMITTED, submitted_at=now_utc()))
    db.session.commit()
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{li.id}").get_data(as_text=True)
    assert "Shop survey" in html and f"/staff/customers/{li.id}/responses/" in html and "Invited" in html
    only_answers = client.get(f"/staff/customers/{li.id}?kind=survey").get_data(as_text=True)
    assert f"/staff/customers/{li.id}/responses/" in only_answers and "<strong>Invited</strong>" not in only_answers
    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.customer_ids, e.actor_id) for e in entries] == [
        (AuditAction.VIEW_CUSTOMER, [li.id], staff["supervisor"].id)] * 2


def test_customer_page_shows_complaints_with_every_case_event_beside_survey_answers(client, staff, auth, app):
    from survey_app.services import cases
    from survey_app.services.cases.workflow import Actor
    from tests.factories import make_complaint

    with app.test_request_context():
        filed = make_complaint("delivery_installation", phone="13800138000", description="Door dented")
        case = filed.case
        agent = Actor.staff(staff["agent"])
        cases.transition(case, "acknowledge", agent, expected_version=case.version)
        cases.add_message(case, agent, "Checked the van log.", public=False, expected_version=case.version)
        cases.add_message(case, agent, "A new door comes on Tuesday.", public=True, expected_version=case.version)
    survey = make_survey("shop")
    db.session.add(Response(survey_id=survey.id, customer_id=filed.complaint.customer_id, form_key=new_form_key(),
                            answers={"a": 3}, status=ResponseStatus.SUBMITTED, submitted_at=now_utc()))
    db.session.commit()
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{filed.complaint.customer_id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    reference = filed.complaint.reference
    assert html.count(f">{reference}</a>") == 4  # received, acknowledged, the note and the reply
    for text in ("Delivery, installation or repair", "received by web form", "now being assessed",
                 "Acknowledge → being assessed", "internal note · Checked the van log.",
                 "reply to the customer · A new door comes on Tuesday.", "/responses/"):
        assert text in html, text
    assert "complaint_case" not in html and "delivery_installation" not in html
    assert "the complaint form's contact box" in html.replace("&#39;", "'")
    # Times in the firm's time zone, as on the case page.
    from survey_app.i18n import business_time
    assert business_time(filed.complaint.created_at) in html
    only = client.get(f"/staff/customers/{filed.complaint.customer_id}?kind=complaint").get_data(as_text=True)
    assert reference in only and "/responses/" not in only


def test_notes_consent_and_removal_from_the_customer_page(client, staff, auth):
    li = customer("13800138000")
    auth.login("supervisor")
    empty = client.post(f"/staff/customers/{li.id}/notes", data={"text": "  "})
    assert empty.status_code == 422
    client.post(f"/staff/customers/{li.id}/notes", data={"text": "Prefers calls after 6pm"})
    reply = client.post(f"/staff/customers/{li.id}/consent",
                        data={"channels": ["sms", "email"], "purposes": ["survey"], "granted": "no", "note": "phone call"})
    assert reply.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count(ConsentRecord.id))) == 2
    bad = client.post(f"/staff/customers/{li.id}/consent", data={"granted": "no", "note": "kept text"})
    assert bad.status_code == 422 and "kept text" in bad.get_data(as_text=True)
    client.post(f"/staff/customers/{li.id}/removal", data={"note": "by letter"})
    html = client.get(f"/staff/customers/{li.id}").get_data(as_text=True)
    assert "Prefers calls after 6pm" in html and "Opted out" in html and "Asked to be removed" in html
    assert "Removal requested" in html and "by letter" in html


def test_review_merge_and_undo_through_the_pages(client, staff, auth, duplicates):
    first, second, candidate = duplicates
    auth.login("supervisor")
    queue = client.get("/staff/customers/review").get_data(as_text=True)
    assert "Same name, similar phone" in queue
    page = client.get(f"/staff/customers/review/{candidate.id}").get_data(as_text=True)
    assert "+8613800138000" in page and "+8613800138001" in page
    reply = client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "second", "note": "same person"})
    assert reply.status_code == 303 and reply.headers["Location"].endswith(f"/staff/customers/{second.id}")
    assert db.session.get(Customer, first.id).merged_into_id == second.id
    assert "Nothing to review." in client.get("/staff/customers/review").get_data(as_text=True)
    html = client.get(f"/staff/customers/{second.id}").get_data(as_text=True)
    assert "Undo this merge" in html and "same person" in html
    again = client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "first"})
    assert again.status_code == 409
    merge = db.session.scalar(sa.select(CustomerMerge))
    assert client.post(f"/staff/customers/merges/{merge.id}/undo").status_code == 303
    assert db.session.get(Customer, first.id).merged_into_id is None
    html = client.get(f"/staff/customers/{second.id}").get_data(as_text=True)
    assert "Merge undone" in html and "Undo this merge" not in html


def test_dismissed_pair_leaves_the_queue(client, staff, auth, duplicates):
    _first, _second, candidate = duplicates
    auth.login("supervisor")
    client.post(f"/staff/customers/review/{candidate.id}/dismiss")
    assert db.session.get(DuplicateCandidate, candidate.id).status is DuplicateStatus.DISMISSED
    assert "Nothing to review." in client.get("/staff/customers/review").get_data(as_text=True)


def test_merge_needs_a_choice(client, staff, auth, duplicates):
    _first, _second, candidate = duplicates
    auth.login("supervisor")
    reply = client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "neither", "note": "typed"})
    assert reply.status_code == 422 and "typed" in reply.get_data(as_text=True)


def test_merge_needs_an_explicit_survivor(client, staff, auth, duplicates):
    first, second, candidate = duplicates
    auth.login("supervisor")
    page = client.get(f"/staff/customers/review/{candidate.id}").get_data(as_text=True)
    assert 'name="survivor"' in page and "checked" not in page
    # The page as it opens, sent with only a note: refused at the choice, the note kept, nobody merged.
    reply = client.post(f"/staff/customers/review/{candidate.id}/merge", headers={"Accept-Language": "en"},
                        data={"note": "same person"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "Choose the record to keep." in html and "same person" in html
    assert db.session.scalar(sa.select(sa.func.count(CustomerMerge.id))) == 0
    assert db.session.get(Customer, first.id).merged_into_id is None
    assert db.session.get(Customer, second.id).merged_into_id is None
    assert db.session.get(DuplicateCandidate, candidate.id).status is DuplicateStatus.OPEN


def upload(client, text, **options):
    return client.post("/staff/customers/import", data={"file": (io.BytesIO(text.encode()), "customers.csv")},
                       content_type="multipart/form-data", **options)


def test_import_page_twice_gives_the_same_customers(client, staff, auth):
    auth.login("supervisor")
    text = "name,phone,email\nLi Lei,13800138000,\nLi Lei 2,13800138001,\nBad,123,\n"
    html = upload(client, text, follow_redirects=True).get_data(as_text=True)
    assert "Rows read: 3" in html and "Customers created: 2" in html and "Sent to review: 0" in html
    assert "123 is not a valid phone number." in html
    html = upload(client, text, follow_redirects=True).get_data(as_text=True)
    assert "Customers created: 0" in html and "Matched to existing customers: 2" in html
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 2
    refused = upload(client, "name\nx\n")
    assert refused.status_code == 422 and "needs a phone, email or reference column" in refused.get_data(as_text=True)
    assert client.post("/staff/customers/import", data={}).status_code == 422


def test_import_runs_as_a_job_and_its_page_shows_progress_then_the_report(client, staff, auth):
    auth.login("supervisor")
    huey.immediate = False
    huey.storage = MemoryStorage("test")
    try:
        reply = upload(client, "name,phone\nLi Lei,13800138000\nBad,123\n")
        assert reply.status_code == 303
        record = db.session.scalar(sa.select(Job))
        assert record.kind == "customer_import" and record.created_by_id == staff["supervisor"].id
        assert reply.headers["Location"].endswith(f"/staff/customers/import/{record.id}")
        waiting = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert 'http-equiv="refresh"' in waiting and "<progress" in waiting and "Rows read" not in waiting
        assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 0, "nothing is imported in the request"
        huey.execute(huey.dequeue())
    finally:
        huey.immediate = True
    db.session.expire_all()
    assert db.session.get(Job, record.id).status is JobStatus.DONE
    html = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "refresh" not in html and "Rows read: 2" in html and "123 is not a valid phone number." in html


def test_import_report_is_in_the_uploaders_language(client, staff, auth):
    auth.login("supervisor")
    client.get("/staff/customers/import?lang=zh")
    html = upload(client, "name,phone\nBad,123\n", follow_redirects=True).get_data(as_text=True)
    assert "123 不是有效的电话号码。" in html


def test_import_pages_belong_to_who_started_them(client, staff, auth):
    auth.login("supervisor")
    location = upload(client, "phone\n13800138000\n").headers["Location"]
    other = create_job("bootstrap", created_by_id=staff["supervisor"].id)
    assert client.get(f"/staff/customers/import/{other.id}").status_code == 404
    assert client.get("/staff/customers/import/nope").status_code == 404
    make_user("supervisor2", "supervisor")
    auth.logout()
    auth.login("supervisor2")
    assert client.get(location).status_code == 404
    auth.logout()
    auth.login("admin")
    assert client.get(location).status_code == 200
    auth.logout()
    auth.login("agent")
    assert client.get(location).status_code == 403


def test_a_failed_import_says_why(client, staff, auth, monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("disk full")

    monkeypatch.setattr(customer_import, "_resolve_chunk", broken)
    auth.login("supervisor")
    html = upload(client, "phone\n13800138000\n", follow_redirects=True, headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    # What broke is for the log; the page says the import was not done, in the reader's language.
    assert "Something went wrong on our side" in html and "disk full" not in html and "refresh" not in html


def test_edit_page_corrects_keys_and_sends_a_shared_key_to_review(client, staff, auth):
    li = customer("13800138000", name="Li Lei")
    wang = customer("13700137000", "wang@example.com", name="Wang Wu")
    auth.login("supervisor")
    page = client.get(f"/staff/customers/{li.id}/edit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="+8613800138000"' in page and 'value="Li Lei"' in page
    refused = client.post(f"/staff/customers/{li.id}/edit", data={"name": "Li Lei", "phone": "12345",
                                                                  "email": "li-new@example.com"},
                          headers={"Accept-Language": "en"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "12345 is not a valid phone number." in html and "li-new@example.com" in html
    saved = client.post(f"/staff/customers/{li.id}/edit", data={"name": "Li Lei", "phone": "138 0013 8000",
                                                                "email": "WANG@example.com"},
                        headers={"Accept-Language": "en"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert "Customer details saved." in html and "waiting in the review queue" in html
    assert "Details changed" in html and "wang@example.com" in html
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    assert {candidate.first_id, candidate.second_id} == {li.id, wang.id}
    assert db.session.scalar(sa.select(sa.func.count(CustomerMerge.id))) == 0
    assert db.session.get(Customer, li.id).phone == "+8613800138000"


def test_csrf_is_required_on_customer_forms(app, client, staff, auth, duplicates):
    first, _, candidate = duplicates
    auth.login("supervisor")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(f"/staff/customers/{first.id}/edit", data={"phone": "13800138009"}).status_code == 400
    assert client.post(f"/staff/customers/{first.id}/notes", data={"text": "x"}).status_code == 400
    assert client.post(f"/staff/customers/review/{candidate.id}/merge", data={"survivor": "first"}).status_code == 400


def _pairs(count: int, tag: str) -> list[int]:
    """``count`` open pairs, each of two customers with no key in common, found at the same moment."""
    found = now_utc()
    ids = []
    for k in range(count):
        first, second = Customer(name=f"{tag} {k}"), Customer(name=f"{tag} {k} bis")
        db.session.add_all([first, second])
        db.session.flush()
        pair = DuplicateCandidate(first_id=first.id, second_id=second.id, reason="shared_key", created_at=found)
        db.session.add(pair)
        db.session.flush()
        ids.append(pair.id)
    db.session.commit()
    return ids


def _walk_review_queue(client) -> tuple[list[int], list[int]]:
    """The pair ids in the order the pages list them, and the statements each page cost."""
    import re

    seen, costs, url = [], [], "/staff/customers/review"
    while url:
        statements = []

        def count(*_args):
            statements.append(1)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            html = client.get(url).get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        costs.append(len(statements))
        seen += [int(n) for n in re.findall(r'href="/staff/customers/review/(\d+)"', html)]
        following = re.search(r'href="(/staff/customers/review\?after=\d+)"', html)
        url = following.group(1).replace("&amp;", "&") if following else None
    return seen, costs


def test_the_review_queue_comes_a_page_at_a_time_every_open_pair_once_oldest_first(client, staff, auth, monkeypatch):
    import importlib

    monkeypatch.setattr(importlib.import_module("survey_app.services.customers.timeline"), "REVIEW_PAGE_SIZE", 3)
    ids = _pairs(8, "Pair")
    decided = db.session.get(DuplicateCandidate, ids[2])
    decided.status = DuplicateStatus.DISMISSED
    db.session.commit()
    auth.login("supervisor")
    seen, costs = _walk_review_queue(client)
    assert seen == [i for i in ids if i != ids[2]] and len(costs) == 3
    # A page costs the same with three times the pairs.
    _pairs(16, "More")
    assert _walk_review_queue(client)[1][0] == costs[0]
