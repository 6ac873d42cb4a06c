"""The settings the domain rules read, typed and checked once when the app is built.

Services ask :func:`settings` instead of reading ``current_app.config`` by key: a misspelled
or mistyped setting fails when the app starts, not on the request that first needs it, and a
test changes one value with ``configure(...)`` (tests/conftest.py) instead of patching config.
"""
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from limits import parse_many

from . import secret_key


@dataclass(frozen=True)
class MailSettings:
    backend: str
    sender: str
    file_dir: str
    smtp_host: str
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool


@dataclass(frozen=True)
class LoginLimits:
    """Staff login attempts allowed, in limits' notation ("5 per 10 minutes")."""

    per_address: str
    per_account_address: str
    per_account: str

    @classmethod
    def from_config(cls, config) -> "LoginLimits":
        values = cls(config["LOGIN_LIMIT_PER_ADDRESS"], config["LOGIN_LIMIT_PER_ACCOUNT_ADDRESS"],
                     config["LOGIN_LIMIT_PER_ACCOUNT"])
        for value in (values.per_address, values.per_account_address, values.per_account):
            parse_many(value)  # ValueError for one that is not a limit
        return values


@dataclass(frozen=True)
class Settings:
    """What the services need of the configuration (names as in ``survey_app/config.py``)."""

    secret_key: str
    public_base_url: str
    default_phone_region: str
    # The firm's time zone: business days, SLA clocks, months of the callback check, page times.
    business_timezone: ZoneInfo
    business_hours: tuple[time, time]
    business_days: frozenset[int]
    holiday_country: str | None
    contact_cap_days: int
    invitation_days_valid: int
    complaint_categories: tuple[str, ...]
    resolution_codes: tuple[str, ...]
    remedy_approval_limit: Decimal
    first_contact_limit: Decimal
    reopen_window_days: int
    duplicate_window_days: int
    sla_default_hours: tuple[float, ...]
    sla_warning_share: float
    follow_up_score: float
    follow_up_nps_detractors: bool
    complaint_photo_max_bytes: int
    # Seconds without a heartbeat after which a running job counts as having lost its worker.
    job_heartbeat_timeout: float
    mail: MailSettings
    login_limits: LoginLimits
    # Proxies in front of the app whose X-Forwarded-For and -Proto are believed; 0: none.
    trusted_proxies: int
    https_only: bool

    @classmethod
    def from_config(cls, config) -> "Settings":
        """:raise ValueError, KeyError: for a setting that is missing or not of its kind (the app does not start).
        :raise RuntimeError: for a missing or weak SECRET_KEY outside development and tests.
        """
        opens, closes = (time.fromisoformat(part.strip()) for part in config["BUSINESS_HOURS"].split("-"))
        return cls(
            # Checked here because every process (web, worker, CLI) builds its settings once at start.
            secret_key=secret_key.checked(config),
            public_base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
            default_phone_region=config["DEFAULT_PHONE_REGION"],
            business_timezone=ZoneInfo(config["BUSINESS_TIMEZONE"]),
            business_hours=(opens, closes),
            business_days=frozenset(int(day) for day in config["BUSINESS_DAYS"]),
            holiday_country=config["HOLIDAY_COUNTRY"] or None,
            contact_cap_days=int(config["CONTACT_CAP_DAYS"]),
            invitation_days_valid=int(config["INVITATION_DAYS_VALID"]),
            complaint_categories=tuple(config["COMPLAINT_CATEGORIES"]),
            resolution_codes=tuple(config["RESOLUTION_CODES"]),
            remedy_approval_limit=Decimal(str(config["REMEDY_APPROVAL_LIMIT"])),
            first_contact_limit=Decimal(str(config["FIRST_CONTACT_LIMIT"])),
            reopen_window_days=int(config["REOPEN_WINDOW_DAYS"]),
            duplicate_window_days=int(config["DUPLICATE_WINDOW_DAYS"]),
            sla_default_hours=tuple(float(hours) for hours in config["SLA_DEFAULT_HOURS"]),
            sla_warning_share=float(config["SLA_WARNING_SHARE"]),
            follow_up_score=float(config["FOLLOW_UP_SCORE"]),
            follow_up_nps_detractors=bool(config["FOLLOW_UP_NPS_DETRACTORS"]),
            complaint_photo_max_bytes=int(config["COMPLAINT_PHOTO_MAX_BYTES"]),
            job_heartbeat_timeout=_positive(float(config["JOB_HEARTBEAT_TIMEOUT"]), "JOB_HEARTBEAT_TIMEOUT"),
            mail=MailSettings(
                backend=config["MAIL_BACKEND"], sender=config["MAIL_FROM"], file_dir=config["MAIL_FILE_DIR"],
                smtp_host=config["SMTP_HOST"], smtp_port=int(config["SMTP_PORT"]),
                smtp_username=config["SMTP_USERNAME"], smtp_password=config["SMTP_PASSWORD"],
                smtp_starttls=bool(config["SMTP_STARTTLS"]),
            ),
            login_limits=LoginLimits.from_config(config),
            trusted_proxies=_hops(config["TRUSTED_PROXIES"]),
            https_only=bool(config["HTTPS_ONLY"]),
        )


def _positive(value: float, name: str) -> float:
    if not value > 0:
        raise ValueError(f"{name} must be more than 0, not {value}")
    return value


def _hops(value) -> int:
    hops = int(value)
    if hops < 0:
        raise ValueError(f"TRUSTED_PROXIES is a number of proxies, not {value!r}.")
    return hops


def init_app(app: Flask) -> None:
    """Build the app's settings once, from its config."""
    app.extensions["settings"] = Settings.from_config(app.config)


def settings() -> Settings:
    """The settings of the app in whose context the caller runs."""
    return current_app.extensions["settings"]


def reconfigure(app: Flask, **values) -> Settings:
    """Change config values of a built app and rebuild its settings from them (the tests' `configure`)."""
    app.config.update(values)
    app.extensions["settings"] = Settings.from_config(app.config)
    return app.extensions["settings"]
