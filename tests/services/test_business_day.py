"""Days are the firm's (BUSINESS_TIMEZONE, Asia/Shanghai in tests), not UTC's: for the eight hours
after 16:00 UTC, Shanghai is already on the next day."""
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from survey_app.extensions import db
from survey_app.models import ContactChannel, ContactPurpose
from survey_app.services.customers import consent
from survey_app.services.customers.consent import may_contact
from survey_app.services.customers.imports import import_customers
from survey_app.services.customers.matching import ContactKeys, resolve_customer
from survey_app.services.platform.clock import business_day, start_of_business_day
from tests.factories import make_response, make_survey

# 02:00 on 1 June in Shanghai.
EARLY_MORNING_IN_SHANGHAI = datetime(2026, 5, 31, 18, tzinfo=UTC)


def test_the_firms_day_and_its_start(app):
    assert business_day(EARLY_MORNING_IN_SHANGHAI) == date(2026, 6, 1)
    assert start_of_business_day(date(2026, 6, 1)) == datetime(2026, 5, 31, 16, tzinfo=UTC)


def test_a_response_joins_the_wave_open_on_the_firms_day(app):
    survey = make_survey("shop", waves=[("May", date(2026, 5, 1)), ("June", date(2026, 6, 1))])
    response = make_response(survey, {"exp1": 7}, now=EARLY_MORNING_IN_SHANGHAI)
    db.session.refresh(response)
    assert response.wave.name == "June"


@pytest.mark.usefixtures("english_request")
def test_a_purchase_made_today_in_shanghai_is_not_in_the_future(app):
    with freeze_time(EARLY_MORNING_IN_SHANGHAI):
        report = import_customers("name,phone,first_purchase_on\nLi Lei,13800138000,2026-06-01\n")
    assert (report.created, report.rejected) == (1, [])


def test_the_contact_limit_counts_the_firms_days(app, configure):
    configure(CONTACT_CAP_DAYS=1)
    customer, _ = resolve_customer(ContactKeys.parse("13800138000", None), "Li Lei")
    consent.record_contact(customer, ContactChannel.SMS, ContactPurpose.SURVEY, "test:early", at=EARLY_MORNING_IN_SHANGHAI)
    db.session.commit()
    # Contacted at 02:00 on 1 June, the customer is not contacted again on 1 June.
    assert not may_contact(customer, "sms", "survey", today=date(2026, 6, 1)).allowed
    assert may_contact(customer, "sms", "survey", today=date(2026, 6, 2)).allowed
