"""A customer answers the ACSI survey on a phone-sized screen with JavaScript off."""
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from survey_app.extensions import db
from survey_app.models import Customer, Response, ResponseStatus
from tests.factories import make_survey

pytestmark = pytest.mark.browser


def test_customer_answers_on_a_phone_without_javascript(live_app, live_server, phone_browser, tmp_path):
    with live_app.app_context():
        make_survey("demo", segment_fields={"store": ["north"]})
        from survey_app.services.surveys.instruments import instrument_of
        from survey_app.services.surveys.publishing import survey_by_slug

        instrument = instrument_of(survey_by_slug("demo").instrument_version)
    context = phone_browser("zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/s/demo?store=north")
    expect(page.locator("header.bar strong")).to_have_text("Shop survey")
    page.screenshot(path=str(tmp_path / "first-page.png"), full_page=True)

    # Sending an empty page keeps us there and points at the questions.
    page.get_by_role("button", name="下一页").click()
    assert page.locator(".has-error").count() >= 1

    for index, instrument_page in enumerate(instrument.pages):
        for element_id in instrument_page.elements:
            element = instrument.element(element_id)
            kind = getattr(element, "kind", "scale")
            if kind == "text":
                page.fill(f"textarea[name={element_id}]", "结账更快一些")
            elif kind in ("scale", "nps"):
                page.locator(f"#q-{element_id} label.pt").nth(6).click()
            elif kind in ("single", "segment", "multiple"):
                page.locator(f"#q-{element_id} input").first.check()
        button = "提交" if index == len(instrument.pages) - 1 else "下一页"
        page.get_by_role("button", name=button).click()
    expect(page.locator("h1")).to_contain_text("谢谢")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    # Whoever wants an answer leaves a number on the thank-you page, still without JavaScript.
    page.fill("input[name=phone]", "138 0013 8000")
    page.get_by_role("button", name="请就我的回答联系我").click()
    expect(page.locator(".flash")).to_contain_text("我们会就您的回答与您联系")
    # The thank-you page keeps the survey's header; its language switch stays on the thank-you page.
    expect(page.locator("header.bar strong")).to_have_text("Shop survey")
    page.locator("header.bar").get_by_role("link", name="English").click()
    expect(page.locator("h1")).to_have_text("Thank you!")
    assert urlsplit(page.url).path == "/s/demo/thanks"
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert context.hosts == {urlsplit(live_server).netloc}

    with live_app.app_context():
        response = db.session.query(Response).one()
        assert response.status is ResponseStatus.SUBMITTED
        assert response.segments == {"store": "north"}
        assert all(response.answers[i] == 7 for i in instrument.item_ids)
        assert db.session.get(Customer, response.customer_id).phone == "+8613800138000"


def test_survey_page_fits_320_pixels(live_app, live_server, browser):
    with live_app.app_context():
        make_survey("demo")
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    page.goto(f"{live_server}/s/demo?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    boxes = page.locator("label.pt span").evaluate_all("els => els.map(e => e.getBoundingClientRect().height)")
    assert min(boxes) >= 44  # touch targets at least 44 px high
