"""ClickHouse (chDB) answers every report of the dashboard exactly as the SQL store does.

The same synthetic traffic (``analytics.synthetic``, one seed) is written once into the site's
database and once, through the ClickHouse writer, into chDB; every figure of ``dashboard()`` --
summary, previous period, time series, all 14 tables, all click kinds, visitors now -- is
compared number by number with ``analytics.reports.dashboard(..., raw=True)`` for several
periods and filter sets (none, each filter alone, pairs and triples of values seen, a value
seen nowhere).
"""

from __future__ import annotations

import datetime
import itertools
import random
import uuid

import pytest

chdb = pytest.importorskip("chdb")  # the "clickhouse" extra: installed wherever `make test` runs

from analytics import db, reports, synthetic  # noqa: E402
from analytics.clickhouse import client, schema  # noqa: E402
from analytics.clickhouse import reports as clickhouse_reports  # noqa: E402
from analytics.querying import FILTERS, Filters, Period  # noqa: E402
from analytics.store import write_lines  # noqa: E402

NOW = datetime.datetime(2026, 11, 5, 14, 30)
NOW_MS = int(NOW.replace(tzinfo=datetime.UTC).timestamp() * 1000)
TODAY = NOW.date()
EVENTS = 24_000
DAYS = 100


def chdb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database in this process's one chDB directory (chDB opens one per process)."""
    path = tmp_path_factory.getbasetemp() / "chdb"
    return f"chdb://{path}?database=t_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def stores(database, tmp_path_factory):
    """The same traffic in the SQL database and in chDB; yields the chDB URL."""
    db.database.initialize(database)
    url = chdb_url(tmp_path_factory)
    lines = synthetic.synthetic_lines(EVENTS, DAYS, seed=7, now_ms=NOW_MS)
    with database.connection_context():
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
        client.configure(url)
        try:
            schema.migrate(425)
            for start in range(0, len(lines), 500):
                write_lines(lines[start : start + 500])
        finally:
            client.configure("")
        yield url
    client.configure(url)
    client.drop_database()
    client.configure("")


def periods() -> list[Period]:
    day = datetime.timedelta(days=1)
    return [Period.parse(name, None, None, TODAY) for name in ("today", "7d", "30d", "90d")] + [
        Period(TODAY - 40 * day, TODAY - 12 * day),
        Period(TODAY - 200 * day, TODAY - 95 * day),
    ]


def seen_values(sql_dashboard: dict) -> dict[str, list[str]]:
    """Values of each filter that occur in the data (from the 90-day tables)."""
    table_of = {
        "page": "page",
        "country": "country",
        "device": "device",
        "browser": "browser",
        "source": "source",
        "campaign": "campaign",
    }
    values = {}
    for name, dimension in table_of.items():
        keys = [row.key for row in sql_dashboard["tables"][dimension] if row.key]
        values[name] = keys[:8]
    return values


def filter_sets(values: dict[str, list[str]]) -> list[Filters]:
    rng = random.Random(14)
    sets = [Filters()]
    for name in FILTERS:
        sets.append(Filters(**{name: values[name][0]}))
        sets.append(Filters(**{name: values[name][-1]}))
    for size in (2, 3):
        for names in rng.sample(list(itertools.combinations(FILTERS, size)), 6):
            sets.append(Filters(**{name: rng.choice(values[name][:4]) for name in names}))
    sets += [Filters(page="/finns-inte"), Filters(country="ZZ", device="mobile")]
    return sets


def sql_dashboard(period: Period, filters: Filters) -> dict:
    client.configure("")
    return reports.dashboard(period, filters, now=NOW, raw=True)


def clickhouse_dashboard(url: str, period: Period, filters: Filters) -> dict:
    client.configure(url)
    try:
        return clickhouse_reports.dashboard(period, filters, now=NOW)
    finally:
        client.configure("")


def assert_same(expected: dict, found: dict, where: str) -> None:
    assert set(found) == set(expected), where
    for key in ("period", "previous_period", "filters", "summary", "previous", "visitors_now"):
        assert found[key] == expected[key], f"{where}: {key}"
    assert found["timeseries"] == expected["timeseries"], f"{where}: timeseries"
    assert set(found["tables"]) == set(expected["tables"])
    for dimension, rows in expected["tables"].items():
        assert found["tables"][dimension] == rows, f"{where}: table {dimension}"
    assert found["clicks"] == expected["clicks"], f"{where}: clicks"


def test_every_report_equals_the_sql_store(stores, database):
    with database.connection_context():
        reference = sql_dashboard(Period.parse("90d", None, None, TODAY), Filters())
        assert reference["summary"].visits > 1000  # the comparison is about real data
        values = seen_values(reference)
        compared = 0
        for period in periods():
            for filters in filter_sets(values):
                expected = sql_dashboard(period, filters)
                found = clickhouse_dashboard(stores, period, filters)
                assert_same(expected, found, f"{period} {filters}")
                compared += 1
        assert compared == len(periods()) * len(filter_sets(values))


def test_the_single_reports_equal_the_dashboard(stores, database):
    period = Period.parse("30d", None, None, TODAY)
    filters = Filters(device="desktop")
    with database.connection_context():
        expected = sql_dashboard(period, filters)
    client.configure(stores)
    try:
        assert clickhouse_reports.summary(period, filters) == expected["summary"]
        assert clickhouse_reports.timeseries(period, filters) == expected["timeseries"]
        for dimension in ("page", "country", "entry"):
            assert (
                clickhouse_reports.table(dimension, period, filters)
                == expected["tables"][dimension]
            )
        for kind in ("click", "download", "outbound"):
            assert clickhouse_reports.clicks(kind, period, filters) == expected["clicks"][kind]
        assert clickhouse_reports.live_visitors(NOW) == expected["visitors_now"]
        with pytest.raises(ValueError):
            clickhouse_reports.table("nope", period, filters)
        with pytest.raises(ValueError):
            clickhouse_reports.clicks("nope", period, filters)
    finally:
        client.configure("")
