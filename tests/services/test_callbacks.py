"""The monthly callback check: who an agent served, the draw with its consent exclusions, outcomes and scores."""
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (ActorKind, Callback, CallbackDraw, CallbackStatus, CaseEvent, ConsentSource, Contact,
                               ContactChannel, ContactPurpose, EventKind, Job, JobStatus)
from survey_app.models.base import now_utc
from survey_app.services.customers import callbacks, consent
from survey_app.services import cases
from survey_app.services.customers.matching import request_removal
from survey_app.services.errors import Conflict, InvalidInput
from survey_app.services.platform.jobs import create_job
from survey_app.services.customers.merges import merge_customers
from tests.factories import make_complaint, make_user
from tests import factories

MARCH = datetime(2026, 3, 15, 4, tzinfo=timezone.utc)


def serve(agent, case, at=MARCH, kind=EventKind.NOTE):
    factories.serve(agent, case, at, kind)


def complainant(n: int, **overrides):
    return make_complaint(phone=f"1380013{n:04d}", name=f"Customer {n}", **overrides)


def customer_ids(draw, agent=None):
    query = sa.select(Callback.customer_id).where(Callback.draw_id == draw.id)
    if agent is not None:
        query = query.where(Callback.agent_id == agent.id)
    return sorted(db.session.scalars(query))


def test_month_bounds_follow_the_business_time_zone(app):
    start, end = callbacks.month_bounds("2026-03")
    assert start == datetime(2026, 2, 28, 16, tzinfo=timezone.utc)
    assert end == datetime(2026, 3, 31, 16, tzinfo=timezone.utc)
    assert callbacks.month_bounds("2026-12")[1] == datetime(2026, 12, 31, 16, tzinfo=timezone.utc)
    assert callbacks.previous_month(datetime(2026, 3, 31, 17, tzinfo=timezone.utc)) == "2026-03"  # 1 April in Shanghai
    assert callbacks.previous_month(datetime(2026, 1, 10, tzinfo=timezone.utc)) == "2025-12"
    for bad in ("2026-13", "2026-3", "March", ""):
        with pytest.raises(InvalidInput):
            callbacks.month_bounds(bad)


def test_served_means_an_agent_event_on_the_customers_case_within_the_month(app, staff):
    agent, other = staff["agent"], make_user("agent2", "agent")
    first, second, edge_before, edge_after, customer_only = (complainant(n) for n in range(5))
    serve(agent, first.case)
    serve(agent, first.case, MARCH + timedelta(days=2))  # twice: still one customer
    serve(agent, second.case, kind=EventKind.REPLY)
    serve(other, second.case)
    # 00:30 on 1 March in Shanghai is March; 00:00 on 1 April is April.
    serve(agent, edge_before.case, datetime(2026, 2, 28, 16, 30, tzinfo=timezone.utc))
    serve(agent, edge_after.case, datetime(2026, 3, 31, 16, 0, tzinfo=timezone.utc))
    # The customer writing, or a supervisor's step, serves nobody.
    db.session.add(CaseEvent(case_id=customer_only.case.id, kind=EventKind.CUSTOMER_MESSAGE, name="message",
                             actor_kind=ActorKind.CUSTOMER, changes={}, at=MARCH))
    serve(staff["supervisor"], customer_only.case)
    served = callbacks.served_customers("2026-03")
    assert [s.customer.id for s in served[agent]] == sorted(
        [first.complaint.customer_id, second.complaint.customer_id, edge_before.complaint.customer_id])
    assert [s.customer.id for s in served[other]] == [second.complaint.customer_id]
    assert [s.customer.id for s in callbacks.served_customers("2026-04")[agent]] == [edge_after.complaint.customer_id]
    assert staff["supervisor"] not in served


