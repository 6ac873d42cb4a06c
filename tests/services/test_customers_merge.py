"""Merge and undo: every record moves to the survivor, and undo restores both customers exactly."""

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (ContactChannel, ContactPurpose, ConsentSource, Customer, CustomerEvent,
                               CustomerEventKind, CustomerMerge, DuplicateCandidate, DuplicateStatus, Invitation,
                               Response)
from survey_app.models.base import now_utc
from survey_app.services.customers import consent
from survey_app.services.customers.matching import ContactKeys, find_by_keys, resolve_customer
from survey_app.services.errors import Conflict
from survey_app.services.surveys.invitations import issue_invitation
from survey_app.services.customers.merges import customer_references, merge_customers, undo_merge
from survey_app.services.surveys.responses import new_form_key
from tests.factories import make_survey
from tests.snapshots import customer_state

TABLES = ("response", "invitation", "consent_record", "contact", "customer_event")


def state(customer_id: int) -> dict:
    """Everything about a customer: its row and every row of the tables that point at it."""
    return customer_state(customer_id, *TABLES)


def respond(survey, customer_id, invitation=None):
    response = Response(survey_id=survey.id, customer_id=customer_id, invitation_id=invitation.id if invitation else None,
                        form_key=new_form_key(), answers={"sat1": 8})
    db.session.add(response)
    return response


@pytest.fixture
def pair(app, staff):
    """Two records of one person, each with invitations, responses, consent, contacts and notes."""
    survey = make_survey("shop")
    now = now_utc()
    survivor, _ = resolve_customer(ContactKeys.parse("13800138000", reference="R-1"), "Li Lei", {"tier": "gold"})
    absorbed, _ = resolve_customer(ContactKeys.parse(email="li@example.com"), "Li Lei", {"store": "north"})
    absorbed.purchase_count = 4
    for customer in (survivor, absorbed):
        invitation = issue_invitation(survey, None, customer.id, {}, "secret", now, 60)
        respond(survey, customer.id, invitation)
        consent.record_contact(customer, "sms", "survey", f"invitation:{invitation.id}")
        db.session.add(CustomerEvent(customer_id=customer.id, kind=CustomerEventKind.NOTE, text=f"note {customer.id}"))
    extra = issue_invitation(survey, None, absorbed.id, {}, "secret", now, 60)  # not answered yet
    db.session.commit()
    consent.set_consent(absorbed, granted=False, source=ConsentSource.STAFF, channels=[ContactChannel.PHONE],
                        purposes=[ContactPurpose.CALLBACK])
    candidate = DuplicateCandidate(first_id=survivor.id, second_id=absorbed.id, reason="similar_email", evidence={})
    db.session.add(candidate)
    db.session.commit()
    return survey, survivor, absorbed, extra, candidate


def test_references_are_discovered_from_the_metadata(app):
    found = {f"{c.table.name}.{c.name}" for c in customer_references()}
    assert {"response.customer_id", "invitation.customer_id", "consent_record.customer_id", "contact.customer_id",
            "customer_event.customer_id"} <= found
    assert not {"customer.merged_into_id", "customer_merge.survivor_id", "duplicate_candidate.first_id"} & found


def test_merge_moves_every_record_and_lists_them(pair, staff):
    survey, survivor, absorbed, extra, candidate = pair
    absorbed_rows = state(absorbed.id)
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"], candidate=candidate)
    after = state(survivor.id)
    assert state(absorbed.id) == {**{t: [] for t in TABLES}, "customer": [{**absorbed_rows["customer"][0], "merged_into_id": survivor.id}]}
    for table in TABLES:
        assert {r["id"] for r in absorbed_rows[table]} <= {r["id"] for r in after[table]}
        assert sorted(row[0] for row in merge.moved[f"{table}.customer_id"]) == sorted(r["id"] for r in absorbed_rows[table])
    # The survivor gains the keys and values it lacked, and keeps its own.
    assert (survivor.email, survivor.phone, survivor.purchase_count) == ("li@example.com", "+8613800138000", 4)
    assert survivor.segments == {"tier": "gold", "store": "north"}
    assert candidate.status is DuplicateStatus.MERGED and merge.merged_by_id == staff["supervisor"].id
    # Both customers' keys find the survivor; the absorbed customer's consent is the survivor's.
    assert find_by_keys(ContactKeys(email="li@example.com")).id == survivor.id
    assert consent.may_contact(survivor, "phone", "callback").reason is consent.ContactReason.OPTED_OUT


