"""The plan guard: the queries staff pages run find their rows by index, in index order.

PostgreSQL's planner is the one a firm's data meets. A few thousand rows spread over many
surveys and customers are bulk inserted and ANALYZEd, each page's service runs, and every
SELECT it sent is EXPLAINed with its own parameters: a full scan of a large table, or a sort of
one where an index should give the order, fails the test, so dropping an index the page needs
does too. Customer search is guarded on SQLite as well, whose name index (an FTS5 table) is its own.
"""
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import CaseState, Customer
from survey_app.services.cases.first_contact import first_contact_rate
from survey_app.services.cases.operations import escalate_breaches
from survey_app.services.cases.queue import QueueFilter, queue
from survey_app.services.customers.search import search_customers
from survey_app.services.customers.timeline import timeline
from survey_app.services.reporting.datasets import load_dataset
from survey_app.services.surveys.instruments import instrument_of
from tests.factories import make_survey

LARGE_TABLES = {"response", "customer", "complaint", "complaint_case", "case_event"}
SURVEYS, RESPONSES, CUSTOMERS, CASES = 20, 8000, 3000, 4000
NOW = datetime(2026, 6, 1, tzinfo=UTC)
# By phone, email and reference; by a part of a name (the trigram index) and by its first two characters.
SEARCHES = ("+8613800000123", "c123@example.com", "R-123", "customer123", "tomer12", "cu", "王小")


@pytest.fixture
def firm(app, database, staff):
    """Surveys, responses, customers and cases enough for the planner to choose as at a firm's size."""
    if database != "postgresql":
        pytest.skip("the plan guard reads PostgreSQL's planner")
    survey = make_survey("plans")
    connection = db.session.connection()
    connection.execute(sa.text(
        "INSERT INTO survey (slug, title, instrument_version_id, languages, status, anonymous_link, segment_fields,"
        " created_at, data_version) SELECT 'plans-' || g, title, instrument_version_id, languages, status,"
        " anonymous_link, segment_fields, created_at, 0 FROM survey, generate_series(2, :n) g WHERE id = :id"),
        {"n": SURVEYS, "id": survey.id})
    connection.execute(sa.text(
        "INSERT INTO customer (name, name_key, phone, segments, created_at)"
        " SELECT 'Customer ' || g, 'customer' || g, '+86138' || lpad(g::text, 8, '0'), '{}', :now"
        " FROM generate_series(1, :n) g"), {"n": CUSTOMERS, "now": NOW})
    # Every fifth response is a draft; submissions spread over a year, across every survey.
    connection.execute(sa.text(
        "INSERT INTO response (survey_id, customer_id, form_key, status, page, answers, segments, language,"
        " started_at, updated_at, submitted_at)"
        " SELECT s.id, (SELECT min(id) FROM customer) + g % :customers, md5(g::text),"
        "  CASE WHEN g % 5 = 0 THEN 'draft' ELSE 'submitted' END, 0, '{\"q1\": 7}', '{}', 'en', t, t,"
        "  CASE WHEN g % 5 = 0 THEN NULL ELSE t END"
        " FROM generate_series(1, :n) g, LATERAL (SELECT :now - g * interval '1 hour' AS t) moment,"
        " LATERAL (SELECT id FROM survey ORDER BY id OFFSET g % :surveys LIMIT 1) s"),
        {"n": RESPONSES, "customers": CUSTOMERS, "surveys": SURVEYS, "now": NOW})
    connection.execute(sa.text(
        "INSERT INTO complaint (reference, tracking_nonce, tracking_hash, customer_id, channel, category,"
        " description, consent_to_contact, language, created_at)"
        " SELECT 'C-' || g, md5(g::text), md5('t' || g), (SELECT min(id) FROM customer) + g % :customers, 'web',"
        "  'product', 'The kettle leaks.', true, 'en', :now - g * interval '2 hours'"
        " FROM generate_series(1, :n) g"), {"n": CASES, "customers": CUSTOMERS, "now": NOW})
    connection.execute(sa.text(
        "INSERT INTO complaint_case (complaint_id, state, version, category, severity, first_contact, opened_at,"
        " updated_at)"
        " SELECT id, CASE WHEN id % 10 = 0 THEN 'investigating' ELSE 'closed_accepted' END, 1, 'product', 'normal', false,"
        "  created_at, created_at FROM complaint"))
    connection.execute(sa.text(
        "INSERT INTO case_event (case_id, kind, name, actor_kind, changes, public, at)"
        " SELECT id, kind, name, 'system', '{}', false, opened_at + interval '1 minute' * step"
        " FROM complaint_case, (VALUES (0, 'transition', 'receive'), (1, 'note', 'note'), (2, 'reply', 'reply'))"
        " AS log(step, kind, name)"))
    # What the queue orders by, as the clocks would have it: the open cases due within the week
    # (and a first reply late on each), the closed ones by when they came.
    connection.execute(sa.text(
        "UPDATE complaint_case SET next_due_at = opened_at + interval '40 hours',"
        " warn_at = opened_at + interval '30 hours', breach_at = opened_at + interval '16 hours',"
        " queue_band = CASE WHEN state = 'investigating' THEN 0 ELSE 2 END,"
        " queue_at = CASE WHEN state = 'investigating' THEN opened_at + interval '40 hours' ELSE opened_at END"))
    db.session.commit()
    with db.engine.connect() as analyzing:
        analyzing.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return survey


