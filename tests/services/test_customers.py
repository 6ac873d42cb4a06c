"""Matching every intake to one customer: exact keys, normalisation, conflicts and the review queue."""
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (Customer, CustomerEvent, CustomerEventKind, DuplicateCandidate, DuplicateReason,
                               DuplicateStatus)
from survey_app.services.customers.matching import (ContactKeys, CustomerDetails, CustomerValues, edit_keys,
                                                    find_by_keys, name_key, normalise_email, normalise_phone,
                                                    request_removal, resolve_customer)
from survey_app.services.errors import Conflict, InvalidInput
from survey_app.services.customers.merges import merge_customers
from tests.snapshots import count


def resolve(phone=None, email=None, reference=None, name=None, **kwargs):
    customer, created = resolve_customer(ContactKeys.parse(phone, email, reference), name, **kwargs)
    db.session.commit()
    return customer, created


@pytest.mark.parametrize("raw", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "008613800138000"])
def test_normalise_phone_gives_e164_in_the_default_region(app, raw):
    assert normalise_phone(raw) == "+8613800138000"


def test_normalise_phone_uses_the_configured_region(app, configure):
    configure(DEFAULT_PHONE_REGION="GB")
    assert normalise_phone("020 7946 0018") == "+442079460018"


@pytest.mark.parametrize("raw", ["12345", "not a number", "+86 138"])
def test_normalise_phone_refuses_impossible_numbers(app, raw):
    with pytest.raises(InvalidInput):
        normalise_phone(raw)


def test_normalise_email_lowercases_and_refuses_garbage(app):
    assert normalise_email("  Li.Lei@Example.COM ") == "li.lei@example.com"
    assert normalise_email("") is None
    for bad in ("li", "li@example", "li lei@example.com", "a@b@c.com"):
        with pytest.raises(InvalidInput):
            normalise_email(bad)


def test_name_key_ignores_case_and_spaces():
    assert name_key(" Li  Lei ") == name_key("li lei") == name_key("LiLei") == "lilei"
    assert name_key("  ") is None


@pytest.mark.parametrize("key", ["phone", "email", "reference"])
def test_each_exact_key_finds_the_same_customer(app, key):
    first, created = resolve("13800138000", "li@example.com", "R-1", "Li Lei")
    assert created
    again = {"phone": ("+86 138 0013 8000", None, None), "email": (None, "LI@example.com", None),
             "reference": (None, None, " R-1 ")}[key]
    second, created = resolve(*again)
    assert second.id == first.id and not created
    assert count(Customer) == 1


def test_a_match_fills_in_the_keys_the_customer_lacked(app):
    customer, _ = resolve(phone="13800138000")
    resolve(phone="13800138000", email="li@example.com", reference="R-9", name="Li Lei")
    db.session.refresh(customer)
    assert (customer.email, customer.reference, customer.name) == ("li@example.com", "R-9", "Li Lei")
    # Now the email alone finds them too.
    assert find_by_keys(ContactKeys(email="li@example.com")).id == customer.id


def test_a_match_never_overwrites_a_key_or_name(app):
    customer, _ = resolve(phone="13800138000", email="li@example.com", name="Li Lei")
    resolve(phone="13800138000", email="other@example.com", name="Someone Else")
    db.session.refresh(customer)
    assert (customer.email, customer.name) == ("li@example.com", "Li Lei")


def test_value_fields_and_segments_are_stored_and_updated(app):
    values = CustomerValues(Decimal("1200.50"), date(2019, 5, 1), 7)
    customer, _ = resolve(phone="13800138000", segments={"tier": "gold"}, values=values)
    assert (customer.annual_spend, customer.first_purchase_on, customer.purchase_count) == (Decimal("1200.50"), date(2019, 5, 1), 7)
    resolve(phone="13800138000", segments={"store": "north"}, values=CustomerValues(purchase_count=8))
    db.session.refresh(customer)
    assert customer.purchase_count == 8 and customer.annual_spend == Decimal("1200.50")
    assert customer.segments == {"tier": "gold", "store": "north"}


def test_keys_pointing_at_two_customers_go_to_review_not_merged(app):
    by_phone, _ = resolve(phone="13800138000", name="Li Lei")
    by_email, _ = resolve(email="li@example.com", name="Lei Li")
    matched, created = resolve(phone="13800138000", email="li@example.com")
    assert not created and matched.id == by_phone.id
    # The email stays with its customer: no two customers share a key because of a guess.
    db.session.refresh(by_phone)
    assert by_phone.email is None
    assert count(Customer) == 2
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    assert (candidate.first_id, candidate.second_id, candidate.reason) == (by_phone.id, by_email.id, DuplicateReason.SHARED_KEY)
    assert candidate.evidence["email"] == [None, "li@example.com"]
    # Seeing the same conflict again queues nothing more.
    resolve(phone="13800138000", email="li@example.com")
    assert count(DuplicateCandidate) == 1


def test_reference_decides_when_keys_disagree(app):
    by_phone, _ = resolve(phone="13800138000")
    by_reference, _ = resolve(reference="R-1")
    matched, _ = resolve(phone="13800138000", reference="R-1")
    assert matched.id == by_reference.id and by_phone.id != by_reference.id


