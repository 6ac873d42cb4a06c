"""Staff case pages: access, the queue with filters and deadlines, the case page, each step,
conflicts, notes apart from replies, attachments, reassignment, merging and staff entry."""
import io

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState, Channel, Complaint, Team
from tests.factories import make_complaint, put_case_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EN = {"Accept-Language": "en"}


@pytest.fixture
def filed(app, front_desk):
    with app.test_request_context():
        return make_complaint(email="li@example.com")


def pages(reference):
    return ["/staff/cases/", "/staff/cases/new", f"/staff/cases/{reference}"]


def test_case_pages_need_login(client, filed):
    for path in pages(filed.complaint.reference):
        reply = client.get(path)
        assert reply.status_code == 302 and "/staff/login" in reply.headers["Location"]


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager", "admin"])
def test_every_staff_role_reads_cases(client, staff, auth, filed, role):
    auth.login(role)
    for path in pages(filed.complaint.reference):
        assert client.get(path).status_code == 200, path


def test_unknown_case_is_404(client, staff, auth):
    auth.login("agent")
    assert client.get("/staff/cases/C-2026-999999").status_code == 404


def test_queue_filters_counts_and_deadline_order(client, staff, auth, app, front_desk):
    with app.test_request_context():
        early = make_complaint("product").case
        late = make_complaint("other", phone="13900139000").case
        put_case_in(late, CaseState.WAITING_CUSTOMER)
        mine = make_complaint("service_attitude", phone="13700137000").case
    # In the agent's team, and given to nobody yet.
    early.assignee_id = late.assignee_id = None
    db.session.commit()
    auth.login("agent")
    html = client.get("/staff/cases/", headers=EN).get_data(as_text=True)
    assert html.index(early.reference) < html.index(mine.reference) < html.index(late.reference)
    assert "received: <strong>2</strong>" in html and "waiting for the customer: <strong>1</strong>" in html
    html = client.get("/staff/cases/?mine=1").get_data(as_text=True)
    assert mine.reference in html and early.reference not in html
    html = client.get("/staff/cases/?category=other&sla=paused").get_data(as_text=True)
    assert late.reference in html and early.reference not in html
    html = client.get("/staff/cases/?state=waiting_customer").get_data(as_text=True)
    assert late.reference in html and mine.reference not in html


def test_case_page_shows_a_clock_for_every_sla_target(client, staff, auth, filed):
    auth.login("agent")
    html = client.get(f"/staff/cases/{filed.complaint.reference}", headers=EN).get_data(as_text=True)
    assert all(f'<th scope="row">{label}</th>' in html for label in ("Acknowledge", "First response", "Resolution"))


