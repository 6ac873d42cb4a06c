"""Response exports: "don't know" as a code, unanswered cells empty, real UTC times in XLSX."""
import csv
import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from survey_app.services import reporting
from tests.factories import make_response, make_survey

SUBMITTED = datetime(2026, 3, 1, 9, 30, 15, tzinfo=timezone.utc)


def submit(survey, values):
    return make_response(survey, values, now=SUBMITTED)


def test_dont_know_is_coded_and_unanswered_stays_empty(app):
    survey = make_survey("shop")
    # exp1's scale offers "don't know"; exp3 was never answered; sat1's scale has no "don't know".
    submit(survey, {"exp1": None, "exp2": 7, "sat1": None})
    table = reporting.response_table(survey)
    row = dict(zip(table.header, table.rows[0]))
    assert row["exp1"] == "dk" and row["exp2"] == 7
    assert row["exp3"] == "" and row["sat1"] == ""
    body = list(csv.DictReader(io.StringIO(reporting.as_csv(table))))
    assert body[0]["exp1"] == "dk" and body[0]["exp3"] == ""


def test_xlsx_has_a_codes_sheet_in_the_export_language_and_utc_datetimes(app):
    survey = make_survey("shop")
    submit(survey, {"exp1": None})
    with app.test_request_context():
        workbook = load_workbook(io.BytesIO(reporting.as_xlsx(reporting.response_table(survey, language="zh"))))
    assert workbook.sheetnames == ["responses", "codes"]
    header, row = list(workbook["responses"].iter_rows(values_only=True))
    assert header[1] == "submitted_at (UTC)"
    assert row[1] == datetime(2026, 3, 1, 9, 30, 15)
    assert row[header.index("exp1")] == "dk" and row[header.index("exp2")] is None
    codes = list(workbook["codes"].iter_rows(values_only=True))
    assert codes[1][0] == "dk" and "不知道" in codes[1][1]


def test_csv_keeps_submitted_at_as_iso_text(app):
    survey = make_survey("shop")
    submit(survey, {"exp2": 5})
    body = list(csv.DictReader(io.StringIO(reporting.as_csv(reporting.response_table(survey)))))
    assert body[0]["submitted_at"] == "2026-03-01T09:30:15+00:00"