@pytest.mark.parametrize("first, second, reason", [
    (("13800138000", None), ("13800138001", None), DuplicateReason.SIMILAR_PHONE),
    (("13800138000", None), ("13800183000", None), DuplicateReason.SIMILAR_PHONE),
    ((None, "lilei@example.com"), (None, "lilei@example.org"), DuplicateReason.SIMILAR_EMAIL),
    ((None, "lilei@example.com"), (None, "liilei@example.com"), DuplicateReason.SIMILAR_EMAIL),
])
def test_same_name_with_a_similar_key_goes_to_review(app, first, second, reason):
    a, _ = resolve(*first, name="Li Lei")
    b, created = resolve(*second, name="li lei")
    assert created and a.id != b.id
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    assert candidate.reason is reason and {candidate.first_id, candidate.second_id} == {a.id, b.id}


@pytest.mark.parametrize("first, second, names", [
    (("13800138000", None), ("13800138001", None), ("Li Lei", "Han Meimei")),  # similar phone, other name
    (("13800138000", None), ("13912345678", None), ("Li Lei", "Li Lei")),  # same name, unrelated phone
    ((None, "lilei@example.com"), (None, "wang@example.com"), ("Li Lei", "Li Lei")),
])
def test_unrelated_customers_are_not_queued(app, first, second, names):
    resolve(*first, name=names[0])
    resolve(*second, name=names[1])
    assert count(DuplicateCandidate) == 0 and count(Customer) == 2


def test_a_merged_customer_is_found_through_its_survivor(app):
    survivor, _ = resolve(phone="13800138000")
    absorbed, _ = resolve(email="li@example.com")
    absorbed.merged_into_id = survivor.id
    db.session.commit()
    found, created = resolve(email="li@example.com")
    assert found.id == survivor.id and not created


def test_removal_request_is_recorded_once(app, staff):
    customer, _ = resolve(phone="13800138000")
    event = request_removal(customer, actor=staff["agent"], note="Asked on the phone")
    assert event.kind is CustomerEventKind.REMOVAL_REQUESTED and customer.removal_requested_at is not None
    with pytest.raises(Conflict):
        request_removal(customer, actor=staff["agent"])


def test_editing_keys_normalises_and_records_before_and_after(app, staff):
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    db.session.commit()
    typed = CustomerDetails(name=" Li  Lei ", phone="139 0013 9000", email="LI@Example.com ", reference="R-9")
    queued = edit_keys(li, typed, actor=staff["supervisor"])
    assert queued == []
    assert (li.name, li.name_key, li.phone, li.email, li.reference) == (
        "Li  Lei", "lilei", "+8613900139000", "li@example.com", "R-9")
    event = db.session.scalar(sa.select(CustomerEvent).where(CustomerEvent.kind == CustomerEventKind.KEYS_CHANGED))
    assert event.actor_id == staff["supervisor"].id and json.loads(event.text) == {
        "name": ["Li Lei", "Li  Lei"], "phone": ["+8613800138000", "+8613900139000"], "email": [None, "li@example.com"],
        "reference": [None, "R-9"]}
    assert find_by_keys(ContactKeys(phone="+8613800138000")) is None
    # Saving the same values again changes nothing and records nothing.
    edit_keys(li, CustomerDetails("Li  Lei", "+8613900139000", "li@example.com", "R-9"), actor=None)
    assert db.session.scalar(sa.select(sa.func.count(CustomerEvent.id))) == 1


@pytest.mark.parametrize("changes, field, message", [
    ({"phone": "12345"}, "phone", "12345 is not a valid phone number."),
    ({"email": "li@"}, "email", "li@ is not an email address."),
    ({"phone": "", "email": "", "reference": " "}, "phone", "Keep at least a phone"),
    ({"name": "N" * 201}, "name", "A name has at most 200 characters."),
    ({"reference": "R" * 65}, "reference", "A customer reference has at most 64 characters."),
])
def test_editing_keys_refuses_what_cannot_be_a_key(app, changes, field, message):
    li, _ = resolve_customer(ContactKeys.parse("13800138000", "li@example.com"), "Li Lei")
    db.session.commit()
    values = {"name": "Li Lei", "phone": "13800138000", "email": "li@example.com", "reference": None, **changes}
    with pytest.raises(InvalidInput) as refused:
        edit_keys(li, CustomerDetails(**values), actor=None)
    assert message in refused.value.field_errors[field]
    db.session.expire_all()
    assert (li.phone, li.email) == ("+8613800138000", "li@example.com")


def test_an_edit_that_shares_a_key_goes_to_review_and_never_merges(app, staff):
    li, _ = resolve_customer(ContactKeys.parse("13800138000"), "Li Lei")
    wang, _ = resolve_customer(ContactKeys.parse("13700137000", reference="R-1"), "Wang Wu")
    db.session.commit()
    [candidate] = edit_keys(li, CustomerDetails(name="Li Lei", phone="13800138000", email=None, reference="R-1"),
                            actor=staff["supervisor"])
    assert {candidate.first_id, candidate.second_id} == {li.id, wang.id}
    assert candidate.reason is DuplicateReason.SHARED_KEY and candidate.status is DuplicateStatus.OPEN
    assert candidate.evidence["reference"] == ["R-1", "R-1"]
    assert not li.is_merged and not wang.is_merged and li.reference == wang.reference == "R-1"
    # Editing again does not queue the pair twice; a merged record cannot be edited.
    edit_keys(li, CustomerDetails(name="Li", phone="13800138000", email=None, reference="R-1"), actor=None)
    assert db.session.scalar(sa.select(sa.func.count(DuplicateCandidate.id))) == 1
    merge_customers(wang, li, actor=staff["supervisor"])
    with pytest.raises(Conflict):
        edit_keys(li, CustomerDetails(name="Li", phone="13800138001", email=None, reference=None), actor=None)
