"""The customer's complaint pages: intake with photos, errors that keep the input, the tracking
page, accepting and contesting, and emails through the file sender."""
import io
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Attachment, CaseState, Complaint
from survey_app.services import cases
from survey_app.services.cases.workflow import Actor
from tests.factories import make_user, put_case_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
FORM = {"category": "product", "description": "The kettle leaks.", "phone": "13800138000",
        "email": "li@example.com", "consent_to_contact": "y", "location": "North store"}


def file(client, **changes):
    data = {**FORM, **changes}
    return client.post("/complaints/new", data={k: v for k, v in data.items() if v is not None},
                       headers={"Accept-Language": "en"}, content_type="multipart/form-data")


def key_of(reply) -> str:
    return re.search(r"/complaints/track/([0-9a-f]+)", reply.headers["Location"]).group(1)


def filed_and_asked(client, question: str):
    """A complaint filed on the form, acknowledged by an agent who then asks the customer ``question``."""
    key = key_of(file(client))
    case = db.session.scalar(sa.select(Complaint)).case
    agent = Actor.staff(make_user("agent", "agent"))
    with client.application.test_request_context():
        cases.transition(case, "acknowledge", agent, expected_version=case.version)
        cases.transition(case, "ask_customer", agent, expected_version=case.version, fields={"message": question})
    return key, case, agent


def test_intake_page_is_light_and_local(client):
    reply = client.get("/complaints/new", headers={"Accept-Language": "zh"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 200 and "投诉" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_filing_gives_reference_link_and_email(client, mailbox):
    reply = file(client, photos=[(__import__("io").BytesIO(PNG), "leak.png")])
    assert reply.status_code == 303
    key = key_of(reply)
    page = client.get(reply.headers["Location"], headers={"Accept-Language": "en"}).get_data(as_text=True)
    complaint = db.session.scalar(sa.select(Complaint))
    assert re.fullmatch(r"C-\d{4}-\d{6}", complaint.reference)
    assert complaint.reference in page and f"/complaints/track/{key}" in page
    assert complaint.tracking_hash != key and key not in str(complaint.tracking_hash)
    assert [a.content_type for a in complaint.attachments] == ["image/png"]
    assert "leak.png" in page  # the customer sees the photos they sent
    [sent] = mailbox()
    assert sent["To"] == "li@example.com" and complaint.reference in sent["Subject"]
    body = sent.get_payload(decode=True).decode()
    assert f"/complaints/track/{key}" in body
    # Every email carries the one-click opt-out, in the text and for the mail program.
    optout = re.search(r"http\S+/optout/\S+", body).group(0)
    assert "".join(sent["List-Unsubscribe"].split()) == f"<{optout}>" and sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = optout.split("5000", 1)[1]
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    from survey_app.services.customers import consent
    assert not consent.may_contact(complaint.customer, "email", "survey").allowed


def test_no_email_without_consent(client, mailbox):
    assert file(client, consent_to_contact=None).status_code == 303
    assert mailbox() == []


@pytest.mark.parametrize("changes, field, message", [
    ({"description": ""}, "description", "Tell us what happened."),
    ({"phone": "12", "email": ""}, "phone", "not a"),
    ({"phone": "", "email": ""}, "phone", "Give a phone number or an email address"),
    ({"category": "weather"}, "category", "Not a valid choice"),
])
def test_errors_keep_what_was_typed(client, changes, field, message):
    reply = file(client, **changes)
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and message in html
    assert "North store" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


@pytest.mark.parametrize("photos, message", [
    ([(b"GIF89a" + b"\x00" * 10, "a.gif")], "is not a JPEG, PNG, WebP or HEIC photo"),
    ([(b"\xff\xd8\xff" + b"\x00" * 2048, "big.jpg")], "is larger than"),
    ([(JPEG, f"{n}.jpg") for n in range(4)], "Up to 3 photos"),
])
def test_photos_are_checked(app, client, photos, message, configure):
    import io

    configure(COMPLAINT_PHOTO_MAX_BYTES=1024)
    reply = file(client, photos=[(io.BytesIO(data), name) for data, name in photos])
    assert reply.status_code == 422 and message in reply.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attachment)) == 0


def test_unknown_tracking_key_is_404(client):
    assert client.get("/complaints/track/nope").status_code == 404


