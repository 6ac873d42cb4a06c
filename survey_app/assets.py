"""The stylesheet and scripts under URLs that carry a hash of their bytes.

A browser may then keep each one for a year without asking again: a release that changes a file
changes its URL, so no page ever runs with last release's script. ``asset_url('app.css')`` gives
``/static/app.css?v=<hash>``; a request whose hash is the current file's is answered as immutable,
any other (an old page asking for last release's hash) gets today's bytes with the usual
revalidation, and is not kept.
"""
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, current_app, request, send_file, url_for

YEAR = 365 * 24 * 3600


def asset_url(filename: str) -> str:
    """The URL of a file of static/ under its hash."""
    return hashed_url("static", Path(current_app.static_folder) / filename, filename=filename)


def hashed_url(endpoint: str, path: Path, **values) -> str:
    """The URL of ``endpoint``, which serves the file at ``path``, under that file's hash."""
    return url_for(endpoint, v=content_hash(path), **values)


def send_hashed(path: Path, **options) -> Response:
    """The file at ``path``, kept for ever by browsers when the request names its current hash."""
    return cache_if_current(send_file(path, **options), path)


def cache_if_current(response: Response, path: Path) -> Response:
    if response.status_code == 200 and request.args.get("v") == content_hash(path):
        # send_file asked for revalidation (no max age was set): not for a URL that names its bytes.
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
    return response


def content_hash(path: Path) -> str:
    """The first 16 hex digits of the SHA-256 of the file; read again only when it changes on disk."""
    stat = path.stat()
    return _hash_of(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _hash_of(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def init_app(app: Flask) -> None:
    """Serve static/ through :func:`cache_if_current` and give templates ``asset_url``."""
    serve_static = app.view_functions["static"]

    def static(filename: str) -> Response:
        # Flask's own view refuses a path outside static/ before the file is hashed.
        return cache_if_current(serve_static(filename=filename), Path(app.static_folder) / filename)

    app.view_functions["static"] = static
    app.add_template_global(asset_url)