def test_workflow_steps_serve_and_merged_customers_are_followed(app, staff):
    agent = staff["agent"]
    by_phone = complainant(1)
    by_email = make_complaint(phone=None, email="li@example.com", name="Li Lei")
    for filed in (by_phone, by_email):
        cases.transition(filed.case, "acknowledge", cases.Actor.staff(agent), expected_version=filed.case.version,
                         now=MARCH)
    merge_customers(by_phone.complaint.customer, by_email.complaint.customer, actor=staff["supervisor"])
    [served] = callbacks.served_customers("2026-03")[agent]
    assert served.customer.id == by_phone.complaint.customer_id


def test_inactive_agents_are_not_drawn_for(app, staff):
    leaver = make_user("leaver", "agent")
    serve(leaver, complainant(1).case)
    leaver.active = False
    db.session.commit()
    assert leaver not in callbacks.served_customers("2026-03")


def test_draw_keeps_five_per_agent_and_counts_each_as_a_contact(app, staff):
    agent = staff["agent"]
    for n in range(8):
        serve(agent, complainant(n).case)
    draw = callbacks.draw_month("2026-03", actor=staff["supervisor"], seed=7)
    drawn = db.session.scalars(sa.select(Callback).where(Callback.draw_id == draw.id)).all()
    assert len(drawn) == 5 and {c.status for c in drawn} == {CallbackStatus.DUE} and draw.skipped == []
    assert all(c.case_id is not None and c.agent_id == agent.id for c in drawn)
    keys = set(db.session.scalars(sa.select(Contact.key).where(Contact.purpose == ContactPurpose.CALLBACK)))
    assert keys == {f"callback:{c.id}" for c in drawn}
    # Counted for the frequency cap: the drawn customers are not invited to a survey this month.
    for callback in drawn:
        assert consent.may_contact(callback.customer, "sms", "survey").reason is consent.ContactReason.CAPPED
    assert draw.drawn_by_id == staff["supervisor"].id and draw.per_agent == 5


def test_fewer_served_than_five_are_all_drawn(app, staff):
    for n in range(3):
        serve(staff["agent"], complainant(n).case)
    draw = callbacks.draw_month("2026-03", per_agent=5, actor=None, seed=1)
    assert len(customer_ids(draw)) == 3


def test_opted_out_removed_capped_and_phoneless_customers_are_never_drawn_but_reported(app, staff):
    agent = staff["agent"]
    allowed, opted_out, removed, capped, survey_only = (complainant(n) for n in range(5))
    no_phone = make_complaint(phone=None, email="nophone@example.com")
    for filed in (allowed, opted_out, removed, capped, survey_only, no_phone):
        serve(agent, filed.case)
    consent.set_consent(opted_out.complaint.customer, granted=False, source=ConsentSource.STAFF,
                        channels=[ContactChannel.PHONE], purposes=[ContactPurpose.CALLBACK])
    # Refusing surveys by SMS is not refusing a phone callback.
    consent.set_consent(survey_only.complaint.customer, granted=False, source=ConsentSource.STAFF,
                        channels=[ContactChannel.SMS], purposes=[ContactPurpose.SURVEY])
    request_removal(removed.complaint.customer, actor=None)
    consent.record_contact(capped.complaint.customer, "sms", "survey", "invitation:1", at=now_utc() - timedelta(days=3))
    db.session.commit()
    draw = callbacks.draw_month("2026-03", actor=None, seed=3)
    assert customer_ids(draw) == sorted([allowed.complaint.customer_id, survey_only.complaint.customer_id])
    reasons = {entry["customer_id"]: entry["reason"] for entry in draw.skipped}
    assert reasons == {opted_out.complaint.customer_id: "opted_out", removed.complaint.customer_id: "removal_requested",
                       capped.complaint.customer_id: "capped", no_phone.complaint.customer_id: "no_phone"}
    assert {entry["agent_id"] for entry in draw.skipped} == {agent.id}
    [capped_entry] = [e for e in draw.skipped if e["reason"] == "capped"]
    assert capped_entry["last_contacted_at"] is not None


