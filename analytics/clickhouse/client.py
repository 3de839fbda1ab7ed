"""The one connection to ClickHouse: ``query``, ``command`` and ``insert`` over either client.

``ANALYTICS_STORE`` says which (``configure`` checks it when the app starts):

- ``""``: no ClickHouse; the site's own database holds the events (``active()`` is False);
- ``clickhouse://user:password@host:8123/database`` (``clickhouses://`` for TLS): a server or
  cluster, through the official client, clickhouse-connect (HTTP);
- ``chdb:///absolute/path`` (optionally ``?database=name``, default ``analytics``): chDB,
  ClickHouse embedded in this process. chDB opens its data from one process only, and one
  path per process: for the tests and a single-process site (``winlas run``), not gunicorn's
  several workers.

SQL is ClickHouse's own and the same for both clients. Values are always bound as server-side
parameters (``{name:Type}`` in the SQL, ``params={"name": value}``), never formatted into the
text of a statement. Rows come back as tuples of Python values: int, float, bool, str, None,
naive UTC ``datetime`` (every time column is ``DateTime64(3, 'UTC')``), ``date``, lists.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..db import TooHeavy, remaining_ms

chdb_session: Any
clickhouse_connect: Any
connect_errors: Any
try:  # the "clickhouse" extra; without it only ANALYTICS_STORE="" works
    import chdb.session as chdb_session
except ImportError:  # pragma: no cover - the extra is installed wherever the tests run
    chdb_session = None
try:
    import clickhouse_connect
    from clickhouse_connect.driver import exceptions as connect_errors
except ImportError:  # pragma: no cover
    clickhouse_connect = None
    connect_errors = None

SCHEMES = ("clickhouse", "clickhouses", "chdb")
# the server's error codes that say the store is away or not ready (a missing database or
# table before ``winlas migrate``, a network or memory problem, a read-only replica), not
# that a row is wrong: the writer gives the segment back instead of quarantining lines
OUTAGE_CODES = frozenset({3, 23, 24, 32, 60, 81, 159, 164, 173, 209, 210, 241, 242, 252, 425})
TIMEOUT_EXCEEDED = 159
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_CODE = re.compile(r"Code: (\d+)\.")
_ON_DATABASE = ("CREATE DATABASE", "DROP DATABASE")


class StoreError(Exception):
    """ClickHouse refused a statement (``code``: its error code, 0 when unknown)."""

    def __init__(self, message: str, code: int = 0):
        super().__init__(message)
        self.code = code


class Unavailable(StoreError):
    """ClickHouse is away or not ready: nothing is wrong with what was sent (an outage)."""


@dataclass(frozen=True)
class Target:
    """Where ``ANALYTICS_STORE`` points."""

    kind: str  # "server" or "chdb"
    database: str
    path: str = ""  # chdb: the data directory
    host: str = ""
    port: int = 8123
    username: str = "default"
    password: str = ""
    secure: bool = False


def parse(url: str) -> Target | None:
    """``ANALYTICS_STORE`` as a Target (None for ""); ValueError with the reason otherwise."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ValueError(
            f"ANALYTICS_STORE: {parts.scheme or url!r} is no store; use '' (the site's "
            "database), clickhouse://user:password@host:8123/database (clickhouses:// for "
            "TLS) or chdb:///absolute/path"
        )
    options = urllib.parse.parse_qs(parts.query)
    if parts.scheme == "chdb":
        if parts.netloc or not parts.path.startswith("/"):
            raise ValueError("ANALYTICS_STORE: chdb:///absolute/path (three slashes, no host)")
        database = options.get("database", ["analytics"])[0]
        path = parts.path
    else:
        if not parts.hostname:
            raise ValueError("ANALYTICS_STORE: a ClickHouse URL names its host")
        database = parts.path.strip("/") or "default"
        path = ""
    if not _IDENTIFIER.fullmatch(database):
        raise ValueError(f"ANALYTICS_STORE: {database!r} is not a plain database name")
    if parts.scheme == "chdb":
        return Target("chdb", database, path=path)
    try:
        port = parts.port or (8443 if parts.scheme == "clickhouses" else 8123)
    except ValueError as error:
        raise ValueError(f"ANALYTICS_STORE: {error}") from None
    return Target(
        "server",
        database,
        host=parts.hostname or "",
        port=port,
        username=urllib.parse.unquote(parts.username or "default"),
        password=urllib.parse.unquote(parts.password or ""),
        secure=parts.scheme == "clickhouses",
    )


# ------------------------------------------------------------------------------ values


