"""A live server on a SQLite file and a headless Chromium (Debian's) driven by Playwright."""
import shutil
import threading
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.extensions import db
from tests.conftest import _test_settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def live_app(tmp_path):
    app = create_app({**_test_settings(), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.db'}",
                      "WTF_CSRF_ENABLED": True})
    with app.app_context():
        db.create_all()
    return app


@pytest.fixture
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone_browser(browser):
    """A phone's browser without JavaScript, 320 px wide; its ``hosts`` collects every host it asked."""

    def open_phone(locale: str):
        context = browser.new_context(viewport={"width": 320, "height": 640}, java_script_enabled=False,
                                      locale=locale, is_mobile=True, has_touch=True)
        context.hosts = set()
        context.on("request", lambda request: context.hosts.add(urlsplit(request.url).netloc))
        return context

    return open_phone
