"""Binding Huey to the app's settings, and declaring jobs that run inside an app context."""
import functools
from pathlib import Path

from flask import Flask, has_app_context
from huey.storage import RedisStorage, SqliteStorage

from ..extensions import huey

_worker_app: Flask | None = None


def init_app(app: Flask) -> None:
    """Point the queue at HUEY_URL (sqlite:///path or redis://...), or run jobs at once when HUEY_IMMEDIATE."""
    url = app.config["HUEY_URL"]
    if url.startswith(("redis://", "rediss://")):
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": url}
    else:
        filename = Path(url.removeprefix("sqlite:///"))
        filename.parent.mkdir(parents=True, exist_ok=True)
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(filename)}
    immediate = bool(app.config["HUEY_IMMEDIATE"])
    if huey.immediate != immediate:
        huey.immediate = immediate
    elif not immediate:
        huey.storage = huey.create_storage()
    app.extensions["huey"] = huey


def _in_app_context(function):
    @functools.wraps(function)
    def wrapped(*args, **kwargs):
        if has_app_context():
            return function(*args, **kwargs)
        with _app().app_context():
            return function(*args, **kwargs)

    return wrapped


def job(function):
    """Declare ``function`` as a background job; in the worker it runs inside an app context."""
    return huey.task(name=f"{function.__module__}.{function.__name__}")(_in_app_context(function))


def every(schedule):
    """Declare a job the worker runs on a schedule (a ``huey.crontab``), inside an app context."""

    def decorator(function):
        return huey.periodic_task(schedule, name=f"{function.__module__}.{function.__name__}")(
            _in_app_context(function))

    return decorator


def set_worker_app(app: Flask) -> None:
    """The app whose context jobs run in when the worker picks them up."""
    global _worker_app
    _worker_app = app


def _app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    return _worker_app
