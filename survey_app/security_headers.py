"""What every response says to the browser about its own safety: a content policy that allows only
this host, no framing, no sniffing, no Referer to other hosts, and over HTTPS, HSTS and Secure
cookies; and which proxies' X-Forwarded-* headers to believe.

A small after-request hook rather than Flask-Talisman: Talisman is not among the pinned
requirements, and the app needs only these few fixed headers (its pages run no inline script, so
there is no nonce to hand out).
"""
from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from .services.platform.settings import settings

PLOTLY_STYLE_HASHES = ("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=' "
                       "'sha256-V2sIX92Uh6ZaGSFTKMHghsB85b9toJtmazgG09AI2uk='")
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; "
    "script-src 'self'; "
    # No 'unsafe-inline': plotly.js adds an empty <style> that it fills through the CSSOM, and
    # maplibre's stylesheet on load; their hashes (of the pinned plotly; tests/browser/test_csp.py
    # fails when an upgrade changes them) allow those two and nothing else.
    f"style-src 'self' {PLOTLY_STYLE_HASHES}; "
    # plotly.js's "download as PNG" draws the chart through a data: URL image.
    "img-src 'self' data:; "
    "object-src 'none'; "
    "base-uri 'none'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
# Survey and tracking links carry their token in the URL: no other host may see it in a Referer.
# Not no-referrer: over HTTPS Flask-WTF refuses a form posted without a same-site Referer.
REFERRER_POLICY = "same-origin"
HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    """Register the hook; call it before the other extensions, so it runs after every other
    after-request hook and sees the cookies they set."""
    app.session_interface = _SessionCookieOverHttps()
    app.after_request(_secure)
    trust_proxies(app)


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-For and -Proto of the TRUSTED_PROXIES proxies in front of the app;
    with none, the client's own address counts and those headers, which anyone can send, do not."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        # Not X-Forwarded-Host: links are built from PUBLIC_BASE_URL, and a forged Host gains nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)


def over_https() -> bool:
    """Whether this request came over HTTPS (as the trusted proxy says), or the site is HTTPS only."""
    return request.is_secure or settings().https_only


def _secure(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    # For browsers that do not read frame-ancestors.
    headers.setdefault("X-Frame-Options", "DENY")
    headers["X-Content-Type-Options"] = "nosniff"
    # A response may be stricter still (a photo opened by its tracking key sends no Referer at all).
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if over_https():
        headers["Strict-Transport-Security"] = HSTS
        cookies = headers.getlist("Set-Cookie")
        headers.setlist("Set-Cookie", [c if "; secure" in c.lower() else f"{c}; Secure" for c in cookies])
    return response


class _SessionCookieOverHttps(SecureCookieSessionInterface):
    """The session cookie is written after every after-request hook, so it says Secure itself."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or over_https()

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        # Flask-Login looks into the session after every request, so Flask says "Vary: Cookie" on
        # all of them; a file kept for ever under its hash is the same for every cookie, and a
        # browser would fetch plotly.js again at each login if it varied on one.
        if response.cache_control.immutable and "Set-Cookie" not in response.headers:
            # Assigned, not discarded: HeaderSet.discard does not write the header back.
            response.vary = [value for value in response.vary if value.lower() != "cookie"]
