"""Customer names searched by index: a trigram index over name_key (pg_trgm GIN on PostgreSQL, an
FTS5 trigram table kept by triggers on SQLite), and name_key in code point order on PostgreSQL so its
B-tree serves a search by a name's first characters

Revision ID: 0013_customer_search
Revises: 0012_case_deadline
Create Date: 2026-12-02 06:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0013_customer_search"
down_revision = "0012_case_deadline"
branch_labels = None
depends_on = None

# A copy of models/customer_search.py as it is at this revision: a migration does not change with the code.
SQLITE_TABLE = "customer_name_search"
PG_INDEX = "ix_customer_name_key_trgm"
SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE {SQLITE_TABLE} USING fts5(name_key, content='customer', content_rowid='id',"
    " tokenize='trigram case_sensitive 1')",
    f"CREATE TRIGGER {SQLITE_TABLE}_insert AFTER INSERT ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} (rowid, name_key) VALUES (new.id, new.name_key); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_delete AFTER DELETE ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key); END",
    f"CREATE TRIGGER {SQLITE_TABLE}_rename AFTER UPDATE OF name_key ON customer BEGIN"
    f" INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}, rowid, name_key) VALUES ('delete', old.id, old.name_key);"
    f" INSERT INTO {SQLITE_TABLE} (rowid, name_key) VALUES (new.id, new.name_key); END",
    # Fills the index from the customers there already are.
    f"INSERT INTO {SQLITE_TABLE} ({SQLITE_TABLE}) VALUES ('rebuild')",
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_DDL:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        # Its B-tree index (ix_customer_name_key) is rebuilt in code point order with the column.
        op.execute('ALTER TABLE customer ALTER COLUMN name_key TYPE varchar(200) COLLATE "C"')
        # Without the right to create pg_trgm the migration still passes: names are then found by the
        # same LIKE reading the whole table, until an administrator creates the extension and the index.
        try:
            with bind.begin_nested():
                bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except sa.exc.DBAPIError:
            return
        op.execute(f"CREATE INDEX {PG_INDEX} ON customer USING gin (name_key gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "rename"):
            op.execute(f"DROP TRIGGER IF EXISTS {SQLITE_TABLE}_{trigger}")
        op.execute(f"DROP TABLE IF EXISTS {SQLITE_TABLE}")
    elif bind.dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
        op.execute("ALTER TABLE customer ALTER COLUMN name_key TYPE varchar(200) COLLATE pg_catalog.\"default\"")
