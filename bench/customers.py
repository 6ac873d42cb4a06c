"""Customer benchmarks: importing 100,000 rows, and searching among 100,000 and 1,000,000 customers.

Import: generates a CSV of 90,000 distinct customers and 10,000 rows that repeat one of them with
the phone written another way or the email in other letters (and another name), imports it into a
fresh SQLite database (and PostgreSQL, when BENCH_PG_URL is reachable) through
``services.customer_import``, and prints rows per second and whether every planted duplicate
was matched to its customer. The target is under 60 s on a 2-core machine.

Search: bulk inserts customers with Chinese and Latin names (executemany on SQLite, COPY on
PostgreSQL, the name index built after each load as migration 0013 builds it over existing rows)
up to each of BENCH_SEARCH_SIZES, and prints the median milliseconds of ``search_customers`` by
phone, by a full name, by a name's first two characters and by a part many names share, beside
the floor of the same run: ``SELECT count(*)`` of customer. A search should cost the same at
1,000,000 as at 100,000; the floor grows with the table.

Run with `make bench` or `python -m bench.customers [import|search]`.
"""
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

ROWS = int(os.environ.get("BENCH_CUSTOMERS", "100000"))
DUPLICATE_SHARE = 0.10
LIMIT_SECONDS = 60.0
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_customers")
SEARCH_SIZES = [int(n) for n in os.environ.get("BENCH_SEARCH_SIZES", "100000,1000000").split(",")]
SEARCH_PG_URL = os.environ.get("BENCH_SEARCH_PG_URL",
                               "postgresql+psycopg://postgres@127.0.0.1:5432/bench_customer_search")
SEARCHES_PER_KIND = 30
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉玲建国红云飞鑫波宇浩凯俊帆琳晨欣怡婷雪梅亮斌宁健博文轩睿哲"
FIRST = ("James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard Jessica Joseph"
         " Sarah Thomas Karen Charles Lisa Daniel Nancy Matthew Betty Anthony Sandra Mark Ashley Paul Emily").split()
LAST = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez"
        " Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Lewis"
        " Young").split()


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


def customer_name(rng: random.Random) -> str:
    """Seven in ten Chinese (a third of them two characters long), the rest Latin."""
    draw = rng.random()
    if draw < 0.7:
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(1 if draw < 0.25 else 2))
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def customer_rows(first: int, last: int, rng: random.Random):
    """Customers ``first`` to ``last - 1``: name, name_key, phone, email, reference, as the services store them."""
    from survey_app.services.customers.matching import name_key

    for i in range(first, last):
        name = customer_name(rng)
        yield name, name_key(name), f"+86138{i:08d}", f"c{i}@example.com", f"R{i:07d}"


def load_customers(db, first: int, last: int, rng: random.Random) -> None:
    """Bulk insert customers; the name index is dropped for the load and built over the rows after."""
    from survey_app.models.customer_search import create_name_search, drop_name_search

    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        drop_name_search(connection)
        if connection.dialect.name == "postgresql":
            with connection.connection.cursor() as cursor, cursor.copy(
                    "COPY customer (name, name_key, phone, email, reference, segments, created_at) FROM STDIN") as copy:
                for row in customer_rows(first, last, rng):
                    copy.write_row((*row, "{}", now))
        else:
            connection.exec_driver_sql(
                "INSERT INTO customer (name, name_key, phone, email, reference, segments, created_at)"
                " VALUES (?, ?, ?, ?, ?, '{}', ?)",
                [(*row, now.replace(tzinfo=None).isoformat(" ")) for row in customer_rows(first, last, rng)])
        create_name_search(connection)
    with db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            "VACUUM ANALYZE customer" if connection.dialect.name == "postgresql" else "ANALYZE")


def search_queries(size: int, rng: random.Random) -> dict[str, list[str]]:
    """What staff type: a phone as written locally, a full name, a name's first two characters, and
    a part of a name a large share of customers have (one Latin surname)."""
    from survey_app.extensions import db
    from survey_app.models import Customer

    ids = [rng.randrange(1, size + 1) for _ in range(SEARCHES_PER_KIND)]
    names = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(Customer.id.in_(ids))).all())
    phones = [f"138 {i // 10000:04d} {i % 10000:04d}" for i in ids]
    full = [names[i] for i in ids if i in names]
    starts = [name[:2] if " " not in name else name.split()[1][:2] for name in full]
    common = ["ohnson", "illiam", "artin"]
    return {"phone": phones, "full name": full, "name start (2)": starts, "common part": common}


def median_ms(action, arguments) -> float:
    times = []
    for _round in range(3):
        for argument in arguments:
            started = time.perf_counter()
            action(argument)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def run_search(kind: str, url: str) -> None:
    from survey_app import create_app
    from survey_app.config import TestConfig
    from survey_app.extensions import db
    from survey_app.services.customers.search import search_customers

    settings = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(11)
    with app.app_context():
        db.drop_all()
        db.create_all()
        loaded = 0
        for size in SEARCH_SIZES:
            started = time.perf_counter()
            load_customers(db, loaded + 1, size + 1, rng)
            load_seconds, loaded = time.perf_counter() - started, size
            queries = search_queries(size, rng)

            def search(query):
                search_customers(query)
                db.session.expunge_all()

            floor = median_ms(lambda _: db.session.execute(sa.text("SELECT count(*) FROM customer")).scalar(), [0])
            figures = "  ".join(f"{name} {median_ms(search, values):7.2f}" for name, values in queries.items())
            print(f"  {kind:<10} {size:>9,} customers (loaded in {load_seconds:5.1f} s)  "
                  f"floor count(*) {floor:7.2f}  search by {figures}  (median ms)", flush=True)
            db.session.remove()  # the next load drops the name index: no transaction may hold the table
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def main_search() -> int:
    targets = [("sqlite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench_customer_search.db'}")]
    if _reachable(SEARCH_PG_URL):
        targets.append(("postgresql", SEARCH_PG_URL))
    print(f"customer search: {', '.join(f'{n:,}' for n in SEARCH_SIZES)} customers, "
          f"{SEARCHES_PER_KIND} searches of each kind, 3 rounds")
    for kind, url in targets:
        run_search(kind, url)
    return 0


def main() -> int:
    parts = set(sys.argv[1:]) or {"import", "search"}
    failed = main_import() if "import" in parts else 0
    return failed | (main_search() if "search" in parts else 0)


def main_import() -> int:
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