def test_a_customer_two_agents_served_is_called_once(app, staff):
    first, second = staff["agent"], make_user("agent2", "agent")
    shared = complainant(1)
    serve(first, shared.case)
    serve(second, shared.case)
    draw = callbacks.draw_month("2026-03", actor=None, seed=1)
    assert customer_ids(draw) == [shared.complaint.customer_id]
    assert [(e["agent_id"], e["reason"]) for e in draw.skipped] == [(second.id, "capped")]


def test_the_same_seed_draws_the_same_customers(app, staff):
    agent = staff["agent"]
    for n in range(12):
        serve(agent, complainant(n).case)

    def forget():
        """Forget the draw and its contacts, as if it had been made on a copy of the data."""
        db.session.execute(sa.delete(Contact).where(Contact.purpose == ContactPurpose.CALLBACK))
        db.session.execute(sa.delete(Callback))
        db.session.execute(sa.delete(CallbackDraw))
        db.session.commit()

    def draw_again(seed):
        ids = customer_ids(callbacks.draw_month("2026-03", actor=None, seed=seed))
        forget()
        return ids

    assert draw_again(42) == draw_again(42)
    assert len({tuple(draw_again(seed)) for seed in range(5)}) > 1
    # Without a seed one is chosen and kept, so the draw can be repeated.
    kept = callbacks.draw_month("2026-03", actor=None)
    ids, seed = customer_ids(kept), kept.seed
    forget()
    assert draw_again(seed) == ids


def test_one_draw_per_month(app, staff):
    serve(staff["agent"], complainant(1).case)
    callbacks.draw_month("2026-03", actor=None)
    with pytest.raises(Conflict, match="2026-03"):
        callbacks.draw_month("2026-03", actor=None)
    assert db.session.scalar(sa.select(sa.func.count(CallbackDraw.id))) == 1
    callbacks.draw_month("2026-04", actor=None)  # another month is another draw


def test_a_month_not_begun_is_refused(app):
    with pytest.raises(InvalidInput) as refused:
        callbacks.check_month("2026-05", now=datetime(2026, 4, 30, 15, tzinfo=timezone.utc))
    assert "month" in refused.value.field_errors
    assert callbacks.check_month(" 2026-05 ", now=datetime(2026, 4, 30, 16, tzinfo=timezone.utc)) == "2026-05"


@pytest.fixture
def drawn(app, staff):
    agent, other = staff["agent"], make_user("agent2", "agent")
    for n in range(4):
        serve(agent if n < 3 else other, complainant(n).case)
    draw = callbacks.draw_month("2026-03", actor=None, seed=1)
    return draw, agent, other


@pytest.mark.parametrize("status, rating, field", [
    ("done", None, "service_rating"), ("done", "", "service_rating"), ("done", 0, "service_rating"),
    ("done", 11, "service_rating"), ("done", "seven", "service_rating"), ("unreachable", 5, "service_rating"),
    ("due", None, "status"), ("called", 5, "status"),
])
def test_outcome_validation(drawn, staff, status, rating, field):
    draw, agent, _other = drawn
    callback = db.session.scalar(sa.select(Callback).where(Callback.draw_id == draw.id).limit(1))
    with pytest.raises(InvalidInput) as refused:
        callbacks.record_outcome(callback, status=status, service_rating=rating, needs=None, suggestion=None,
                                 actor=staff["supervisor"])
    assert field in refused.value.field_errors
    db.session.refresh(callback)
    assert callback.status is CallbackStatus.DUE and callback.called_at is None


def test_outcome_text_is_limited(drawn, staff):
    callback = db.session.scalar(sa.select(Callback).limit(1))
    with pytest.raises(InvalidInput) as refused:
        callbacks.record_outcome(callback, status="done", service_rating=8, needs="x" * 2001, suggestion=None,
                                 actor=None)
    assert set(refused.value.field_errors) == {"needs"}


