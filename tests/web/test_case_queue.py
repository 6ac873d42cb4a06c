"""The case queue: who complained, about what, how long ago and through which channel, one page
at a time, at a cost that does not grow with the rows on the page."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Channel, SlaPolicy
from survey_app.models.base import now_utc
from survey_app.services.cases.queue import PAGE_SIZE
from tests.factories import make_complaint

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh"}


def file_many(app, count: int, start: int = 0):
    with app.test_request_context():
        return [make_complaint(phone=f"1380013{n:04d}", description=f"Complaint number {n}").complaint.reference
                for n in range(start, start + count)]


def references_in(html: str) -> list[str]:
    return re.findall(r">(C-\d{4}-\d{6})</a>", html)


def row_of(html: str, reference: str) -> str:
    return re.search(rf"<tr><td><a [^>]*>{reference}</a>.*?</tr>", html, re.DOTALL).group(0)


def test_each_row_names_the_customer_subject_channel_and_age(client, auth, staff, app):
    with app.test_request_context():
        filed = make_complaint(name="Wang Fang", channel=Channel.WECHAT, now=now_utc() - timedelta(days=3, hours=4, minutes=5),
                               description="The kettle leaks at the seam after two days of use, and the shop would "
                                           "not take it back although it is under warranty.")
    auth.login("supervisor")
    html = client.get("/staff/cases/", headers=EN).get_data(as_text=True)
    for column in ("Customer", "Subject", "Channel", "Age"):
        assert f'<th scope="col">{column}</th>' in html
    row = row_of(html, filed.complaint.reference)
    assert "Wang Fang" in row and "The kettle leaks at the seam" in row and "under warranty" not in row
    assert "WeChat" in row and '<td class="age">3d 4h</td>' in row
    row = row_of(client.get("/staff/cases/", headers=ZH).get_data(as_text=True), filed.complaint.reference)
    assert '<td class="age">3天4小时</td>' in row and "微信" in row


def test_the_queue_is_read_in_the_same_statements_whatever_its_length(client, auth, staff, app):
    statements = []

    def count(*args):
        statements.append(args[2])

    file_many(app, 2)
    auth.login("supervisor")
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.get("/staff/cases/")
        few = len(statements)
        file_many(app, 30, start=2)
        statements.clear()
        html = client.get("/staff/cases/").get_data(as_text=True)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert html.count('<td class="age">') == 32
    assert len(statements) == few, "\n".join(statements)


def test_the_queue_comes_a_page_at_a_time(client, auth, staff, app):
    references = file_many(app, PAGE_SIZE + 5)
    auth.login("supervisor")
    first = client.get("/staff/cases/?category=product", headers=EN).get_data(as_text=True)
    assert references_in(first) == references[:PAGE_SIZE]
    following = re.search(r'href="([^"]+)">Next page<', first).group(1).replace("&amp;", "&")
    assert "category=product" in following
    second = client.get(following, headers=EN).get_data(as_text=True)
    assert references_in(second) == references[PAGE_SIZE:]
    assert "Next page" not in second and "First page" in second


@pytest.mark.parametrize("after", ["abc", "999999", "-1"])
def test_a_page_after_an_unknown_case_starts_at_the_first(client, auth, staff, app, after):
    references = file_many(app, 2)
    auth.login("supervisor")
    reply = client.get(f"/staff/cases/?after={after}", headers=EN)
    assert reply.status_code == 200 and references_in(reply.get_data(as_text=True)) == references


def walk_pages(client, url: str) -> list[str]:
    """The references on every page from ``url`` on, following each page's "Next page" link."""
    shown = []
    while url:
        html = client.get(url, headers=EN).get_data(as_text=True)
        shown += references_in(html)
        link = re.search(r'href="([^"]+)">Next page<', html)
        url = link.group(1).replace("&amp;", "&") if link else None
    return shown


def test_the_pages_show_every_case_once_the_one_due_first_first(client, auth, staff, app):
    # Incidents are to be acknowledged within the hour: filed last, they are due first.
    db.session.add(SlaPolicy(category="incident", severity=None, hours={"acknowledge": 1}))
    db.session.commit()
    products = file_many(app, PAGE_SIZE + 2)
    with app.test_request_context():
        incidents = [make_complaint("incident", phone=f"1390013{n:04d}").complaint.reference for n in range(3)]
    auth.login("supervisor")
    assert walk_pages(client, "/staff/cases/") == incidents + products
    assert walk_pages(client, "/staff/cases/?sla=ok&category=incident") == incidents
