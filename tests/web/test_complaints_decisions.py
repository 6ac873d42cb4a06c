"""The decision on a complaint as the customer gets it, whichever way it is sent (directly, after a
supervisor's approval, again after a contest), and the remedy amount and its approval on the
case page."""
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState, Complaint
from tests.factories import put_case_in

EN = {"Accept-Language": "en"}
CLOSURE = {"root_cause": "Seal", "resolution_code": "upheld"}
APPROVED_REFUND = "We refund the set: 800 yuan go back to your card this week."


@pytest.fixture
def filed(client, front_desk):
    """A complaint filed on the public form by a customer who gave an email and consented, now investigated."""
    reply = client.post("/complaints/new", headers=EN, data={
        "category": "product", "description": "The kettle set leaks.", "email": "li@example.com",
        "consent_to_contact": "y"})
    key = re.search(r"/complaints/track/([0-9a-f]+)", reply.headers["Location"]).group(1)
    complaint = db.session.scalar(sa.select(Complaint))
    put_case_in(complaint.case, CaseState.INVESTIGATING)
    return complaint, key


def step(client, complaint, event, **fields):
    db.session.expire_all()
    return client.post(f"/staff/cases/{complaint.reference}/transition", headers=EN,
                       data={"event": event, "version": complaint.case.version, **fields})


def messages(client, key) -> str:
    """The customer's messages on their tracking page: what was said on the case, in order."""
    html = client.get(f"/complaints/track/{key}", headers=EN).get_data(as_text=True)
    return html[html.index('<ol class="case-timeline"'):html.index("</ol>")]


def emailed(mailbox) -> list[str]:
    return [message.get_payload(decode=True).decode() for message in mailbox()]


def approve_refund(client, auth, complaint, amount="800"):
    """The agent asks for approval of a refund over the limit, and the supervisor gives it."""
    auth.login("agent")
    asked = step(client, complaint, "request_approval", decision=APPROVED_REFUND, remedy="refund",
                 remedy_amount=amount, **CLOSURE)
    assert asked.status_code == 303
    auth.logout()
    auth.login("supervisor")
    assert step(client, complaint, "approve").status_code == 303
    auth.logout()


def test_an_approved_decision_reaches_the_customer_in_its_words(client, staff, auth, filed, mailbox):
    complaint, key = filed
    approve_refund(client, auth, complaint)
    assert APPROVED_REFUND in messages(client, key)
    assert any(APPROVED_REFUND in text for text in emailed(mailbox))


def test_the_contested_answer_stays_on_the_tracking_page_and_the_new_one_follows(client, staff, auth, filed,
                                                                                  mailbox):
    complaint, key = filed
    approve_refund(client, auth, complaint)
    db.session.expire_all()
    contested = client.post(f"/complaints/track/{key}/contest",
                            data={"version": complaint.case.version, "message": "The cups leak too."})
    assert contested.status_code == 303
    timeline = messages(client, key)
    assert timeline.index(APPROVED_REFUND) < timeline.index("The cups leak too.")
    auth.login("agent")
    again = "We replace the cups as well as refunding the set."
    assert step(client, complaint, "respond", decision=again, remedy="refund", remedy_amount="800",
                **CLOSURE).status_code == 303
    timeline = messages(client, key)
    assert timeline.index(APPROVED_REFUND) < timeline.index("The cups leak too.") < timeline.index(again)
    assert any(again in text for text in emailed(mailbox))


def test_an_emptied_amount_clears_it(client, staff, auth, filed):
    complaint, _key = filed
    put_case_in(complaint.case, CaseState.INVESTIGATING, remedy="refund", remedy_amount=Decimal(800))
    auth.login("agent")
    page = client.get(f"/staff/cases/{complaint.reference}", headers=EN).get_data(as_text=True)
    assert 'value="800.00"' in page
    reply = step(client, complaint, "respond", decision="We replace the kettle.", remedy="replacement",
                 remedy_amount="", **CLOSURE)
    assert reply.status_code == 303, reply.get_data(as_text=True)
    db.session.expire_all()
    assert (complaint.case.state, complaint.case.remedy, complaint.case.remedy_amount) == (
        CaseState.RESPONDED, "replacement", None)


def _error_at(html: str, field_id: str) -> str:
    """What the field with ``field_id`` says beside it, when anything."""
    start = html.rindex('<div class="field', 0, html.index(f'id="{field_id}"'))
    block = html[start:html.index("</div>", html.index(f'id="{field_id}"'))]
    return " ".join(re.findall(r'<p class="error">([^<]*)</p>', block))


def test_no_approval_error_beside_an_empty_amount(client, staff, auth, filed):
    complaint, _key = filed
    put_case_in(complaint.case, CaseState.INVESTIGATING, remedy="refund", remedy_amount=Decimal(800))
    auth.login("agent")
    reply = step(client, complaint, "request_approval", decision="We replace the kettle.", remedy="replacement",
                 remedy_amount="", **CLOSURE)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409 and "send the response directly" in html
    assert _error_at(html, "request_approval-remedy_amount") == ""
    db.session.expire_all()
    assert complaint.case.state is CaseState.INVESTIGATING
    # An amount missing where one is due is said at the field: that error is about the empty field.
    reply = step(client, complaint, "respond", decision="We refund you.", remedy="refund", remedy_amount="",
                 **CLOSURE)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and _error_at(html, "respond-remedy_amount") == (
        "A refund or goodwill payment needs an amount.")


def test_an_approved_amount_needs_no_new_approval_and_a_larger_one_does(client, staff, auth, filed):
    complaint, key = filed
    approve_refund(client, auth, complaint, amount="800")
    db.session.expire_all()
    client.post(f"/complaints/track/{key}/contest", data={"version": complaint.case.version, "message": "Late."})
    auth.login("agent")
    larger = step(client, complaint, "respond", decision="We refund 900.", remedy="refund", remedy_amount="900",
                  **CLOSURE)
    assert larger.status_code == 422
    assert "other than you" in _error_at(larger.get_data(as_text=True), "respond-remedy_amount")
    again = step(client, complaint, "request_approval", decision="We refund 700.", remedy="refund",
                 remedy_amount="700", **CLOSURE)
    assert again.status_code == 422
    assert "already approved" in _error_at(again.get_data(as_text=True), "request_approval-remedy_amount")
    reply = step(client, complaint, "respond", decision="We refund 800 by Friday.", remedy="refund",
                 remedy_amount="800", **CLOSURE)
    assert reply.status_code == 303
    db.session.expire_all()
    assert (complaint.case.state, complaint.case.remedy_amount) == (CaseState.RESPONDED, Decimal("800.00"))
