"""The customer's opt-out link, and consent on every path that contacts or lists customers for contact."""
import csv
import email
import io
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (ActorKind, AuditAction, AuditEntry, Callback, CallbackDraw, CaseEvent, CaseState,
                               Complaint, ConsentRecord, ConsentSource, Contact, EventKind, StaffUser, Survey)
from survey_app.models.base import now_utc
from survey_app.services import cases
from survey_app.services.customers import consent
from survey_app.services.customers.matching import ContactKeys, request_removal, resolve_customer
from survey_app.services.surveys.invitations import issue_invitation
from tests.factories import make_complaint, make_response, make_survey, put_case_in


def make_customer(phone, name):
    customer, _ = resolve_customer(ContactKeys.parse(phone), name)
    db.session.commit()
    return customer


def rows_of(reply):
    return list(csv.DictReader(io.StringIO(reply.get_data(as_text=True).lstrip("\ufeff"))))


def test_optout_page_works_in_one_click_without_login_or_script(client, app):
    customer = make_customer("13800138000", "Li Lei")
    token = consent.optout_token(customer, app.config["SECRET_KEY"])
    page = client.get(f"/optout/{token}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in html and "http" not in html.split("<body", 1)[1].replace(
        'href="/', "")
    assert f'action="/optout/{token}"' in html
    done = client.post(f"/optout/{token}", data={"scope": "contact"}, headers={"Accept-Language": "en"})
    assert done.status_code == 200 and "we will not contact you again" in done.get_data(as_text=True)
    assert not consent.may_contact(customer, "sms", "survey").allowed
    assert consent.may_contact(customer, "sms", "follow_up").allowed
    sources = set(db.session.scalars(sa.select(ConsentRecord.source)))
    assert sources == {ConsentSource.OPTOUT_LINK}


def test_optout_of_everything_and_mail_program_one_click(client, app):
    customer = make_customer("13800138000", "Li Lei")
    token = consent.optout_token(customer, app.config["SECRET_KEY"])
    app.config["WTF_CSRF_ENABLED"] = True
    # RFC 8058: the mail program posts List-Unsubscribe=One-Click without a session.
    assert client.post(f"/optout/{token}", data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert not consent.may_contact(customer, "email", "survey").allowed
    client.post(f"/optout/{token}", data={"scope": "all"})
    assert not consent.may_contact(customer, "email", "follow_up").allowed


def test_optout_page_in_chinese(client, app):
    customer = make_customer("13800138000", "Li Lei")
    token = consent.optout_token(customer, app.config["SECRET_KEY"])
    assert "停止问卷和回访" in client.get(f"/optout/{token}?lang=zh").get_data(as_text=True)


@pytest.mark.parametrize("token", ["1-0000", "nonsense", "99999-abc"])
def test_forged_optout_links_are_refused(client, app, token):
    make_customer("13800138000", "Li Lei")
    reply = client.post(f"/optout/{token}", headers={"Accept-Language": "en"})
    assert reply.status_code == 404 and "could not find this link" in reply.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ConsentRecord.id))) == 0


@pytest.fixture
def invited(app, mailbox):
    """One survey with an invitation, and one open complaint, for each kind of customer the contact
    rules tell apart; the complaints come first, so their "you may contact me" box is not the
    newest consent. Emails go to files."""
    survey = make_survey("shop")
    people = {}
    for digit, name in enumerate(["allowed", "opted_out", "removed", "capped", "service_only_opt_out",
                                  "opted_out_all"]):
        people[name] = make_complaint(phone=f"1380013800{digit}", email=f"{name}@example.com",
                                      name=name, language="en").complaint.customer
        issue_invitation(survey, None, people[name].id, {}, app.config["SECRET_KEY"], now_utc(), 60)
    db.session.commit()
    consent.opt_out(people["opted_out"])
    consent.opt_out(people["opted_out_all"], include_service=True)
    consent.set_consent(people["service_only_opt_out"], granted=False, source=ConsentSource.STAFF,
                        purposes=[consent.ContactPurpose.FOLLOW_UP])
    request_removal(people["removed"], actor=None)
    consent.record_contact(people["capped"], "phone", "callback", "callback:1", at=now_utc() - timedelta(days=3))
    db.session.commit()
    return survey, people


