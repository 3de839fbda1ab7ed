"""``winlas analytics …``: operators' commands, each also usable from cron."""

from __future__ import annotations

import datetime
import json
import random
import sys
import time
import uuid

import click
from flask import current_app
from flask.cli import AppGroup
from peewee import fn

from .models import DroppedCount, Event, Visit
from .profiles import profiles_command
from .store import purge
from .useragent import classify

group = AppGroup(
    "analytics",
    help="First-party analytics: stats, classify, generate, purge, replay, rollup, profiles.",
)
group.add_command(profiles_command)


@group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats_command(as_json: bool) -> None:
    """Counts of events, visits, visitors, dropped bots, lines waiting in the spool and lines
    the database would not take (in the spool folder's quarantine.jsonl)."""
    state = current_app.extensions["analytics"]
    figures = {
        "events": Event.select().count(),
        "visits": Visit.select().count(),
        "visitors": Visit.select(Visit.visitor_id).distinct().count(),
        "dropped_bots": int(
            DroppedCount.select(fn.COALESCE(fn.SUM(DroppedCount.count), 0))
            .where(DroppedCount.reason == "bot")
            .scalar()
        ),
        "spooled_lines": state.spool.pending_lines(),
        "quarantined_lines": state.spool.quarantined_lines(),
    }
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for name, value in figures.items():
            click.echo(f"{name:17} {value}")


@group.command("classify")
def classify_command() -> None:
    """Read user agents, one per line, on stdin; print one JSON object per line."""
    for line in sys.stdin:
        client = classify(line.rstrip("\n"))
        click.echo(
            json.dumps(
                {
                    "browser": client.browser,
                    "browser_version": client.browser_version,
                    "os": client.os,
                    "device": client.device,
                    "is_bot": client.is_bot,
                }
            )
        )


@group.command("replay")
def replay_command() -> None:
    """Store events waiting in the spool, also those of workers that died.

    Never stops at a bad line: an unreadable or unstorable one goes to the quarantine, and
    while the database is unreachable the lines stay in the spool for the next run."""
    state = current_app.extensions["analytics"]
    stored = state.replay()
    click.echo(f"replayed {stored} event(s)")
    waiting, quarantined = state.spool.pending_lines(), state.spool.quarantined_lines()
    if waiting:
        click.echo(f"{waiting} line(s) still wait in the spool (is the database reachable?)")
    if quarantined:
        click.echo(f"{quarantined} line(s) in quarantine: {state.spool.quarantine_path}")


@group.command("purge")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Pretend today is this date.",
)
def purge_command(as_of: datetime.datetime | None) -> None:
    """Delete raw events (and visits) older than ANALYTICS_RAW_RETENTION_DAYS."""
    days = current_app.config["ANALYTICS_RAW_RETENTION_DAYS"]
    today = as_of or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    events, visits = purge(today - datetime.timedelta(days=days))
    click.echo(f"removed {events} event(s) and {visits} visit(s) older than {days} days")


@group.command("rollup")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d %H:%M", "%Y-%m-%d"]),
    default=None,
    help="Pretend it is now this UTC time.",
)
@click.option(
    "--rebuild",
    is_flag=True,
    help="Recompute every day that still has raw events, not only the changed ones.",
)
def rollup_command(as_of: datetime.datetime | None, rebuild: bool) -> None:
    """Roll up the dashboard's reports: finished UTC days and today's finished hours."""
    from . import rollups

    if rebuild:
        rollups.reset()
    days = rollups.run(as_of)
    until = rollups.rolled_until()
    click.echo(
        f"rolled up {days} day(s); rollups hold the visits started before {until:%Y-%m-%d %H:%M}"
    )


PAGES = [
    "/",
    "/produkter",
    "/produkter/winlas-bibliotek",
    "/produkter/winlas-webbkatalog",
    "/produkter/winlas-skola",
    "/utbildningar",
    "/nyheter",
    "/kontakt",
    "/om-oss",
]
REFERRERS = [
    ("direct", ""),
    ("search", "google.com"),
    ("search", "bing.com"),
    ("social", "linkedin.com"),
    ("referral", "skolverket.se"),
    ("internal", ""),
]
CLIENTS = [
    ["Chrome", "126", "Windows", "10", "desktop"],
    ["Firefox", "127", "Linux", "", "desktop"],
    ["Mobile Safari", "17", "iOS", "17.5", "mobile"],
    ["Edge", "126", "Windows", "10", "desktop"],
    ["Chrome Mobile", "126", "Android", "14", "mobile"],
    ["Safari", "17", "Mac OS X", "14.5", "desktop"],
]
PLACES = [
    ["SE", "AB", "Stockholm"],
    ["SE", "M", "Malmö"],
    ["SE", "O", "Göteborg"],
    ["SE", "C", "Uppsala"],
    ["NO", "03", "Oslo"],
    ["FI", "18", "Helsinki"],
]


def synthetic_lines(events: int, days: int, seed: int = 1) -> list[dict]:
    """Realistic spool lines: visitors with visits of a few page views, clicks and engagement."""
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    lines, made = [], 0
    while made < events:
        visitor = uuid.UUID(int=rng.getrandbits(128)).hex
        start = now - rng.randrange(days * 24 * 3600 * 1000)
        source, host = rng.choice(REFERRERS)
        campaign = (
            {"utm_source": "nyhetsbrev", "utm_campaign": "host-2026"} if rng.random() < 0.1 else {}
        )
        items, ts = [], start
        for index in range(min(rng.randint(1, 6), events - made)):
            path = rng.choice(PAGES)
            kind = (
                "pageview"
                if index == 0 or rng.random() < 0.6
                else rng.choice(["click", "engagement"])
            )
            item = {
                "id": str(uuid.UUID(int=rng.getrandbits(128))),
                "type": kind,
                "ts": ts,
                "path": path,
            }
            if kind == "pageview":
                item["ref"] = [source, host] if index == 0 else ["internal", ""]
                item.update(screen="1920x1080", tz="Europe/Stockholm", lang="sv-SE")
                if campaign and index == 0:
                    item["utm"] = campaign
            elif kind == "click":
                item.update(target=rng.choice(PAGES), name="product-link")
            else:
                item["ms"] = rng.randint(2000, 120000)
            items.append(item)
            ts += rng.randint(5000, 240000)
        made += len(items)
        lines.append(
            {
                "r": now,
                "v": visitor,
                "u": None,
                "ip": "192.0.2.0",
                "geo": rng.choice(PLACES),
                "ua": rng.choice(CLIENTS),
                "events": items,
            }
        )
    return lines


@group.command("generate")
@click.option("--events", default=10000, show_default=True)
@click.option("--days", default=30, show_default=True)
@click.option("--seed", default=1, show_default=True)
def generate_command(events: int, days: int, seed: int) -> None:
    """Write realistic synthetic traffic (for benchmarks and demos) through the normal store."""
    from .store import write_lines

    lines = synthetic_lines(events, days, seed)
    stored = 0
    for start in range(0, len(lines), 500):
        stored += write_lines(lines[start : start + 500])
    click.echo(f"generated {stored} event(s) over {days} day(s)")