def test_undo_restores_both_customers_exactly_with_activity_added_since(pair, staff):
    survey, survivor, absorbed, extra, candidate = pair
    survivor_before, absorbed_before = state(survivor.id), state(absorbed.id)
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"], candidate=candidate)
    # Activity after the merge: an answer to the absorbed customer's invitation, and the survivor's own.
    late_answer = respond(survey, survivor.id, extra)
    own_invitation = issue_invitation(survey, None, survivor.id, {}, "secret", now_utc(), 60)
    own_answer = respond(survey, survivor.id, own_invitation)
    note = CustomerEvent(customer_id=survivor.id, kind=CustomerEventKind.NOTE, text="called")
    db.session.add(note)
    db.session.commit()
    late_id, own_invitation_id, own_answer_id, note_id = late_answer.id, own_invitation.id, own_answer.id, note.id

    undo_merge(merge, actor=staff["admin"])

    survivor_after, absorbed_after = state(survivor.id), state(absorbed.id)
    assert absorbed_after["customer"] == absorbed_before["customer"]
    assert survivor_after["customer"] == survivor_before["customer"]
    # Nothing lost, nothing duplicated: the old rows are back where they were, unchanged...
    for table in TABLES:
        assert [r for r in absorbed_after[table] if r["id"] != late_id or table != "response"] == absorbed_before[table]
        new_ids = {"response": {own_answer_id}, "invitation": {own_invitation_id}, "customer_event": {note_id}}.get(table, set())
        assert [r for r in survivor_after[table] if r["id"] not in new_ids] == survivor_before[table]
    # ...and what came later went to whoever it came from.
    assert [r["id"] for r in absorbed_after["response"]][-1] == late_id
    assert {r["id"] for r in survivor_after["response"]} >= {own_answer_id}
    assert own_invitation_id in {r["id"] for r in survivor_after["invitation"]}
    assert note_id in {r["id"] for r in survivor_after["customer_event"]}
    total = db.session.scalar(sa.select(sa.func.count(Response.id)))
    assert total == len(survivor_after["response"]) + len(absorbed_after["response"])
    assert candidate.status is DuplicateStatus.OPEN
    assert merge.undone_by_id == staff["admin"].id and merge.is_undone
    assert find_by_keys(ContactKeys(email="li@example.com")).id == absorbed.id
    assert consent.may_contact(survivor, "phone", "callback").reason is not consent.ContactReason.OPTED_OUT
    assert consent.may_contact(absorbed, "phone", "callback").reason is consent.ContactReason.OPTED_OUT


def test_merge_and_undo_refuse_what_cannot_be_done(pair, staff):
    survey, survivor, absorbed, extra, candidate = pair
    with pytest.raises(Conflict):
        merge_customers(survivor, survivor, actor=staff["supervisor"])
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    with pytest.raises(Conflict):
        merge_customers(absorbed, survivor, actor=staff["supervisor"])
    third, _ = resolve_customer(ContactKeys.parse("13900139000"))
    db.session.commit()
    later = merge_customers(third, survivor, actor=staff["supervisor"])
    with pytest.raises(Conflict):
        undo_merge(merge, actor=staff["supervisor"])
    undo_merge(later, actor=staff["supervisor"])
    undo_merge(merge, actor=staff["supervisor"])
    with pytest.raises(Conflict):
        undo_merge(merge, actor=staff["supervisor"])
    assert db.session.scalar(sa.select(sa.func.count(CustomerMerge.id))) == 2


def test_undo_keeps_rows_a_later_merge_brought_to_the_survivor(pair, staff):
    survey, survivor, absorbed, extra, candidate = pair
    first = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    third, _ = resolve_customer(ContactKeys.parse("13900139000"))
    invitation = issue_invitation(survey, None, third.id, {}, "secret", now_utc(), 60)
    db.session.commit()
    invitation_id = invitation.id
    merge_customers(survivor, third, actor=staff["supervisor"])
    undo_merge(first, actor=staff["supervisor"])
    assert db.session.get(Invitation, invitation_id).customer_id == survivor.id
    assert db.session.get(Customer, third.id).merged_into_id == survivor.id


def test_undo_sends_back_an_invitation_imported_with_the_absorbed_customers_email(pair, staff):
    from survey_app.services.surveys.invitations import import_invitations

    survey, survivor, absorbed, _extra, _candidate = pair
    survivor_id, absorbed_id = survivor.id, absorbed.id
    survivor_before, absorbed_before = state(survivor_id), state(absorbed_id)
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    later, other = make_survey("later"), make_survey("other")
    [by_email] = import_invitations(later, "name,email\nLi Lei,li@example.com\n", secret_key="secret").created
    [by_phone] = import_invitations(other, "name,phone\nLi Lei,13800138000\n", secret_key="secret").created
    assert by_email.customer_id == by_phone.customer_id == survivor_id
    answer = respond(later, survivor_id, by_email)
    db.session.commit()
    undo_merge(merge, actor=staff["admin"])
    survivor_after, absorbed_after = state(survivor_id), state(absorbed_id)
    # The invitation sent to the absorbed customer's address, and the answer to it, went back with it.
    assert [i["id"] for i in absorbed_after["invitation"]] == [i["id"] for i in absorbed_before["invitation"]] + [by_email.id]
    assert answer.id in [r["id"] for r in absorbed_after["response"]]
    assert [i["id"] for i in survivor_after["invitation"]] == [i["id"] for i in survivor_before["invitation"]] + [by_phone.id]
    assert survivor_after["customer"] == survivor_before["customer"]
    assert absorbed_after["customer"] == absorbed_before["customer"]
