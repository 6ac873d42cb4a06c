"""Customer CSV import: idempotent, with a report that accounts for every row; and its command."""
import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Customer, DuplicateCandidate
from survey_app.services.customers import imports as customer_import
from survey_app.services.customers.imports import import_customers
from survey_app.services.errors import InvalidInput
from tests.snapshots import count

CSV = """Name,Phone,Email,Reference,Tier,Annual_Spend,First_Purchase_On,Purchase_Count
Li Lei,13800138000,li@example.com,R-1,gold,"1,200.50",2019-05-01,7
Han Meimei,,han@example.com,,silver,,,
LI LEI,+86 138 0013 8000,,,,,,
Bad Phone,12345,,,,,,
Nobody,,,,,,,
Bad Spend,13900139000,,,,lots,,
Bad Date,13900139001,,,,,May 2019,
Bad Count,13900139002,,,,,,-3
Wang Wu,13700137000,WANG@example.com,R-3,,,,
wang wu,13700137001,,,,,,
"""


def test_import_reports_every_row(app):
    report = import_customers(CSV)
    assert (report.read, report.created, report.matched, report.review) == (10, 4, 1, 1)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (5, "12345 is not a valid phone number."),
        (6, "No phone, email or reference."),
        (7, "lots is not a valid annual spend."),
        (8, "May 2019 is not a valid first purchase date (YYYY-MM-DD)."),
        (9, "-3 is not a valid number of purchases."),
    ]
    assert report.read == report.created + report.matched + len(report.rejected)
    assert [(r.line, r.reason) for r in report.sent_to_review] == [
        (11, "Same name, similar phone: Wang Wu and wang wu.")]
    li = db.session.scalar(sa.select(Customer).where(Customer.reference == "R-1"))
    assert (li.phone, li.email, li.segments) == ("+8613800138000", "li@example.com", {"tier": "gold"})
    assert (li.annual_spend, li.first_purchase_on, li.purchase_count) == (Decimal("1200.50"), date(2019, 5, 1), 7)
    wang = db.session.scalar(sa.select(Customer).where(Customer.email == "wang@example.com"))
    candidate = db.session.scalar(sa.select(DuplicateCandidate))
    assert candidate.first_id == wang.id and candidate.evidence["phone"] == ["+8613700137000", "+8613700137001"]


def test_values_too_long_to_keep_are_rejected_with_their_line(app):
    long_name, long_reference = "N" * 201, "R" * 65
    report = import_customers(f"name,phone,reference\n{long_name},13800138000,\nLi,13900139000,{long_reference}\n")
    assert [(r.line, r.reason) for r in report.rejected] == [
        (2, "A name has at most 200 characters."), (3, "A customer reference has at most 64 characters.")]
    assert count(Customer) == 0


def test_importing_the_same_file_twice_creates_nothing(app):
    import_customers(CSV)
    before = db.session.execute(sa.select(Customer.id, Customer.phone, Customer.email, Customer.reference)
                                .order_by(Customer.id)).all()
    report = import_customers(CSV)
    assert (report.created, report.matched, report.review, len(report.rejected)) == (0, 5, 0, 5)
    after = db.session.execute(sa.select(Customer.id, Customer.phone, Customer.email, Customer.reference)
                               .order_by(Customer.id)).all()
    assert after == before and count(DuplicateCandidate) == 1


def test_rows_across_chunks_find_each_other(app, monkeypatch):
    monkeypatch.setattr(customer_import, "CHUNK", 2)
    rows = "\n".join(f"P{i},1380013{i:04d},p{i}@example.com" for i in range(7))
    again = "\n".join(f"P{i},,P{i}@EXAMPLE.com" for i in range(7))
    report = import_customers(f"name,phone,email\n{rows}\n{again}\n")
    assert (report.read, report.created, report.matched) == (14, 7, 7) and count(Customer) == 7


def test_progress_is_reported_after_every_chunk_with_the_rows_committed(app, monkeypatch):
    monkeypatch.setattr(customer_import, "CHUNK", 2)
    seen = []

    def progress(fraction, message):
        # Each chunk is committed before its progress is written, so another connection sees it.
        with db.engine.connect() as other:
            stored = other.scalar(sa.select(sa.func.count()).select_from(Customer))
        seen.append((round(fraction, 2), message, stored))

    rows = "\n".join(f"P{i},1380013{i:04d}" for i in range(4))
    report = import_customers(f"name,phone\n\n{rows}\nBad,123\n", progress=progress)
    assert (report.read, report.created, len(report.rejected)) == (5, 4, 1)
    assert seen == [(0.4, "2 of 5 rows", 2), (0.8, "4 of 5 rows", 4), (1.0, "5 of 5 rows", 4)]


def test_import_matches_existing_customers_and_fills_keys(app):
    import_customers("name,phone\nLi Lei,13800138000\n")
    report = import_customers("phone,email,revenue\n13800138000,li@example.com,99\n")
    assert (report.created, report.matched) == (0, 1)
    customer = db.session.scalar(sa.select(Customer))
    assert customer.email == "li@example.com" and customer.annual_spend == Decimal("99.00")


def test_a_file_without_key_columns_is_refused(app):
    with pytest.raises(InvalidInput):
        import_customers("name,tier\nLi Lei,gold\n")


def write(tmp_path, text):
    path = tmp_path / "customers.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_command_prints_a_json_report(runner, tmp_path):
    result = runner.invoke(args=["customers", "import", write(tmp_path, CSV), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert {k: report[k] for k in ("read", "created", "matched", "review")} == {"read": 10, "created": 4, "matched": 1, "review": 1}
    assert report["rejected"][0] == {"line": 5, "reason": "12345 is not a valid phone number."}
    again = json.loads(runner.invoke(args=["customers", "import", write(tmp_path, CSV), "--format", "json"]).output)
    assert (again["created"], again["matched"]) == (0, 5)


def test_command_prints_a_text_report_and_fails_on_a_bad_file(runner, tmp_path):
    result = runner.invoke(args=["customers", "import", write(tmp_path, CSV)])
    assert result.exit_code == 0
    assert "read 10, created 4, matched 1, sent to review 1, rejected 5" in result.output
    assert "line 6: No phone, email or reference." in result.output
    bad = runner.invoke(args=["customers", "import", write(tmp_path, "name\nx\n")])
    assert bad.exit_code == 1 and "needs a phone, email or reference column" in bad.output
