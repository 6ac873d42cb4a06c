"""Dates on the customer, review, import and callback pages are days in the firm's time zone, as
the times of the events beside them are: 20:00 UTC on 1 March is already 2 March in Shanghai."""
import io
from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Contact,
    ContactChannel,
    ContactPurpose,
    Customer,
    DuplicateCandidate,
    Job,
)
from survey_app.models.base import now_utc
from survey_app.services.customers import callbacks, consent
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from tests import factories
from tests.factories import make_complaint

EN = {"Accept-Language": "en"}
EVENING_UTC = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)


def test_customer_since_and_removal_are_days_in_the_firms_time_zone(client, staff, auth, configure):
    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    other, _ = resolve_customer(ContactKeys.parse("13800138001"), "li lei")
    li.created_at = other.created_at = li.removal_requested_at = EVENING_UTC
    db.session.scalar(sa.select(DuplicateCandidate)).created_at = EVENING_UTC
    db.session.commit()
    auth.login("supervisor")
    page = client.get(f"/staff/customers/{li.id}", headers=EN).get_data(as_text=True)
    assert "<th>Customer since</th><td>2026-03-02</td>" in page and "Asked to be removed on 2026-03-02" in page
    assert "2026-03-01" not in page
    queue = client.get("/staff/customers/review", headers=EN).get_data(as_text=True)
    assert "<td>2026-03-02</td>" in queue and "2026-03-01" not in queue
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    pair = client.get(f"/staff/customers/review/{candidate.id}", headers=EN).get_data(as_text=True)
    assert pair.count("<td>2026-03-02</td>") == 2 and "2026-03-01" not in pair
    configure(BUSINESS_TIMEZONE="UTC")
    assert "<th>Customer since</th><td>2026-03-01</td>" in client.get(f"/staff/customers/{li.id}").get_data(
        as_text=True)


def test_a_callback_skipped_for_a_recent_contact_gives_its_day_in_the_firms_time_zone(client, staff, auth, configure):
    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    filed = make_complaint(phone="13800138000", name="Li Lei", language="en")
    factories.serve(staff["agent"], filed.case, datetime(2026, 3, 15, 4, tzinfo=UTC))
    evening = datetime.combine(now_utc().date() - timedelta(days=2), time(20), UTC)
    db.session.add(Contact(customer_id=filed.complaint.customer_id, channel=ContactChannel.SMS,
                           purpose=ContactPurpose.SURVEY, key="invitation:1", contacted_at=evening))
    db.session.commit()
    callbacks.draw_month("2026-03", actor=None, seed=1)
    auth.login("supervisor")
    html = client.get("/staff/callbacks/2026-03", headers=EN).get_data(as_text=True)
    next_day = (evening.date() + timedelta(days=1)).isoformat()
    assert f"last contacted on {next_day}" in html and evening.date().isoformat() not in html


def test_the_contact_limit_names_the_day_in_the_firms_time_zone(app, english_request, configure):
    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    decision = consent.ContactDecision(False, consent.ContactReason.CAPPED, EVENING_UTC)
    assert decision.message == "contacted on 2026-03-02, within the contact limit"


def test_the_import_report_says_when_in_the_firms_time_zone(client, staff, auth, configure):
    configure(BUSINESS_TIMEZONE="Asia/Shanghai")
    auth.login("supervisor")
    reply = client.post("/staff/customers/import", data={"file": (io.BytesIO(b"phone\n13800138000\n"), "c.csv")},
                        content_type="multipart/form-data")
    record = db.session.scalar(sa.select(Job))
    record.finished_at = EVENING_UTC
    db.session.commit()
    html = client.get(reply.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Imported on 2026-03-02 04:00." in html
    assert db.session.scalar(sa.select(sa.func.count(Customer.id))) == 1
