"""The respondent page of the ACSI survey stays light: under 30 KB compressed, nothing from elsewhere."""
import gzip
import re

from tests.factories import make_survey


def test_acsi_page_weighs_under_30_kb_compressed_and_is_self_hosted(client, app):
    make_survey("demo", instrument_id="acsi")
    html = client.get("/s/demo").get_data()
    assets = re.findall(rb'(?:href|src)="([^"]+)"', html)
    assert not [a for a in assets if re.match(rb"^(https?:)?//", a)], "a resource comes from another host"
    total = len(gzip.compress(html))
    for asset in assets:
        if asset.startswith(b"/static/"):
            with client.get(asset.decode()) as reply:
                total += len(gzip.compress(reply.get_data()))
    assert total < 30 * 1024, f"{total} bytes"
