"""The stylesheet and scripts under URLs that carry a hash of their bytes.

A browser may then keep each one for a year without asking again: a release that changes a file
changes its URL, so no page ever runs with last release's script. ``asset_url('app.css')`` gives
``/static/app.css?v=<hash>``; a request whose hash is the current file's is answered as immutable,
any other (an old page asking for last release's hash) gets today's bytes with the usual
revalidation, and is not kept.

The current bytes are compressed once per process and kept (:func:`_compressed`), not on every
request as Flask-Compress would: plotly.js alone costs about 0.4 s of a core to compress.
"""
import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, request, send_file, url_for

YEAR = 365 * 24 * 3600
# Done once per file and release, so the smaller output is worth its time (brotli 6: 4.8 MB of
# plotly.js in 1.2 MB, 0.45 s; 9 and above gain 3% for four times that).
BROTLI_QUALITY = 6
GZIP_LEVEL = 9
COMPRESSIBLE = ("text/css", "text/javascript", "application/javascript", "image/svg+xml")


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
        _send_compressed(response, path)
    return response


def _send_compressed(response: Response, path: Path) -> None:
    """Give ``response`` the kept compressed bytes of ``path`` in the best encoding the browser takes."""
    response.vary.add("Accept-Encoding")
    encoding = request.accept_encodings.best_match(["br", "gzip"])
    if response.mimetype not in COMPRESSIBLE or encoding is None or request.method != "GET":
        return
    stat = path.stat()
    body = response.response
    if hasattr(body, "close"):
        body.close()  # send_file's open file, replaced by the kept bytes
    response.direct_passthrough = False
    response.set_data(_compressed(str(path), stat.st_mtime_ns, stat.st_size, encoding))
    response.headers["Content-Encoding"] = encoding  # so Flask-Compress leaves it as it is
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}:{encoding}", weak=weak)  # one validator per representation


@lru_cache(maxsize=32)
def _compressed(path: str, mtime_ns: int, size: int, encoding: str) -> bytes:
    data = Path(path).read_bytes()
    if encoding == "br":
        return brotli.compress(data, quality=BROTLI_QUALITY)
    return gzip.compress(data, GZIP_LEVEL, mtime=0)


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
