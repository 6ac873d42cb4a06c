"""May we contact this customer? Consent per channel and purpose, removal requests, the frequency cap."""
from datetime import date, datetime, timedelta, timezone

import pytest

from survey_app.extensions import db
from survey_app.models import ContactChannel, ContactPurpose, ConsentSource
from survey_app.services.customers import consent
from survey_app.services.customers.consent import ContactReason, may_contact
from survey_app.services.customers.matching import ContactKeys, request_removal, resolve_customer

TODAY = date(2026, 6, 15)


@pytest.fixture
def customer(app):
    customer, _ = resolve_customer(ContactKeys.parse("13800138000", "li@example.com"), "Li Lei")
    db.session.commit()
    return customer


def contacted(customer, days_ago, purpose=ContactPurpose.SURVEY, key=None):
    at = datetime(2026, 6, 15, 9, tzinfo=timezone.utc) - timedelta(days=days_ago)
    consent.record_contact(customer, ContactChannel.SMS, purpose, key or f"test:{days_ago}:{purpose}", at=at)
    db.session.commit()


@pytest.mark.parametrize("channel", list(ContactChannel))
@pytest.mark.parametrize("purpose", list(ContactPurpose))
def test_a_new_customer_may_be_contacted(customer, channel, purpose):
    decision = may_contact(customer, channel, purpose, today=TODAY)
    assert decision.allowed and decision.reason is ContactReason.ALLOWED


def test_opt_out_is_per_channel_and_purpose(customer):
    consent.set_consent(customer, granted=False, source=ConsentSource.STAFF, channels=[ContactChannel.SMS],
                        purposes=[ContactPurpose.SURVEY])
    assert may_contact(customer, "sms", "survey", today=TODAY).reason is ContactReason.OPTED_OUT
    assert may_contact(customer, "email", "survey", today=TODAY).allowed
    assert may_contact(customer, "sms", "follow_up", today=TODAY).allowed


def test_the_newest_consent_record_wins(customer):
    consent.set_consent(customer, granted=False, source=ConsentSource.OPTOUT_LINK)
    assert not may_contact(customer, "email", "survey", today=TODAY).allowed
    consent.set_consent(customer, granted=True, source=ConsentSource.CUSTOMER_FORM, channels=[ContactChannel.EMAIL],
                        purposes=[ContactPurpose.SURVEY])
    assert may_contact(customer, "email", "survey", today=TODAY).allowed
    assert not may_contact(customer, "sms", "survey", today=TODAY).allowed
    state = consent.consent_state(customer)
    assert state[(ContactChannel.EMAIL, ContactPurpose.SURVEY)] is True
    assert state[(ContactChannel.SMS, ContactPurpose.SURVEY)] is False


def test_consent_records_keep_source_and_time(customer, staff):
    records = consent.set_consent(customer, granted=False, source=ConsentSource.STAFF, actor=staff["agent"],
                                  channels=[ContactChannel.PHONE], purposes=[ContactPurpose.CALLBACK], note="By phone")
    assert len(records) == 1
    record = records[0]
    assert (record.source, record.recorded_by_id, record.note) == (ConsentSource.STAFF, staff["agent"].id, "By phone")
    assert record.recorded_at.tzinfo is not None


def test_one_click_opt_out_stops_surveys_and_callbacks_but_not_service(customer):
    consent.opt_out(customer)
    for channel in ContactChannel:
        assert may_contact(customer, channel, "survey", today=TODAY).reason is ContactReason.OPTED_OUT
        assert may_contact(customer, channel, "callback", today=TODAY).reason is ContactReason.OPTED_OUT
        # Replies about their own open complaint are service, not solicitation.
        assert may_contact(customer, channel, "follow_up", today=TODAY).allowed


def test_opting_out_of_everything_stops_service_messages_too(customer):
    consent.opt_out(customer, include_service=True)
    assert all(not may_contact(customer, c, p, today=TODAY).allowed for c in ContactChannel for p in ContactPurpose)


def test_removal_request_stops_every_contact_at_once(customer, staff):
    request_removal(customer, actor=staff["supervisor"])
    for channel in ContactChannel:
        for purpose in ContactPurpose:
            assert may_contact(customer, channel, purpose, today=TODAY).reason is ContactReason.REMOVAL_REQUESTED


@pytest.mark.parametrize("days_ago, allowed", [(0, False), (1, False), (29, False), (30, True), (45, True)])
def test_frequency_cap_default_thirty_days(customer, days_ago, allowed):
    contacted(customer, days_ago)
    decision = may_contact(customer, "email", "survey", today=TODAY)
    assert decision.allowed is allowed
    if not allowed:
        assert decision.reason is ContactReason.CAPPED and decision.last_contacted_at.date() == TODAY - timedelta(days_ago)
        assert decision.message.startswith("contacted on")


def test_frequency_cap_spans_surveys_and_callbacks_but_not_service(customer):
    contacted(customer, 3, ContactPurpose.CALLBACK)
    assert may_contact(customer, "sms", "survey", today=TODAY).reason is ContactReason.CAPPED
    assert may_contact(customer, "phone", "callback", today=TODAY).reason is ContactReason.CAPPED
    assert may_contact(customer, "email", "follow_up", today=TODAY).allowed


def test_service_messages_do_not_count_against_the_cap(customer):
    contacted(customer, 1, ContactPurpose.FOLLOW_UP)
    assert may_contact(customer, "sms", "survey", today=TODAY).allowed


def test_frequency_cap_is_configurable(app, customer, configure):
    configure(CONTACT_CAP_DAYS=7)
    contacted(customer, 7)
    assert may_contact(customer, "sms", "survey", today=TODAY).allowed
    contacted(customer, 6)
    assert not may_contact(customer, "sms", "survey", today=TODAY).allowed


def test_resending_the_same_message_is_not_a_new_contact(customer):
    contacted(customer, 2, key="invitation:1")
    assert not may_contact(customer, "sms", "survey", today=TODAY).allowed
    assert may_contact(customer, "sms", "survey", today=TODAY, resend_of="invitation:1").allowed
    assert not may_contact(customer, "sms", "survey", today=TODAY, resend_of="invitation:2").allowed
    # Recording the same message twice counts once.
    assert consent.record_contact(customer, "sms", "survey", "invitation:1") is None


def test_opt_out_token_finds_its_customer_and_refuses_forgeries(customer):
    token = consent.optout_token(customer, "secret")
    assert consent.customer_for_optout(token, "secret").id == customer.id
    assert consent.customer_for_optout(token, "other-secret") is None
    assert consent.customer_for_optout(f"{customer.id + 1}-{token.split('-')[1]}", "secret") is None
    for garbage in ("", "abc", "-", "1-", "x-y", "9" * 40 + "-00"):
        assert consent.customer_for_optout(garbage, "secret") is None


def test_consent_of_a_merged_customer_is_the_survivors(customer):
    other, _ = resolve_customer(ContactKeys.parse(email="other@example.com"))
    other.merged_into_id = customer.id
    db.session.commit()
    consent.opt_out(other)
    assert not may_contact(customer, "sms", "survey", today=TODAY).allowed
    assert not may_contact(other, "sms", "survey", today=TODAY).allowed
