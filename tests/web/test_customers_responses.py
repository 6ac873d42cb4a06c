"""The customer timeline shows each survey response on its own scales, and opens it: a staff page
with every question and answer, for whoever may see the customer."""
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditAction, AuditEntry, Response, ResponseStatus
from survey_app.models.base import now_utc
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from survey_app.services.surveys.responses import new_form_key
from tests.factories import make_complaint, make_survey

EN = {"Accept-Language": "en"}
WORDS = "<script>alert(1)</script> The queue\nwas long"


def answered(customer_id, survey, answers, submitted=True):
    response = Response(survey_id=survey.id, customer_id=customer_id, form_key=new_form_key(), answers=answers,
                        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
                        submitted_at=now_utc() if submitted else None)
    db.session.add(response)
    db.session.commit()
    return response


def test_the_timeline_shows_each_score_on_its_own_scale_and_never_an_average(client, staff, auth):
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    pulse = make_survey("pulse", "nps-pulse", title="Visit pulse")
    response = answered(li.id, pulse, {"nps": 3, "csat": 2, "reason": WORDS})
    store = make_survey("store", "acsi", title="Store survey")
    answered(li.id, store, {"sat1": 8, "sat2": None, "sat3": 6, "exp1": 1})
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{li.id}", headers=EN).get_data(as_text=True)
    assert "Visit pulse · NPS 3 / 10 · Satisfaction 2 / 5" in html
    assert "Store survey · Customer satisfaction 8 / 10, 6 / 10" in html
    assert "average" not in html
    assert f'href="/staff/customers/{li.id}/responses/{response.id}"' in html


def test_a_response_opens_question_by_question_on_its_scales(client, staff, auth):
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    response = answered(li.id, make_survey("pulse", "nps-pulse", title="Visit pulse"),
                        {"nps": 3, "csat": 2, "reason": WORDS})
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{li.id}/responses/{response.id}", headers=EN).get_data(as_text=True)
    assert "<h1>Visit pulse</h1>" in html
    assert "<dt>How likely are you to recommend us to a friend or colleague?</dt>\n<dd>3 / 10</dd>" in html
    assert "<dt>How satisfied are you with this visit overall?</dt>\n<dd>2 / 5</dd>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; The queue\nwas long" in html and "<script>alert" not in html
    chinese = client.get(f"/staff/customers/{li.id}/responses/{response.id}?lang=zh").get_data(as_text=True)
    assert "您有多大可能把我们推荐给朋友或同事？" in chinese
    entry = db.session.scalar(sa.select(AuditEntry))
    assert (entry.action, entry.customer_ids, entry.actor_id) == (AuditAction.VIEW_CUSTOMER, [li.id],
                                                                   staff["supervisor"].id)


def test_an_unfinished_response_shows_what_was_answered_so_far(client, staff, auth):
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    response = answered(li.id, make_survey("pulse", "nps-pulse"), {"nps": 9}, submitted=False)
    auth.login("supervisor")
    html = client.get(f"/staff/customers/{li.id}/responses/{response.id}", headers=EN).get_data(as_text=True)
    assert "not finished" in html and "<dd>9 / 10</dd>" in html and html.count("not answered") == 2


def test_a_response_is_seen_only_by_whoever_may_see_its_customer(client, staff, auth):
    filed = make_complaint(phone="13800138000", name="Li Lei", language="en")
    customer_id = filed.complaint.customer_id
    stranger, _ = resolve_customer(ContactKeys.parse("13900139000"), "Wang Fang")
    db.session.commit()
    survey = make_survey("pulse", "nps-pulse")
    response = answered(customer_id, survey, {"nps": 3})
    theirs = answered(stranger.id, survey, {"nps": 10})
    path = f"/staff/customers/{customer_id}/responses/{response.id}"
    assert "/staff/login" in client.get(path).headers["Location"]
    auth.login("agent")
    assert client.get(path).status_code == 403  # not the agent's case
    filed.case.assignee_id = staff["agent"].id
    db.session.commit()
    assert client.get(path).status_code == 200
    # Another customer's response is not reached through this customer's page.
    assert client.get(f"/staff/customers/{customer_id}/responses/{theirs.id}").status_code == 404
    assert client.get(f"/staff/customers/{customer_id}/responses/99999").status_code == 404
