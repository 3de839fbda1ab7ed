"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from playhouse.schema_diff import diff_models

from analytics.models import MODELS as ANALYTICS_MODELS
from tests.conftest import (
    backends,
    drop_postgres_schema,
    postgres_schema,
    reset_postgres_schema,
)
from winlas_site import db
from winlas_site.models import MODELS


@pytest.fixture(params=backends())
def empty_database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        database = db.make_database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        schema = postgres_schema(worker_id) + "_migrations"
        database = reset_postgres_schema(schema)
    yield database
    database.close_all()
    if request.param != "sqlite":
        drop_postgres_schema(schema)


def test_migrations_build_the_schema_of_the_models_on_an_empty_database(empty_database):
    applied = db.migrate(empty_database)
    assert applied[0] == "winlas_site:0001_initial" and "analytics:0001_initial" in applied
    models = MODELS + ANALYTICS_MODELS
    with empty_database.bind_ctx(models), empty_database.connection_context():
        assert not diff_models(empty_database, models)
        for model in models:
            assert model.table_exists()


def test_running_migrations_twice_applies_nothing_the_second_time(empty_database):
    db.migrate(empty_database)
    assert db.migrate(empty_database) == []


def test_each_package_keeps_its_own_history_table(empty_database):
    import analytics.db

    db.migrate(empty_database)
    with empty_database.connection_context():
        tables = empty_database.get_tables()
        assert db.HISTORY_TABLE in tables and analytics.db.HISTORY_TABLE in tables
