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


def test_responses_stored_before_the_report_cells_are_added_up_by_the_upgrade(tmp_path):
    from survey_app.models import InstrumentVersion, ReportCell, Survey
    from survey_app.services import surveys
    from survey_app.services.reporting.cells import cell_totals
    from survey_app.services.reporting.datasets import ResponseFilter

    for kind, url in _databases(tmp_path):
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0013_customer_search")
            surveys.load_paths(surveys.builtin_paths())
            version = db.session.scalar(sa.select(InstrumentVersion).where(InstrumentVersion.instrument_id == "acsi"))
            items = surveys.instrument_of(version).item_ids
            # The tables as they are at 0013, before the survey has its cells_ready column.
            survey = sa.table("survey", *map(sa.column, (
                "id", "slug", "title", "instrument_version_id", "languages", "status", "anonymous_link",
                "segment_fields", "created_at", "data_version")), sa.column("languages", sa.JSON),
                sa.column("segment_fields", sa.JSON))
            response = sa.table("response", *map(sa.column, (
                "survey_id", "form_key", "status", "page", "language", "started_at", "updated_at", "submitted_at")),
                sa.column("answers", sa.JSON), sa.column("segments", sa.JSON))
            with db.engine.begin() as connection:
                connection.execute(sa.insert(survey).values(
                    id=1, slug="old", title="Old", instrument_version_id=version.id, languages=["en"], status="open",
                    anonymous_link=True, segment_fields={"store": []}, created_at=now_utc(), data_version=0))
                connection.execute(sa.insert(response), [
                    {"survey_id": 1, "form_key": f"k{k}", "status": "submitted", "page": 0, "language": "en",
                     "started_at": now_utc(), "updated_at": now_utc(), "submitted_at": now_utc(),
                     "answers": {item: 1 + (k * 7 + j) % 10 for j, item in enumerate(items)},
                     "segments": {"store": ["north", "south"][k % 2]}} for k in range(40)])
            upgrade()
            db.session.remove()
            old = db.session.get(Survey, 1)
            assert old.cells_ready and db.session.scalar(sa.select(sa.func.count(ReportCell.id))) == 2, kind
            totals = cell_totals(old, ResponseFilter((), (("store", "north"),)))
            assert totals.n == 20 and totals.moments.n == 20, kind
            db.session.remove()
            # The way back keeps the surveys and their responses (the database is dropped after).
            downgrade(revision="0013_customer_search")
            with db.engine.connect() as connection:
                assert connection.scalar(sa.text("SELECT count(*) FROM response")) == 40, kind
            db.engine.dispose()