def test_invitation_export_withholds_and_reports_who_may_not_be_contacted(client, staff, auth, invited):
    survey, people = invited
    auth.login("manager")
    rows = {row["phone"][-1]: row for row in rows_of(client.get("/staff/surveys/shop/invitations.csv"))}
    assert len(rows) == 6, "no customer is dropped silently"
    for digit in "04":
        assert rows[digit]["link"].startswith("http") and "/optout/" in rows[digit]["optout_link"]
        assert rows[digit]["withheld"] == ""
    assert (rows["1"]["link"], rows["1"]["withheld"]) == ("", "opted out")
    assert (rows["5"]["link"], rows["5"]["withheld"]) == ("", "opted out")
    assert (rows["2"]["link"], rows["2"]["withheld"]) == ("", "asked to be removed")
    assert rows["3"]["link"] == "" and rows["3"]["withheld"].startswith("contacted on")
    # Handing a link over counts as a contact; exporting again is the same message, not a new one.
    keys = set(db.session.scalars(sa.select(Contact.key).where(Contact.key.like("invitation:%"))))
    assert len(keys) == 2
    again = {row["phone"][-1]: row for row in rows_of(client.get("/staff/surveys/shop/invitations.csv"))}
    assert again["0"]["link"] == rows["0"]["link"]
    # A second survey within 30 days is capped for the customers just invited.
    other = make_survey("other", instrument_id="nps-pulse")
    issue_invitation(other, None, people["allowed"].id, {}, "x", now_utc(), 60)
    db.session.commit()
    capped = rows_of(client.get("/staff/surveys/other/invitations.csv"))
    assert capped[0]["link"] == "" and capped[0]["withheld"].startswith("contacted on")
    exports = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == AuditAction.EXPORT_PERSONAL_DATA)).all()
    assert exports[0].actor_id == staff["manager"].id and len(exports[0].customer_ids) == 6


def mails_to(app, customer, subject_part: str) -> list[email.message.Message]:
    messages = [email.message_from_bytes(p.read_bytes()) for p in Path(app.config["MAIL_FILE_DIR"]).glob("*.eml")]
    return [m for m in messages if m["To"] == customer.email and subject_part in m["Subject"]]


def case_of(customer):
    return db.session.scalar(sa.select(Complaint).where(Complaint.customer_id == customer.id)).case


def admin_actor():
    return cases.Actor.staff(db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "admin")))


def close_by_staff(case):
    """The customer accepted the answer on the phone; staff close the case for them."""
    put_case_in(case, CaseState.RESPONDED, root_cause="x", resolution_code="upheld", decision="Sorry", remedy="apology")
    cases.transition(case, "accept", admin_actor(), expected_version=case.version)


def export_invitations(client, survey, customer) -> bool:
    rows = rows_of(client.get(f"/staff/surveys/{survey.slug}/invitations.csv"))
    return any(row["phone"] == customer.phone and row["link"] for row in rows)


def reply_to_open_complaint(client, survey, customer) -> bool:
    case = case_of(customer)
    cases.add_message(case, admin_actor(), "A new kettle is on its way.", public=True, expected_version=case.version)
    return any("A new kettle" in m.get_payload(decode=True).decode()
               for m in mails_to(client.application, customer, "News about your complaint"))


def closing_email(client, survey, customer) -> bool:
    close_by_staff(case_of(customer))
    return bool(mails_to(client.application, customer, "News about your complaint"))


def handling_survey(client, survey, customer) -> bool:
    """Listed for contact: an invitation to the handling survey exists, or its link went out by email."""
    case = case_of(customer)
    close_by_staff(case)
    sent = any("/i/" in m.get_payload(decode=True).decode()
               for m in mails_to(client.application, customer, "News about your complaint"))
    return case.handling_invitation_id is not None or sent


def follow_up_case_from_low_score(client, survey, customer) -> bool:
    pulse = db.session.scalar(sa.select(Survey).where(Survey.slug == "pulse")) or make_survey("pulse", "nps-pulse")
    invitation = issue_invitation(pulse, None, customer.id, {}, "x", now_utc(), 30)
    db.session.commit()
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        response = make_response(pulse, {"nps": 1, "csat": 1}, invitation=invitation)
    return db.session.scalar(sa.select(Complaint.id).where(Complaint.response_id == response.id)) is not None


