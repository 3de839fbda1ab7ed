"""The one place that owns the database connection and the schema migrations."""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast
from urllib.parse import urlparse

import peewee
from flask import Flask
from playhouse.db_url import connect, parseresult_to_dict
from playhouse.migrations import Runner
from playhouse.pool import PooledSqliteDatabase

import analytics

log = logging.getLogger("winlas.db")

# Models of every winlas_site feature bind to this proxy; create_app initialises it from
# DATABASE_URL. analytics keeps a proxy of its own and receives the same Database.
database = peewee.DatabaseProxy()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "winlas_site_migrations"

SQLITE_PRAGMAS = {
    # several gunicorn workers share one file: wait for the writer instead of failing. First,
    # so that the pragmas after it (journal_mode takes a lock) wait this long too.
    "busy_timeout": 5000,
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -16000,
    # deleted rows are overwritten with zeros, not left in free pages: an erased address must
    # not stay readable in the file (P14). The WAL is checkpointed after an erasure (checkpoint).
    "secure_delete": 1,
}

# a BEGIN or a lone statement that found the database locked past busy_timeout is tried this
# many times in all: it has changed nothing yet, so trying again is safe.
LOCKED_ATTEMPTS = 3
# SQLite's primary result codes meaning "the database cannot be used right now", not "your SQL
# is wrong": permission, busy, locked, read-only, I/O error, full, cannot open, protocol.
# (An interrupted query, 9, is the dashboard's time budget, handled where it is set.)
SQLITE_UNAVAILABLE = {3, 5, 6, 8, 10, 13, 14, 15}
# PostgreSQL SQLSTATE classes/codes of the same kind: insufficient resources, connection
# exceptions, the server shutting down or starting, serialization failures and deadlocks.
POSTGRES_UNAVAILABLE_CLASSES = ("08", "53", "40")
POSTGRES_UNAVAILABLE_CODES = ("57P01", "57P02", "57P03")


def _driver_error(exc: BaseException) -> BaseException:
    """The DB-API exception behind a peewee error (an argument of it, or its cause/context)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 10:
        current = todo.pop(0)
        if current in seen:
            continue
        seen.append(current)
        if not isinstance(current, peewee.PeeweeException):
            return current
        todo += [arg for arg in current.args if isinstance(arg, BaseException)]
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return exc


def is_locked(exc: BaseException) -> bool:
    """True for SQLite's "database is locked"/"busy" (the write lock was not free in time)."""
    error = _driver_error(exc)
    if isinstance(error, sqlite3.OperationalError):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in (5, 6)
    return False


def is_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or used right now (server down,
    file unreadable, lock not free), as opposed to a bug: such requests answer 503."""
    if not isinstance(exc, peewee.OperationalError | peewee.InterfaceError):
        return False
    error = _driver_error(exc)
    if isinstance(error, sqlite3.Error):
        return (getattr(error, "sqlite_errorcode", 0) & 0xFF) in SQLITE_UNAVAILABLE
    pgcode = getattr(error, "pgcode", "") or ""
    if error.__class__.__module__.startswith("psycopg"):
        if not pgcode:  # no SQLSTATE: the connection itself failed or was lost
            return True
        return pgcode[:2] in POSTGRES_UNAVAILABLE_CLASSES or pgcode in POSTGRES_UNAVAILABLE_CODES
    # peewee's own errors ("connection not opened", a deferred database) are bugs
    return False


T = TypeVar("T")


def _retry_locked(action: Callable[[], T], what: str) -> T:
    """Run ``action`` again (at most LOCKED_ATTEMPTS in all) while SQLite reports it locked."""
    for attempt in range(1, LOCKED_ATTEMPTS + 1):
        try:
            return action()
        except peewee.OperationalError as exc:
            if attempt == LOCKED_ATTEMPTS or not is_locked(exc):
                raise
            log.warning("database locked at %s, try %d of %d", what, attempt, LOCKED_ATTEMPTS)
            # a little jitter, so the waiting writers do not all knock at the same moment
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311
    raise AssertionError("unreachable")  # pragma: no cover


class _WriteFirst(peewee.SqliteDatabase):
    """SQLite whose transactions take the write lock at BEGIN (IMMEDIATE).

    A deferred transaction that reads before it writes (``Contact.upsert``) holds a snapshot;
    when another writer commits first, its write fails at once with "database is locked" and
    busy_timeout cannot help (the snapshot is stale). BEGIN IMMEDIATE queues writers on the busy
    timeout instead. Every ``atomic()``/``transaction()`` begins IMMEDIATE unless asked for
    another lock type (``atomic("DEFERRED")`` for a read-only block); lone statements outside a
    transaction are single-statement transactions, which SQLite queues on its own. A BEGIN or a
    lone statement that still finds the lock taken after busy_timeout is retried: it has done
    nothing yet. A statement inside a transaction is never retried on its own.
    """

    def __init__(
        self, database: str | None, *, lock_type: str = "IMMEDIATE", **kwargs: Any
    ) -> None:
        super().__init__(database, lock_type=lock_type, **kwargs)

    def begin(self, lock_type: str | None = None) -> None:
        begin = super().begin
        _retry_locked(lambda: begin(lock_type), "BEGIN")

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        execute = super().execute_sql
        if self.in_transaction():
            return execute(sql, params)
        return _retry_locked(lambda: execute(sql, params), "query")


# playhouse.pool's PooledSqliteDatabase itself joins PooledDatabase.init (untyped source) with
# SqliteDatabase.init (peewee's stubs), which mypy reports on every class deriving from it
class PooledSqliteWriteFirst(_WriteFirst, PooledSqliteDatabase):  # type: ignore[misc]
    """What the site runs on SQLite: pooled connections, writers first."""


class SqliteWriteFirst(_WriteFirst, peewee.SqliteDatabase):
    """The same without a pool (migrations, tests that must really close the file)."""


class BaseModel(peewee.Model):
    """Base of every winlas_site model."""

    # the primary key peewee adds to every model without one, declared for the type checker
    # only (an annotation, no field: peewee's metaclass still creates it)
    id: peewee.AutoField[int]

    if TYPE_CHECKING:
        # peewee's stubs declare ``Model.delete`` as a ``classmethod_only[Self, ...]`` attribute,
        # which mypy cannot resolve on a subclass ("access to generic instance variables via
        # class is ambiguous"); this is its real signature
        @classmethod
        def delete(cls) -> peewee.ModelDelete: ...

    class Meta:
        database = database
        legacy_table_names = False


def rows(query: peewee.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of a ``.tuples()`` query (peewee's stubs type them as model instances)."""
    return iter(cast(Iterable[tuple[Any, ...]], query))


