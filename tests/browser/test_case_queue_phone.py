"""A supervisor reads the case queue on a 360 px phone: the page keeps its width and the table
scrolls sideways inside it."""
import re

import pytest

from tests.factories import make_complaint, make_user

pytestmark = pytest.mark.browser


def test_the_queue_fits_a_360_px_phone(live_app, live_server, browser):
    with live_app.app_context(), live_app.test_request_context():
        make_user("supervisor", "supervisor")
        for n in range(3):
            make_complaint(phone=f"1380013800{n}", name="Ouyang Xiaoming",
                           description="The washing machine arrived with a dented door and a missing hose. " * 3)
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/staff/login?lang=en")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "password-123")
    page.get_by_role("button", name=re.compile("Log in", re.IGNORECASE)).click()
    page.goto(f"{live_server}/staff/cases/")
    assert page.get_by_role("columnheader", name="Age").count() == 1
    assert page.locator("tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    wrap.evaluate("e => e.scrollLeft = e.scrollWidth")
    assert page.get_by_role("columnheader", name="SLA").is_visible()
    context.close()
