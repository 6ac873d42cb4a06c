"""The firm's calendar: which day a moment falls on where the firm is (BUSINESS_TIMEZONE).

The app keeps moments in UTC, but waves, contact limits, "today" on a form and every date a
person reads are days of the firm's calendar, which is not the UTC one for part of every day
(8 hours of it in Shanghai).
"""
from datetime import UTC, date, datetime, time

from ...models.base import now_utc
from .settings import settings


def business_day(moment: datetime | None = None) -> date:
    """The firm's calendar day of ``moment`` (a UTC moment; now when not given)."""
    moment = moment or now_utc()
    if moment.tzinfo is None:  # the app keeps UTC; a zoneless value would otherwise read as the server's clock
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(settings().business_timezone).date()


def start_of_business_day(day: date) -> datetime:
    """The UTC moment the firm's calendar day ``day`` begins."""
    return datetime.combine(day, time.min, settings().business_timezone).astimezone(UTC)
