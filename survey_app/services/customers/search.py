"""Staff find a customer by an exact key or by a part of the name, each through an index, so a
search costs the same among a million customers as among a thousand."""
import sqlalchemy as sa

from ...extensions import db
from ...models import Customer, name_search
from ...models.customer_search import SQLITE_TABLE
from ..errors import InvalidInput
from .matching import name_key, normalise_email, normalise_phone, normalise_reference

SEARCH_LIMIT = 50
# A trigram index finds a part of a name of three characters or more; one or two characters (a
# Chinese surname or a two-character name) are only looked up as the start of a name.
PART_OF_NAME_FROM = 3


def search_customers(query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose phone, email or reference is ``query``; then, unless it is a phone number or
    an email address, those whose name is or starts with it, in the order of their names; then, for
    three characters or more, those whose name holds it further in, oldest first. A merged customer
    shows as the one it was merged into, once."""
    text = (query or "").strip()
    if not text:
        return []
    phone, email = _key(normalise_phone, text), _key(normalise_email, text) if "@" in text else None
    found = _by_keys(limit, phone=phone, email=email, reference=_key(normalise_reference, text))
    if phone is None and email is None:
        found.extend(_by_name(name_key(text), limit))
    return list(dict.fromkeys(_as_survivors(found)))[:limit]


def _by_keys(limit: int, **keys: str | None) -> list[Customer]:
    """One equality lookup per key the query can be, each by that key's own index: ORed with each
    other or with the name, they would make the planner read the table."""
    found = []
    for column, value in keys.items():
        if value is not None:
            found.extend(db.session.scalars(sa.select(Customer).where(getattr(Customer, column) == value)
                                            .order_by(Customer.id).limit(limit)))
    return found


def _key(normalise, text: str) -> str | None:
    try:
        return normalise(text)
    except InvalidInput:
        return None


def _by_name(key: str | None, limit: int) -> list[Customer]:
    """Each step reads at most ``limit`` rows in the order of an index, so a name many customers
    have, or a part of one many names hold, costs no more than a rare one."""
    if key is None:
        return []
    # name_key is in code point order on both databases (models/customer.py): the names that are
    # or start with ``key`` are one range of its B-tree, walked in order, the name itself first.
    end = _just_after(key)
    starting = sa.and_(Customer.name_key >= key, *([] if end is None else [Customer.name_key < end]))
    found = list(db.session.scalars(sa.select(Customer).where(starting)
                                    .order_by(Customer.name_key, Customer.id).limit(limit)))
    if len(found) == limit or len(key) < PART_OF_NAME_FROM:
        return found
    # Any part, through the trigram index (models/customer_search.py), oldest first; the names found
    # above come again, and are counted once.
    if db.session.get_bind().dialect.name == "sqlite":
        # FTS5 gives its matches in rowid order: SQLite stops at the limit.
        phrase = '"' + key.replace('"', '""') + '"'
        holding = (sa.select(Customer).join(name_search, name_search.c.rowid == Customer.id)
                   .where(sa.literal_column(SQLITE_TABLE).op("MATCH")(phrase)).order_by(name_search.c.rowid))
    else:
        # pg_trgm's GIN index serves this LIKE ("\" is PostgreSQL's escape). Its matches are found
        # first (MATERIALIZED), the oldest taken, then their rows by id: left to choose, the planner
        # may walk the primary key in order testing each name, which reads every customer when few match.
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matching = (sa.select(Customer.id).where(Customer.name_key.like(f"%{escaped}%"))
                    .cte("holding").prefix_with("MATERIALIZED"))
        oldest = list(db.session.scalars(sa.select(matching.c.id).order_by(matching.c.id).limit(limit)))
        if not oldest:
            return found
        holding = sa.select(Customer).where(Customer.id.in_(oldest)).order_by(Customer.id)
    return [*found, *db.session.scalars(holding.limit(limit))]


def _just_after(prefix: str) -> str | None:
    """The first string past every string that starts with ``prefix`` in code point order; None
    when none is (the prefix is all U+10FFFF)."""
    if not prefix:
        return None
    last = ord(prefix[-1]) + 1
    if last > 0x10FFFF:
        return _just_after(prefix[:-1])
    if 0xD800 <= last < 0xE000:  # surrogates are no characters: skip past them
        last = 0xE000
    return prefix[:-1] + chr(last)


def _as_survivors(found: list[Customer]) -> list[Customer]:
    """Each of ``found`` as the customer a merge folded it into (or itself), as
    :func:`~.matching.active_customer` gives it, with one query per step of a chain of merges
    rather than one per customer."""
    known = {c.id: c for c in found}
    wanted = {c.merged_into_id for c in found} - known.keys() - {None}
    while wanted:
        survivors = list(db.session.scalars(sa.select(Customer).where(Customer.id.in_(wanted))))
        known |= {c.id: c for c in survivors}
        wanted = {c.merged_into_id for c in survivors} - known.keys() - {None}
    return [_survivor(c, known) for c in found]


def _survivor(customer: Customer, known: dict[int, Customer]) -> Customer:
    seen = set()
    while customer.merged_into_id is not None and customer.id not in seen:
        seen.add(customer.id)
        customer = known[customer.merged_into_id]
    return customer
