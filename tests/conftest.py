"""Fixtures shared by the whole suite: an app on a fresh database, its client, and staff logins.

Every test that uses ``app`` runs on SQLite, and once more on PostgreSQL when TEST_DATABASE_URL
is set (as .ci/run does).
"""
import contextvars
import email
import os

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient

from survey_app import create_app
from survey_app.config import TestConfig
from survey_app.extensions import db
from survey_app.models import Team
from survey_app.services.platform.settings import reconfigure

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


class RequestClient(FlaskClient):
    """A test client whose every request gets its own app context, as each request does in a server.

    Tests hold an app context open so they can use ``db.session``; a request made inside it would
    reuse that context, and with it ``g`` and whatever extensions cache there (Flask-Babel's
    locale, Flask-Login's user) from the previous request. The request has its own database
    session too, so the test's objects are expired afterwards to read what the request committed.
    """

    def open(self, *args, **kwargs):
        # A server reads a streamed body in the request's own context; so does the client, at once.
        kwargs.setdefault("buffered", True)
        reply = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return reply


@pytest.fixture
def client(app):
    app.test_client_class = RequestClient
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


@pytest.fixture
def front_desk(staff):
    """The agent's team, which takes every category: every complaint filed from here on is routed
    to the agent, who may then work it."""
    db.session.add(Team(name="front desk", categories=[]))
    staff["agent"].team = "front desk"
    db.session.commit()


@pytest.fixture
def english_request(app):
    """Services called as a view would call them: in a request whose reader reads English."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def configure(app):
    """Change settings of the test's app, as its environment would have set them: ``configure(KEY=value)``."""
    return lambda **values: reconfigure(app, **values)


@pytest.fixture
def mailbox(configure, tmp_path):
    """Emails go to files of this test's own; calling the fixture's value reads them, oldest first."""
    configure(MAIL_BACKEND="file", MAIL_FILE_DIR=str(tmp_path))

    def messages() -> list[email.message.Message]:
        return [email.message_from_bytes(path.read_bytes()) for path in sorted(tmp_path.glob("*.eml"))]

    return messages
