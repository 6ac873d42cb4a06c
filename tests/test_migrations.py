"""The Alembic migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""
import os

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models.base import now_utc
from survey_app.models.customer_search import outside_models
from survey_app.services.customers.search import search_customers


def _databases(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'migrated.db'}"
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        # A database of its own, named after the test database so parallel runs do not collide.
        name = f"{sa.engine.make_url(url).database}_migrations"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        yield "postgresql", sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)


def test_migrations_match_models(tmp_path):
    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            with db.engine.connect() as connection:
                # As `flask db migrate` compares: the name search index is no model's (models/customer_search.py).
                context = MigrationContext.configure(connection, opts={"include_name": outside_models})
                diff = compare_metadata(context, db.metadata)
            assert diff == [], f"{kind}: migrations and models differ: {diff}"
            downgrade(revision="base")
            assert sa.inspect(db.engine).get_table_names() == ["alembic_version"], kind
            db.engine.dispose()


def test_sla_policies_keep_their_hours_through_the_move_to_named_targets(tmp_path):
    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0007_callbacks")
            with db.engine.begin() as connection:
                connection.execute(sa.text(
                    "INSERT INTO sla_policy (category, acknowledge_hours, first_response_hours, resolution_hours, "
                    "warning_share) VALUES ('incident', 1, 2, 16, 0.5)"))
            upgrade()
            with db.engine.connect() as connection:
                hours = connection.execute(sa.select(db.metadata.tables["sla_policy"].c.hours)).scalar_one()
            assert hours == {"acknowledge": 1, "first_response": 2, "resolution": 16}, kind
            downgrade(revision="0007_callbacks")
            with db.engine.connect() as connection:
                row = connection.execute(sa.text(
                    "SELECT acknowledge_hours, first_response_hours, resolution_hours FROM sla_policy")).one()
            assert tuple(row) == (1, 2, 16), kind
            downgrade(revision="base")
            db.engine.dispose()


def test_customers_stored_before_the_name_index_are_found_by_any_part_of_their_name(tmp_path):
    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0011_report_data_version")
            with db.engine.begin() as connection:
                connection.execute(sa.insert(db.metadata.tables["customer"]).values(
                    name="Ouyang Xiaoming", name_key="ouyangxiaoming", segments={}, created_at=now_utc()))
            upgrade()
            assert [c.name for c in search_customers("xiaoming")] == ["Ouyang Xiaoming"], kind
            if kind == "postgresql":
                with db.engine.connect() as connection:
                    collation = connection.scalar(sa.text(
                        "SELECT collation_name FROM information_schema.columns"
                        " WHERE table_name = 'customer' AND column_name = 'name_key'"))
                    indexes = set(connection.scalars(sa.text(
                        "SELECT indexname FROM pg_indexes WHERE tablename = 'customer'")))
                assert collation == "C" and {"ix_customer_name_key", "ix_customer_name_key_trgm"} <= indexes
            db.session.remove()
            downgrade(revision="base")
            db.engine.dispose()
