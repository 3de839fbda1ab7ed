"""Fixtures shared by every test: the app on SQLite and on PostgreSQL, clients, users.

Every database test runs once per backend. SQLite: a copy of a migrated file per test.
PostgreSQL (when WINLAS_TEST_POSTGRES_URL is set): one migrated schema per test process,
emptied before each test.
"""

from __future__ import annotations

import os
import re
import shutil

import peewee
import pytest
from argon2 import PasswordHasher, profiles

from analytics.models import MODELS as ANALYTICS_MODELS
from winlas_site import create_app, db
from winlas_site.cookies import declared
from winlas_site.models import MODELS

POSTGRES_URL = os.environ.get("WINLAS_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("WINLAS_REQUIRE_POSTGRES") == "1"
# the loopback SMTP server fixture `smtp_server`, for any test module
pytest_plugins = ["tests.mailserver"]

PASSWORD = "korrekt-hast-batteri-häftstift"
# the cheapest argon2id parameters: the production ones are checked in test_passwords.py.
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


def pytest_configure(config):
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("WINLAS_REQUIRE_POSTGRES=1 but WINLAS_TEST_POSTGRES_URL is not set")


def backends() -> list:
    params = ["sqlite"]
    if POSTGRES_URL:
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


def postgres_schema(worker_id: str) -> str:
    return f"winlas_test_{re.sub(r'[^a-z0-9]', '_', worker_id.lower())}"


def postgres_database(schema: str) -> peewee.Database:
    """A Database on the test server whose search_path is ``schema``."""
    return db.make_database(POSTGRES_URL, options=f"-c search_path={schema}")


def reset_postgres_schema(schema: str) -> peewee.Database:
    """Drop and recreate ``schema``; fails the run (never skips) when the server is away."""
    admin = db.make_database(POSTGRES_URL, pool=False)
    try:
        admin.connect()
    except peewee.OperationalError as exc:  # pragma: no cover - only when the server is down
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is unreachable: {exc}", pytrace=False)
    admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.execute_sql(f'CREATE SCHEMA "{schema}"')
    admin.close()
    return postgres_database(schema)


def drop_postgres_schema(schema: str) -> None:
    """Remove a test schema (names carry the process id, so nothing else reuses them)."""
    admin = db.make_database(POSTGRES_URL, pool=False)
    with admin.connection_context():
        admin.execute_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def worker_id(request) -> str:
    # with the process id: two pytest runs at once must not share a PostgreSQL schema
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return f"{worker}_{os.getpid()}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file, copied for every test (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "winlas.db"
    # not pooled: closing must really close, so the WAL is checkpointed into the copied file.
    database = db.make_database(f"sqlite:///{path}", pool=False)
    db.migrate(database)
    database.close()
    return path


@pytest.fixture(scope="session")
def postgres_session_db(worker_id):
    schema = postgres_schema(worker_id)
    database = reset_postgres_schema(schema)
    db.migrate(database)
    yield database
    database.close_all()
    drop_postgres_schema(schema)


def written_tables(database: peewee.Database) -> list[str]:
    """The tables an earlier test wrote to: they hold rows, or their id sequence has moved.

    Truncating only these (rather than all 40-odd tables, some 0.17 s a test) keeps the
    PostgreSQL half of the suite fast; a table whose rows were deleted again still has its
    sequence reset, so every test starts from ids 1 as before."""
    names = [model._meta.table_name for model in MODELS + ANALYTICS_MODELS]
    holding = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")"  # noqa: S608
        for name in names
    )
    written = {name for (name,) in database.execute_sql(holding)}
    moved = {
        sequence
        for (sequence,) in database.execute_sql(
            "SELECT sequencename FROM pg_sequences "
            "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
        )
    }
    for model in MODELS + ANALYTICS_MODELS:
        key = model._meta.primary_key
        if f"{model._meta.table_name}_{getattr(key, 'column_name', '')}_seq" in moved:
            written.add(model._meta.table_name)
    return [name for name in names if name in written]


