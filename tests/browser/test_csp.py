"""The content policy as a browser enforces it: the pages it covers run and draw with nothing refused."""
import pytest

from survey_app.demo import create_demo
from tests.factories import PASSWORD, make_complaint, make_user

pytestmark = pytest.mark.browser

# Every refusal of the policy, whether or not the browser also logs it to the console.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


@pytest.fixture
def reference(live_app):
    with live_app.app_context():
        create_demo(responses=300)
        make_user("chief", "admin")
        return make_complaint().complaint.reference


@pytest.fixture
def desktop(browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def _refused(page) -> list[str]:
    return page.evaluate("window.cspViolations") + [m for m in page.console_errors if "Content Security" in m]


def test_report_respondent_and_case_pages_run_under_the_policy(live_server, reference, desktop):
    page = desktop
    page.goto(f"{live_server}/s/demo")
    assert page.locator("form button[type=submit]").count() > 0
    assert _refused(page) == []

    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=username]", "chief")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/staff/")

    page.goto(f"{live_server}/staff/reports/demo")
    charts = page.locator(".chart[data-plotly]")
    assert charts.count() == 3
    # plotly.js drew each chart: its SVG with the bars, paths and points of the figure.
    page.wait_for_function("document.querySelectorAll('.chart .main-svg').length >= 3", timeout=20000)
    assert page.locator(".chart .plot-container").count() == 3
    # plotly.js's own style rules took (its toolbar is hidden until the pointer is on a chart).
    assert page.evaluate("document.getElementById('plotly.js-style-global').sheet.cssRules.length") > 10
    assert page.locator(".chart").first.bounding_box()["height"] > 100
    assert _refused(page) == [] and page.console_errors == []

    page.goto(f"{live_server}/staff/cases/{reference}")
    assert page.locator("p.pre-line").count() == 1
    assert _refused(page) == [] and page.console_errors == []
