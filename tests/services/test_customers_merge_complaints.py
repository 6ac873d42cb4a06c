"""Merge and undo with complaints: complaints, their cases, case events and photos move with the
customer and come back exactly, with what was added in between going to whoever it came from."""
from datetime import timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState
from survey_app.models.base import now_utc
from survey_app.services import cases
from survey_app.services.cases.workflow import Actor
from survey_app.services.cases.intake import Photo
from survey_app.services.customers.merges import customer_references, merge_customers, undo_merge
from tests.factories import make_complaint, put_case_in
from tests.snapshots import customer_state, rows

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def state(customer_id: int) -> dict:
    """A customer's row, and every complaint with its case, case events and photos, as stored."""
    snapshot = customer_state(customer_id, "complaint")
    complaints = {row["id"] for row in snapshot["complaint"]}
    snapshot["complaint_case"] = rows("complaint_case", lambda c: c.complaint_id.in_(complaints))
    cases_of_customer = {row["id"] for row in snapshot["complaint_case"]}
    snapshot["case_event"] = rows("case_event", lambda c: c.case_id.in_(cases_of_customer))
    snapshot["attachment"] = rows("attachment", lambda c: c.complaint_id.in_(complaints))
    return snapshot


def ids(snapshot: dict, table: str) -> set[int]:
    return {row["id"] for row in snapshot[table]}


def test_complaints_are_found_from_the_metadata(app):
    assert "complaint.customer_id" in {f"{c.table.name}.{c.name}" for c in customer_references()}


def test_merge_and_undo_with_complaints_cases_and_events(app, staff):
    boss = Actor.staff(staff["supervisor"])
    # The same person complained once by phone and once by email: two customers, two cases.
    by_phone = make_complaint("product", phone="13800138000", name="Li Lei", language="en")
    by_email = make_complaint("delivery_installation", phone=None, email="li@example.com", name="Li Lei",
                              language="en", photos=[Photo("leak.png", PNG)])
    survivor, absorbed = by_phone.complaint.customer, by_email.complaint.customer
    assert survivor.id != absorbed.id
    for case in (by_phone.case, by_email.case):
        cases.transition(case, "acknowledge", boss, expected_version=case.version)
        cases.add_message(case, boss, "Checked the stock.", public=False, expected_version=case.version)
    cases.add_message(by_email.case, boss, "A new kettle is on its way.", public=True,
                      expected_version=by_email.case.version)
    survivor_id, absorbed_id = survivor.id, absorbed.id
    survivor_before, absorbed_before = state(survivor_id), state(absorbed_id)
    assert len(absorbed_before["case_event"]) == 4 and len(absorbed_before["attachment"]) == 1

    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    merged = state(survivor_id)
    for table in ("complaint", "complaint_case", "case_event", "attachment"):
        assert ids(merged, table) == ids(survivor_before, table) | ids(absorbed_before, table), table
    assert state(absorbed_id)["complaint"] == []
    assert sorted(row[0] for row in merge.moved["complaint.customer_id"]) == sorted(ids(absorbed_before, "complaint"))

    # Activity after the merge: work on the absorbed customer's case, and a new complaint of the survivor's.
    email_case = by_email.case
    cases.add_message(email_case, boss, "Delivered today.", public=True, expected_version=email_case.version)
    added_event = max(ids(state(survivor_id), "case_event"))
    survivor_new = make_complaint("other", phone="13800138000", language="en")
    new_complaint_id, new_case_id = survivor_new.complaint.id, survivor_new.case.id
    assert survivor_new.complaint.customer_id == survivor_id

    undo_merge(merge, actor=staff["admin"])

    survivor_after, absorbed_after = state(survivor_id), state(absorbed_id)
    assert absorbed_after["customer"] == absorbed_before["customer"]
    assert survivor_after["customer"] == survivor_before["customer"]
    # The absorbed customer's complaints are back, unchanged, with the event added to its case since.
    for table in ("complaint", "attachment"):
        assert absorbed_after[table] == absorbed_before[table], table
    [case_before], [case_after] = absorbed_before["complaint_case"], absorbed_after["complaint_case"]
    assert case_after == {**case_before, "version": case_before["version"] + 1, "updated_at": case_after["updated_at"]}
    assert [e for e in absorbed_after["case_event"] if e["id"] != added_event] == absorbed_before["case_event"]
    assert added_event in ids(absorbed_after, "case_event")
    # The survivor keeps its own, and the complaint it made after the merge.
    assert [c for c in survivor_after["complaint"] if c["id"] != new_complaint_id] == survivor_before["complaint"]
    assert [c for c in survivor_after["complaint_case"] if c["id"] != new_case_id] == survivor_before["complaint_case"]
    assert new_complaint_id in ids(survivor_after, "complaint")
    assert [e for e in survivor_after["case_event"] if e["case_id"] != new_case_id] == survivor_before["case_event"]
    # Nothing lost, nothing duplicated.
    everything = db.session.execute(sa.select(sa.func.count()).select_from(db.metadata.tables["complaint"])).scalar()
    assert everything == len(survivor_after["complaint"]) + len(absorbed_after["complaint"]) == 3


