"""What the database holds, read back as plain rows, to compare before and after a change."""
import sqlalchemy as sa

from survey_app.extensions import db


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def rows(table: str, where) -> list[dict]:
    """The rows of ``table`` for which ``where(columns)`` holds, as stored, in id order."""
    t = db.metadata.tables[table]
    return [dict(row) for row in db.session.execute(sa.select(t).where(where(t.c)).order_by(t.c.id)).mappings()]


def customer_state(customer_id: int, *tables: str) -> dict[str, list[dict]]:
    """A customer's row and the rows of ``tables`` that point at it, read afresh."""
    db.session.expire_all()
    snapshot = {"customer": rows("customer", lambda c: c.id == customer_id)}
    snapshot.update({name: rows(name, lambda c: c.customer_id == customer_id) for name in tables})
    return snapshot
