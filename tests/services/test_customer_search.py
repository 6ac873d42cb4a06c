"""Customer search: exact keys, any part of a name through the trigram index, short names by their
start, renamed and merged customers, order and limit. (Its query plans: tests/test_query_plans.py.)"""
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Customer
from survey_app.services.customers.matching import ContactKeys, CustomerDetails, edit_keys, resolve_customer
from survey_app.services.customers.merges import merge_customers
from survey_app.services.customers.search import SEARCH_LIMIT, search_customers
from survey_app.services.customers.timeline import may_view, open_candidate_count, open_candidates, visible_to
from tests.factories import make_complaint


def customer(name, phone=None, email=None, reference=None) -> Customer:
    found, _ = resolve_customer(ContactKeys.parse(phone, email, reference), name)
    db.session.commit()
    return found


def names(query, **kwargs) -> list[str]:
    return [c.name for c in search_customers(query, **kwargs)]


@pytest.fixture
def people(app):
    return {name: customer(name, phone, email, reference) for name, phone, email, reference in [
        ("Li Lei", "13800138000", "li@example.com", "R-7"),
        ("Han Meimei", "13912345678", "han@example.com", None),
        ("王小明", "13700000001", None, "VIP-1"),
        ("王芳", "13700000002", None, None),
        ("欧阳小明", "13700000003", None, None),
        ("Lilian Wang", None, "lilian@example.com", None),
    ]}


@pytest.mark.parametrize("query", ["13800138000", "138 0013 8000", "+86 138-0013-8000", "LI@Example.com", "R-7"])
def test_search_finds_a_customer_by_an_exact_key(people, query):
    assert names(query) == ["Li Lei"]


def test_search_by_a_phone_or_email_does_not_look_at_names(people):
    customer("13800138000 Zhao")
    customer("x li@example.com y")
    assert names("13800138000") == ["Li Lei"]
    assert names("li@example.com") == ["Li Lei"]


@pytest.mark.parametrize("query, found", [
    ("lei", ["Li Lei"]), ("LEI", ["Li Lei"]), ("I  LEI", ["Li Lei"]), ("MEI", ["Han Meimei"]),
    ("wang", ["Lilian Wang"]), ("王小明", ["王小明"]), ("阳小明", ["欧阳小明"]), ("ian wang", ["Lilian Wang"]),
])
def test_search_finds_any_part_of_a_name_of_three_characters_or_more(people, query, found):
    assert sorted(names(query)) == sorted(found)


@pytest.mark.parametrize("query, found", [
    # Names in code point order: 小 (U+5C0F) before 芳 (U+82B3), "lilei" before "lilianwang".
    ("王芳", ["王芳"]), ("王", ["王小明", "王芳"]), ("Li", ["Li Lei", "Lilian Wang"]), ("l", ["Li Lei", "Lilian Wang"]),
    # One or two characters are the start of a name, not any part of it.
    ("小明", []), ("ei", []),
])
def test_search_finds_names_that_start_with_one_or_two_characters(people, query, found):
    assert names(query) == found


def test_search_lists_exact_keys_first_then_names_in_order(people):
    reference_holder = customer("Zhang Wei", reference="li")
    assert [c.id for c in search_customers("li")] == [
        reference_holder.id, people["Li Lei"].id, people["Lilian Wang"].id]


def test_search_lists_the_name_itself_then_names_starting_with_it_then_names_holding_it(app):
    for name in ("Ann Leeson", "Wang Lee", "Leeann Zhou", "Lee", "Lee Ann"):
        customer(name)
    # Names holding it further in come oldest first: "Ann Leeson" was stored before "Wang Lee".
    assert names("lee") == ["Lee", "Lee Ann", "Leeann Zhou", "Ann Leeson", "Wang Lee"]


def test_search_finds_a_renamed_customer_by_the_new_name_only(people):
    edit_keys(people["Li Lei"], CustomerDetails(name="Zhou Jielun", phone="13800138000"), actor=None)
    assert names("jielun") == names("zh") == ["Zhou Jielun"]
    assert names("lei") == [] and names("Li") == ["Lilian Wang"]


