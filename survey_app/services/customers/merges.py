"""Merging two customers into one, and undoing it exactly.

A merge moves every row of every table with a foreign key to ``customer.id`` (found in the
metadata, so tables added later are covered) from the absorbed customer to the survivor, and
records the primary keys it moved. The absorbed customer's row stays, pointing at the survivor,
so its keys still find the survivor. Undo moves those rows back, also the rows added to the
survivor since that hang on a moved row (a response to the absorbed customer's invitation) or
that reached the survivor through the absorbed customer's keys alone (intake notes those, see
``customers.note_arrival``), and restores the fields the merge filled in. Tables marked ``info={"customer_merge": "keep"}``
are history (the merge log, the review queue) and are never moved.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ...extensions import db
from ...models import (
    Customer,
    CustomerArrival,
    CustomerMerge,
    DuplicateCandidate,
    DuplicateStatus,
    Response,
    StaffUser,
)
from ...models.base import now_utc
from ...models.survey import report_data_changed
from ..errors import Conflict
from .matching import KEY_NAMES

FILLED_FIELDS = ("name", "name_key", "phone", "email", "reference", "annual_spend", "first_purchase_on",
                 "purchase_count", "removal_requested_at")


def customer_references() -> list[sa.Column]:
    """Every column outside the customer table and history tables that points at ``customer.id``."""
    customer_table = Customer.__table__
    columns = []
    for table in db.metadata.sorted_tables:
        if table is customer_table or table.info.get("customer_merge") == "keep":
            continue
        columns.extend(column for column in table.columns
                       if any(fk.column is customer_table.c.id for fk in column.foreign_keys))
    return columns


def _key(column: sa.Column) -> str:
    return f"{column.table.name}.{column.name}"


def _rows_of(column: sa.Column, customer_id: int) -> list[list]:
    primary_key = list(column.table.primary_key.columns)
    rows = db.session.execute(sa.select(*primary_key).where(column == customer_id).order_by(*primary_key))
    return [list(row) for row in rows]


def _move(column: sa.Column, rows: list[list], from_id: int, to_id: int) -> None:
    """Point ``rows`` (primary keys) of ``column``'s table from one customer to another."""
    primary_key = list(column.table.primary_key.columns)
    # Moving a row is not editing it: columns with an on-update default (updated_at) keep their value.
    unchanged = {c.name: c for c in column.table.columns if c.onupdate is not None}
    for start in range(0, len(rows), 500):
        batch = rows[start:start + 500]
        if len(primary_key) == 1:
            match = primary_key[0].in_([row[0] for row in batch])
        else:
            match = sa.tuple_(*primary_key).in_([tuple(row) for row in batch])
        db.session.execute(sa.update(column.table).where(match, column == from_id).values({**unchanged, column.name: to_id}))
        if column.table is Response.__table__:
            # Responses changing customer is a change of the data their surveys' reports were cached for.
            db.session.execute(report_data_changed(sa.select(Response.survey_id).where(match).distinct()))


def merge_customers(
    survivor: Customer, absorbed: Customer, *, actor: StaffUser | None,
    candidate: DuplicateCandidate | None = None, note: str | None = None,
) -> CustomerMerge:
    """Fold ``absorbed`` into ``survivor``: its records move, its keys fill the survivor's gaps. Commits.

    :raise Conflict: when the two are the same customer or either has been merged already.
    """
    if survivor.id == absorbed.id:
        raise Conflict(_("A customer cannot be merged with itself."))
    if survivor.is_merged or absorbed.is_merged:
        raise Conflict(_("One of these customers has been merged already."))
    references = customer_references()
    db.session.flush()
    merge = CustomerMerge(
        survivor_id=survivor.id, absorbed_id=absorbed.id, candidate_id=candidate.id if candidate else None,
        note=(note or "").strip() or None, merged_by_id=actor.id if actor else None, merged_at=now_utc(),
        kept={_key(c): _rows_of(c, survivor.id) for c in references},
        moved={_key(c): _rows_of(c, absorbed.id) for c in references},
    )
    for column in references:
        _move(column, merge.moved[_key(column)], absorbed.id, survivor.id)
    merge.survivor_before = _fill(survivor, absorbed)
    absorbed.merged_into_id = survivor.id
    for pair in _candidates_between(survivor, absorbed):
        pair.status, pair.decided_at, pair.decided_by_id = DuplicateStatus.MERGED, merge.merged_at, merge.merged_by_id
    db.session.add(merge)
    db.session.commit()
    return merge


