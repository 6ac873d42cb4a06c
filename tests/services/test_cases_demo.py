"""The demo has a complaint case in every workflow state, each reached through real steps."""
import sqlalchemy as sa
from flask_babel import force_locale

from survey_app.extensions import db
from survey_app.models import Case, CaseEvent, CaseState
from survey_app.services import cases
from survey_app.demo import DEMO_USERS, create_demo_complaints
from tests.factories import make_user


def test_demo_complaints_cover_every_state(app):
    for username, role, _password in DEMO_USERS:
        make_user(username, role, team="front-line" if role == "agent" else None)
    with force_locale("en"):
        create_demo_complaints()
    states = set(db.session.scalars(sa.select(Case.state)))
    assert states == set(CaseState)
    for case in db.session.scalars(sa.select(Case)):
        projected = cases.project(cases.events_of(case))
        assert projected["state"] is case.state, case.reference
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) > len(CaseState)
    settled = db.session.scalars(sa.select(Case).where(Case.first_contact.is_(True))).all()
    assert [case.state for case in settled] == [CaseState.CLOSED_ACCEPTED]


def test_demo_cases_keep_their_states_when_the_worker_checks_the_sla(app):
    from survey_app.services.cases import operations as schedule

    for username, role, _password in DEMO_USERS:
        make_user(username, role, team="front-line" if role == "agent" else None)
    with force_locale("en"):
        create_demo_complaints()
        assert schedule.escalate_sla_breaches.call_local() == []
    assert set(db.session.scalars(sa.select(Case.state))) == set(CaseState)


def test_demo_has_a_callback_draw_with_outcomes(app):
    from survey_app.models import Callback, CallbackDraw, CallbackStatus
    from survey_app.services.customers import callbacks
    from survey_app.demo import create_demo_callbacks

    for username, role, _password in DEMO_USERS:
        make_user(username, role, team="front-line" if role == "agent" else None)
    with force_locale("en"):
        create_demo_complaints()
    create_demo_callbacks()
    [draw] = db.session.scalars(sa.select(CallbackDraw)).all()
    statuses = [c.status for c in db.session.scalars(sa.select(Callback).where(Callback.draw_id == draw.id))]
    assert len(statuses) == 5 and statuses.count(CallbackStatus.DUE) == 3
    # The one who refused callbacks, and those just sent the handling survey of their closed case.
    assert {entry["reason"] for entry in draw.skipped} == {"opted_out", "capped"}
    [score] = callbacks.agent_scores(draw.month)
    assert (score.agent.username, score.drawn, score.reached, score.mean_rating) == ("agent", 5, 1, 8.0)
