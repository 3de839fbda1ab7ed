"""Fixtures shared by every test: the app on SQLite and on PostgreSQL, clients, users.

Every database test runs once per backend. SQLite: a copy of a migrated file per test.
PostgreSQL (when WINLAS_TEST_POSTGRES_URL is set): one migrated schema per test process,
emptied before each test.

What a test costs beyond its own work is kept small here (see "Speed" below): a test's
database is emptied by DELETEs in one round trip, not by TRUNCATE; neither backend waits for
the disk at a commit; and the apps of one test process share their compiled templates and
URL builders instead of compiling them again for every test.
"""

from __future__ import annotations

import datetime
import graphlib
import os
import re
import shutil
from typing import Any

import jinja2
import peewee
import pytest
from argon2 import PasswordHasher, profiles
from werkzeug.routing import rules as werkzeug_rules

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


# in CI every test must run: a skip there (no chDB, no browser, no server) is a failure
NO_SKIPS = os.environ.get("CI") == "true"


def pytest_configure(config):
    if REQUIRE_POSTGRES and not POSTGRES_URL:
        raise pytest.UsageError("WINLAS_REQUIRE_POSTGRES=1 but WINLAS_TEST_POSTGRES_URL is not set")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true a skipped test fails, saying why it would have been skipped (a developer's
    machine without the ClickHouse extra or Chromium may skip those tests; CI may not)."""
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI runs every test: {report.longrepr}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    """The same for a whole module skipped as it is collected (``pytest.importorskip``)."""
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped, and CI runs every test: {report.longrepr}"


def ms(moment: datetime.datetime) -> int:
    """Milliseconds since the epoch of a naive UTC time: the tracker's timestamps."""
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def backends() -> list:
    params = ["sqlite"]
    if POSTGRES_URL:
        params.append(pytest.param("postgres", marks=pytest.mark.postgres))
    return params


def postgres_schema(worker_id: str) -> str:
    return f"winlas_test_{re.sub(r'[^a-z0-9]', '_', worker_id.lower())}"


def postgres_database(schema: str) -> peewee.Database:
    """A Database on the test server whose search_path is ``schema``.

    Its commits do not wait for the WAL to reach the disk (synchronous_commit=off): some 5 ms
    a commit here, and what a test sees is the same (only a crash of the server could lose a
    commit)."""
    return db.make_database(
        POSTGRES_URL, options=f"-c search_path={schema} -c synchronous_commit=off"
    )


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


def without_row_estimates(database: peewee.Database) -> None:
    """Set the planner's row estimates of the test schema's tables to "never measured", and
    keep them so.

    Creating an index on an empty table (every migration does) records the table as holding
    0 rows, and so does an autovacuum that passes while it is empty. Tables are emptied with
    DELETE between tests (``postgres_emptying``), which leaves that estimate alone, so a test
    that loads thousands of events and asks for a report got plans made for one row (nested
    loops over everything: 10-40 s a query instead of milliseconds). TRUNCATE resets the
    estimate to "never measured", from which PostgreSQL estimates by the table's size: once
    here, after the migrations, with autovacuum off for these tables from then on."""
    with database.connection_context():
        tables = [
            name
            for (name,) in database.execute_sql(
                "SELECT relname FROM pg_class WHERE relkind = 'r' "
                "AND relnamespace = current_schema()::regnamespace"
            ).fetchall()
        ]
        for name in tables:
            database.execute_sql(f'ALTER TABLE "{name}" SET (autovacuum_enabled = false)')
        models = {model._meta.table_name for model in MODELS + ANALYTICS_MODELS}
        listed = ", ".join(f'"{name}"' for name in tables if name in models)
        if listed:
            database.execute_sql(f"TRUNCATE {listed} CASCADE")  # the models' own names


@pytest.fixture(scope="session")
def postgres_session_db(worker_id):
    schema = postgres_schema(worker_id)
    database = reset_postgres_schema(schema)
    db.migrate(database)
    without_row_estimates(database)
    yield database
    database.close_all()
    drop_postgres_schema(schema)


def postgres_emptying(database: peewee.Database) -> str:
    """One statement that empties every table of the models and restarts their id sequences,
    as ``TRUNCATE ... RESTART IDENTITY`` does.

    TRUNCATE gives each table new files and pays for it: some 0.4-0.8 s a test for the dozen
    tables a test writes (more than most tests take). DELETE of a few rows costs microseconds,
    and an empty table nothing, so every table is emptied, children before parents (the
    foreign keys as the database has them, so none refuses a delete), in one DO block: one
    round trip. A table with triggers of its own (the append-only audit log refuses a DELETE)
    is truncated, only when it holds rows. The sequences restart at their start value, so
    every test starts from id 1 as before."""
    names = [model._meta.table_name for model in MODELS + ANALYTICS_MODELS]
    with database.connection_context():
        references = database.execute_sql(
            "SELECT child.relname, parent.relname FROM pg_constraint c "
            "JOIN pg_class child ON child.oid = c.conrelid "
            "JOIN pg_class parent ON parent.oid = c.confrelid "
            "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
        ).fetchall()
        guarded = {
            name
            for (name,) in database.execute_sql(
                "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
            )
        }
        # the sequences the tables own (serial and identity columns), whatever their names
        sequences = [
            sequence
            for sequence, table in database.execute_sql(
                "SELECT s.relname, t.relname FROM pg_class s "
                "JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass "
                "AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') "
                "JOIN pg_class t ON t.oid = d.refobjid "
                "WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace"
            )
            if table in names
        ]
    order = graphlib.TopologicalSorter({name: set() for name in names})
    for child, parent in references:
        if child != parent and child in names and parent in names:
            order.add(parent, child)  # a parent's rows go after its children's
    try:
        ordered = list(order.static_order())
    except graphlib.CycleError:  # tables that reference each other: TRUNCATE, slow but sure
        listed = ", ".join(f'"{name}"' for name in names)
        return f"TRUNCATE {listed} RESTART IDENTITY CASCADE"
    # the names are the models' own table names, not input
    steps = [
        f'IF EXISTS (SELECT 1 FROM "{name}") THEN TRUNCATE "{name}" CASCADE; END IF;'  # noqa: S608
        if name in guarded
        else f'DELETE FROM "{name}";'  # noqa: S608
        for name in ordered
    ]
    if sequences:
        listed = ", ".join(f"'{name}'" for name in sequences)
        steps.append(
            "PERFORM setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), "
            "start_value, false) FROM pg_sequences WHERE schemaname = current_schema() "
            f"AND last_value IS NOT NULL AND sequencename IN ({listed});"
        )
    return "DO $$ BEGIN " + " ".join(steps) + " END $$"


