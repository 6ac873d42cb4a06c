"""Which proxies' X-Forwarded-* headers to believe."""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    trust_proxies(app)


def trust_proxies(app: Flask) -> None:
    """Believe the X-Forwarded-For and -Proto of the TRUSTED_PROXIES proxies in front of the app;
    with none, the client's own address counts and those headers, which anyone can send, do not."""
    hops = int(app.config["TRUSTED_PROXIES"])
    if hops:
        # Not X-Forwarded-Host: links are built from PUBLIC_BASE_URL, and a forged Host gains nothing.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0)
