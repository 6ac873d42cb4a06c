"""A customer files a complaint on a 320 px phone with JavaScript off and follows it to closure
from the tracking link while an agent works the case in another browser."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import CaseState, Complaint, Team
from survey_app.services import cases
from tests.factories import make_user, put_case_in

pytestmark = pytest.mark.browser


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 320


def test_complaint_from_phone_to_closure(live_app, live_server, browser, phone_browser):
    with live_app.app_context():
        # The agent's team takes every category, so the complaint is routed to them.
        db.session.add(Team(name="front desk"))
        make_user("agent", "agent", team="front desk")
    phone = phone_browser("en-GB")
    customer = phone.new_page()
    customer.goto(f"{live_server}/complaints/new?lang=en")
    assert fits_the_phone(customer)

    # Sending it empty keeps us on the form with the problems marked.
    customer.get_by_role("button", name="Send the complaint").click()
    assert customer.locator(".has-error").count() >= 2

    customer.select_option("select[name=category]", "delivery_installation")
    customer.fill("textarea[name=description]", "The washing machine arrived with a dented door.")
    customer.fill("input[name=location]", "North store")
    customer.fill("input[name=phone]", "13800138000")
    customer.check("input[name=consent_to_contact]")
    customer.get_by_role("button", name="Send the complaint").click()
    # Clicks do not wait for the page they post to: wait for what it shows.
    expect(customer.locator(".reference")).to_be_visible()
    text = customer.content()
    reference = re.search(r"C-\d{4}-\d{6}", text).group(0)
    tracking = customer.locator(".link a").get_attribute("href")
    assert "/complaints/track/" in tracking and fits_the_phone(customer)
    tracking_path = urlsplit(tracking).path

    agent = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB").new_page()
    agent.goto(f"{live_server}/staff/login?lang=en")
    agent.fill("input[name=username]", "agent")
    agent.fill("input[name=password]", "password-123")
    agent.get_by_role("button", name=re.compile("Log in", re.IGNORECASE)).click()
    agent.goto(f"{live_server}/staff/cases/{reference}")

    def step(name: str, **fields):
        box = agent.locator("details", has=agent.locator("summary", has_text=name))
        box.locator("summary").click()
        for field, value in fields.items():
            target = box.locator(f"[name={field}]")
            if target.evaluate("e => e.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
        box.get_by_role("button", name=name).click()
        expect(agent.locator(".flash")).to_contain_text("Done:")

    step("Acknowledge")
    step("Ask the customer", message="Which delivery slot was it?")

    customer.goto(f"{live_server}{tracking_path}")
    assert "Which delivery slot was it?" in customer.content()
    customer.fill("textarea[name=message]", "Saturday morning.")
    # The photo asked for goes with the answer, from the phone, without JavaScript.
    customer.set_input_files("#write-photos", files=[
        {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff\xe0" + b"\x00" * 256}])
    customer.get_by_role("button", name="Send", exact=True).click()
    expect(customer.locator(".flash")).to_contain_text("Thank you, we have it.")
    photo = customer.goto(live_server + customer.get_by_role("link", name="door.jpg").get_attribute("href"))
    assert photo.status == 200 and photo.headers["content-type"] == "image/jpeg"

    agent.reload()
    assert "Saturday morning." in agent.content() and "door.jpg" in agent.content()
    step("Investigate")  # the answer came back to the assessment it was asked from
    step("Send the response", root_cause="Door hit in the van", resolution_code="upheld", remedy="replacement",
         decision="We replace the door on Tuesday.")

    customer.goto(f"{live_server}{tracking_path}")
    assert "We replace the door on Tuesday." in customer.content() and fits_the_phone(customer)
    customer.get_by_role("button", name="Yes, I accept").click()
    expect(customer.locator(".status")).to_contain_text("Closed: you accepted our answer.")
    assert customer.get_by_role("link", name=re.compile("how we handled it")).count() == 1
    assert phone.hosts == {urlsplit(live_server).netloc}

    with live_app.app_context():
        complaint = db.session.query(Complaint).one()
        assert complaint.case.state is CaseState.CLOSED_ACCEPTED


def test_what_the_customer_types_beside_accept_is_kept(live_app, live_server, phone_browser):
    phone = phone_browser("en-GB").new_page()
    phone.goto(f"{live_server}/complaints/new?lang=en")
    phone.select_option("select[name=category]", "delivery_installation")
    phone.fill("textarea[name=description]", "The fridge arrived scratched.")
    phone.fill("input[name=phone]", "13800138000")
    phone.get_by_role("button", name="Send the complaint").click()
    expect(phone.locator(".reference")).to_be_visible()
    tracking_path = urlsplit(phone.locator(".link a").get_attribute("href")).path
    with live_app.app_context():
        put_case_in(db.session.query(Complaint).one().case, CaseState.RESPONDED, decision="We send a new door.")

    phone.goto(f"{live_server}{tracking_path}")
    answer = phone.locator("form", has=phone.get_by_role("button", name="Yes, I accept"))
    answer.get_by_label("Your message").fill("Fine, but please call before coming.")
    assert fits_the_phone(phone)
    answer.get_by_role("button", name="Yes, I accept").click()
    expect(phone.locator(".status")).to_contain_text("Closed: you accepted our answer.")
    expect(phone.locator(".case-timeline")).to_contain_text("Fine, but please call before coming.")

    with live_app.app_context():
        case = db.session.query(Complaint).one().case
        assert case.state is CaseState.CLOSED_ACCEPTED
        assert "Fine, but please call before coming." in [event.body for event in cases.events_of(case)]
