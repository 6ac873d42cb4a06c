"""Choosing the language of a page (an explicit switch, then the cookie, then Accept-Language),
and showing and reading times in the firm's time zone."""
from datetime import UTC, datetime
from urllib.parse import urlencode

from flask import current_app, has_request_context, request
from flask_babel import refresh

from .services.platform.clock import business_day
from .services.platform.settings import settings

LANGUAGE_COOKIE = "lang"
_PAGE_LANGUAGE = "survey_app.page_language"


def select_locale() -> str:
    return current_language()


def current_language() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command or a job: messages in the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if _PAGE_LANGUAGE in request.environ:
        return request.environ[_PAGE_LANGUAGE]
    for candidate in (request.args.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in languages:
            return candidate
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def remember_locale(response):
    """Keep an explicit choice of language for the next pages."""
    chosen = request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"] and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def url_in_language(code: str, path: str | None = None) -> str:
    """This page's address in another language, keeping its other query arguments (e.g. ?store=).

    A page shown in answer to a POST passes ``path``, the page to read instead: a link cannot
    repeat the POST, and its address may take no GET.
    """
    if path:
        return path + "?" + urlencode([("lang", code)])
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return request.path + "?" + urlencode([*args, ("lang", code)])


def use_language(code: str) -> None:
    """Render this request in ``code``, e.g. for a survey offered in fewer languages than the
    respondent's browser asks for, so the page is not half in one language and half in another."""
    request.environ[_PAGE_LANGUAGE] = code
    refresh()


def business_time(moment) -> str:
    """A UTC moment in the firm's time zone (BUSINESS_TIMEZONE), as staff and customers read times."""
    if moment is None:
        return ""
    if moment.tzinfo is None:  # the app keeps UTC; a zoneless value would otherwise read as the server's clock
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(settings().business_timezone).strftime("%Y-%m-%d %H:%M")


def from_business_time(wall_clock: datetime | None) -> datetime | None:
    """A time staff typed as the firm's clock shows it (BUSINESS_TIMEZONE), as the UTC moment it names."""
    if wall_clock is None:
        return None
    return wall_clock.replace(tzinfo=settings().business_timezone).astimezone(UTC)


def business_date(moment) -> str:
    """The day a UTC moment falls on in the firm's time zone: a customer created at 20:00 UTC on
    1 March is a customer since 2 March in Shanghai, the day beside their events on the page."""
    return "" if moment is None else business_day(moment).isoformat()
