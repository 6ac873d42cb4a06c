"""How often a staff login may be tried: per address, per account from one address, and per account
from every address together.

Every attempt counts, not only the failed ones: the count is taken before the password is checked,
so a burst of parallel guesses cannot all pass a check that would only count them afterwards (and
an owner logs in a few times a day, far under any of the limits).

The per-account limit stops guesses spread over many addresses; so that such guesses cannot keep
the owner out, a browser that logged in to the account before carries a signed cookie saying so,
and the per-account limit spares it (it still counts against the limits of its own address). The
others wait out a window of a minute by default. The limit per account and address stops one
address guessing at one account, while colleagues behind the same proxy still log in to theirs.
"""
from datetime import UTC, datetime

from flask import Response, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter import RequestLimit
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..services.platform.settings import settings
from .forms import LoginForm

KNOWN_BROWSER_COOKIE = "known_login"
KNOWN_BROWSER_DAYS = 90


def account_name(raw: str | None) -> str:
    """The account a login names, as the limits count it: "Alice " and "alice" are one account."""
    return (raw or "").strip().casefold()


def submitted_account() -> str:
    """The limits' key for the account being tried."""
    return account_name(request.form.get("username"))


def submitted_account_at_address() -> str:
    return f"{submitted_account()}@{get_remote_address()}"


def names_no_account() -> bool:
    """A login without a user name is refused by its form; only the address limit counts it."""
    return not submitted_account()


def per_address() -> str:
    return settings().login_limits.per_address


def per_account_address() -> str:
    return settings().login_limits.per_account_address


def per_account() -> str:
    return settings().login_limits.per_account


def spared_account_limit() -> bool:
    """Whether the limit per account (from every address) leaves this attempt alone: it names no
    account, or this browser logged in to it before (its owner, most likely)."""
    if names_no_account():
        return True
    token = request.cookies.get(KNOWN_BROWSER_COOKIE)
    if not token:
        return False
    try:
        known = _serializer().loads(token, max_age=KNOWN_BROWSER_DAYS * 86400)
    except BadSignature:
        return False
    return known == submitted_account()


def remember_browser(response: Response, username: str) -> Response:
    """After a successful login: this browser is known for this account from now on."""
    response.set_cookie(KNOWN_BROWSER_COOKIE, _serializer().dumps(account_name(username)),
                        max_age=KNOWN_BROWSER_DAYS * 86400, httponly=True, samesite="Lax",
                        path=url_for("auth.login"))
    return response


def refused(limit: RequestLimit) -> Response:
    """The login page again, with the name typed and how long to wait (Flask-Limiter sends it as 429)."""
    wait = max(1, int(limit.reset_at - datetime.now(UTC).timestamp()))
    form = LoginForm()
    form.username.errors = [_("Too many attempts to log in. Please try again in %(seconds)d seconds.",
                              seconds=wait)]
    page = render_template("auth/login.html", form=form)
    return Response(page, status=429, headers={"Retry-After": str(wait)})


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="known-login-browser")
