"""The analytics package's own handle on the database and its own migration history.

The app hands over its Database in ``init_app``; analytics never opens a connection of its own.
"""

from __future__ import annotations

import contextlib
import csv
import io
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, cast

import peewee
from playhouse.migrations import Runner

database = peewee.DatabaseProxy()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HISTORY_TABLE = "analytics_migrations"


# the ids a row can have (an integer column): a number past it, or 0 and below, is no row
MAX_ID = 2**31 - 1


class BaseModel(peewee.Model):
    # what peewee adds by itself when a model names no primary key, written out for the type
    # checker (the same column: an auto-incrementing integer ``id``)
    id = peewee.AutoField()

    if TYPE_CHECKING:
        # peewee's stubs declare ``Model.delete`` in a way mypy cannot resolve on a subclass
        # ("access to generic instance variables via class is ambiguous"): its real signature

        @classmethod
        def delete(cls) -> peewee.ModelDelete: ...

    class Meta:
        database = database
        legacy_table_names = False

    @classmethod
    def find(cls, row_id: int) -> Self | None:
        """The row with this id; None for any number no row can have (an id past what an
        integer column holds included: SQLite and PostgreSQL refuse those with an error, not
        an empty answer, and a URL may carry any number of digits)."""
        if not 0 < row_id <= MAX_ID:
            return None
        return cls.get_or_none(cls.id == row_id)


def copy_rows(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    force_null: Sequence[str] = (),
) -> None:
    """PostgreSQL's bulk path: ``rows`` into ``table`` through COPY, as one CSV stream (a
    multi-row INSERT, or psycopg2's quoting per row, cost most of the work). Every value is
    quoted, so that "" stays an empty text; the ``force_null`` columns turn "" (None) into
    NULL. Bytes go as bytea's hex form."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow(
            "\\x" + bytes(item).hex() if isinstance(item, bytes | memoryview) else item
            for item in row
        )
    stream.seek(0)
    options = f", FORCE_NULL ({', '.join(force_null)})" if force_null else ""
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{options})", stream
    )


def rows(query: peewee.BaseQuery) -> Iterator[tuple[Any, ...]]:
    """The rows of a ``.tuples()`` query (peewee's stubs type them as model instances)."""
    return iter(cast(Iterable[tuple[Any, ...]], query))


def named_rows(query: peewee.BaseQuery) -> Iterator[Any]:
    """The rows of a ``.namedtuples()`` query, whose aliases peewee's stubs do not know."""
    return iter(cast(Iterable[Any], query))


def migrate(db: peewee.Database) -> list[str]:
    """Apply pending analytics migrations; return their names."""
    with db.connection_context():
        applied: list[str] = Runner(db, str(MIGRATIONS), table_name=HISTORY_TABLE).up()
        return applied


# ------------------------------------------------------------------------------ time budget

# SQLite calls the progress handler every this many virtual-machine steps: often enough to stop
# within a fraction of a millisecond, rarely enough that the Python call costs nothing measurable
PROGRESS_STEPS = 10_000
_QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE of a statement cancelled by statement_timeout


class TooHeavy(Exception):
    """A query ran past the time budget and was stopped; the connection is still usable."""

    def __init__(self, budget_ms: int):
        super().__init__(f"query budget of {budget_ms} ms exceeded")
        self.budget_ms = budget_ms


_deadline = threading.local()


def analyze(models: Iterable[type[peewee.Model]]) -> None:
    """After a bulk load, what autovacuum does a little later: on PostgreSQL, measure the
    tables so the next statements are planned for the rows they hold. A table created empty
    is planned as holding one row until it is measured, and a rollup of a day's visits then
    joins by scanning the events once per visit (seconds per day where milliseconds are due).
    SQLite plans without such statistics: nothing to do."""
    db = database.obj
    if isinstance(db, peewee.PostgresqlDatabase):
        # the models' own table names, never input
        names = ", ".join(f'"{model._meta.table_name}"' for model in models)
        db.execute_sql(f"ANALYZE {names}")


def remaining_ms() -> int | None:
    """Milliseconds left of the current budget (at least 1), None outside one.

    TooHeavy once it is spent: a report that runs several statements stops between them too,
    so the budget bounds the whole page, not each statement.
    """
    budget = getattr(_deadline, "budget", None)
    if budget is None:
        return None
    left = int((budget[0] - time.monotonic()) * 1000)
    if left <= 0:
        raise TooHeavy(budget[1])
    return left


def _cancelled(exc: BaseException) -> bool:
    """Whether ``exc`` (as peewee wraps it) is the database stopping a statement on our budget."""
    seen = [exc, *exc.args[:1], exc.__cause__, exc.__context__]
    for item in seen:
        if getattr(item, "pgcode", None) == _QUERY_CANCELED:
            return True
        if isinstance(item, sqlite3.OperationalError) and str(item) == "interrupted":
            return True
    return False


@contextlib.contextmanager
def time_budget(milliseconds: int) -> Iterator[None]:
    """Run the body's queries within ``milliseconds``; past it, raise TooHeavy.

    PostgreSQL: a transaction with ``SET LOCAL statement_timeout`` (it ends with the
    transaction, so the pooled connection goes back to the pool without it; analytics.reports
    lowers it to what is left before each of its statements). SQLite: a progress handler that
    interrupts the running statement once the deadline has passed, removed afterwards. Either
    way the statement is stopped by the database itself, the worker is never blocked past the
    budget, and the connection serves the next request.
    """
    if getattr(_deadline, "budget", None) is not None:
        yield  # within another budget: the enclosing one decides (and owns the transaction)
        return
    milliseconds = max(1, int(milliseconds))
    db = database.obj
    deadline = time.monotonic() + milliseconds / 1000
    _deadline.budget = (deadline, milliseconds)
    try:
        if isinstance(db, peewee.PostgresqlDatabase):
            with db.atomic():
                db.execute_sql(f"SET LOCAL statement_timeout = {milliseconds}")
                yield
        else:
            connection = db.connection()
            connection.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
            try:
                yield
            finally:
                connection.set_progress_handler(None, PROGRESS_STEPS)
    except Exception as exc:
        # SQLite's interruption surfaces raw when it happens while rows are fetched
        if _cancelled(exc):
            raise TooHeavy(milliseconds) from exc
        raise
    finally:
        _deadline.budget = None
