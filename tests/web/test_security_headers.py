"""What every response tells the browser: only this host's content, no framing, no sniffing, no
Referer to other hosts, and over HTTPS, HSTS and Secure cookies."""
import re

import pytest

from survey_app.demo import create_demo
from survey_app.security_headers import trust_proxies
from tests.factories import PASSWORD, make_complaint, make_survey

EN = {"Accept-Language": "en"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _policy(reply) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in reply.headers["Content-Security-Policy"].split(";"))
    return {name: value for name, value in directives}


@pytest.fixture
def demo(app, staff):
    create_demo(responses=300)


@pytest.fixture
def pages(client, auth, demo):
    """A public survey page, a tracking page, staff pages with and without charts, JSON, CSS, a 404."""
    filed = make_complaint()
    auth.login("admin")
    with client.get("/static/app.css") as css:
        pass
    return {
        "survey": client.get("/s/demo", headers=EN),
        "tracking": client.get(f"/complaints/track/{filed.tracking_key}", headers=EN),
        "case": client.get(f"/staff/cases/{filed.complaint.reference}", headers=EN),
        "report": client.get("/staff/reports/demo", headers=EN),
        "login": client.get("/staff/login", headers=EN),
        "api": client.get("/api/v1/complaints/none", headers=EN),
        "css": css,
        "missing": client.get("/no/such/page", headers=EN),
    }


def test_every_response_allows_only_this_host_and_no_framing(pages):
    assert pages["report"].status_code == pages["case"].status_code == 200
    for name, reply in pages.items():
        policy = _policy(reply)
        assert policy["default-src"] == "'self'", name
        assert policy["script-src"] == "'self'", name  # no inline script, no eval, no other host
        assert "'unsafe-inline'" not in policy["style-src"], name
        assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'", name
        assert policy["base-uri"] == "'none'" and policy["form-action"] == "'self'", name
        assert reply.headers["X-Frame-Options"] == "DENY", name
        assert reply.headers["X-Content-Type-Options"] == "nosniff", name
        # Tokens in survey and tracking links never reach another host in a Referer.
        assert reply.headers["Referrer-Policy"] == "same-origin", name
        assert "Strict-Transport-Security" not in reply.headers, name


def test_no_page_runs_inline_script_or_inline_style(pages):
    for name in ("survey", "tracking", "case", "report", "login"):
        html = pages[name].get_data(as_text=True)
        assert INLINE_SCRIPT.findall(html) == [], name
        assert EVENT_HANDLER.findall(html) == [], name
        assert STYLE_ATTRIBUTE.findall(html) == [], name
    report = pages["report"].get_data(as_text=True)
    # The charts travel as data for static/js/charts.js, which plotly.js draws from this host.
    assert report.count('data-plotly="') == 3 and '/static/js/charts.js?v=' in report


def test_the_tracking_page_lets_its_forms_send_a_referer_to_this_host(pages):
    # Over HTTPS Flask-WTF refuses a form posted without a same-site Referer; the header policy
    # already keeps the token from other hosts, so the page must not forbid Referer altogether.
    assert 'name="referrer"' not in pages["tracking"].get_data(as_text=True)


def _cookies(reply) -> list[str]:
    return reply.headers.getlist("Set-Cookie")


def test_over_https_hsts_and_every_cookie_is_secure(app, client, staff):
    survey = make_survey("shop")
    https = "https://localhost"
    reply = client.get(f"/s/{survey.slug}?lang=zh", base_url=https)
    assert reply.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert _cookies(reply) and all("; Secure" in cookie for cookie in _cookies(reply))
    login = client.post("/staff/login", data={"username": "manager", "password": PASSWORD}, base_url=https)
    assert login.status_code == 302
    names = {cookie.split("=", 1)[0] for cookie in _cookies(login)}
    assert {"session", "known_login"} <= names and all("; Secure" in cookie for cookie in _cookies(login))


def test_over_plain_http_cookies_are_not_marked_secure(client, staff):
    login = client.post("/staff/login", data={"username": "manager", "password": PASSWORD})
    assert login.status_code == 302 and _cookies(login)
    assert not any("Secure" in cookie for cookie in _cookies(login))
    assert "Strict-Transport-Security" not in login.headers


def test_x_forwarded_proto_counts_only_from_a_trusted_proxy(app, client, configure):
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/staff/login", headers=forwarded).headers
    configure(TRUSTED_PROXIES=1)
    trust_proxies(app)
    assert client.get("/staff/login", headers=forwarded).headers["Strict-Transport-Security"]


def test_a_site_served_only_over_https_says_so_even_when_the_proxy_does_not(client, configure, staff):
    configure(HTTPS_ONLY=True)
    login = client.post("/staff/login", data={"username": "manager", "password": PASSWORD})
    assert login.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert all("; Secure" in cookie for cookie in _cookies(login))
