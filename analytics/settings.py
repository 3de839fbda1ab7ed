"""Every setting of analytics in one table: name -> (default, parser of an environment value).

``init_app`` puts each default into ``app.config`` unless the host set the name already, so the
package reads its settings strictly (``config["ANALYTICS_MAX_BODY"]``): a name missing from the
config is a bug, not a reason to guess. A host that reads settings from the environment uses
the parsers; a setting whose parser is None is not taken from the environment (a structure
such as the topic rules, or a value the host derives, like the visitor cookie's lifetime).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from flask import current_app, has_app_context

from .line import VISITOR_COOKIE

Parser = Callable[[str], Any]


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _json(value: str) -> Any:
    return json.loads(value)


def _nice(value: str) -> int:
    niceness = int(value)
    if not 0 <= niceness <= 19:
        raise ValueError(f"ANALYTICS_WRITER_NICE: {value!r} is not between 0 and 19")
    return niceness


def _list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


# who stores what the collector spools: "process" the writer process (`winlas analytics
# writer`, one per machine; the workers never touch the database for analytics),
# "background" a writer thread in every worker (no second process to run; chDB, which one
# process opens), "inline" within the request (tests)
WRITE_MODES = ("process", "background", "inline")


def _write_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in WRITE_MODES:
        raise ValueError(f"ANALYTICS_WRITE_MODE: {value!r} is none of {', '.join(WRITE_MODES)}")
    return mode


SETTINGS: dict[str, tuple[Any, Parser | None]] = {
    # where raw visits and events live: "" the site's database; clickhouse://user:pass@host:8123/db
    # (clickhouses:// for TLS) a ClickHouse server; chdb:///absolute/path chDB in this process
    "ANALYTICS_STORE": ("", str),
    # None: the GeoLite2-City file bundled by maxminddb-geolite2
    "GEOIP_DATABASE": (None, str),
    "ANALYTICS_MAX_BODY": (64 * 1024, int),
    "ANALYTICS_MAX_EVENTS": (50, int),
    "ANALYTICS_RATE_LIMIT": ("240 per minute", str),
    "ANALYTICS_RAW_RETENTION_DAYS": (425, int),  # 14 months; aggregates are kept
    # the host names the cookie and derives its lifetime from its own cookie registry
    "ANALYTICS_VISITOR_COOKIE": (VISITOR_COOKIE, None),
    "ANALYTICS_VISITOR_MAX_AGE": (395 * 24 * 3600, None),
    "ANALYTICS_WRITE_MODE": ("process", _write_mode),
    # how often a writer stores what was spooled; in the mode "process" also how long a line
    # waits at most in a worker's open segment before a writer can take it
    "ANALYTICS_FLUSH_SECONDS": (0.5, float),
    "ANALYTICS_FSYNC": (False, _bool),
    # the writer process's CPU priority below the web workers' (nice, 0-19): under load the
    # requests are served first and the spool holds the backlog until a core is free
    "ANALYTICS_WRITER_NICE": (10, _nice),
    # how long the writer process lets closed segments wait while the processors are busy
    # (less than a fifth idle; Linux): requests first, storing in a quieter moment; 0 never waits
    "ANALYTICS_WRITER_MAX_LAG": (30.0, float),
    # how often the writer also replays what dead workers left and purges old events
    "ANALYTICS_MAINTENANCE_SECONDS": (3600, float),
    # how long the writer drops late spooled lines of an erased person: as long as a line can
    # wait in the spool (a database down for days, a dead worker's segment until the replay)
    "ANALYTICS_TOMBSTONE_DAYS": (7, float),
    # how long lines the database would not take are kept in the spool's quarantine file
    "ANALYTICS_QUARANTINE_DAYS": (30, float),
    # the dashboard's and profiles' queries stop past this (503 "too heavy"); below gunicorn's 30 s
    "ANALYTICS_QUERY_BUDGET_MS": (10_000, int),
    # the office: client networks whose visits are never recorded (CIDR, comma separated)
    "ANALYTICS_INTERNAL_NETWORKS": ((), _list),
    # interest profiles: a click says more than a page view; engaged time adds nothing of its
    # own (the page view counted already); a conversion (a sent form) says most
    "ANALYTICS_PROFILE_WEIGHTS": (
        {"pageview": 1.0, "click": 3.0, "engagement": 0.0, "conversion": 10.0},
        _json,
    ),
    "ANALYTICS_PROFILE_HALF_LIFE_DAYS": (30.0, float),
    # None: as long as the raw events (ANALYTICS_RAW_RETENTION_DAYS)
    "ANALYTICS_PROFILE_RETENTION_DAYS": (None, int),
    # None: 0 on SQLite (one writer, ids commit in order), 120 on other databases
    "ANALYTICS_PROFILE_SETTLE_SECONDS": (None, int),
    # None: the host's rules (Host.topic_rules); a list of (regex, template) pairs overrides them
    "ANALYTICS_PROFILE_TOPICS": (None, None),
}


def defaults() -> dict[str, Any]:
    """Every setting with its default; a copy, so a caller may change the mutable ones."""
    return {name: copy.deepcopy(default) for name, (default, _parse) in SETTINGS.items()}


def setting(name: str) -> Any:
    """The current app's value of ``name``; outside an app (a script, a unit test) the default."""
    if has_app_context():
        return current_app.config[name]
    return copy.deepcopy(SETTINGS[name][0])