def _selects_of(action) -> list[tuple[str, object]]:
    """Every SELECT ``action`` sends (with a CTE or not), with its parameters."""
    sent = []

    def record(_connection, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert sent, "the page sent no query"
    return sent


def _nodes(node: dict, *, limited: bool = False):
    """The plan's nodes, each with whether a LIMIT above it stops the read early."""
    yield node, limited
    for child in node.get("Plans", []):
        yield from _nodes(child, limited=limited or node["Node Type"] == "Limit")


def _plan(statement: str, parameters, *, ordered: bool) -> dict:
    connection = db.session.connection()
    # At a few thousand rows reading a table whole, or a bitmap of it and sorting, costs the planner
    # less than walking an index; at a firm's size it does not. Pricing full scans (and, where the
    # index should give the order, sorts) out asks whether a plan through an index exists: without
    # the index the scan or the sort stays in the plan.
    for setting in ("enable_seqscan", *(("enable_sort", "enable_incremental_sort") if ordered else ())):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"]
    connection.exec_driver_sql("RESET ALL")
    return plan


def _faults(action, *, ordered: bool, counts: bool = True) -> list[str]:
    """What reads a large table whole in the plans of ``action``'s queries: a sequential scan or an
    index walked end to end, and with ``ordered`` a sort of its rows (the index the query walks
    should give their order). ``counts=False`` leaves out the GROUP BY counts the page shows."""
    faults = []
    for statement, parameters in _selects_of(action):
        if not counts and "GROUP BY" in statement:
            continue
        plan = _plan(statement, parameters, ordered=ordered)
        for node, limited in _nodes(plan):
            table = node.get("Relation Name")
            if node["Node Type"] == "Seq Scan" and table in LARGE_TABLES:
                faults.append(f"full scan of {table} in: {statement}")
            # An index walked end to end without a condition, and no LIMIT to stop it, reads it all too.
            if (node["Node Type"] in ("Index Scan", "Index Only Scan") and table in LARGE_TABLES
                    and "Index Cond" not in node and not limited):
                faults.append(f"whole index {node['Index Name']} of {table} in: {statement}")
            if ordered and node["Node Type"] in ("Sort", "Incremental Sort"):
                sorted_tables = {n.get("Relation Name") for n, _limited in _nodes(node)} & LARGE_TABLES
                if sorted_tables:
                    faults.append(f"sort of {', '.join(sorted(sorted_tables))} in: {statement}")
    return faults


def test_the_report_dataset_reads_one_surveys_submissions_in_order_by_index(firm):
    items = list(instrument_of(firm.instrument_version).item_ids)
    assert _faults(lambda: load_dataset(firm, items), ordered=True) == []


def test_the_complaint_report_counts_recent_cases_by_index(firm):
    assert _faults(lambda: first_contact_rate(NOW - timedelta(days=7)), ordered=False) == []


@pytest.mark.parametrize("filters", [QueueFilter(), QueueFilter(sla_state="breached"),
                                     QueueFilter(state=CaseState.CLOSED_ACCEPTED)])
def test_the_case_queue_walks_its_index_in_deadline_order(firm, staff, filters):
    # Its counts by state read every case's state (an index-only scan of ix_complaint_case_state)
    # until they are kept as they change.
    first = queue(filters, staff["manager"], now=NOW)
    assert first.next_after is not None
    assert _faults(lambda: queue(filters, staff["manager"], after=first.next_after, now=NOW),
                   ordered=True, counts=False) == []


def test_the_sla_check_finds_breached_cases_by_index(firm):
    assert _faults(lambda: escalate_breaches(NOW - timedelta(days=400)), ordered=False) == []


def test_the_customer_timeline_reads_one_customers_records_by_index(firm):
    customer = db.session.scalars(sa.select(Customer).order_by(Customer.id.desc()).limit(1)).one()
    assert _faults(lambda: timeline(customer), ordered=False) == []


def test_customer_search_finds_customers_through_a_condition_on_an_index(firm):
    # Stricter than _faults: below the search's LIMIT, a name index walked end to end in name order
    # would read every customer for a name no one has, so each read of customer must have its condition.
    # The rows inserted at once wait in the GIN index's pending list, which the planner prices as read
    # whole; at a firm's size that list is a sliver of the index, as it is once cleaned here.
    db.session.execute(sa.text("SELECT gin_clean_pending_list('ix_customer_name_key_trgm')"))
    for query in SEARCHES:
        for statement, parameters in _selects_of(lambda: search_customers(query)):
            plan = _plan(statement, parameters, ordered=False)
            reads = [node for node, _limited in _nodes(plan) if node.get("Relation Name") == "customer"]
            assert reads and all(_by_condition(node) for node in reads), f"{query}: {statement}\n{plan}"
    plans = [str(_plan(*sent, ordered=False)) for sent in _selects_of(lambda: search_customers("customer123"))]
    assert any("ix_customer_name_key_trgm" in plan for plan in plans)


def _by_condition(node: dict) -> bool:
    if node["Node Type"] == "Bitmap Heap Scan":
        return all(child["Node Type"].startswith("Bitmap") and ("Index Cond" in child or "Plans" in child)
                   for child in node["Plans"])
    return node["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" in node


@pytest.fixture
def sqlite_customers(app, database):
    if database != "sqlite":
        pytest.skip("SQLite's plans, with its own name index")
    db.session.execute(sa.insert(Customer), [
        {"name": f"Customer {i}", "name_key": f"customer{i}", "phone": f"+86138{i:08d}", "email": f"c{i}@example.com",
         "reference": f"R-{i}", "segments": {}} for i in range(1, CUSTOMERS + 1)])
    db.session.commit()
    db.session.connection().exec_driver_sql("ANALYZE")


def test_customer_search_on_sqlite_reads_no_customer_table_whole(sqlite_customers):
    for query in SEARCHES:
        for statement, parameters in _selects_of(lambda: search_customers(query)):
            plan = [row.detail for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters)]
            # "SCAN customer_name_search VIRTUAL TABLE INDEX 0:M…" is the FTS5 index answering MATCH.
            assert not [step for step in plan if re.match(r"SCAN customer\b", step)], f"{query}: {statement}\n{plan}"
    sent = _selects_of(lambda: search_customers("customer123"))
    assert any("customer_name_search MATCH" in statement for statement, _parameters in sent)