def test_customer_follows_answers_and_accepts(client, mailbox):
    key, case, agent = filed_and_asked(client, "Which model is it?")
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Which model is it?" in page and "We need some information from you" in page
    reply = client.post(f"/complaints/track/{key}/write", data={"version": case.version, "message": "Model K2"})
    assert reply.status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.ASSESSING  # asked while assessing: the answer goes back there
    with client.application.test_request_context():
        cases.transition(case, "investigate", agent, expected_version=case.version)
        cases.add_message(case, agent, "Internal: check batch 7", public=False, expected_version=case.version)
        cases.transition(case, "respond", agent, expected_version=case.version,
                         fields={"decision": "We replace the kettle.", "root_cause": "Bad seal",
                                 "resolution_code": "upheld", "remedy": "replacement"})
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "We replace the kettle." in page and "Internal: check batch 7" not in page
    assert client.post(f"/complaints/track/{key}/accept", data={"version": case.version}).status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.CLOSED_ACCEPTED
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "/i/" in page and "Tell us how we handled it" in page
    # Every message shown has its text: steps without words (the acceptance) are not blank entries.
    timeline = page.split('class="case-timeline"', 1)[1].split("</ol>", 1)[0]
    assert all("<p>" in entry for entry in timeline.split("<li>")[1:])
    bodies = [m.get_payload(decode=True).decode() for m in mailbox()]
    assert any("Which model is it?" in b for b in bodies) and any("We replace the kettle." in b for b in bodies)
    assert not any("batch 7" in b for b in bodies)


