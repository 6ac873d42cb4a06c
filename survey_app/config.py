"""Settings, read from environment variables; SQLite in ``instance/`` unless DATABASE_URL says otherwise."""
import os
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    # Required outside development and tests; unset, it is read from SECRET_KEY_FILE
    # (services/platform/secret_key.py).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SECRET_KEY_FILE = os.environ.get("SECRET_KEY_FILE", str(ROOT / "instance" / "secret_key"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'survey.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}
    # A respondent may take long over a page; the token stays valid for the browser session.
    WTF_CSRF_TIME_LIMIT = None
    # WTForms' own messages (a date that is none, a text too long) in the reader's language, from
    # the catalogue WTForms ships; ours go through Flask-Babel.
    WTF_I18N_ENABLED = True
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("zh", "en")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    # Counts kept in each process unless a Redis that every app process shares is named: with
    # several workers, in-memory counts let each worker allow the whole limit again.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "survey_app")
    RATELIMIT_HEADERS_ENABLED = True
    # Redis down: each process counts in memory until it is back, rather than every login failing.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Staff login attempts (limits' notation, "5 per 10 minutes"): from one address; on one account
    # from one address; on one account from every address together, which a browser that logged
    # in to that account before is spared, so guesses from elsewhere cannot lock its owner out.
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per minute")
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "5 per 5 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per minute")
    # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto; 0 (unset):
    # those headers are ignored, as anyone can send them.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # The site is reached only over HTTPS: HSTS and Secure cookies on every response, even one a
    # proxy did not mark as HTTPS. Unset, they go with each request that came over HTTPS.
    HTTPS_ONLY = _env_bool("HTTPS_ONLY", False)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", HTTPS_ONLY)
    REMEMBER_COOKIE_SECURE = _env_bool("REMEMBER_COOKIE_SECURE", HTTPS_ONLY)
    REMEMBER_COOKIE_HTTPONLY = True
    # Invitation links stop working this many days after they are issued.
    INVITATION_DAYS_VALID = int(os.environ.get("INVITATION_DAYS_VALID", "60"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "CN")
    # A customer is invited to a survey or called back at most once in this many days.
    CONTACT_CAP_DAYS = int(os.environ.get("CONTACT_CAP_DAYS", "30"))
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Complaints: the category list is configuration; labels are translated in services/cases/labels.py.
    COMPLAINT_CATEGORIES = tuple(os.environ.get(
        "COMPLAINT_CATEGORIES", "product,service_attitude,service_quality,delivery_installation,incident,other"
    ).split(","))
    RESOLUTION_CODES = tuple(os.environ.get(
        "RESOLUTION_CODES", "upheld,partly_upheld,not_upheld,goodwill_gesture,referred"
    ).split(","))
    # A remedy worth more than this (in the firm's currency) needs a supervisor's approval.
    REMEDY_APPROVAL_LIMIT = os.environ.get("REMEDY_APPROVAL_LIMIT", "500")
    # What the person taking a complaint may give to settle it at once (a staff member's own
    # limit, set with `flask users settlement-limit`, comes first).
    FIRST_CONTACT_LIMIT = os.environ.get("FIRST_CONTACT_LIMIT", "100")
    REOPEN_WINDOW_DAYS = int(os.environ.get("REOPEN_WINDOW_DAYS", "14"))
    DUPLICATE_WINDOW_DAYS = int(os.environ.get("DUPLICATE_WINDOW_DAYS", "7"))
    # Business hours of each SLA target where no policy names it, in the order of the targets of
    # services/cases/sla.py ("4,16,40"); unset, each target's own default applies.
    SLA_DEFAULT_HOURS = tuple(float(h) for h in os.environ.get("SLA_DEFAULT_HOURS", "").split(",") if h.strip())
    SLA_WARNING_SHARE = float(os.environ.get("SLA_WARNING_SHARE", "0.75"))
    BUSINESS_TIMEZONE = os.environ.get("BUSINESS_TIMEZONE", "Asia/Shanghai")
    BUSINESS_HOURS = os.environ.get("BUSINESS_HOURS", "09:00-18:00")
    BUSINESS_DAYS = tuple(int(d) for d in os.environ.get("BUSINESS_DAYS", "0,1,2,3,4").split(","))
    HOLIDAY_COUNTRY = os.environ.get("HOLIDAY_COUNTRY", "CN")
    # A survey response scoring at or under this (on a 0-10 scale), or an NPS detractor, opens a follow-up case.
    FOLLOW_UP_SCORE = float(os.environ.get("FOLLOW_UP_SCORE", "4"))
    FOLLOW_UP_NPS_DETRACTORS = _env_bool("FOLLOW_UP_NPS_DETRACTORS", True)
    COMPLAINT_PHOTO_MAX_BYTES = int(os.environ.get("COMPLAINT_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
    # "console" or "file" in development, "smtp" in production.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_FILE_DIR = os.environ.get("MAIL_FILE_DIR", str(ROOT / "instance" / "mail"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "service@example.com")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", True)
    HUEY_URL = os.environ.get("HUEY_URL", f"sqlite:///{ROOT / 'instance' / 'jobs.db'}")
    HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", False)
    # A running job whose worker has not written its heartbeat for this many seconds is marked
    # failed (its worker was killed or its machine restarted); a live worker beats three times as often.
    JOB_HEARTBEAT_TIMEOUT = float(os.environ.get("JOB_HEARTBEAT_TIMEOUT", "300"))
    # Report results: kept in each process unless CACHE_REDIS_URL names a Redis that every app
    # process shares (production runs several, and one fit should serve them all).
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_TYPE = "RedisCache" if CACHE_REDIS_URL else "SimpleCache"
    CACHE_KEY_PREFIX = "survey_app:"
    # Entries are never stale (their key carries the data version); these only bound the memory.
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", str(24 * 3600)))
    CACHE_THRESHOLD = int(os.environ.get("CACHE_THRESHOLD", "200"))
    # Only text: a spreadsheet (a zip) or a photo gains nothing from another pass. text/javascript
    # is what the scripts are served as (RFC 9239), application/javascript what older code says.
    COMPRESS_MIMETYPES: ClassVar[list[str]] = [
        "text/html", "text/css", "text/csv", "text/javascript", "application/javascript",
        "application/json", "image/svg+xml",
    ]
    COMPRESS_ALGORITHM: ClassVar[list[str]] = ["br", "gzip"]
    # A streamed export is compressed chunk by chunk as it is written, so it still streams in
    # constant memory. Files (static/, plotly.js) count as streamed too, so gzip must be here
    # for a browser that asks for gzip only; zlib writes a gzip stream chunk-wise as well as deflate.
    COMPRESS_STREAMS = True
    COMPRESS_ALGORITHM_STREAMING: ClassVar[list[str]] = ["br", "gzip"]


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    HUEY_IMMEDIATE = True
    # Each test app gets an empty cache of its own, whatever the environment says.
    CACHE_TYPE = "SimpleCache"
