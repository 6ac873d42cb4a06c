"""Approvals recorded before an approval carried its decision get the text and remedy of their request."""
from decimal import Decimal

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import CaseEvent, CaseState
from survey_app.services import cases
from survey_app.services.cases.workflow import approved_amount
from tests.factories import make_complaint, make_user, put_case_in
from tests.test_migrations import _databases

CLOSURE = {"root_cause": "Seal", "resolution_code": "upheld", "remedy": "refund", "remedy_amount": "800"}


def test_earlier_approvals_get_the_decision_they_approved(tmp_path):
    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            case = put_case_in(make_complaint().case, CaseState.INVESTIGATING)
            agent, supervisor = (cases.Actor.staff(make_user(role, role)) for role in ("agent", "supervisor"))
            cases.transition(case, "request_approval", agent, expected_version=case.version,
                             fields={"decision": "We refund the set.", **CLOSURE})
            approval = cases.transition(case, "approve", supervisor, expected_version=case.version)
            # As an approval was recorded before: no text, nothing changed.
            db.session.execute(sa.update(CaseEvent).where(CaseEvent.id == approval.id).values(body=None, changes={}))
            db.session.commit()
            downgrade(revision="0008_sla_policy_hours")
            upgrade()
            db.session.expire_all()
            approval = db.session.get(CaseEvent, approval.id)
            assert (approval.body, approval.changes) == (
                "We refund the set.", {"remedy": "refund", "remedy_amount": "800.00"}), kind
            # A decision within the amount approved before the upgrade needs no approval again.
            assert approved_amount(case) == Decimal("800.00"), kind
            db.session.remove()
            with db.engine.begin() as connection:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())
            downgrade(revision="base")
            db.engine.dispose()