def _fill(survivor: Customer, absorbed: Customer) -> dict:
    """Fill the survivor's empty fields from the absorbed customer; returns what they were (JSON-safe)."""
    before = {}
    for field in FILLED_FIELDS:
        if getattr(survivor, field) is None and getattr(absorbed, field) is not None:
            before[field] = None
            setattr(survivor, field, getattr(absorbed, field))
    segments = {**(absorbed.segments or {}), **(survivor.segments or {})}
    if segments != (survivor.segments or {}):
        before["segments"] = survivor.segments
        survivor.segments = segments
    return before


def _candidates_between(first: Customer, second: Customer) -> list[DuplicateCandidate]:
    low, high = sorted((first.id, second.id))
    return list(db.session.scalars(sa.select(DuplicateCandidate).where(
        DuplicateCandidate.first_id == low, DuplicateCandidate.second_id == high)))


def undo_merge(merge: CustomerMerge, *, actor: StaffUser | None) -> CustomerMerge:
    """Restore both customers as they were before ``merge``. Commits.

    :raise Conflict: when the merge was undone already, or the survivor has since been merged
        into someone else (undo that first).
    """
    if merge.is_undone:
        raise Conflict(_("This merge has been undone already."))
    survivor, absorbed = merge.survivor, merge.absorbed
    if survivor.is_merged or absorbed.merged_into_id != survivor.id:
        raise Conflict(_("Undo the later merge of these customers first."))
    references = customer_references()
    moved_back: dict[str, set[tuple]] = {}
    for column in references:
        rows = merge.moved.get(_key(column), [])
        _move(column, rows, survivor.id, absorbed.id)
        moved_back.setdefault(column.table.name, set()).update(tuple(row) for row in rows)
    _send_back_arrivals(merge, references, moved_back)
    _follow_moved_rows(merge, references, moved_back)
    for field, value in merge.survivor_before.items():
        setattr(survivor, field, value)
    absorbed.merged_into_id = None
    merge.undone_at, merge.undone_by_id = now_utc(), actor.id if actor else None
    for pair in _candidates_between(survivor, absorbed):
        if merge.candidate_id is None or pair.id == merge.candidate_id:
            pair.status, pair.decided_at, pair.decided_by_id = DuplicateStatus.OPEN, None, None
    db.session.commit()
    return merge


def _follow_moved_rows(merge: CustomerMerge, references: list[sa.Column], moved_back: dict[str, set[tuple]]) -> None:
    """Send back the survivor's rows added since the merge that hang on a row that went back."""
    earlier = _rows_moved_in_by_others(merge)
    changed = True
    while changed:
        changed = False
        for column in references:
            kept = {tuple(row) for row in merge.kept.get(_key(column), [])} | earlier.get(_key(column), set())
            added = [row for row in _rows_of(column, merge.survivor_id) if tuple(row) not in kept]
            follow = [row for row in added if _hangs_on(column.table, row, moved_back)]
            if follow:
                _move(column, follow, merge.survivor_id, merge.absorbed_id)
                moved_back.setdefault(column.table.name, set()).update(tuple(row) for row in follow)
                changed = True


def _send_back_arrivals(merge: CustomerMerge, references: list[sa.Column], moved_back: dict[str, set[tuple]]) -> None:
    """Send back the records that reached the survivor since the merge through keys of the absorbed
    customer only: keys the survivor had itself before the merge keep a record where it is."""
    survivor, absorbed = merge.survivor, merge.absorbed
    own = {(name, getattr(survivor, name)) for name in KEY_NAMES
           if getattr(survivor, name) and name not in merge.survivor_before}
    theirs = {(name, getattr(absorbed, name)) for name in KEY_NAMES if getattr(absorbed, name)} - own
    columns = {column.table.name: column for column in references}
    arrivals = db.session.scalars(sa.select(CustomerArrival).where(
        CustomerArrival.customer_id == survivor.id, CustomerArrival.arrived_at >= merge.merged_at))
    for arrival in arrivals:
        keys = arrival.keys()
        if arrival.table_name not in columns or not keys & theirs or keys & own:
            continue
        _move(columns[arrival.table_name], [[arrival.row_id]], survivor.id, absorbed.id)
        moved_back.setdefault(arrival.table_name, set()).add((arrival.row_id,))
        arrival.customer_id = absorbed.id


