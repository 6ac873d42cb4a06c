"""Extension objects, created unbound and bound to the app in :func:`survey_app.create_app`."""
from flask_babel import Babel
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Report results (services.report_cache); the backend comes from the CACHE_* settings.
cache = Cache()


class _ClosingCompress(Compress):
    """Flask-Compress that still closes a streamed body it compresses.

    It swaps the body for a generator of compressed chunks and drops the body's close(): a sent
    file would stay open until garbage collection, and an export's generator (with its database
    cursor) would not be closed when the browser goes away mid-download.
    """

    def after_request(self, response):
        body = response.response
        response = super().after_request(response)
        if response.response is not body and hasattr(body, "close"):
            response.call_on_close(body.close)
        return response


# Text responses in br or gzip, as the browser asks; the COMPRESS_* settings say which.
compress = _ClosingCompress()
# Counts go where RATELIMIT_STORAGE_URI says (Redis, shared by every app process, in production);
# the address is the client's only behind the TRUSTED_PROXIES that create_app believes.
limiter = Limiter(key_func=get_remote_address)
# Immediate (in-process) until jobs.init_app gives it the storage HUEY_URL names.
huey = Huey("survey_app", immediate=True)
