"""Settings, read from environment variables; SQLite in ``instance/`` unless DATABASE_URL says otherwise."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'survey.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # A respondent may take long over a page; the token stays valid for the browser session.
    WTF_CSRF_TIME_LIMIT = None
    # Our own messages go through Flask-Babel; WTForms' built-in ones are not shown to customers.
    WTF_I18N_ENABLED = False
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")
    LANGUAGES = ("zh", "en")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    # Invitation links stop working this many days after they are issued.
    INVITATION_DAYS_VALID = int(os.environ.get("INVITATION_DAYS_VALID", "60"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    DEFAULT_PHONE_REGION = os.environ.get("DEFAULT_PHONE_REGION", "CN")
    # A customer is invited to a survey or called back at most once in this many days.
    CONTACT_CAP_DAYS = int(os.environ.get("CONTACT_CAP_DAYS", "30"))
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    HUEY_URL = os.environ.get("HUEY_URL", f"sqlite:///{ROOT / 'instance' / 'jobs.db'}")
    HUEY_IMMEDIATE = _env_bool("HUEY_IMMEDIATE", False)


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    HUEY_IMMEDIATE = True