@pytest.fixture(params=backends())
def database(request, tmp_path, sqlite_template):
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        path = tmp_path / "winlas.db"
        shutil.copy(sqlite_template, path)
        database = db.make_database(f"sqlite:///{path}")
    else:
        database = request.getfixturevalue("postgres_session_db")
        with database.connection_context():
            tables = ", ".join(f'"{name}"' for name in written_tables(database))
            if tables:
                database.execute_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    yield database
    if request.param == "sqlite":
        database.close_all()


@pytest.fixture
def app_config(tmp_path, database) -> dict:
    """Settings of the app under test; a test may change them before using ``app``."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE": database,
        "SECRET_KEY": "test-secret-key",
        "PASSWORD_HASHER": CHEAP_HASHER,
        "RATELIMIT_STORAGE_URI": "memory://",
        # the spool is drained within the request, so a test sees its rows at once
        "ANALYTICS_WRITE_MODE": "inline",
        # forms refuse submissions faster than this; the spam tests set it themselves
        "WINLAS_MIN_FILL_SECONDS": 0,
    }


@pytest.fixture(autouse=True)
def immediate_tasks():
    """Tests run queued tasks at once, in the test's own process (one test runs a worker)."""
    from winlas_site.queue import huey

    before, huey.immediate = huey.immediate, True
    yield
    huey.immediate = before


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Flask-Limiter's extension object is shared by every app in the process: start empty."""
    yield
    from winlas_site.extensions import limiter

    if getattr(limiter, "_storage", None) is not None:
        limiter.reset()


@pytest.fixture
def app(app_config):
    """The app; every cookie it sets during the test must be declared in the registry."""
    app = create_app(app_config)
    seen: set[str] = set()

    @app.after_request
    def record_cookies(response):
        for header in response.headers.getlist("Set-Cookie"):
            seen.add(header.split("=", 1)[0])
        return response

    yield app
    # a background writer works on the global database binding: it must not outlive its test
    app.extensions["analytics"].stop()
    undeclared = {name for name in seen if declared(name) is None}
    assert not undeclared, f"cookies set but not declared in winlas_site/cookies.py: {undeclared}"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def demo(app):
    """The demo content and demo users (password ``PASSWORD``)."""
    from winlas_site.demo import load

    with app.app_context():
        load.load_all(PASSWORD)


@pytest.fixture
def create_user(app):
    """Factory: ``create_user("a@b.se", role="staff")`` with password ``PASSWORD``."""
    from winlas_site.auth.models import User

    def make(email: str = "kund@exempel.se", role: str = "customer", **fields):
        with app.app_context():
            return User.create_account(
                email,
                fields.pop("password", PASSWORD),
                role=role,
                first_name=fields.pop("first_name", "Test"),
                last_name="Person",
                **fields,
            )

    return make


CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token in the page"
    return next(group for group in match.groups() if group)


class AuthActions:
    """flaskr's ``auth`` fixture: log in and out through the real forms, CSRF included."""

    def __init__(self, client):
        self.client = client

    def login(
        self,
        email="kund@exempel.se",
        password=PASSWORD,
        remember=False,
        next_url=None,
        environ_base=None,
        **extra,
    ):
        page = self.client.get("/logga-in")
        data = {
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "email": email,
            "password": password,
            **extra,
        }
        if remember:
            data["remember"] = "y"
        if next_url is not None:
            data["next"] = next_url
        return self.client.post("/logga-in", data=data, environ_base=environ_base or {})

    def logout(self):
        page = self.client.get("/logga-ut")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/logga-ut", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


def log_in(client, email: str = "kund@exempel.se", password: str = PASSWORD, **options):
    """Log any test client in through the real form; the response (302 when it worked).

    The one login helper of the test modules (``options`` as for ``AuthActions.login``).
    """
    return AuthActions(client).login(email, password, **options)


@pytest.fixture
def login_as(client, create_user):
    """Factory: ``login_as("a@winlas.se", "staff")`` creates that user and logs ``client`` in."""

    def create_and_log_in(email: str, role: str = "customer"):
        create_user(email, role=role)
        response = log_in(client, email)
        assert response.status_code == 302, f"login of {email} ({role}): {response.status_code}"
        return response

    return create_and_log_in
