"""Fixtures shared by the whole suite: an app on a fresh database, its client, and staff logins.

Every test that uses ``app`` runs on SQLite, and once more on PostgreSQL when TEST_DATABASE_URL
is set (as .ci/run does).
"""
import os

import pytest
import sqlalchemy as sa

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _url(kind: str) -> str:
    return "sqlite://" if kind == "sqlite" else os.environ["TEST_DATABASE_URL"]


@pytest.fixture(scope="session", params=DATABASES)
def database(request):
    """The database kind; on PostgreSQL the schema is made once and emptied after each test."""
    kind = request.param
    if kind == "postgresql":
        app = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": _url(kind)})
        with app.app_context():
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
            db.create_all()
            db.engine.dispose()
    return kind


def _test_settings() -> dict:
    return {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}


@pytest.fixture
def app(database):
    app = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": _url(database)})
    with app.app_context():
        if database == "sqlite":
            db.create_all()
        yield app
        db.session.remove()
        if database == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as connection:
                connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username="manager", password="password-123"):
        return self._client.post("/staff/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/staff/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def staff(app):
    """One account per role, user name = role, password 'password-123'."""
    from tests.factories import make_user

    return {role: make_user(role, role) for role in ("agent", "supervisor", "manager", "admin")}