def test_outcomes_feed_the_agents_scores(drawn, staff):
    draw, agent, other = drawn
    mine = db.session.scalars(sa.select(Callback).where(Callback.agent_id == agent.id).order_by(Callback.id)).all()
    callbacks.record_outcome(mine[0], status="done", service_rating="9", needs=" A faster refund ", suggestion="",
                             actor=staff["supervisor"])
    callbacks.record_outcome(mine[1], status="done", service_rating=6, needs=None, suggestion="Call back sooner",
                             actor=staff["supervisor"])
    callbacks.record_outcome(mine[2], status="unreachable", service_rating=None, needs=None, suggestion=None,
                             actor=staff["supervisor"])
    assert (mine[0].needs, mine[0].suggestion, mine[0].called_by_id) == ("A faster refund", None, staff["supervisor"].id)
    scores = {s.agent.username: s for s in callbacks.agent_scores("2026-03")}
    assert scores["agent"][1:] == (3, 2, 1, 0, 7.5)
    assert scores["agent2"][1:] == (1, 0, 0, 0, None)
    assert callbacks.agent_scores("2026-02") == []
    # Recording again corrects the outcome.
    callbacks.record_outcome(mine[2], status="done", service_rating=3, needs=None, suggestion=None, actor=None)
    assert {s.agent.username: s.mean_rating for s in callbacks.agent_scores("2026-03")}["agent"] == 6.0


def test_a_customer_who_opts_out_after_the_draw_is_marked_not_to_call(drawn):
    draw, agent, _other = drawn
    calls = callbacks.calls_by_agent(draw)
    assert all(call.decision.allowed for call in calls[agent]), "the draw's own contact does not cap its callback"
    first = calls[agent][0].callback
    consent.opt_out(first.customer)
    marked = {call.callback.id: call.decision for call in callbacks.calls_by_agent(draw)[agent]}
    assert marked[first.id].reason is consent.ContactReason.OPTED_OUT
    assert sum(d.allowed for d in marked.values()) == 2


def test_the_draw_runs_as_a_background_job(app, staff):
    serve(staff["agent"], complainant(1).case)
    job = create_job("callback_draw", created_by_id=staff["supervisor"].id)
    callbacks.draw_month_job(job.id, "2026-03", 5, staff["supervisor"].id, "en")
    db.session.expire_all()
    finished = db.session.get(Job, job.id)
    draw = callbacks.draw_of("2026-03")
    assert finished.status is JobStatus.DONE and finished.result == {"draw_id": draw.id, "month": "2026-03"}
    assert draw.drawn_by_id == staff["supervisor"].id
    again = create_job("callback_draw", created_by_id=staff["supervisor"].id)
    callbacks.draw_month_job(again.id, "2026-03", 5, staff["supervisor"].id, "en")
    db.session.expire_all()
    failed = db.session.get(Job, again.id)
    assert failed.status is JobStatus.FAILED and "drawn already" in failed.error


def test_a_draw_on_a_sqlite_file_writes_its_progress_beside_it(tmp_path):
    """On a database file the progress is written on a connection of its own while the draw
    works: the draw must not hold the write lock then (the test suite's in-memory database,
    one connection for all, cannot show this)."""
    from survey_app import create_app
    from tests.conftest import _test_settings

    app = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'draw.db'}"})
    with app.app_context(), app.test_request_context():
        db.create_all()
        agent, boss = make_user("agent", "agent"), make_user("boss", "supervisor")
        serve(agent, complainant(1).case)
        serve(agent, complainant(2).case)
        job = create_job("callback_draw", created_by_id=boss.id)
        callbacks.draw_month_job(job.id, "2026-03", 5, boss.id, "en")
        db.session.expire_all()
        finished = db.session.get(Job, job.id)
        assert finished.status is JobStatus.DONE, finished.error
        assert len(customer_ids(callbacks.draw_of("2026-03"))) == 2
        db.session.remove()
        db.engine.dispose()
