"""Customer import benchmark: 100,000 rows with 10% planted duplicates by phone or email.

Generates a CSV of 90,000 distinct customers and 10,000 rows that repeat one of them with the
phone written another way or the email in other letters (and another name), imports it into a
fresh SQLite database (and PostgreSQL, when BENCH_PG_URL is reachable) through
``services.customer_import``, and prints rows per second and whether every planted duplicate
was matched to its customer. The target is under 60 s on a 2-core machine.
Run with `make bench` or `python -m bench.customers`.
"""
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROWS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
DUPLICATE_SHARE = 0.10
LIMIT_SECONDS = 60.0
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_customers")


def generate(rows: int, seed: int = 7) -> tuple[str, int]:
    """The CSV text and how many of its rows repeat an earlier customer."""
    rng = random.Random(seed)
    originals = rows - int(rows * DUPLICATE_SHARE)
    lines = ["name,phone,email,reference,store,annual_spend,purchase_count"]
    for i in range(originals):
        lines.append(f"Customer {i},1380{i:07d},c{i}@example.com,R{i:07d},{('north', 'south')[i % 2]},"
                     f"{rng.randint(100, 90000)}.50,{rng.randint(1, 40)}")
    planted = rows - originals
    for j in range(planted):
        i = rng.randrange(originals)
        if j % 2:
            lines.append(f"Repeat {j},+86 1380 {i // 1000:04d} {i % 1000:03d},,,,,")  # 1380 + 7 digits, spaced
        else:
            lines.append(f"Repeat {j},,C{i}@Example.COM,,,,")
    return "\n".join(lines) + "\n", planted


def run(url: str, text: str, planted: int) -> tuple[float, bool, object]:
    from survey_app import create_app
    from survey_app.config import TestConfig
    from survey_app.extensions import db
    from survey_app.models import Customer
    from survey_app.services.customers.imports import import_customers

    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        report = import_customers(text)
        seconds = time.perf_counter() - started
        customers = db.session.scalar(sa.select(sa.func.count(Customer.id)))
        expected = len(text.splitlines()) - 1 - planted
        # Every planted row matched its customer and none made a customer of its own.
        found_all = (report.matched == planted and report.created == expected == customers
                     and not report.rejected and report.review == 0)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return seconds, found_all, report


def _reachable(url: str) -> bool:
    try:
        admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        name = sa.engine.make_url(url).database
        with admin.connect() as connection:
            if not connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def main() -> int:
    text, planted = generate(ROWS)
    targets = [("sqlite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_customers.db'}")]
    if _reachable(PG_URL):
        targets.append(("postgresql", PG_URL))
    failed = False
    print(f"customer import: {ROWS} rows, {planted} planted duplicates by phone or email")
    for kind, url in targets:
        seconds, found_all, report = run(url, text, planted)
        ok = found_all and seconds < LIMIT_SECONDS
        failed |= not ok
        print(f"  {kind:<10} {seconds:6.1f} s  {ROWS / seconds:8.0f} rows/s  created {report.created}  "
              f"matched {report.matched}  review {report.review}  rejected {len(report.rejected)}  "
              f"every planted duplicate found: {'yes' if found_all else 'NO'}  "
              f"{'ok' if ok else 'FAILED'} (limit {LIMIT_SECONDS:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