def callback_draw(client, survey, customer) -> bool:
    """Listed for a callback: the agent worked the customer's case in a month, and that month's draw drew them.

    Each call draws a past month of its own, as there is one draw a month.
    """
    agent = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "agent"))
    back = db.session.scalar(sa.select(sa.func.count(CallbackDraw.id))) + 1
    today = now_utc()
    year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
    db.session.add(CaseEvent(case_id=case_of(customer).id, kind=EventKind.NOTE, name="note", actor_kind=ActorKind.STAFF,
                             actor_id=agent.id, changes={}, at=datetime(year, month + 1, 15, 4, tzinfo=timezone.utc)))
    db.session.commit()
    label = f"{year:04d}-{month + 1:02d}"
    started = client.post("/staff/callbacks/draw", data={"month": label, "per_agent": "5"})
    assert started.status_code == 303, started.get_data(as_text=True)
    draw = db.session.scalar(sa.select(CallbackDraw).where(CallbackDraw.month == label))
    listed = db.session.scalar(sa.select(Callback.id).where(Callback.draw_id == draw.id,
                                                            Callback.customer_id == customer.id)) is not None
    # Not drawn is not dropped: the draw reports the customer with the reason.
    assert listed or [entry["customer_id"] for entry in draw.skipped] == [customer.id]
    return listed


# Every path that contacts customers or lists them for contact, with whether it is service (about
# the customer's own complaints and answers) or solicitation (surveys, callbacks).
CONTACT_PATHS = [
    ("invitation export", export_invitations, False),
    ("handling-satisfaction survey after closure", handling_survey, False),
    ("reply to the customer's open complaint", reply_to_open_complaint, True),
    ("email when the case closes", closing_email, True),
    ("follow-up case from a low survey score", follow_up_case_from_low_score, True),
    ("monthly callback draw", callback_draw, False),
]


@pytest.mark.parametrize("name, contacted, service", CONTACT_PATHS)
def test_no_contact_path_reaches_an_opted_out_customer(client, staff, auth, invited, name, contacted, service):
    survey, people = invited
    auth.login("admin")
    assert not contacted(client, survey, people["opted_out_all"]), name
    assert not contacted(client, survey, people["removed"]), name
    assert contacted(client, survey, people["allowed"]), name
    # Opting out of surveys and callbacks stops solicitation; service about their own complaints
    # and answers still reaches them, unless they opted out of that too.
    assert contacted(client, survey, people["opted_out"]) is service, name
    assert contacted(client, survey, people["service_only_opt_out"]) is not service, name
    # Only surveys and callbacks count against the contact limit.
    assert contacted(client, survey, people["capped"]) is service, name


def test_a_new_complaint_is_acknowledged_by_fresh_consent_but_never_after_removal(app, invited):
    """Ticking "you may contact me" on a new complaint is the customer's newest consent, so it
    overrides an earlier opt-out; a removal request is not undone by it."""
    survey, people = invited
    for name in ("opted_out_all", "removed"):
        make_complaint("delivery_installation", phone=people[name].phone, email=people[name].email, language="en")
    assert len(mails_to(app, people["opted_out_all"], "Your complaint")) == 2
    assert len(mails_to(app, people["removed"], "Your complaint")) == 1, "only the one filed before the removal"


def test_a_later_closing_email_carries_no_survey_link_after_opting_out_of_surveys(app, client, staff, invited):
    survey, people = invited
    customer = people["allowed"]
    case = case_of(customer)
    close_by_staff(case)
    [first] = mails_to(app, customer, "News about your complaint")
    assert "/i/" in first.get_payload(decode=True).decode()
    # The customer opts out of surveys from that email's link, then reopens the case; it is closed again.
    client.post(f"/optout/{consent.optout_token(customer, app.config['SECRET_KEY'])}", data={"scope": "contact"})
    cases.customer_writes(case, "The new kettle leaks too.", expected_version=case.version)
    for mail_file in Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"):
        mail_file.unlink()
    close_by_staff(case)
    [closing] = mails_to(app, customer, "News about your complaint")
    assert "/i/" not in closing.get_payload(decode=True).decode()


def test_invited_respondent_sees_the_optout_link(client, app, staff, auth):
    survey = make_survey("shop")
    customer = make_customer("13800138000", "Li Lei")
    issue_invitation(survey, None, customer.id, {}, app.config["SECRET_KEY"], now_utc(), 60)
    db.session.commit()
    auth.login("manager")
    link = rows_of(client.get("/staff/surveys/shop/invitations.csv"))[0]["link"]
    auth.logout()
    path = "/i/" + link.rsplit("/", 1)[1]
    html = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    optout = re.search(r'href="(/optout/[^"]+)"', html).group(1)
    assert "Stop them here" in html
    client.post(optout, data={"scope": "contact"})
    assert not consent.may_contact(customer, "sms", "survey").allowed
    # The anonymous link shows no opt-out: there is nobody to opt out.
    assert "/optout/" not in client.get("/s/shop").get_data(as_text=True)
