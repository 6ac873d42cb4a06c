"""Text responses travel compressed when the browser asks; the stylesheet and scripts live under
URLs that carry a hash of their bytes, so a browser keeps them for a year and a new release
still reaches it at once."""
import gzip
import hashlib
import re
from importlib.resources import files
from pathlib import Path

import pytest
from flask import Response
from flask.testing import FlaskClient

from survey_app import assets
from survey_app.demo import create_demo
from tests.factories import make_survey

ROOT = Path(__file__).resolve().parents[2]
GZIP = {"Accept-Encoding": "gzip"}
IMMUTABLE = "public, max-age=31536000, immutable"
PLOTLY = (files("plotly") / "package_data" / "plotly.min.js").read_bytes()


@pytest.fixture
def report_page(client, auth, staff):
    create_demo(responses=300)
    auth.login("manager")
    return client.get("/staff/reports/demo", headers={"Accept-Language": "en"}).get_data(as_text=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _scripts(html: str) -> list[str]:
    return re.findall(r"<script [^>]*></script>", html)


def _src(tag: str) -> str:
    return re.search(r'src="([^"]+)"', tag).group(1).replace("&amp;", "&")


def _stylesheet(html: str) -> str:
    return re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)


def test_a_staff_page_comes_gzipped_when_asked_and_plain_when_not(client, auth, staff):
    auth.login("manager")
    plain = client.get("/staff/cases/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["Vary"]
    packed = client.get("/staff/cases/", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(plain.get_data()) / 2
    # The page carries a fresh CSRF token each time: compare what the reader sees without it.
    token = re.compile(rb'name="csrf_token" value="[^"]*"')
    assert token.sub(b"", gzip.decompress(packed.get_data())) == token.sub(b"", plain.get_data())


def test_the_stylesheet_is_under_its_hash_cached_for_a_year_and_gzipped(client):
    make_survey("demo", instrument_id="acsi")
    url = _stylesheet(client.get("/s/demo").get_data(as_text=True))
    css = (ROOT / "static" / "app.css").read_bytes()
    assert url == f"/static/app.css?v={_sha(css)}"
    plain = client.get(url, buffered=True)
    assert plain.get_data() == css and plain.headers["Cache-Control"] == IMMUTABLE
    assert "Content-Encoding" not in plain.headers
    packed = client.get(url, headers=GZIP, buffered=True)
    assert packed.headers["Content-Encoding"] == "gzip" and packed.headers["Cache-Control"] == IMMUTABLE
    assert gzip.decompress(packed.get_data()) == css
    # A URL of another release's file is not kept for ever: its bytes are this release's.
    stale = client.get("/static/app.css?v=0000000000000000", buffered=True)
    assert stale.get_data() == css and "immutable" not in stale.headers.get("Cache-Control", "")


def test_plotly_and_the_chart_script_are_hashed_deferred_and_in_order(client, report_page):
    tags = _scripts(report_page)
    assert len(tags) == 2 and all(" defer" in tag for tag in tags)
    # Deferred scripts run in document order: plotly.js is there when charts.js draws.
    plotly, charts = (_src(tag) for tag in tags)
    assert plotly == f"/staff/reports/plotly.min.js?v={_sha(PLOTLY)}"
    charts_js = (ROOT / "static" / "js" / "charts.js").read_bytes()
    assert charts == f"/static/js/charts.js?v={_sha(charts_js)}"
    with client.get(charts) as reply:
        assert reply.get_data() == charts_js and reply.headers["Cache-Control"] == IMMUTABLE
    with client.get(plotly, headers=GZIP, buffered=True) as reply:
        assert reply.headers["Content-Encoding"] == "gzip" and reply.headers["Cache-Control"] == IMMUTABLE
        assert "Accept-Encoding" in reply.headers["Vary"]
        assert gzip.decompress(reply.get_data()) == PLOTLY
    with client.get(plotly) as reply:
        assert "Content-Encoding" not in reply.headers and reply.get_data() == PLOTLY


def test_plotly_is_public_like_any_asset_and_compressed_once_per_process(client, monkeypatch):
    import brotli

    from tests.spies import count_calls

    assets._compressed.cache_clear()
    compressions = count_calls(monkeypatch, brotli, "compress")
    url = f"/staff/reports/plotly.min.js?v={_sha(PLOTLY)}"
    for _ in range(3):
        with client.get(url, headers={"Accept-Encoding": "gzip;q=0.5, br"}, buffered=True) as reply:
            assert reply.status_code == 200 and reply.headers["Content-Encoding"] == "br"
            assert brotli.decompress(reply.get_data()) == PLOTLY
            # Shared caches may keep it: nothing in it depends on who asks.
            assert reply.headers["Cache-Control"] == IMMUTABLE and "Cookie" not in reply.headers["Vary"]
            assert reply.headers["ETag"].endswith(':br"')
    assert len(compressions) == 1


def test_a_changed_file_gets_another_url(app, tmp_path):
    app.static_folder = str(tmp_path)
    sheet = tmp_path / "app.css"
    sheet.write_text("body { color: black }")
    with app.test_request_context():
        before = assets.asset_url("app.css")
        sheet.write_text("body { color: midnightblue }")
        after = assets.asset_url("app.css")
    assert before == f"/static/app.css?v={_sha(b'body { color: black }')}"
    assert after == f"/static/app.css?v={_sha(b'body { color: midnightblue }')}" != before


def test_a_spreadsheet_download_is_not_compressed_again(client, staff, auth):
    make_survey("shop")
    auth.login()
    reply = client.get("/staff/surveys/shop/responses.xlsx", headers=GZIP)
    assert reply.status_code == 200 and reply.mimetype.endswith("spreadsheetml.sheet")
    assert "Content-Encoding" not in reply.headers and reply.get_data().startswith(b"PK")


def test_a_streamed_csv_is_compressed_chunk_by_chunk_and_still_streams(app):
    produced = []

    def rows():
        for block in range(20):
            produced.append(block)
            yield "".join(f"{block},{n},{n * n % 9973}\r\n" for n in range(5000))

    app.add_url_rule("/stream-probe.csv", "stream_probe", lambda: Response(rows(), mimetype="text/csv"))
    # Flask's own client: the body is read after the request returns, as a server reads it.
    reply = FlaskClient(app).get("/stream-probe.csv", headers=GZIP, buffered=False)
    assert reply.headers["Content-Encoding"] == "gzip" and "Content-Length" not in reply.headers
    chunks = iter(reply.response)
    first = next(chunks)
    # Compressed bytes leave before the last row is written: the export is not held in memory.
    assert first and len(produced) < 20
    body = gzip.decompress(first + b"".join(chunks))
    reply.close()
    assert body == "".join(rows()).encode()
