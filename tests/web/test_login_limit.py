"""How often a staff login may be tried: shared by every app process, per address, per account."""
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis

from survey_app import create_app
from survey_app.extensions import db, limiter
from survey_app.security_headers import trust_proxies
from tests.factories import PASSWORD, make_user

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"
EN = {"Accept-Language": "en"}


@pytest.fixture
def limited(app, configure, staff):
    """The test app with its login limits on (each test app counts in memory of its own)."""

    def turn_on(**settings):
        configure(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **settings)
        limiter.init_app(app)
        trust_proxies(app)
        return app

    return turn_on


def login(client, username, password="wrong-password", address=None, **headers):
    if address:
        headers["X-Forwarded-For"] = address
    return client.post("/staff/login", data={"username": username, "password": password}, headers={**EN, **headers})


def test_an_account_is_locked_for_the_address_that_guesses_not_for_its_colleagues(client, limited):
    limited()
    assert [login(client, "manager").status_code for _ in range(6)] == [401] * 5 + [429]
    assert login(client, "manager", PASSWORD).status_code == 429
    # Another account behind the same address (a shop's one proxy) logs in.
    assert login(client, "agent", PASSWORD).status_code == 302


def test_a_refused_login_keeps_the_name_and_says_how_long_to_wait(client, limited):
    limited(LOGIN_LIMIT_PER_ACCOUNT_ADDRESS="1 per minute")
    login(client, "Manager ")
    reply = login(client, "Manager ")
    page = reply.get_data(as_text=True)
    assert reply.status_code == 429 and 0 < int(reply.headers["Retry-After"]) <= 60
    assert "Too many attempts to log in. Please try again in" in page and 'value="Manager "' in page
    # The same account, however it is typed.
    assert login(client, "MANAGER").status_code == 429


def test_x_forwarded_for_is_ignored_unless_a_proxy_is_trusted(client, limited):
    limited(LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    codes = [login(client, f"user{n}", address=f"203.0.113.{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_behind_a_trusted_proxy_each_client_address_counts_on_its_own(client, limited):
    limited(LOGIN_LIMIT_PER_ADDRESS="3 per minute", TRUSTED_PROXIES=1)
    codes = [login(client, f"user{n}", address=f"203.0.113.{n}").status_code for n in range(4)]
    assert codes == [401] * 4
    assert [login(client, "user9", address="203.0.113.9").status_code for _ in range(4)] == [401] * 3 + [429]


def test_the_account_limit_holds_when_the_guesses_come_from_many_addresses(client, limited):
    limited(TRUSTED_PROXIES=1, LOGIN_LIMIT_PER_ACCOUNT="4 per minute")
    codes = [login(client, "manager", address=f"198.51.100.{n}").status_code for n in range(5)]
    assert codes == [401] * 4 + [429]
    # A browser that never logged in to the account waits out the minute like the guesser.
    assert login(client, "manager", PASSWORD, address="192.0.2.1").status_code == 429


def test_the_owner_s_own_browser_logs_in_while_others_guess_at_the_account(app, limited):
    limited(TRUSTED_PROXIES=1)
    owner, guesser = app.test_client(), app.test_client()
    assert login(owner, "manager", PASSWORD, address="192.0.2.1").status_code == 302
    owner.post("/staff/logout")
    codes = [login(guesser, "manager", address=f"198.51.100.{n}").status_code for n in range(12)]
    assert codes[-1] == 429
    assert login(owner, "manager", PASSWORD, address="192.0.2.1").status_code == 302
    # The cookie is the account's: it does not spare another account.
    codes = [login(guesser, "agent", address=f"198.51.100.{n}").status_code for n in range(11)]
    assert login(owner, "agent", PASSWORD, address="192.0.2.1").status_code == 429


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port: int, database_url: str) -> None:
    """One app process as production runs it, with the limits its environment sets (see below)."""
    from werkzeug.serving import make_server

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                      "WTF_CSRF_ENABLED": False, "HUEY_IMMEDIATE": True})
    make_server("127.0.0.1", port, app).serve_forever()


def _post(port: int, username: str, password: str = "wrong-password") -> int:
    body = urllib.parse.urlencode({"username": username, "password": password}).encode()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/staff/login", data=body, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def _wait_until_up(port: int, process) -> None:
    deadline = time.monotonic() + 60  # an app process imports numpy, pandas and plotly first
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app process stopped"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"no app on port {port}")


@pytest.fixture
def shared_redis():
    """A key prefix of this test's own in the local Redis; its keys are removed afterwards."""
    store = redis.Redis.from_url(REDIS_URL)
    prefix = f"test-login-{uuid.uuid4().hex}"
    yield prefix
    for key in store.scan_iter(f"*{prefix}*"):
        store.delete(key)


def test_two_app_processes_sharing_redis_allow_the_limit_once_between_them(tmp_path, shared_redis):
    database_url = f"sqlite:///{tmp_path / 'login.db'}"
    setup = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url,
                        "RATELIMIT_ENABLED": False})
    with setup.app_context():
        db.create_all()
        make_user("manager")
        db.engine.dispose()
    # Production's environment: REDIS_URL names the Redis that every process shares.
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "LOGIN_LIMIT_"))},
           "REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": shared_redis, "RATELIMIT_ENABLED": "1",
           "LOGIN_LIMIT_PER_ACCOUNT_ADDRESS": "5 per minute", "PYTHONPATH": str(ROOT)}
    ports = [_free_port(), _free_port()]
    command = "from tests.web.test_login_limit import serve; serve({port}, {url!r})"
    processes = [subprocess.Popen([sys.executable, "-c", command.format(port=port, url=database_url)], cwd=ROOT,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    try:
        for port, process in zip(ports, processes):
            _wait_until_up(port, process)
        codes = [_post(ports[n % 2], "manager") for n in range(12)]
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
    assert codes == [401] * 5 + [429] * 7
