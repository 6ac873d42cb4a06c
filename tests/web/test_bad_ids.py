"""Numbers nobody should send, in links, filters and forms: never a server error.

A number larger than an id column holds (SQLite raises OverflowError on it) and digits of another
script (Python's int() reads "١٢٣" as 123, and str.isdigit() takes "²", which int() refuses).
"""
import re

import pytest

from survey_app.extensions import db
from survey_app.services.customers import consent
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from tests.factories import make_complaint

TOO_LARGE = "99999999999999999999"
ARABIC_INDIC = "١٢٣"
SUPERSCRIPT = "²"
BAD_NUMBERS = [TOO_LARGE, ARABIC_INDIC, SUPERSCRIPT, str(2**31)]
PLACEHOLDER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _urls_with(app, number: str):
    """(method, url) of every route with an id in its path, the id(s) set to ``number``."""
    for rule in app.url_map.iter_rules():
        if not any(kind == "int" for kind, _name in PLACEHOLDER.findall(rule.rule)):
            continue
        url = PLACEHOLDER.sub(lambda m: number if m.group(1) == "int" else "x", rule.rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield method, url


@pytest.fixture
def as_admin(client, staff, auth):
    auth.login("admin")
    return client


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_every_route_with_an_id_refuses_what_no_id_is(app, as_admin, number):
    requests = list(_urls_with(app, number))
    assert len(requests) >= 10  # the walk found the routes (customers, reviews, merges, callbacks, photos)
    served = {(method, url): as_admin.open(url, method=method).status_code for method, url in requests}
    assert {key: code for key, code in served.items() if code != 404} == {}


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_queue_filters_refuse_what_no_id_is(as_admin, number):
    for name in ("team", "assignee"):
        reply = as_admin.get("/staff/cases/", query_string={name: number})
        assert reply.status_code == 200, name


@pytest.fixture
def filed(app):
    return make_complaint()


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_staff_case_forms_refuse_what_no_id_or_version_is(as_admin, filed, number):
    ref = filed.complaint.reference
    posts = {
        "transition": {"event": "acknowledge", "version": number},
        "messages": {"body": "Called the customer.", "version": number},
        "assign": {"team": number, "assignee": number, "version": number},
        "merge": {"into": ref, "version": number},
    }
    for action, data in posts.items():
        reply = as_admin.post(f"/staff/cases/{ref}/{action}", data=data, headers={"Accept-Language": "en"})
        assert reply.status_code < 500, action
    assert filed.case.version == 1  # nothing was written on a version nobody saw


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_tracking_forms_refuse_what_no_version_is(client, filed, number):
    reply = client.post(f"/complaints/track/{filed.tracking_key}/write", data={"version": number, "message": "Model K2"})
    assert 400 <= reply.status_code < 500


def _customer():
    customer, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    return customer


@pytest.mark.parametrize("token", [
    f"{ARABIC_INDIC}-0123456789abcdef0123456789abcdef",
    f"{SUPERSCRIPT}-0123456789abcdef0123456789abcdef",
    f"{TOO_LARGE}-0123456789abcdef0123456789abcdef",
    "1-ｆｆｆ",
    "1-é" * 10,
    "١",
])
def test_a_mangled_optout_link_says_it_does_not_work(client, app, token):
    _customer()
    for method in ("GET", "POST"):
        reply = client.open(f"/optout/{token}", method=method, headers={"Accept-Language": "en"})
        assert reply.status_code == 404
        assert "This link does not work" in reply.get_data(as_text=True)


def test_the_customer_s_own_link_still_works_and_one_digit_changed_does_not(client, app):
    token = consent.optout_token(_customer(), app.config["SECRET_KEY"])
    assert client.get(f"/optout/{token}").status_code == 200
    customer_id, mac = token.split("-")
    arabic = "".join(chr(0x0660 + int(d)) for d in customer_id)
    assert client.get(f"/optout/{arabic}-{mac}").status_code == 404
