"""Merge and undo with callbacks: a customer's callbacks move with them and come back exactly, and a
callback drawn since the merge for work on the absorbed customer's case goes back with that case."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Callback, Contact
from survey_app.models.base import now_utc
from survey_app.services.customers import callbacks
from survey_app.services.customers.merges import customer_references, merge_customers, undo_merge
from tests.factories import make_complaint, serve
from tests.snapshots import customer_state


def state(customer_id: int) -> dict:
    """A customer's row and their callbacks, as stored."""
    return customer_state(customer_id, "callback")


def test_callbacks_are_found_from_the_metadata(app):
    assert "callback.customer_id" in {f"{c.table.name}.{c.name}" for c in customer_references()}


def test_a_callback_moves_on_merge_and_comes_back_on_undo(app, staff):
    agent = staff["agent"]
    by_phone = make_complaint(phone="13800138000", name="Li Lei")
    by_email = make_complaint(phone="13800138001", email="li@example.com", name="Li Lei")
    survivor, absorbed = by_phone.complaint.customer, by_email.complaint.customer
    serve(agent, by_email.case, datetime(2026, 3, 10, 4, tzinfo=timezone.utc))
    callbacks.draw_month("2026-03", actor=None, seed=1)
    survivor_id, absorbed_id = survivor.id, absorbed.id
    survivor_before, absorbed_before = state(survivor_id), state(absorbed_id)
    assert len(absorbed_before["callback"]) == 1 and survivor_before["callback"] == []

    merge = merge_customers(survivor, absorbed, actor=staff["supervisor"])
    assert [r["id"] for r in state(survivor_id)["callback"]] == [r["id"] for r in absorbed_before["callback"]]
    assert state(absorbed_id)["callback"] == []
    assert merge.moved["callback.customer_id"] == [[absorbed_before["callback"][0]["id"]]]

    # Since the merge the agent worked the absorbed customer's case again; April's callback lands on the survivor.
    serve(agent, by_email.case, datetime(2026, 4, 10, 4, tzinfo=timezone.utc))
    # March's call was made long enough ago not to cap April's.
    db.session.execute(sa.update(Contact).values(contacted_at=now_utc() - timedelta(days=40)))
    april = callbacks.draw_month("2026-04", actor=None, seed=1)
    [april_callback] = db.session.scalars(sa.select(Callback.id).where(Callback.draw_id == april.id)).all()
    assert {r["id"] for r in state(survivor_id)["callback"]} >= {april_callback}

    undo_merge(merge, actor=staff["admin"])
    assert state(survivor_id) == survivor_before
    absorbed_after = state(absorbed_id)
    assert absorbed_after["customer"] == absorbed_before["customer"]
    assert absorbed_after["callback"][0] == absorbed_before["callback"][0]
    assert [r["id"] for r in absorbed_after["callback"]] == [absorbed_before["callback"][0]["id"], april_callback]
