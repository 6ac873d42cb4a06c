"""Migration 0012 gives the cases already there the deadlines the services keep for new ones."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Case, CaseState
from survey_app.services import cases
from survey_app.services.cases.deadlines import DEADLINE_COLUMNS
from tests.factories import make_complaint, make_user, put_case_in
from tests.services.test_sla import local
from tests.test_migrations import _databases


def test_the_upgrade_back_fills_the_deadlines_of_the_cases_there(tmp_path):
    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context(), app.test_request_context(headers={"Accept-Language": "en"}):
            upgrade()
            agent = cases.Actor.staff(make_user("agent", "agent"))
            running = make_complaint(now=local(2026, 3, 2, 9)).case
            waiting = put_case_in(make_complaint(phone="13900139000", now=local(2026, 3, 2, 10)).case,
                                  CaseState.WAITING_CUSTOMER)
            closed = make_complaint(phone="13700137000", now=local(2026, 3, 2, 11)).case
            cases.transition(closed, "withdraw", agent, expected_version=closed.version,
                             fields={"reason": "Sorted."}, now=local(2026, 3, 9, 9))
            columns = [Case.__table__.c[name] for name in ("id", *DEADLINE_COLUMNS)]
            kept = db.session.execute(sa.select(*columns).order_by(Case.id)).all()
            assert [row.id for row in kept] == [running.id, waiting.id, closed.id], kind
            db.session.remove()
            downgrade(revision="0011_report_data_version")
            upgrade()
            assert db.session.execute(sa.select(*columns).order_by(Case.id)).all() == kept, kind
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            downgrade(revision="base")
            db.engine.dispose()
