"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

import pytest
from playhouse.schema_diff import diff_models

from tests.conftest import backends, postgres_schema, reset_postgres_schema
from winlas_site import db
from winlas_site.models import MODELS


@pytest.fixture(params=backends())
def empty_database(request, tmp_path, worker_id):
    if request.param == "sqlite":
        database = db.make_database(f"sqlite:///{tmp_path / 'empty.db'}")
    else:
        database = reset_postgres_schema(postgres_schema(worker_id) + "_migrations")
    yield database
    database.close_all()


def test_migrations_build_the_schema_of_the_models_on_an_empty_database(empty_database):
    applied = db.migrate(empty_database)
    assert applied[0] == "0001_initial"
    with empty_database.bind_ctx(MODELS), empty_database.connection_context():
        assert not diff_models(empty_database, MODELS)
        for model in MODELS:
            assert model.table_exists()


def test_running_migrations_twice_applies_nothing_the_second_time(empty_database):
    db.migrate(empty_database)
    assert db.migrate(empty_database) == []


def test_history_is_kept_in_the_packages_own_table(empty_database):
    db.migrate(empty_database)
    with empty_database.connection_context():
        assert db.HISTORY_TABLE in empty_database.get_tables()
