"""Flask commands: staff accounts and instruments."""
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import InstrumentVersion, Role, StaffUser


def test_users_create_with_password(runner):
    result = runner.invoke(args=["users", "create", "lin", "--role", "manager", "--password", "long-enough-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "lin"))
    assert user.role is Role.MANAGER and user.check_password("long-enough-1")


def test_users_create_from_stdin(runner):
    result = runner.invoke(args=["users", "create", "wu", "--role", "agent", "--password-stdin"], input="from-stdin-pw\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(StaffUser).where(StaffUser.username == "wu")).check_password("from-stdin-pw")


def test_users_create_refuses_short_password_and_duplicates(runner):
    assert runner.invoke(args=["users", "create", "x", "--role", "agent", "--password", "short"]).exit_code != 0
    runner.invoke(args=["users", "create", "x", "--role", "agent", "--password", "long-enough-1"])
    result = runner.invoke(args=["users", "create", "x", "--role", "agent", "--password", "long-enough-1"])
    assert result.exit_code != 0 and "exists already" in result.output


def test_users_settlement_limit(runner):
    from decimal import Decimal

    from survey_app.extensions import db
    from survey_app.models import StaffUser

    runner.invoke(args=["users", "create", "zhao", "--role", "agent", "--password", "long-enough-1"])
    result = runner.invoke(args=["users", "settlement-limit", "zhao", "250"])
    assert result.exit_code == 0 and "250.00" in result.output
    assert db.session.scalar(db.select(StaffUser.settlement_limit)) == Decimal("250.00")
    assert runner.invoke(args=["users", "settlement-limit", "zhao", "lots"]).exit_code != 0
    assert runner.invoke(args=["users", "settlement-limit", "nobody", "10"]).exit_code != 0
    assert "default" in runner.invoke(args=["users", "settlement-limit", "zhao", "default"]).output
    db.session.expire_all()
    assert db.session.scalar(db.select(StaffUser.settlement_limit)) is None


def test_instruments_validate_and_load(runner, tmp_path):
    assert runner.invoke(args=["instruments", "validate"]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: broken\nversion: '1'\n")
    result = runner.invoke(args=["instruments", "validate", str(bad)])
    assert result.exit_code == 1 and "bad.yaml:" in result.output
    assert runner.invoke(args=["instruments", "load"]).exit_code == 0
    loaded = set(db.session.scalars(sa.select(InstrumentVersion.instrument_id)))
    assert {"acsi", "ecsi", "ccsi", "nps-pulse", "complaint-handling", "retail-store"} <= loaded
    # Loading again stores nothing new.
    count = db.session.scalar(sa.select(sa.func.count(InstrumentVersion.id)))
    runner.invoke(args=["instruments", "load"])
    assert db.session.scalar(sa.select(sa.func.count(InstrumentVersion.id))) == count


def test_instruments_load_refuses_a_bad_file_and_names_it(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: broken\nversion: '1'\n")
    result = runner.invoke(args=["instruments", "load", str(bad)])
    assert result.exit_code == 1 and "bad.yaml:" in result.output
    assert db.session.scalar(sa.select(sa.func.count(InstrumentVersion.id))) == 0


def test_demo_is_idempotent(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    from survey_app.models import Response

    count = db.session.scalar(sa.select(sa.func.count(Response.id)))
    assert count >= 600
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count(Response.id))) == count
