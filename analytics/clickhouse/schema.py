"""The two tables in ClickHouse, and ``migrate``: idempotent, run by ``winlas migrate``.

Why this shape (the README's "The event store" says more):

- ``visit``: a ReplacingMergeTree versioned by the writer's sequence number. A visit changes
  after it is inserted (last_seen_at, exit_path, user_id, profiling, and its own figures --
  page views, clicks, engaged time, converted, and per path and per clicked target -- which
  the writer keeps so that every report reads this one table, without a join or a scan of
  the events): the writer inserts the whole row again with a higher
  ``version`` and readers take the newest (``FINAL``). What never changes after the visit's
  first event is in the sorting key: the UTC day of its start, then the dimensions most
  filters name (source, device, country, browser, campaign), then id.
- ``event``: a plain MergeTree, append-only. Each event carries its visit's start
  (``visit_started_at``), so a report of the visits started in a period reads exactly their
  events by the sorting key (day, type, path, visit), and the page filter is a range of it.
  ``seq`` is the writer's monotonic sequence: the interest profiles' cursor (ClickHouse has no
  auto-increment).
- Both are partitioned by month of the visit's start and carry a TTL of
  ``ANALYTICS_RAW_RETENTION_DAYS``: ClickHouse drops expired rows at its merges, and the
  writer's hourly purge deletes them at once (``people.purge``), so the rule holds to the day.
- Skip indexes (bloom filters) find a person's rows by visitor id, an event by its id.
"""

from __future__ import annotations

from . import client

TIME = "DateTime64(3, 'UTC')"

# LowCardinality: a dictionary per part for columns with at most some thousands of values
# (paths, browsers, campaigns): grouping and filtering work on small numbers, not strings
LC = "LowCardinality(String)"

VISIT_COLUMNS: dict[str, str] = {
    "id": "UInt64",
    "version": "UInt64",
    "visitor_id": "String",
    "user_id": "Nullable(Int64)",
    "started_at": TIME,
    "last_seen_at": TIME,
    "entry_path": LC,
    "exit_path": LC,
    "referrer_source": LC,
    "referrer_host": LC,
    "utm_source": LC,
    "utm_medium": LC,
    "utm_campaign": LC,
    "utm_term": LC,
    "utm_content": LC,
    "ip_anonymised": "String",
    "country": LC,
    "region": LC,
    "city": LC,
    "browser": LC,
    "browser_version": LC,
    "os": LC,
    "os_version": LC,
    "device": LC,
    "screen": LC,
    "language": LC,
    "timezone": LC,
    "platform": LC,
    "profiling": "Bool",
    # the visit's own figures, kept by the writer from the events stored (writer.save)
    "pageviews": "UInt32",
    "clicks": "UInt32",
    "engaged_ms": "Int64",
    "converted": "UInt8",
    # per path of the visit's events: page views and engaged time (the page table, the page
    # filter); per clicked target and label: clicks (the click tables)
    "page_paths": f"Array({LC})",
    "page_views": "Array(UInt32)",
    "page_engaged": "Array(Int64)",
    "click_targets": f"Array({LC})",
    "click_names": f"Array({LC})",
    "click_counts": "Array(UInt32)",
}

EVENT_COLUMNS: dict[str, str] = {
    "seq": "UInt64",
    "event_id": "String",
    "visit_id": "UInt64",
    "visit_started_at": TIME,
    "visitor_id": "String",
    "user_id": "Nullable(Int64)",
    "type": LC,
    "occurred_at": TIME,
    "received_at": TIME,
    "path": LC,
    "target": LC,
    "name": LC,
    "engaged_ms": "Int64",
    "viewport": LC,
}


def _columns(columns: dict[str, str]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns.items())


def visit_ttl(days: int) -> str:
    return f"toDateTime(last_seen_at) + INTERVAL {int(days)} DAY"


def event_ttl(days: int) -> str:
    return f"toDateTime(occurred_at) + INTERVAL {int(days)} DAY"


def statements(retention_days: int) -> list[str]:
    """The DDL, each statement idempotent."""
    return [
        f"CREATE DATABASE IF NOT EXISTS `{client.database()}`",
        "CREATE TABLE IF NOT EXISTS visit ("
        + _columns(VISIT_COLUMNS)
        + ", INDEX visitor_idx visitor_id TYPE bloom_filter GRANULARITY 4"
        ", INDEX user_idx assumeNotNull(user_id) TYPE bloom_filter GRANULARITY 4"
        ") ENGINE = ReplacingMergeTree(version)"
        " PARTITION BY toYYYYMM(started_at)"
        " ORDER BY (toDate(started_at), referrer_source, device, country, browser,"
        " utm_campaign, id)"
        f" TTL {visit_ttl(retention_days)}",
        "CREATE TABLE IF NOT EXISTS event ("
        + _columns(EVENT_COLUMNS)
        + ", INDEX event_id_idx event_id TYPE bloom_filter GRANULARITY 4"
        ", INDEX visitor_idx visitor_id TYPE bloom_filter GRANULARITY 4"
        ", INDEX user_idx assumeNotNull(user_id) TYPE bloom_filter GRANULARITY 4"
        ", INDEX seq_idx seq TYPE minmax GRANULARITY 1"
        ", INDEX occurred_idx occurred_at TYPE minmax GRANULARITY 1"
        ") ENGINE = MergeTree"
        " PARTITION BY toYYYYMM(visit_started_at)"
        " ORDER BY (toDate(visit_started_at), type, path, visit_id)"
        f" TTL {event_ttl(retention_days)}",
    ]


def migrate(retention_days: int) -> list[str]:
    """Create what is missing and bring the TTLs to ``retention_days``; what was done."""
    done = []
    existing = {row[0] for row in _tables()}
    for statement in statements(retention_days):
        client.command(statement)
    for table in ("visit", "event"):
        if table not in existing:
            done.append(f"clickhouse:create {table}")
    wanted = {"visit": visit_ttl(retention_days), "event": event_ttl(retention_days)}
    for table, create in _tables():
        # ClickHouse keeps the TTL as toIntervalDay(n)
        if table in wanted and f"toIntervalDay({int(retention_days)})" not in create:
            # the expired rows go at the next merges; the writer's purge deletes them anyway
            client.command(
                f"ALTER TABLE {table} MODIFY TTL {wanted[table]}"
                " SETTINGS materialize_ttl_after_modify = 0"
            )
            done.append(f"clickhouse:ttl {table} {int(retention_days)} days")
    return done


def _tables() -> list[tuple[str, str]]:
    try:
        rows = client.query(
            "SELECT name, create_table_query FROM system.tables WHERE database = {db:String}",
            {"db": client.database()},
        )
    except client.StoreError:
        return []
    return [(str(name), str(create)) for name, create in rows]
