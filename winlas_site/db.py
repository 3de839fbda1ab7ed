"""The one place that owns the database connection and the schema migrations."""

from __future__ import annotations

from pathlib import Path

import peewee
from flask import Flask
from playhouse.db_url import connect
from playhouse.migrations import Runner

# Models of every winlas_site feature bind to this proxy; create_app initialises it from
# DATABASE_URL. analytics keeps a proxy of its own and receives the same Database.
database = peewee.DatabaseProxy()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "winlas_site_migrations"

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    # several gunicorn workers share one file: wait for the writer instead of failing.
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16000,
}


class BaseModel(peewee.Model):
    """Base of every winlas_site model."""

    class Meta:
        database = database
        legacy_table_names = False


def make_database(url: str, pool: bool = True, **options) -> peewee.Database:
    """Build a peewee Database from a URL; SQLite gets its pragmas.

    Connections are pooled: a request takes one and hands it back at teardown, so a worker
    keeps its SQLite connection (pragmas run once, page cache kept) or its PostgreSQL session
    instead of paying for a new one on every request.
    """
    scheme, sep, rest = url.partition("://")
    if pool and sep and scheme in ("sqlite", "postgres", "postgresql"):
        url = f"{scheme}+pool://{rest}"
        options.setdefault("max_connections", 32)
        options.setdefault("stale_timeout", 300)
        if scheme == "sqlite":
            # the pool lends a connection to one thread at a time, but not always the same one.
            options.setdefault("check_same_thread", False)
    if scheme.startswith("sqlite"):
        options.setdefault("pragmas", SQLITE_PRAGMAS)
    return connect(url, **options)


def init_app(app: Flask) -> peewee.Database:
    """Bind the proxy to the configured database and open/close it around requests."""
    db = app.config.get("DATABASE") or make_database(app.config["DATABASE_URL"])
    database.initialize(db)
    app.extensions["database"] = db

    # the first query of a request takes a connection from the pool (peewee's autoconnect), so
    # requests that need no query -- static files, cached pages -- never touch the database.
    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        if not db.is_closed():
            db.close()

    return db


def migrate(db: peewee.Database) -> list[str]:
    """Apply the pending migrations of winlas_site, then of analytics; return their names."""
    import analytics

    with db.connection_context():
        applied = Runner(db, str(MIGRATIONS), table_name=HISTORY_TABLE).up()
    return [f"winlas_site:{name}" for name in applied] + [
        f"analytics:{name}" for name in analytics.migrate(db)
    ]


def is_empty(db: peewee.Database, table: str) -> bool:
    """True when ``table`` has no rows (used to load demo content only once)."""
    with db.connection_context():
        return db.execute_sql(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None  # noqa: S608