@pytest.fixture(scope="session")
def postgres_emptied(postgres_session_db) -> str:
    return postgres_emptying(postgres_session_db)


# SQLite as the site runs it, except that a commit does not wait for the disk (some 5 ms for
# each sync here, several a test): only a crash of the machine could tell the difference.
SQLITE_TEST_PRAGMAS = {**db.SQLITE_PRAGMAS, "synchronous": "off"}


@pytest.fixture(params=backends())
def database(request, tmp_path, sqlite_template):
    """A migrated, empty database of the parametrised backend."""
    if request.param == "sqlite":
        path = tmp_path / "winlas.db"
        shutil.copy(sqlite_template, path)
        database = db.make_database(f"sqlite:///{path}", pragmas=SQLITE_TEST_PRAGMAS)
    else:
        database = request.getfixturevalue("postgres_session_db")
        emptying = request.getfixturevalue("postgres_emptied")
        with database.connection_context():
            database.execute_sql(emptying)
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
    share_compiled_templates(app)
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


# --- Speed: what every app of a test process would compile again -----------------------------
#
# Each test builds its own app. Measured (CPU, one app and five pages): create_app 58 ms, of
# which 43 ms compile the ~160 URL rules' builders (werkzeug writes and compiles a Python
# function for each); the pages 90 ms, of which 70 ms compile their templates. The apps of a
# process are made by the same create_app from the same files, so they share both.


class SharedBytecodeCache(jinja2.BytecodeCache):
    """Jinja's compiled templates kept in memory for every app of the process.

    Jinja checks the checksum of the template's source before using the code, so a changed
    template is compiled again; the caches are separate for environments whose settings change
    what a template compiles to (``compiled_like``)."""

    def __init__(self) -> None:
        self.codes: dict[str, tuple[str | None, Any]] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        checksum, code = self.codes.get(bucket.key, (None, None))
        if code is not None and checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


BYTECODE_CACHES: dict[tuple, SharedBytecodeCache] = {}


def compiled_like(env: jinja2.Environment) -> tuple:
    """Everything of ``env`` that the code of a compiled template depends on: the syntax, the
    extensions and their settings, autoescaping, and how each filter and test is called."""

    def plain(value):  # a bound method of the app: its function is what counts
        return getattr(value, "__func__", value)

    def calls(functions: dict) -> tuple:
        # what jinja's pass_context/pass_eval_context/pass_environment mark a function with
        return tuple(
            sorted((name, getattr(f, "jinja_pass_arg", None)) for name, f in functions.items())
        )

    return (
        type(env),
        tuple(sorted(env.extensions)),
        getattr(env, "newstyle_gettext", None),
        env.policies.get("ext.i18n.trimmed"),
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        env.undefined,
        plain(env.autoescape),
        plain(env.finalize),
        calls(env.filters),
        calls(env.tests),
    )


def share_compiled_templates(app) -> None:
    env = app.jinja_env
    env.bytecode_cache = BYTECODE_CACHES.setdefault(compiled_like(env), SharedBytecodeCache())


_compile_builder = getattr(werkzeug_rules.Rule, "_compile_builder", None)
_BUILDERS: dict[tuple, Any] = {}


def _shared_builder(rule: werkzeug_rules.Rule, append_unknown: bool = True):
    """werkzeug's URL builder of ``rule``, compiled once per process for each distinct rule.

    The builder is a plain function of the rule's parsed parts (``_trace``), its defaults (the
    names, and the URL text of a default that fills a part of the path) and
    ``append_unknown``; it reaches the rule's converters through its first argument, so rules
    that agree on those share it. Anything unexpected is compiled as werkzeug does."""
    try:
        defaults = rule.defaults or {}
        key = (
            append_unknown,
            rule.rule,
            tuple(rule._trace),
            tuple(str(name) for name in defaults),
            tuple(
                (part, rule._converters[part].to_url(defaults[part]))
                for dynamic, part in rule._trace
                if dynamic and part in defaults
            ),
        )
        builder = _BUILDERS.get(key)
    except Exception:  # noqa: BLE001 - an unhashable default, another werkzeug: no sharing
        return _compile_builder(rule, append_unknown)
    if builder is None:
        builder = _BUILDERS[key] = _compile_builder(rule, append_unknown)
    return builder


if _compile_builder is not None:  # a werkzeug without it compiles as it does
    werkzeug_rules.Rule._compile_builder = _shared_builder