M = TypeVar("M", bound=peewee.Model)


class Slot(peewee.Node):
    """A value of a ``Prepared`` query given at each call: ``Model.field == Slot("name")``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def __sql__(self, ctx: peewee.Context) -> peewee.Context:
        # the placeholder keeps the converter of the field it is compared with (the state
        # peewee applies to a plain value there), to convert the value given at the call
        return ctx.value(_Bound(self.name, ctx.state.converter), converter=False)


class _Bound:
    __slots__ = ("name", "converter")

    def __init__(self, name: str, converter: Callable[[Any], Any] | None) -> None:
        self.name, self.converter = name, converter

    def value(self, values: dict[str, Any]) -> Any:
        value = values[self.name]
        return self.converter(value) if self.converter is not None else value


class Prepared(Generic[M]):
    """A model query whose SQL text peewee builds once per process and database, not per call.

    peewee builds a query's SQL anew every time, walking every selected column through its
    context: 100-250 µs for one of the public pages' simple selects, more than SQLite takes to
    answer it, and a page pays it for each of its queries. ``build`` returns the query with a
    ``Slot`` wherever a value changes between calls; the text and parameters are kept (per
    database: SQLite and PostgreSQL differ), and each call sends them with its own values and
    reads the rows as the query itself would. Only the SQL is kept, never a row: every call
    asks the database.
    """

    def __init__(self, build: Callable[[], peewee.ModelSelect[M]]) -> None:
        self._build = build
        self._compiled: tuple[peewee.Database, peewee.ModelSelect[M], str, list[Any]] | None = None

    def _compile(self) -> tuple[peewee.Database, peewee.ModelSelect[M], str, list[Any]]:
        current = database.obj
        compiled = self._compiled
        if compiled is None or compiled[0] is not current:
            query = self._build()
            sql, params = query.sql()
            compiled = self._compiled = (current, query, sql, list(params))
        return compiled

    def sql(self, **values: Any) -> tuple[str, list[Any]]:
        """The SQL text and the parameters of a call with ``values``."""
        _db, _query, sql, params = self._compile()
        return sql, [p.value(values) if isinstance(p, _Bound) else p for p in params]

    def all(self, **values: Any) -> list[M]:
        """The rows (model instances, with their joined models) for ``values``."""
        sql, bound = self.sql(**values)
        db, query, _sql, _params = self._compile()
        cursor = db.execute_sql(sql, bound)
        # the reader the query itself would use (peewee's, not in its stubs): models, joins
        wrapper = query._get_cursor_wrapper(cursor)  # type: ignore[attr-defined]
        return list(cast(Iterable[M], wrapper))

    def first(self, **values: Any) -> M | None:
        """The first row or None (``build`` says ``.limit(1)`` when only one is wanted)."""
        found = self.all(**values)
        return found[0] if found else None


_one_by: dict[tuple[type[peewee.Model], str], Prepared[Any]] = {}


def one_by(field: peewee.Field, value: Any) -> Any:
    """``field.model.get_or_none(field == value)``, its SQL built once per field (``Prepared``):
    the lookups by address, slug or id that pages make on every request."""
    key = (field.model, field.name)
    prepared = _one_by.get(key)
    if prepared is None:
        model = field.model
        prepared = _one_by[key] = Prepared(
            lambda: model.select().where(field == Slot("value")).limit(1)
        )
    return prepared.first(value=value)


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
        # peewee's own URL parsing (query-string options too), our classes: writers go first
        kwargs = {**parseresult_to_dict(urlparse(url)), **options}
        pooled = urlparse(url).scheme == "sqlite+pool"
        return (PooledSqliteWriteFirst if pooled else SqliteWriteFirst)(**kwargs)
    return connect(url, **options)


def checkpoint(db: peewee.Database) -> bool:
    """SQLite: copy the WAL into the database file and truncate it, so deleted bytes (zeroed by
    secure_delete in the file) no longer survive in old WAL frames. True when it completed; a
    reader still in the WAL leaves part of it (logged; the next full checkpoint finishes)."""
    if not isinstance(db, peewee.SqliteDatabase):
        return True
    busy, _frames, _done = db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("WAL checkpoint incomplete: a reader holds it; erased rows stay in the WAL")
    return not busy


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
    with db.connection_context():
        applied = Runner(db, str(MIGRATIONS), table_name=HISTORY_TABLE).up()
    return [f"winlas_site:{name}" for name in applied] + [
        f"analytics:{name}" for name in analytics.migrate(db)
    ]


def is_empty(db: peewee.Database, table: str) -> bool:
    """True when ``table`` has no rows (used to load demo content only once)."""
    with db.connection_context():
        return db.execute_sql(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is None  # noqa: S608
