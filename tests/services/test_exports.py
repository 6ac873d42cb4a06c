"""Response and index exports: "don't know" coded, unanswered cells empty, UTC times in XLSX, formulas as text."""
import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pandas as pd
from openpyxl import load_workbook

from survey_app.services import reporting
from tests.factories import make_response, make_survey
from tests.services.test_spreadsheets import FORMULAS

SUBMITTED = datetime(2026, 3, 1, 9, 30, 15, tzinfo=UTC)


def as_text(table) -> str:
    """The CSV of ``table`` as a spreadsheet reads it: UTF-8 without its byte order mark."""
    return b"".join(reporting.as_csv(table)).decode("utf-8-sig")


def submit(survey, values):
    return make_response(survey, values, now=SUBMITTED)


def test_dont_know_is_coded_and_unanswered_stays_empty(app):
    survey = make_survey("shop")
    # exp1's scale offers "don't know"; exp3 was never answered; sat1's scale has no "don't know".
    submit(survey, {"exp1": None, "exp2": 7, "sat1": None})
    table = reporting.response_table(survey)
    row = dict(zip(table.header, next(iter(table.rows))))
    assert row["exp1"] == "dk" and row["exp2"] == 7
    assert row["exp3"] == "" and row["sat1"] == ""
    body = list(csv.DictReader(io.StringIO(as_text(reporting.response_table(survey)))))
    assert body[0]["exp1"] == "dk" and body[0]["exp3"] == ""


def test_xlsx_has_a_codes_sheet_in_the_export_language_and_utc_datetimes(app):
    survey = make_survey("shop")
    submit(survey, {"exp1": None})
    with app.test_request_context(), reporting.as_xlsx(reporting.response_table(survey, language="zh")) as body:
        workbook = load_workbook(body)
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
    body = list(csv.DictReader(io.StringIO(as_text(reporting.response_table(survey)))))
    assert body[0]["submitted_at"] == "2026-03-01T09:30:15+00:00"


def formula_responses(survey):
    """One response per formula, in the free text and in a segment, each with a score of 7."""
    for text in FORMULAS:
        submit_with(survey, {"exp2": 7, "improve": text}, segments={"store": text})


def submit_with(survey, values, segments):
    return make_response(survey, values, segments=segments, now=SUBMITTED)


def test_csv_quotes_text_that_starts_a_formula_and_keeps_numbers(app):
    survey = make_survey("shop", segment_fields={"store": ["north"]})
    formula_responses(survey)
    rows = list(csv.DictReader(io.StringIO(as_text(reporting.response_table(survey)))))
    assert [(r["improve"], r["store"]) for r in rows] == [("'" + text, "'" + text) for text in FORMULAS]
    assert {r["exp2"] for r in rows} == {"7"}


def test_xlsx_stores_text_that_starts_a_formula_as_quoted_text_and_numbers_as_numbers(app):
    survey = make_survey("shop", segment_fields={"store": ["north"]})
    formula_responses(survey)
    with app.test_request_context(), reporting.as_xlsx(reporting.response_table(survey)) as body:
        sheet = load_workbook(body)["responses"]
    header = [cell.value for cell in sheet[1]]
    improve, store, score = (header.index(name) for name in ("improve", "store", "exp2"))
    rows = list(sheet.iter_rows(min_row=2))
    # XML reads a carriage return back as a line feed: the quote in front is what matters.
    quoted = ["'" + text.replace("\r", "\n") for text in FORMULAS]
    assert [(row[improve].value, row[store].value) for row in rows] == list(zip(quoted, quoted))
    assert {(row[c].data_type) for row in rows for c in (improve, store)} == {"s"}
    assert {(row[score].value, row[score].data_type) for row in rows} == {(7, "n")}


def test_index_csv_quotes_a_construct_name_that_starts_a_formula_and_keeps_numbers(app):
    name = '=HYPERLINK("http://x","y")'
    fit = SimpleNamespace(index=pd.Series({"quality": 71.23456}), r2=pd.Series({"quality": 0.51234}),
                          reliability=pd.DataFrame({"alpha": [0.8], "rho_c": [0.9], "ave": [0.7]}, index=["quality"]))
    rows = list(csv.reader(io.StringIO(reporting.index_csv(fit, {"quality": name}, "en"))))
    assert rows[1] == ["'" + name, "71.235", "0.5123", "0.8", "0.9", "0.7"]


def test_index_csv_names_columns_and_constructs_in_words_and_leaves_missing_figures_empty(app):
    fit = SimpleNamespace(index=pd.Series({"expectations": 68.6851, "satisfaction": 67.0262}),
                          r2=pd.Series({"satisfaction": 0.63371}),
                          reliability=pd.DataFrame({"alpha": [float("nan"), 0.87391], "rho_c": [0.9, 0.92248],
                                                    "ave": [None, 0.79861]}, index=["expectations", "satisfaction"]))
    names = {"expectations": "Customer expectations", "satisfaction": "Customer satisfaction"}
    en = list(csv.reader(io.StringIO(reporting.index_csv(fit, names, "en"))))
    assert en == [
        ["Construct", "Index (0–100)", "R² (variance explained)", "Cronbach's alpha", "Composite reliability (rho_C)",
         "Average variance extracted (AVE)"],
        ["Customer expectations", "68.685", "", "", "0.9", ""],
        ["Customer satisfaction", "67.026", "0.6337", "0.8739", "0.9225", "0.7986"],
    ]
    zh = list(csv.reader(io.StringIO(reporting.index_csv(fit, {"satisfaction": "顾客满意度"}, "zh"))))
    assert zh[0][:2] == ["维度", "指数（0–100）"] and zh[2][0] == "顾客满意度"


def test_the_question_text_row_names_every_column_in_words(app):
    survey = make_survey("shop", segment_fields={"store": ["north"]})
    submit_with(survey, {"exp2": 7}, segments={"store": "north"})
    table = reporting.response_table(survey, labels=True, language="en")
    labels = dict(zip(table.header, table.labels))
    assert labels["response_id"] == "Response number" and labels["submitted_at"] == "Submitted at (UTC)"
    assert labels["wave"] == "Wave" and labels["store"] == "store"
    assert all(label for label in table.labels)
