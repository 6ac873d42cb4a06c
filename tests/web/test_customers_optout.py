"""The customer's opt-out link, and consent on every path that contacts or lists customers for contact."""
import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditAction, AuditEntry, ConsentRecord, Contact, ConsentSource
from survey_app.models.base import now_utc
from survey_app.services import consent
from survey_app.services.customers import ContactKeys, request_removal, resolve_customer
from survey_app.services.invitations import issue_invitation
from tests.factories import make_survey


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
def invited(app):
    """One survey with an invitation for each kind of customer the contact rules tell apart."""
    survey = make_survey("shop")
    people = {name: make_customer(phone, name) for name, phone in [
        ("allowed", "13800138000"), ("opted_out", "13800138001"), ("removed", "13800138002"),
        ("capped", "13800138003"), ("service_only_opt_out", "13800138004")]}
    for customer in people.values():
        issue_invitation(survey, None, customer.id, {}, app.config["SECRET_KEY"], now_utc(), 60)
    db.session.commit()
    consent.opt_out(people["opted_out"])
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
    assert len(rows) == 5, "no customer is dropped silently"
    for digit in "04":
        assert rows[digit]["link"].startswith("http") and "/optout/" in rows[digit]["optout_link"]
        assert rows[digit]["withheld"] == ""
    assert (rows["1"]["link"], rows["1"]["withheld"]) == ("", "opted out")
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
    assert exports[0].actor_id == staff["manager"].id and len(exports[0].customer_ids) == 5


def export_invitations(client, survey, customer) -> bool:
    rows = rows_of(client.get(f"/staff/surveys/{survey.slug}/invitations.csv"))
    return any(row["phone"] == customer.phone and row["link"] for row in rows)


# Every path that contacts customers or lists them for contact: (name, function(client, survey, customer) -> contacted).
# Complaint emails, follow-up cases, callback draws and handling surveys join this list as they are built.
CONTACT_PATHS = [("invitation export", export_invitations)]


@pytest.mark.parametrize("name, contacted", CONTACT_PATHS)
def test_no_contact_path_reaches_an_opted_out_customer(client, staff, auth, invited, name, contacted):
    survey, people = invited
    auth.login("admin")
    assert not contacted(client, survey, people["opted_out"]), name
    assert not contacted(client, survey, people["removed"]), name
    assert contacted(client, survey, people["allowed"]), name


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
