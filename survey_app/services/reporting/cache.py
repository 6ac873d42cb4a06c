"""Report results kept by (survey, filter, data version), so a page and its downloads share one fit,
and what is drawn from a result (its charts in each language) kept beside it.

Flask-Caching (``extensions.cache``), because it offers one interface over a store in the
process and a shared one: SimpleCache (per process, bounded by CACHE_THRESHOLD) by default, and
Redis when CACHE_REDIS_URL is set, as it should be where several app processes serve, so a fit
made by one serves the others. Values are pickled in both, so a reader never shares an object
with another request.

Nothing is ever deleted by hand: the key carries :func:`data_version`, which every submitted,
edited or deleted response, and every merge moving responses, moves on in its own transaction
(``models.survey.report_data_changed``), so the next request misses and refits, and the outdated
entry ages out (CACHE_DEFAULT_TIMEOUT, or SimpleCache's threshold). A cache
that cannot be reached, or holds what this release cannot read, costs a refit, never the page.
"""
import logging
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

import sqlalchemy as sa

from ...extensions import cache, db
from ...models import Survey
from .datasets import ResponseFilter

# Bump when what is cached changes shape, so a shared cache never hands a new release an old layout.
KEY_FORMAT = 3
T = TypeVar("T")
log = logging.getLogger(__name__)
# Read on every report view, built once: one row by its primary key, whatever the number of responses.
_DATA_VERSION = sa.select(Survey.data_version).where(Survey.id == sa.bindparam("survey_id"))


def data_version(survey: Survey) -> int:
    """The survey's data version as the database holds it now, not as the session last loaded the survey."""
    return db.session.scalar(_DATA_VERSION, {"survey_id": survey.id})


def report_key(survey: Survey, flt: ResponseFilter, version: int, part: str = "report") -> str:
    """The cache key of a result, or of the ``part`` drawn from it; filters that select the same
    responses give the same key."""
    waves = ",".join(str(w) for w in sorted(flt.wave_ids))
    segments = "&".join(f"{quote(name)}={quote(value)}" for name, value in sorted(flt.segments))
    return f"report/{KEY_FORMAT}/{survey.id}/{survey.instrument_version_id}/{version}/{waves}/{segments}/{quote(part)}"


def fetch(survey: Survey, flt: ResponseFilter, compute: Callable[[Survey, ResponseFilter], T]) -> tuple[T, int]:
    """The cached result of ``compute(survey, flt)`` for the current data, computing it on a miss.

    Returns the result and the data version it belongs to.
    """
    version = data_version(survey)
    key = report_key(survey, flt, version)
    result = _read(key)
    if result is None:
        result = compute(survey, flt)
        # A response stored while ``compute`` read (PostgreSQL reads each statement afresh) would
        # put newer data under the older key; such a result is returned but not kept.
        if data_version(survey) == version:
            _write(key, result)
    return result, version


def fetch_part(survey: Survey, flt: ResponseFilter, version: int, part: str, compute: Callable[[], T]) -> T:
    """The cached ``part`` drawn from the result of data version ``version`` (as :func:`fetch`
    returned it), computing it on a miss. It belongs to that version whatever has been stored since,
    so it is kept without a second look at the data."""
    key = report_key(survey, flt, version, part)
    result = _read(key)
    if result is None:
        result = compute()
        _write(key, result)
    return result


def _read(key: str):
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - Redis down, or an entry pickled by an older release
        log.warning("report cache: cannot read %s", key, exc_info=True)
        return None


def _write(key: str, result) -> None:
    try:
        cache.set(key, result)
    except Exception:  # noqa: BLE001 - Redis down: the next request fits again
        log.warning("report cache: cannot store %s", key, exc_info=True)
