"""The index staff search customers' names by: a trigram index over ``customer.name_key``.

A name is searched by any part of it, and ``LIKE '%x%'`` cannot walk a B-tree. So each database
keeps a trigram index beside the table: PostgreSQL a ``pg_trgm`` GIN index on the column (its
planner uses it for the same ``LIKE``), SQLite an FTS5 table with the trigram tokenizer that
triggers keep in step with every insert, rename and delete. Neither is a model column: the
schema outside the ORM is made here for ``db.create_all()`` and in migration
0013_customer_search, and :func:`outside_models` keeps Alembic's comparison off it.
"""
import sqlalchemy as sa

from .customer import Customer

# The FTS5 table; SQLite names its shadow tables after it (customer_name_search_data, …).
SQLITE_TABLE = "customer_name_search"
PG_INDEX = "ix_customer_name_key_trgm"

# Only its rowid is read: the customer's id. The names come from ``customer`` itself (external content).
name_search = sa.table(SQLITE_TABLE, sa.column("rowid", sa.Integer))

SQLITE_DDL = (
    # case_sensitive 1: name_key is already case-folded in Python, so the tokenizer folds nothing more.
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(name_key, content='customer', content_rowid='id',"
    " tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} (rowid, name_key) VALUES (new.id, new.name_key); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_rename AFTER UPDATE OF name_key ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key);"
    f" INSERT INTO {SQLITE_TABLE} (rowid, name_key) VALUES (new.id, new.name_key); END",
)
PG_DDL = f"CREATE INDEX {PG_INDEX} ON customer USING gin (name_key gin_trgm_ops)"


def create_name_search(connection: sa.Connection) -> bool:
    """Make the trigram index of customer names, filling it from the rows there are; False when
    PostgreSQL refuses ``pg_trgm`` (no right to create it): search then finds names by the same
    ``LIKE`` reading the whole table, slower but not wrong."""
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_DDL:
            connection.exec_driver_sql(statement)
        connection.exec_driver_sql(f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('rebuild')")
        return True
    if connection.dialect.name == "postgresql":
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return False
        connection.exec_driver_sql(PG_DDL)
        return True
    return False


def drop_name_search(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "rename"):
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_{trigger}")
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"DROP INDEX IF EXISTS {PG_INDEX}")


def outside_models(name: str | None, type_: str, _parent_names: dict) -> bool:
    """Alembic's ``include_name``: False for the search schema, which no model declares."""
    if type_ == "table":
        return not (name or "").startswith(SQLITE_TABLE)
    if type_ == "index":
        return name != PG_INDEX
    return True


@sa.event.listens_for(Customer.__table__, "after_create")
def _made_with_customer(_table, connection, **_kwargs) -> None:
    create_name_search(connection)


@sa.event.listens_for(Customer.__table__, "before_drop")
def _dropped_with_customer(_table, connection, **_kwargs) -> None:
    drop_name_search(connection)
