"""The Flask application factory."""
import logging
import sqlite3
from collections.abc import Mapping

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import assets, security_headers
from .api import bp as api_bp
from .auth import bp as auth_bp
from .callbacks import bp as callbacks_bp
from .cli import register as register_cli
from .complaints import bp as complaints_bp
from .complaints.staff import bp as cases_bp
from .config import ROOT, Config
from .customers import bp as customers_bp
from .customers.optout import bp as optout_bp
from .errors import bp as errors_bp
from .extensions import (
    babel,
    cache,
    compress,
    csrf,
    db,
    limiter,
    login_manager,
    migrate,
)
from .health import bp as health_bp
from .i18n import (
    business_date,
    business_time,
    current_language,
    remember_locale,
    select_locale,
    url_in_language,
)
from .jobs import bp as jobs_bp
from .models import StaffUser
from .models.customer_search import outside_models
from .record_numbers import RecordIdConverter
from .reports import bp as reports_bp
from .services.platform import jobs, secret_key
from .services.platform import settings as platform_settings
from .surveys import bp as surveys_bp
from .surveys.respondent import bp as respondent_bp


def create_app(config: type | Mapping | None = None) -> Flask:
    """Build the app: defaults, then environment, then ``config`` (a class or a mapping), then the key file.

    :raise RuntimeError: outside development and tests, when SECRET_KEY is missing or weak.
    """
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    if isinstance(config, Mapping):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    secret_key.load(app.config)
    # Ids in every route: only what an id column holds, so no lookup overflows.
    app.url_map.converters["int"] = RecordIdConverter

    security_headers.init_app(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _configure_logging(app)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    # The name search index is schema no model declares (models/customer_search.py): autogenerate leaves it.
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, include_name=outside_models)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    cache.init_app(app)
    compress.init_app(app)
    assets.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = _l("Please log in to see this page.")
    jobs.init_app(app)
    platform_settings.init_app(app)

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(StaffUser, int(user_id))

    app.after_request(remember_locale)
    app.add_template_filter(business_time, "business_time")
    app.add_template_filter(business_date, "business_date")

    @app.context_processor
    def template_globals():
        return {"current_language": current_language(), "languages": app.config["LANGUAGES"],
                "url_in_language": url_in_language, "has_page": lambda endpoint: endpoint in app.view_functions}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    # Foreign keys are off by default in SQLite; WAL lets readers work while one request writes.
    # synchronous=NORMAL skips the fsync on each commit: in WAL mode a committed response still
    # survives the application crashing (only a power cut or an OS crash can lose the last
    # commits, and never corrupts the file), and a submission then costs no disk flush.
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    app.register_blueprint(errors_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(surveys_bp, url_prefix="/staff/surveys")
    app.register_blueprint(jobs_bp, url_prefix="/staff/jobs")
    app.register_blueprint(reports_bp, url_prefix="/staff/reports")
    app.register_blueprint(respondent_bp)
    app.register_blueprint(customers_bp, url_prefix="/staff/customers")
    app.register_blueprint(optout_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(cases_bp, url_prefix="/staff/cases")
    app.register_blueprint(callbacks_bp, url_prefix="/staff/callbacks")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def _register_cli(app: Flask) -> None:
    register_cli(app)


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
