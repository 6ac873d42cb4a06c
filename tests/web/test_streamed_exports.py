"""The response and invitation-link exports, streamed: the same files as before, formulas as text,
responses split over sheets past a sheet's row limit, and memory that does not grow with the rows."""
import contextvars
import csv
import io
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import Response, ResponseStatus
from survey_app.services.platform import spreadsheets
from survey_app.services.platform.settings import settings
from survey_app.services.reporting import exports
from survey_app.services.surveys import import_invitations
from survey_app.services.surveys.invitations import _hash, token_for
from tests.factories import make_response, make_survey
from tests.services.test_spreadsheets import FORMULAS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
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
    name = path.split("/")[-1].split("?")[0]
    assert reply.headers["Content-Disposition"] == f'attachment; filename="shop-{"links.csv" if name == "invitations.csv" else name}"'
    assert reply.headers["Content-Type"] == ("text/csv; charset=utf-8" if name.endswith(".csv") else XLSX)
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


def formula_survey():
    """One response per formula OWASP lists, in the free text and in a segment, each with a score of 7."""
    survey = make_survey("shop", segment_fields={"store": ["north"]})
    for text in FORMULAS:
        make_response(survey, {"exp2": 7, "improve": text}, segments={"store": text}, now=SUBMITTED)
    return survey


def test_the_streamed_csv_quotes_text_that_starts_a_formula_and_keeps_numbers(client, staff, auth):
    formula_survey()
    auth.login()
    body = download(client, "/staff/surveys/shop/responses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [(r["improve"], r["store"]) for r in rows] == [("'" + text, "'" + text) for text in FORMULAS]
    assert {r["exp2"] for r in rows} == {"7"}


def test_the_streamed_xlsx_stores_text_that_starts_a_formula_as_text_and_numbers_as_numbers(client, staff, auth):
    formula_survey()
    auth.login()
    header, *rows = cells(download(client, "/staff/surveys/shop/responses.xlsx"))["responses"]
    names = [value for value, _type in header]
    improve, store, score = (names.index(name) for name in ("improve", "store", "exp2"))
    # XML reads a carriage return back as a line feed: the quote in front is what matters.
    quoted = [("'" + text.replace("\r", "\n"), "s") for text in FORMULAS]
    assert [(row[improve], row[store]) for row in rows] == list(zip(quoted, quoted))
    assert {row[score] for row in rows} == {(7, "n")}


def test_the_xlsx_goes_on_over_sheets_past_a_sheets_rows_each_with_the_headings(client, staff, auth, monkeypatch):
    monkeypatch.setattr(spreadsheets, "SHEET_ROWS", 6, raising=False)
    survey = make_survey("shop")
    for n in range(12):
        make_response(survey, {"exp2": n % 10 + 1}, now=SUBMITTED.replace(minute=n))
    auth.login()
    sheets = cells(download(client, "/staff/surveys/shop/responses.xlsx?labels=1&lang=en"))
    assert list(sheets) == ["responses", "responses (2)", "responses (3)", "codes"]
    heads = {tuple(sheet[:2]) for name, sheet in sheets.items() if name != "codes"}
    assert len(heads) == 1 and next(iter(heads))[1][0] == ("Response number", "s")
    assert [len(sheets[name]) for name in ("responses", "responses (2)", "responses (3)")] == [6, 6, 6]
    ids = [row[0][0] for name in ("responses", "responses (2)", "responses (3)") for row in sheets[name][2:]]
    assert ids == list(range(1, 13))


def test_a_survey_without_responses_exports_its_headings(client, staff, auth):
    make_survey("shop")
    auth.login()
    assert download(client, "/staff/surveys/shop/responses.csv").decode("utf-8-sig").startswith("response_id,")
    assert list(cells(download(client, "/staff/surveys/shop/responses.xlsx"))) == ["responses", "codes"]


def add_responses(survey, count: int):
    """``count`` submitted responses with every item answered and a line of text, in one insert."""
    answers = {item: 7 for item in ITEMS} | {"improve": "The queue at the till was long today."}
    db.session.execute(sa.insert(Response), [
        {"survey_id": survey.id, "wave_id": survey.waves[0].id, "form_key": f"bulk-{survey.id}-{n}-{count}",
         "status": ResponseStatus.SUBMITTED, "answers": answers, "segments": {}, "submitted_at": SUBMITTED}
        for n in range(count)
    ])
    db.session.commit()


def export_peak(client, path) -> int:
    """The most memory the export of ``path`` held at once, read as a server sends it: chunk by
    chunk in the request's own context, each dropped once read, so the body itself is not kept."""
    def read_and_drop():
        reply = FlaskClient.open(client, path, buffered=False)
        assert reply.status_code == 200
        assert sum(len(chunk) for chunk in reply.iter_encoded()) > 0
        reply.close()

    tracemalloc.start()
    try:
        contextvars.Context().run(read_and_drop)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_export_of_ten_times_the_responses_needs_about_the_same_memory(client, staff, auth, monkeypatch):
    # Memory holds a batch of rows: batches smaller than the smaller export show what grows with the rows.
    monkeypatch.setattr(exports, "BATCH_ROWS", 50, raising=False)
    survey = make_survey("shop")
    add_responses(survey, 200)
    auth.login()
    for path in ("/staff/surveys/shop/responses.csv", "/staff/surveys/shop/responses.xlsx"):
        download(client, path)  # the first export loads what every later one shares
    small = {path: export_peak(client, path) for path in ("/staff/surveys/shop/responses.csv",
                                                           "/staff/surveys/shop/responses.xlsx")}
    add_responses(survey, 1800)
    large = {path: export_peak(client, path) for path in small}
    assert {path: large[path] < 2 * small[path] for path in small} == {path: True for path in small}, (small, large)


def _statements_of_links_export(client, people: int) -> int:
    survey = make_survey(f"shop{people}", segment_fields={"store": ["north", "south"]})
    csv_text = "name,phone,email,reference,store\n" + "".join(
        f"Person {k},1380013{k:04d},,R-{people}-{k},north\n" for k in range(people))
    import_invitations(survey, csv_text, secret_key=settings().secret_key, wave=survey.waves[0], now=ISSUED)
    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        reply = client.get(f"/staff/surveys/shop{people}/invitations.csv")
        assert reply.status_code == 200 and reply.get_data().count(b"\n") == people + 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_links_export_decides_consent_for_a_batch_in_a_fixed_number_of_statements(client, staff, auth):
    auth.login()
    assert _statements_of_links_export(client, 5) == _statements_of_links_export(client, 60)