def test_contest_needs_a_reason_and_stale_page_is_told(client):
    key = key_of(file(client))
    case = put_case_in(db.session.scalar(sa.select(Complaint)).case, CaseState.RESPONDED, decision="No refund.")
    reply = client.post(f"/complaints/track/{key}/contest", data={"version": case.version, "message": ""},
                        headers={"Accept-Language": "en"})
    assert reply.status_code == 422
    reply = client.post(f"/complaints/track/{key}/contest", data={"version": case.version - 1, "message": "Unfair"},
                        headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 409 and "Someone else changed" in html and "Unfair" in html
    reply = client.post(f"/complaints/track/{key}/contest", data={"version": case.version, "message": "Unfair"})
    assert reply.status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.INVESTIGATING


def test_posts_need_the_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert file(client).status_code == 400


def test_invited_respondent_complains_without_retyping_contact_details(client, app):
    from survey_app.models.base import now_utc
    from survey_app.services.customers.matching import ContactKeys, resolve_customer
    from survey_app.services.surveys.invitations import issue_invitation, token_for
    from tests.factories import make_survey

    survey = make_survey("shop")
    customer, _ = resolve_customer(ContactKeys.parse("13800138000", "li@example.com", region="CN"), "Li Lei")
    invitation = issue_invitation(survey, None, customer.id, {}, app.config["SECRET_KEY"], now_utc(), 30)
    db.session.commit()
    token = token_for(invitation, app.config["SECRET_KEY"])
    thanks = client.get(f"/i/{token}/thanks", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"/complaints/new?invitation={token}" in thanks
    form = client.get(f"/complaints/new?invitation={token}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'value="Li Lei"' in form and 'value="+8613800138000"' in form and 'value="li@example.com"' in form
    assert 'value="Li Lei"' not in client.get("/complaints/new?invitation=forged").get_data(as_text=True)


def test_every_correction_is_asked_for_at_once(app, client):
    """The form's own checks and the service's (phone, photos, contact) come back in one round."""
    import io

    reply = file(client, description="", phone="12", email="nobody",
                 photos=[(io.BytesIO(b"GIF89a" + b"\x00" * 10), "a.gif")])
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    for message in ("Tell us what happened.", "12 is not a valid phone number", "nobody is not an email address",
                    "a.gif is not a JPEG"):
        assert message in html, message
    assert "North store" in html and html.count('class="error"') == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Complaint)) == 0


def test_customer_sends_the_photo_they_were_asked_for(client):
    import io

    key, case, _agent = filed_and_asked(client, "Please send a photo of the label.")
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    refused = client.post(f"/complaints/track/{key}/write", content_type="multipart/form-data",
                          headers={"Accept-Language": "en"},
                          data={"version": case.version, "message": "Here it is",
                                "photos": [(io.BytesIO(b"GIF89a" + b"\x00" * 10), "label.gif")]})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "label.gif is not a JPEG" in html and "Here it is" in html
    reply = client.post(f"/complaints/track/{key}/write", content_type="multipart/form-data",
                        data={"version": case.version, "message": "Here it is",
                              "photos": [(io.BytesIO(JPEG), "label.jpg")]})
    assert reply.status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.ASSESSING
    [photo] = db.session.scalars(sa.select(Attachment)).all()
    event = db.session.get(__import__("survey_app.models", fromlist=["CaseEvent"]).CaseEvent, photo.event_id)
    assert (photo.filename, photo.public, event.name) == ("label.jpg", True, "customer_replied")
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "label.jpg" in page


def test_a_refused_withdrawal_shows_its_message_open(client):
    key = key_of(file(client))
    case = db.session.scalar(sa.select(Complaint)).case
    reply = client.post(f"/complaints/track/{key}/withdraw", data={"version": case.version, "message": ""},
                        headers={"Accept-Language": "en"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422 and '<details class="card" open>' in html and "Please write something." in html


def test_the_forms_own_checks_speak_chinese_too(client):
    reply = client.post("/complaints/new?lang=zh", data={**FORM, "description": "长" * 5001, "occurred_on": "2026-02-30"})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    for english in ("Field cannot be longer", "Not a valid date"):
        assert english not in html, english


def test_a_day_still_to_come_is_refused(client):
    reply = file(client, occurred_on="2999-01-01")
    assert reply.status_code == 422 and "That day has not come yet." in reply.get_data(as_text=True)


class FormsOfThePage(HTMLParser):
    """Which form each text box, file input and submit button of a page sits in."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._open = {"boxes": set(), "buttons": set()}
            self.forms.append(self._open)
        elif self._open is not None and (tag == "textarea" or (tag == "input" and attrs.get("type") == "file")):
            self._open["boxes"].add(attrs["name"])
        elif self._open is not None and tag == "button":
            self._open["buttons"].add(attrs.get("formaction") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def answered(client):
    key = key_of(file(client))
    case = put_case_in(db.session.scalar(sa.select(Complaint)).case, CaseState.RESPONDED,
                       decision="We replace the kettle.")
    return key, case


def test_the_box_under_accept_goes_with_accept(client):
    key, case = answered(client)
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    parser = FormsOfThePage()
    parser.feed(page)
    # The box and the photos beside the two answers are sent by both buttons, not by one only.
    answer = next(form for form in parser.forms if "message" in form["boxes"] and
                  any(action.endswith("/accept") for action in form["buttons"]))
    assert answer["boxes"] == {"message", "photos"} and len(answer["buttons"]) == 2
    # Every other box on the page (withdrawing) sits in the form of a button of its own.
    assert all(form["buttons"] for form in parser.forms if form["boxes"])


def test_accepting_keeps_what_the_customer_wrote_and_sent(client):
    key, case = answered(client)
    reply = client.post(f"/complaints/track/{key}/accept", content_type="multipart/form-data",
                        data={"version": case.version, "message": "Thanks, Tuesday suits me.",
                              "photos": [(io.BytesIO(JPEG), "receipt.jpg")]})
    assert reply.status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.CLOSED_ACCEPTED
    said = [e for e in cases.events_of(case, public_only=True) if e.body == "Thanks, Tuesday suits me."]
    assert len(said) == 1 and said[0].actor_kind.value == "customer"
    page = client.get(f"/complaints/track/{key}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Thanks, Tuesday suits me." in page and "receipt.jpg" in page


def test_accepting_without_words_adds_no_message(client):
    key, case = answered(client)
    before = len(cases.events_of(case))
    assert client.post(f"/complaints/track/{key}/accept", data={"version": case.version}).status_code == 303
    db.session.expire_all()
    assert case.state is CaseState.CLOSED_ACCEPTED and len(cases.events_of(case)) == before + 1


def test_a_refused_acceptance_keeps_nothing_and_shows_the_text_again(client):
    key, case = answered(client)
    reply = client.post(f"/complaints/track/{key}/accept", headers={"Accept-Language": "en"},
                        data={"version": case.version, "message": "x" * 5001})
    assert reply.status_code == 422 and "x" * 5001 in reply.get_data(as_text=True)
    db.session.expire_all()
    assert case.state is CaseState.RESPONDED