def test_undo_sends_back_a_follow_on_complaint_written_on_the_absorbed_customers_case(app, staff):
    """After the reopen window, writing on the tracking page of a case opens a new complaint linked
    to it; written during the merge on the absorbed customer's case, it is theirs after undo."""
    survivor = make_complaint("product", phone="13800138000", language="en").complaint.customer
    long_ago = now_utc() - timedelta(days=90)
    old = make_complaint("delivery_installation", phone=None, email="li@example.com", language="en", now=long_ago)
    absorbed, old_case = old.complaint.customer, old.case
    put_case_in(old_case, CaseState.CLOSED_ACCEPTED, closed_at=long_ago + timedelta(days=5))
    survivor_id, absorbed_id = survivor.id, absorbed.id
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    follow_on = cases.customer_writes(old_case, "It broke again", expected_version=old_case.version)
    assert follow_on.follows_case_id == old_case.id and follow_on.complaint.customer_id == survivor_id
    assert follow_on.complaint.possible_duplicate_of_id is None, "linked through its case only"
    follow_on_complaint = follow_on.complaint_id
    undo_merge(merge, actor=staff["admin"])
    assert follow_on_complaint in ids(state(absorbed_id), "complaint")
    assert follow_on_complaint not in ids(state(survivor_id), "complaint")


def test_undo_sends_back_what_came_through_the_absorbed_customers_keys(app, staff):
    """A complaint filed during the merge with the absorbed customer's email reached the survivor;
    after undo it, its case and the consent it gave are the absorbed customer's again. One filed
    with the survivor's own phone stays."""
    t = db.metadata.tables
    survivor = make_complaint("product", phone="13800138000", language="en").complaint.customer
    absorbed = make_complaint("other", phone=None, email="li@example.com", language="en").complaint.customer
    survivor_id, absorbed_id = survivor.id, absorbed.id
    consents_before = {cid: db.session.scalar(sa.select(sa.func.count()).where(t["consent_record"].c.customer_id == cid))
                       for cid in (survivor_id, absorbed_id)}
    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    by_email = make_complaint("delivery_installation", phone=None, email="LI@example.com", language="en")
    by_phone = make_complaint("service_quality", phone="138 0013 8000", language="en")
    assert by_email.complaint.customer_id == by_phone.complaint.customer_id == survivor_id
    assert by_email.complaint.contact_email == "li@example.com"
    undo_merge(merge, actor=staff["admin"])
    assert by_email.complaint.id in ids(state(absorbed_id), "complaint")
    assert by_email.case.id in ids(state(absorbed_id), "complaint_case")
    assert by_phone.complaint.id in ids(state(survivor_id), "complaint")
    consents_after = {cid: db.session.scalar(sa.select(sa.func.count()).where(t["consent_record"].c.customer_id == cid))
                      for cid in (survivor_id, absorbed_id)}
    # Each complaint form records consent on three channels.
    assert consents_after == {survivor_id: consents_before[survivor_id] + 3, absorbed_id: consents_before[absorbed_id] + 3}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(t["complaint"])) == 4