def _text(value: object) -> str:
    """A value as ClickHouse reads a parameter or a JSON field of that type."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat(" ", "milliseconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _param(value: object) -> str:
    """A parameter in ClickHouse's escaped text form (chDB takes parameters as text)."""
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ",".join(_quoted(item) for item in value) + "]"
    if isinstance(value, bool):
        return "1" if value else "0"
    if value is None:
        return "\\N"
    return _escape(_text(value))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _quoted(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return "'" + _text(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _json_value(value: object) -> object:
    if isinstance(value, datetime.date):
        return _text(value)
    return value


def _from_json(value: Any, kind: str) -> Any:
    """A JSON field of ClickHouse type ``kind`` as a Python value."""
    if value is None:
        return None
    if kind.startswith("Nullable("):
        kind = kind[9:-1]
    if kind.startswith("LowCardinality("):
        kind = kind[15:-1]
    if kind.startswith(("Int", "UInt")):
        return int(value)
    if kind.startswith("Float"):
        return float(value)
    if kind == "Bool":
        return bool(value)
    if kind.startswith("DateTime"):
        text = str(value)
        return datetime.datetime.fromisoformat(text)
    if kind.startswith("Date"):
        return datetime.date.fromisoformat(str(value))
    if kind.startswith("Array("):
        return [_from_json(item, kind[6:-1]) for item in value]
    if kind.startswith("Tuple("):
        return tuple(value)
    return value


def _naive(value: Any) -> Any:
    """A value of clickhouse-connect's rows with times as naive UTC, as everywhere here."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    if isinstance(value, list):
        return [_naive(item) for item in value]
    return value


# ------------------------------------------------------------------------------ the clients


class _Embedded:
    """chDB: one session per process and data directory (chDB allows no second one)."""

    _sessions: dict[str, Any] = {}
    _lock = threading.RLock()

    def __init__(self, target: Target):
        if chdb_session is None:
            raise ValueError("ANALYTICS_STORE=chdb://… needs chdb (pip install '.[clickhouse]')")
        self.target = target
        self.database = target.database
        self._pid = os.getpid()

    def _session(self) -> Any:
        with self._lock:
            opened = self._sessions.get("path")
            if opened is not None and opened[0] != self.target.path:
                raise ValueError(
                    f"chDB has {opened[0]} open in this process; one data directory per process"
                )
            if opened is None or opened[2] != os.getpid():
                session = chdb_session.Session(self.target.path)
                opened = self._sessions["path"] = [self.target.path, session, os.getpid(), ""]
            return opened

    def _run(self, sql: str, params: Mapping[str, object] | None, fmt: str) -> Any:
        with self._lock:
            opened = self._session()
            session = opened[1]
            try:
                # the session's current database; statements on a database name it
                if opened[3] != self.database and not sql.startswith(_ON_DATABASE):
                    session.query(f"USE `{self.database}`")
                    opened[3] = self.database
                text = {name: _param(value) for name, value in (params or {}).items()}
                return session.query(sql, fmt, params=text)
            except RuntimeError as error:  # ChdbError
                raise _error(str(error)) from error

    def query(
        self, sql: str, params: Mapping[str, object] | None, settings: Mapping[str, object]
    ) -> list[tuple[Any, ...]]:
        result = self._run(
            _with_settings(sql, settings), params, "JSONCompactEachRowWithNamesAndTypes"
        )
        lines = result.bytes().splitlines()
        if len(lines) < 2:
            return []
        kinds = json.loads(lines[1])
        return [
            tuple(
                _from_json(value, kind) for value, kind in zip(json.loads(raw), kinds, strict=True)
            )
            for raw in lines[2:]
            if raw
        ]

    def command(self, sql: str, params: Mapping[str, object] | None) -> None:
        self._run(sql, params, "CSV")

    def insert(self, table: str, rows: Sequence[Sequence[object]], columns: Sequence[str]) -> None:
        body = "\n".join(
            json.dumps(
                {name: _json_value(value) for name, value in zip(columns, row, strict=True)},
                separators=(",", ":"),
            )
            for row in rows
        )
        # the rows follow FORMAT as data (JSON), parsed by ClickHouse, never as SQL
        self._run(
            f"INSERT INTO {table} ({', '.join(columns)}) FORMAT JSONEachRow\n{body}", None, "CSV"
        )

    def drop_database(self) -> None:
        self._run(f"DROP DATABASE IF EXISTS `{self.database}`", None, "CSV")
        with self._lock:
            opened = self._sessions.get("path")
            if opened is not None and opened[3] == self.database:
                opened[3] = ""


class _Server:
    """A ClickHouse server through clickhouse-connect: one HTTP client per thread and process."""

    def __init__(self, target: Target):
        if clickhouse_connect is None:
            raise ValueError(
                "ANALYTICS_STORE=clickhouse://… needs clickhouse-connect "
                "(pip install '.[clickhouse]')"
            )
        self.target = target
        self.database = target.database
        self._local = threading.local()

    def _client(self) -> Any:
        held = getattr(self._local, "client", None)
        if held is None or held[1] != os.getpid():  # a forked worker opens its own
            target = self.target
            try:
                client = clickhouse_connect.get_client(
                    host=target.host,
                    port=target.port,
                    username=target.username,
                    password=target.password,
                    database=target.database,
                    secure=target.secure,
                    # statements of one thread need no server session
                    autogenerate_session_id=False,
                )
            except Exception as error:
                raise _error(str(error), outage=True) from error
            held = self._local.client = (client, os.getpid())
        return held[0]

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        client = self._client()
        try:
            return getattr(client, method)(*args, **kwargs)
        except Exception as error:
            outage = connect_errors is not None and isinstance(
                error, connect_errors.OperationalError
            )
            raise _error(str(error), outage=outage) from error

    def query(
        self, sql: str, params: Mapping[str, object] | None, settings: Mapping[str, object]
    ) -> list[tuple[Any, ...]]:
        result = self._call(
            "query", sql, parameters=_server_params(params), settings=dict(settings) or None
        )
        return [tuple(_naive(value) for value in row) for row in result.result_rows]

    def command(self, sql: str, params: Mapping[str, object] | None) -> None:
        self._call("command", sql, parameters=_server_params(params))

    def insert(self, table: str, rows: Sequence[Sequence[object]], columns: Sequence[str]) -> None:
        data = [
            [
                value.replace(tzinfo=datetime.UTC)
                if isinstance(value, datetime.datetime) and value.tzinfo is None
                else value
                for value in row
            ]
            for row in rows
        ]
        self._call("insert", table, data, column_names=list(columns))

    def drop_database(self) -> None:
        self._call("command", f"DROP DATABASE IF EXISTS `{self.database}`")


def _server_params(params: Mapping[str, object] | None) -> dict[str, object] | None:
    if not params:
        return None
    # times as text with their milliseconds (clickhouse-connect would drop them)
    return {
        name: [_text(v) for v in value]
        if isinstance(value, list | tuple) and value and isinstance(value[0], datetime.date)
        else _text(value)
        if isinstance(value, datetime.date)
        else list(value)
        if isinstance(value, tuple | set | frozenset)
        else value
        for name, value in params.items()
    }


def _with_settings(sql: str, settings: Mapping[str, object]) -> str:
    if not settings:
        return sql
    # the settings are ours (numbers), never input
    return sql + " SETTINGS " + ", ".join(f"{name} = {value}" for name, value in settings.items())


def _error(message: str, outage: bool = False) -> StoreError:
    match = _CODE.search(message)
    code = int(match.group(1)) if match else 0
    if outage or code in OUTAGE_CODES:
        return Unavailable(message, code)
    return StoreError(message, code)


# ------------------------------------------------------------------------------ the API

_state: dict[str, Any] = {"client": None}


def configure(url: str) -> None:
    """Point the process at ``url`` (``ANALYTICS_STORE``; "" turns ClickHouse off).

    Called by ``analytics.init_app``; ValueError names what is wrong with the URL."""
    target = parse(url)
    if target is None:
        _state["client"] = None
    elif target.kind == "chdb":
        _state["client"] = _Embedded(target)
    else:
        _state["client"] = _Server(target)


def active() -> bool:
    """Whether the events live in ClickHouse (the reports dispatch on this)."""
    return _state["client"] is not None


def embedded() -> bool:
    """Whether the store is chDB in this process (one writer: nothing to wait for)."""
    return isinstance(_state["client"], _Embedded)


def database() -> str:
    return str(_handle().database)


def _handle() -> Any:
    client = _state["client"]
    if client is None:
        raise RuntimeError("ANALYTICS_STORE names no ClickHouse")
    return client


def query(
    sql: str,
    params: Mapping[str, object] | None = None,
    settings: Mapping[str, int | float] | None = None,
) -> list[tuple[Any, ...]]:
    """The rows of a SELECT (``settings``: ClickHouse settings of this statement, numbers).
    Within a time budget (``analytics.db.time_budget``) ClickHouse stops the statement itself
    at what is left of it (``max_execution_time``): TooHeavy."""
    left = remaining_ms()
    settings = dict(settings or {})
    if left is not None:
        settings["max_execution_time"] = round(left / 1000, 3)
    try:
        return list(_handle().query(sql, params, settings))
    except StoreError as error:
        if left is not None and error.code == TIMEOUT_EXCEEDED:
            raise TooHeavy(left) from error
        raise


def scalar(sql: str, params: Mapping[str, object] | None = None) -> Any:
    """The first column of the first row (None without rows)."""
    rows = query(sql, params)
    return rows[0][0] if rows else None


def command(sql: str, params: Mapping[str, object] | None = None) -> None:
    """A statement without rows (DDL, DELETE, INSERT … SELECT)."""
    _handle().command(sql, params)


def insert(table: str, rows: Iterable[Sequence[object]], columns: Sequence[str]) -> int:
    """Insert ``rows`` (values in the order of ``columns``) as one block; returns how many."""
    block = list(rows)
    if block:
        _handle().insert(table, block, columns)
    return len(block)


def drop_database() -> None:
    """Remove the configured database and everything in it (tests)."""
    _handle().drop_database()
