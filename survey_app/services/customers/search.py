"""Staff find a customer by an exact key or by a part of the name, each through an index, so a
search costs the same among a million customers as among a thousand."""
import sqlalchemy as sa

from ...extensions import db
from ...models import Customer, name_search
from ...models.customer_search import SQLITE_TABLE
from ..errors import InvalidInput
from .matching import name_key, normalise_email, normalise_phone, normalise_reference

SEARCH_LIMIT = 50
# A trigram index finds any part of a name of three characters or more. A shorter query, such as
# a Chinese surname or a two-character name, is looked up as the start of the name instead: its
# B-tree gives those in order, so the search stops at the limit however many names share it.
PART_OF_NAME_FROM = 3


def search_customers(query: str, *, limit: int = SEARCH_LIMIT) -> list[Customer]:
    """Customers whose phone, email or reference is ``query``, then, unless it is a phone number or
    an email address, those whose name contains it (starts with it, for one or two characters) in
    the order of their names; a merged customer shows as the one it was merged into, once."""
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
    if key is None:
        return []
    if len(key) < PART_OF_NAME_FROM:
        # name_key is in code point order on both databases (models/customer.py), so the names
        # starting with ``key`` are one range of its index.
        matches = sa.and_(Customer.name_key >= key, *([] if (end := _just_after(key)) is None
                                                       else [Customer.name_key < end]))
    elif db.session.get_bind().dialect.name == "sqlite":
        phrase = '"' + key.replace('"', '""') + '"'
        found = sa.select(name_search.c.rowid).where(sa.literal_column(SQLITE_TABLE).op("MATCH")(phrase))
        matches = Customer.id.in_(found)
    else:
        # pg_trgm's GIN index serves this LIKE (models/customer_search.py); "\" is PostgreSQL's escape.
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        matches = Customer.name_key.like(f"%{escaped}%")
    return list(db.session.scalars(sa.select(Customer).where(matches)
                                   .order_by(Customer.name_key, Customer.id).limit(limit)))


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