def _rows_moved_in_by_others(merge: CustomerMerge) -> dict[str, set[tuple]]:
    """Rows other merges moved onto the survivor since: they belong to those merges, not to this one."""
    others = db.session.scalars(sa.select(CustomerMerge).where(
        CustomerMerge.survivor_id == merge.survivor_id, CustomerMerge.id != merge.id,
        CustomerMerge.undone_at.is_(None)))
    rows: dict[str, set[tuple]] = {}
    for other in others:
        for key, moved in other.moved.items():
            rows.setdefault(key, set()).update(tuple(row) for row in moved)
    return rows


def _hangs_on(table: sa.Table, row: list, moved_back: dict[str, set[tuple]]) -> bool:
    """Whether ``row`` links to a row that moved back to the absorbed customer, itself or through a
    row of its own: a complaint whose case follows up a case of a complaint that moved back."""
    record = _record(table, list(table.primary_key.columns), row)
    if _points_into(table, record, moved_back) or _links_into(table, record, moved_back):
        return True
    for own in _references_to(table):
        for dependant in db.session.execute(sa.select(own.parent.table).where(
                own.parent == record[own.column.name])).mappings():
            if _points_into(own.parent.table, dependant, moved_back) or _links_into(
                    own.parent.table, dependant, moved_back, skip=own):
                return True
    return False


def _links_into(table: sa.Table, record, moved_back: dict[str, set[tuple]], skip: sa.ForeignKey | None = None) -> bool:
    """Whether ``record`` links to a row that itself points at a row that moved back: a callback
    drawn since the merge for work on a case whose complaint went back. ``skip`` is the link
    back to the row being judged, already known not to."""
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table
            if (fk is skip or record[column.name] is None or target.name == "customer"
                    or len(target.primary_key.columns) != 1):
                continue
            linked = _record(target, [fk.column], [record[column.name]])
            if linked is not None and _points_into(target, linked, moved_back):
                return True
    return False


def _record(table: sa.Table, columns: list[sa.Column], values: list):
    return db.session.execute(sa.select(table).where(*(c == v for c, v in zip(columns, values)))).mappings().first()


def _points_into(table: sa.Table, record, moved_back: dict[str, set[tuple]]) -> bool:
    """Whether a foreign key of ``record`` points at a row that moved back."""
    for column in table.columns:
        for fk in column.foreign_keys:
            target = fk.column.table
            if target.name in moved_back and len(target.primary_key.columns) == 1 \
                    and (record[column.name],) in moved_back[target.name]:
                return True
    return False


def _references_to(table: sa.Table) -> list[sa.ForeignKey]:
    """Foreign keys of other tables that point at ``table``'s single-column primary key."""
    if len(table.primary_key.columns) != 1:
        return []
    [key] = table.primary_key.columns
    return [fk for other in db.metadata.sorted_tables if other is not table
            for column in other.columns for fk in column.foreign_keys if fk.column is key]


@dataclass(frozen=True)
class MergedKey:
    """A phone, email or reference a customer is reached by through a customer merged into them."""

    name: str  # one of KEY_NAMES
    value: str
    # The merged customer whose record holds it.
    customer_id: int


def merged_keys(survivor: Customer) -> list[MergedKey]:
    """The keys of the customers merged into ``survivor`` (and into those, merge after merge) that
    it does not hold itself, oldest customer first.

    The absorbed record keeps its keys and points at the survivor, so they find the survivor
    (:func:`matching.active_customer`) and undoing the merge takes them back with it: they are
    read from there rather than copied, and need nothing of their own to undo.
    """
    known = {(name, getattr(survivor, name)) for name in KEY_NAMES if getattr(survivor, name)}
    found, level, seen = [], [survivor.id], {survivor.id}
    while level:
        absorbed = list(db.session.scalars(sa.select(Customer).where(Customer.merged_into_id.in_(level))
                                           .order_by(Customer.id)))
        level = [c.id for c in absorbed if c.id not in seen]
        seen.update(level)
        for customer in absorbed:
            for name in KEY_NAMES:
                value = getattr(customer, name)
                if value and (name, value) not in known:
                    known.add((name, value))
                    found.append(MergedKey(name, value, customer.id))
    return found


def dismiss_candidate(candidate: DuplicateCandidate, *, actor: StaffUser | None) -> DuplicateCandidate:
    """Staff decided the pair are two people: the pair leaves the queue and is not asked again. Commits."""
    if candidate.status is not DuplicateStatus.OPEN:
        raise Conflict(_("This pair has been decided already."))
    candidate.status, candidate.decided_at = DuplicateStatus.DISMISSED, now_utc()
    candidate.decided_by_id = actor.id if actor else None
    db.session.commit()
    return candidate