def test_steps_notes_and_replies(client, staff, auth, filed):
    ref = filed.complaint.reference
    auth.login("agent")
    page = client.get(f"/staff/cases/{ref}", headers=EN).get_data(as_text=True)
    assert "Acknowledge" in page and "Approve" not in page
    assert client.post(f"/staff/cases/{ref}/transition", data={"event": "acknowledge", "version": 1}).status_code == 303
    reply = client.post(f"/staff/cases/{ref}/messages", data={"version": 2, "body": "Batch 7 suspect",
                                                              "attachment": [(io.BytesIO(PNG), "seal.png")]},
                        content_type="multipart/form-data")
    assert reply.status_code == 303
    client.post(f"/staff/cases/{ref}/messages", data={"version": 3, "body": "We are on it", "public": "y"})
    page = client.get(f"/staff/cases/{ref}", headers=EN).get_data(as_text=True)
    assert 'class="internal"' in page and "Batch 7 suspect" in page and "seal.png" in page
    tracking = client.get(f"/complaints/track/{filed.tracking_key}").get_data(as_text=True)
    assert "We are on it" in tracking and "Batch 7" not in tracking
    complaint = db.session.scalar(sa.select(Complaint))
    attachment = complaint.attachments[0]
    download = client.get(f"/staff/cases/{ref}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PNG and download.mimetype == "image/png"


def test_missing_fields_and_stale_version_keep_typed_text(client, staff, auth, filed):
    ref = filed.complaint.reference
    put_case_in(filed.case, CaseState.INVESTIGATING)
    version = filed.case.version
    auth.login("agent")
    reply = client.post(f"/staff/cases/{ref}/transition", headers=EN,
                        data={"event": "respond", "version": version, "decision": "We repair the kettle."})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "Required." in html and "We repair the kettle." in html
    reply = client.post(f"/staff/cases/{ref}/transition", headers=EN,
                        data={"event": "wait_internal", "version": version - 1, "message": "Asked the depot"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409 and "Someone else changed" in html and "Asked the depot" in html
    db.session.expire_all()
    assert filed.case.state is CaseState.INVESTIGATING


def test_refused_step_is_409(client, staff, auth, filed):
    auth.login("agent")
    reply = client.post(f"/staff/cases/{filed.complaint.reference}/transition",
                        data={"event": "approve", "version": 1}, headers=EN)
    assert reply.status_code == 409 and "cannot be done" in reply.get_data(as_text=True)


def test_reassign_is_for_supervisors(client, staff, auth, filed):
    ref = filed.complaint.reference
    team = Team(name="returns")
    db.session.add(team)
    db.session.commit()
    auth.login("agent")
    assert client.post(f"/staff/cases/{ref}/assign", data={"version": 1, "team": team.id}).status_code == 403
    auth.logout()
    auth.login("supervisor")
    reply = client.post(f"/staff/cases/{ref}/assign",
                        data={"version": 1, "team": team.id, "assignee": staff["agent"].id})
    assert reply.status_code == 303
    db.session.expire_all()
    assert filed.case.team_id == team.id and filed.case.assignee_id == staff["agent"].id


def test_merge_from_the_case_page(client, staff, auth, app, filed):
    with app.test_request_context():
        duplicate = make_complaint(email="li@example.com")
    assert duplicate.complaint.possible_duplicate_of_id == filed.complaint.id
    auth.login("agent")
    page = client.get(f"/staff/cases/{duplicate.complaint.reference}", headers=EN).get_data(as_text=True)
    assert "Possible duplicate of" in page and f'value="{filed.complaint.reference}"' in page
    reply = client.post(f"/staff/cases/{duplicate.complaint.reference}/merge",
                        data={"version": duplicate.case.version, "into": filed.complaint.reference})
    assert reply.status_code == 303
    db.session.expire_all()
    assert duplicate.case.state is CaseState.MERGED
    reply = client.post(f"/staff/cases/{filed.complaint.reference}/merge",
                        data={"version": filed.case.version, "into": "C-0000-000000"}, headers=EN)
    assert reply.status_code == 422


def test_staff_enter_a_phone_complaint(client, staff, auth):
    auth.login("agent")
    data = {"channel": "phone", "category": "service_attitude", "severity": "high",
            "description": "Rude cashier", "phone": "13800138000"}
    reply = client.post("/staff/cases/new", data={**data, "phone": ""}, headers=EN)
    assert reply.status_code == 422 and "Rude cashier" in reply.get_data(as_text=True)
    reply = client.post("/staff/cases/new", data=data)
    assert reply.status_code == 303
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.channel is Channel.PHONE and complaint.entered_by_id == staff["agent"].id
    assert complaint.case.severity.value == "high"


def test_agent_finds_the_caller_by_phone_in_one_field(client, staff, auth):
    from survey_app.services.customers.matching import ContactKeys, resolve_customer

    resolve_customer(ContactKeys.parse("13800138000", "wang@example.com", region="CN"), "Wang Fang")
    db.session.commit()
    auth.login("agent")
    html = client.get("/staff/cases/new?caller=138 0013 8000", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Known customer: Wang Fang." in html
    assert 'value="Wang Fang"' in html and 'value="wang@example.com"' in html and 'value="+8613800138000"' in html
    unknown = client.get("/staff/cases/new?caller=13900139000", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "No customer has this number yet" in unknown and 'value="13900139000"' in unknown
    bad = client.get("/staff/cases/new?caller=12", headers={"Accept-Language": "en"})
    assert bad.status_code == 200 and "not a" in bad.get_data(as_text=True)


def test_every_label_on_the_case_page_names_an_input(client, staff, auth, filed):
    import re

    auth.login("agent")
    html = client.get(f"/staff/cases/{filed.complaint.reference}", headers=EN).get_data(as_text=True)
    targets = re.findall(r'<label for="([^"]+)"', html)
    assert targets and all(f'id="{target}"' in html for target in targets)


def test_case_page_speaks_no_codes(client, staff, auth, filed):
    """Channel, actors, event names, SLA states and every changed field read as words, here in Chinese."""
    import re

    ref = filed.complaint.reference
    team = Team(name="returns")
    db.session.add(team)
    db.session.commit()
    put_case_in(filed.case, CaseState.INVESTIGATING)
    auth.login("supervisor")
    client.post(f"/staff/cases/{ref}/assign", data={"version": filed.case.version, "team": team.id,
                                                    "assignee": staff["agent"].id})
    db.session.expire_all()
    client.post(f"/staff/cases/{ref}/transition", data={
        "event": "respond", "version": filed.case.version, "decision": "Money back.", "root_cause": "Seal",
        "resolution_code": "upheld", "remedy": "refund", "remedy_amount": "80"})
    html = client.get(f"/staff/cases/{ref}", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    timeline = re.sub(r"<[^>]+>", " ", html[html.index('<ol class="case-timeline"'):html.index("</ol>")])
    assert not re.search(r"\b[a-z_]+=", timeline)
    for code in ("receive", "reassign", "refund", "upheld", "team_id", "assignee_id", "customer", "web", "system"):
        assert code not in timeline, code
    assert "网页表单" in html and "退款" in timeline and "returns" in timeline


def test_an_amount_over_the_limit_is_refused_at_the_field(client, staff, auth, filed):
    ref = filed.complaint.reference
    put_case_in(filed.case, CaseState.INVESTIGATING)
    auth.login("agent")
    reply = client.post(f"/staff/cases/{ref}/transition", headers=EN, data={
        "event": "respond", "version": filed.case.version, "decision": "We refund you.", "root_cause": "Seal",
        "resolution_code": "upheld", "remedy": "refund", "remedy_amount": "900"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "other than you" in html and 'value="900"' in html
    field = html[html.index('id="respond-remedy_amount"') - 400:html.index('id="respond-remedy_amount"') + 400]
    assert "other than you" in field


def test_agent_settles_a_small_complaint_at_first_contact(client, staff, auth, front_desk):
    auth.login("agent")
    entry = {"channel": "phone", "category": "service_attitude", "severity": "low", "phone": "13800138000",
             "description": "The cashier was rude about a return.", "consent_to_contact": "y", "settle": "y",
             "decision": "We apologised; the store manager will speak to the cashier.", "remedy": "goodwill",
             "remedy_amount": "30", "root_cause": "Returns rule not explained", "resolution_code": "upheld"}
    form = client.get("/staff/cases/new", headers=EN).get_data(as_text=True)
    assert "Settle it now, at first contact" in form and 'value="refund"' not in form
    refused = client.post("/staff/cases/new", headers=EN, data={**entry, "remedy_amount": "5000", "root_cause": "",
                                                                "phone": "12"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Over your limit" in html and "not a valid phone number" in html
    assert "Required." in html and "The cashier was rude about a return." in html and 'value="5000"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0
    reply = client.post("/staff/cases/new", data=entry)
    assert reply.status_code == 303
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.case.state is CaseState.CLOSED_ACCEPTED and complaint.case.first_contact
    page = client.get(reply.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Settled at first contact" in page and "store manager will speak" in page
    queue = client.get("/staff/cases/", headers=EN).get_data(as_text=True)
    assert "Settled at first contact in the last 30 days: 1 of 1 complaints (100%)" in queue


def test_a_complaint_received_on_wechat_is_entered_as_such(client, staff, auth, front_desk):
    auth.login("agent")
    reply = client.post("/staff/cases/new", data={"channel": "wechat", "category": "product", "severity": "normal",
                                                  "description": "Sent a photo of the broken lid on WeChat.",
                                                  "phone": "13800138000"})
    assert reply.status_code == 303
    complaint = db.session.scalar(sa.select(Complaint))
    assert complaint.channel is Channel.WECHAT
    page = client.get(reply.headers["Location"], headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "微信" in page


def test_a_known_caller_stays_named_while_the_agent_corrects_the_entry(client, staff, auth):
    from survey_app.services.customers.matching import ContactKeys, resolve_customer

    resolve_customer(ContactKeys.parse("13800138000", region="CN"), "Wang Fang")
    db.session.commit()
    auth.login("agent")
    reply = client.post("/staff/cases/new?caller=13800138000", headers=EN,
                        data={"channel": "phone", "category": "", "description": "", "phone": "+8613800138000"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and "Known customer: Wang Fang." in html and "No customer has this number" not in html


def test_the_login_prompt_speaks_chinese(client):
    page = client.get("/staff/cases/?lang=zh", follow_redirects=True).get_data(as_text=True)
    assert "请登录后查看此页面。" in page and "Please log in" not in page