def test_search_does_not_find_a_deleted_customer_by_its_name(people):
    last = people["Lilian Wang"]
    db.session.delete(last)
    db.session.commit()
    # Without AUTOINCREMENT SQLite gives the next customer the deleted one's id: the index must not
    # carry the old name over to them.
    customer("Sun Yue")
    assert names("lilian") == [] and names("sunyue") == ["Sun Yue"]


def test_search_shows_a_merged_customer_as_the_one_it_was_merged_into_once(people):
    survivor, absorbed = people["Li Lei"], people["Lilian Wang"]
    merge_customers(survivor, absorbed, actor=None)
    assert names("lilian") == ["Li Lei"]
    assert names("Li") == ["Li Lei"]
    assert names("lilian@example.com") == ["Li Lei"]


def counting_statements(action):
    """What ``action`` returns, and how many statements it sent."""
    sent = []

    def record(*args):
        sent.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        return action(), len(sent)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def test_search_resolves_merged_customers_without_a_query_for_each(app):
    survivors = [customer(f"Survivor {i}") for i in range(6)]
    for i, survivor in enumerate(survivors):
        merge_customers(survivor, customer(f"Absorbed {i}"), actor=None)

    def search(query):
        db.session.expunge_all()
        return sorted(c.name for c in search_customers(query))

    many, for_many = counting_statements(lambda: search("absorbed"))
    one, for_one = counting_statements(lambda: search("absorbed0"))
    assert many == [f"Survivor {i}" for i in range(6)] and one == ["Survivor 0"]
    assert for_many == for_one


def test_an_agent_sees_the_customers_of_cases_they_work_as_may_view_says_in_one_query(app, staff, front_desk):
    worked = [make_complaint(phone=f"1380013800{i}", name=f"Worked {i}").complaint.customer for i in range(4)]
    others = [customer(f"Other {i}", phone=f"1391234567{i}") for i in range(4)]
    found = [*others[:2], *worked, *others[2:]]
    agent = staff["agent"]
    for loaded in (agent, *found):  # as search gives them: read, not expired by the commits above
        db.session.refresh(loaded)
    shown, statements = counting_statements(lambda: visible_to(agent, found))
    assert shown == worked == [c for c in found if may_view(agent, c)]
    assert statements == 1
    assert visible_to(staff["supervisor"], found) == found


def test_the_open_pair_count_is_the_review_queues_length(app):
    first, second, _third = (customer(name, phone) for name, phone in [
        ("Li Lei", "13800138000"), ("li lei", "13800138001"), ("LI LEI", "13800138002")])
    pairs = len(open_candidates().candidates)
    assert pairs >= 2 and open_candidate_count() == pairs
    merge_customers(first, second, actor=None)
    assert open_candidate_count() == len(open_candidates().candidates) < pairs


def test_search_stops_at_the_limit_names_starting_with_the_query_in_name_order_others_oldest_first(app):
    # Stored last name first, so the order of their ids is not that of their names.
    db.session.execute(sa.insert(Customer), [
        {"name": f"Zhang Wei {i:03d}", "name_key": f"zhangwei{i:03d}", "segments": {}}
        for i in reversed(range(SEARCH_LIMIT + 10))])
    db.session.commit()
    for query in ("zhangwei", "zh"):
        assert names(query) == [f"Zhang Wei {i:03d}" for i in range(SEARCH_LIMIT)], query
    assert names("wei", limit=3) == ["Zhang Wei 059", "Zhang Wei 058", "Zhang Wei 057"]
    assert names("zhangwei05", limit=3) == ["Zhang Wei 050", "Zhang Wei 051", "Zhang Wei 052"]


@pytest.mark.parametrize("query, found", [
    ("%b_", True), ('c"d', True), ("d\\e", True), ("a%", True), ("x_y", False), ("x%", False), ("%", False),
    ('"', False), ("", False), ("   ", False), ("\U0010ffff", False),
])
def test_search_reads_wildcards_and_quotes_as_plain_text(app, query, found):
    customer("a%b_c\"d\\e")
    customer("xayb")
    assert names(query) == (["a%b_c\"d\\e"] if found else [])
