"""The case page's SLA table says what each of its columns holds, in the reader's language."""
import re

import pytest

from tests.factories import make_complaint


@pytest.mark.parametrize("language, headers", [
    ("en", ["SLA target", "State", "Business hours used / allowed", "Due"]),
    ("zh", ["SLA 目标", "状态", "已用/允许工作小时", "截止时间"]),
])
def test_the_sla_table_has_a_header_for_every_column(client, auth, staff, app, language, headers):
    with app.test_request_context():
        reference = make_complaint().complaint.reference
    auth.login("supervisor")
    html = client.get(f"/staff/cases/{reference}", headers={"Accept-Language": language}).get_data(as_text=True)
    table = re.search(r'<table class="sla">.*?</table>', html, re.DOTALL).group(0)
    assert re.findall(r'<th scope="col">([^<]+)</th>', table) == headers
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.DOTALL)
    assert len(rows) == 3 and all(row.count('<th scope="row">') == 1 and row.count("<td") == 3 for row in rows)
