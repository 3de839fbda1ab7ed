"""``winlas analytics …``: operators' commands, each also usable from cron."""

from __future__ import annotations

import datetime
import gc
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, TextIO

import click
from flask import current_app
from flask.cli import AppGroup
from peewee import fn

from . import clock, rollups, synthetic
from . import progress as progress_bar
from .clickhouse import client as clickhouse_client
from .clickhouse import people as clickhouse_people
from .clickhouse import transfer
from .models import DroppedCount, Event, Visit
from .profiles import profiles_command
from .state import Analytics, current
from .store import purge
from .useragent import classify

group = AppGroup(
    "analytics",
    help=(
        "First-party analytics: writer, stats, classify, generate, purge, replay, rollup,"
        " profiles, export-events, import-events."
    ),
)
group.add_command(profiles_command)


@group.command("writer")
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING"], case_sensitive=False),
    default="INFO",
    show_default=True,
    help="What it logs on stderr (DEBUG: every pass).",
)
def writer_command(log_level: str) -> None:
    """Store what the web workers spool, until SIGTERM or SIGINT (one per machine, beside
    the workers; ANALYTICS_WRITE_MODE=process). At start and hourly it also replays what dead
    processes left, purges old events and trims the quarantine."""
    _log_to_stderr(log_level.upper())
    state = current()
    # storing can wait, a visitor cannot: the web workers get the cores first; what arrives
    # meanwhile is already durable in the spool (os.nice adds to the niceness inherited)
    os.nice(max(0, current_app.config["ANALYTICS_WRITER_NICE"] - os.nice(0)))
    # the app and everything it loaded live as long as the writer: out of the collector's
    # way, a collection walks only what a batch allocates (decoding a line got 7x cheaper)
    gc.freeze()
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # only a flag: the loop ends after the segment in hand (a handler that logged or
        # raised could cut a segment's transaction in two places)
        stop.set()

    handlers = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        state.run_writer(stop)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        gc.unfreeze()  # chDB's teardown at exit crashed on objects left frozen


def _log_to_stderr(level: str) -> None:
    """The ``analytics`` loggers on stderr (a process manager keeps it), once per process."""
    logger = logging.getLogger("analytics")
    logger.setLevel(level)
    if not any(getattr(handler, "_analytics_writer", False) for handler in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler._analytics_writer = True  # type: ignore[attr-defined]
        logger.addHandler(handler)


def writer_figures(state: Analytics) -> dict[str, Any]:
    """Whether a writer process serves the spool, from its heartbeat (``Spool.writer_status``)."""
    status = state.spool.writer_status()
    return {
        "write_mode": state.mode,
        "writer_running": status["running"],
        "writer_pid": status["pid"] if status["running"] else None,
        "writer_seconds_since_drain": status["seconds_since_drain"] if status["running"] else None,
    }


@group.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def stats_command(as_json: bool) -> None:
    """Counts of events, visits, visitors, dropped bots, lines waiting in the spool and lines
    the database would not take (in the spool folder's quarantine.jsonl); the write mode and
    whether a writer process runs."""
    state = current()
    if clickhouse_client.active():
        stored = clickhouse_people.counts()
    else:
        stored = {
            "events": Event.select().count(),
            "visits": Visit.select().count(),
            "visitors": Visit.select(Visit.visitor_id).distinct().count(),
        }
    figures = {
        **stored,
        "dropped_bots": int(
            DroppedCount.select(fn.COALESCE(fn.SUM(DroppedCount.count), 0))
            .where(DroppedCount.reason == "bot")
            .scalar()
        ),
        "spooled_lines": state.spool.pending_lines(),
        "quarantined_lines": state.spool.quarantined_lines(),
        **writer_figures(state),
    }
    if as_json:
        click.echo(json.dumps(figures))
    else:
        for name, value in figures.items():
            click.echo(f"{name:26} {'-' if value is None else value}")


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
@progress_bar.with_bar("storing spooled segments", "segments")
def replay_command(progress: progress_bar.Progress) -> str:
    """Store events waiting in the spool, also those of workers that died.

    Never stops at a bad line: an unreadable or unstorable one goes to the quarantine, and
    while the database is unreachable the lines stay in the spool for the next run."""
    state = current()
    stored = state.replay(progress=progress)
    report = [f"replayed {stored} event(s)"]
    waiting, quarantined = state.spool.pending_lines(), state.spool.quarantined_lines()
    if waiting:
        report.append(f"{waiting} line(s) still wait in the spool (is the database reachable?)")
    if quarantined:
        report.append(f"{quarantined} line(s) in quarantine: {state.spool.quarantine_path}")
    return "\n".join(report)


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
    today = as_of or clock.now()
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
@progress_bar.with_bar("rolling up days", "days")
def rollup_command(
    as_of: datetime.datetime | None, rebuild: bool, progress: progress_bar.Progress
) -> str:
    """Roll up the dashboard's reports: finished UTC days and today's finished hours."""
    if clickhouse_client.active():
        return "no rollups on ClickHouse (ANALYTICS_STORE): it aggregates the raw events itself"
    if rebuild:
        rollups.reset()
    days = rollups.run(as_of, progress=progress)
    until = rollups.rolled_until()
    return f"rolled up {days} day(s); rollups hold the visits started before {until:%Y-%m-%d %H:%M}"


@group.command("generate")
@click.option("--events", default=10000, show_default=True, type=click.IntRange(min=0))
@click.option("--days", default=30, show_default=True, type=click.IntRange(min=1, max=3660))
@click.option("--seed", default=1, show_default=True)
@progress_bar.with_bar("generating events", "events")
def generate_command(events: int, days: int, seed: int, progress: progress_bar.Progress) -> str:
    """Write synthetic traffic with a real site's shape (analytics/synthetic.py) through the
    normal store, for benchmarks and demos; the same seed gives the same traffic."""
    stored = synthetic.write(events, days, seed, progress=progress)
    return f"generated {stored} event(s) over {days} day(s)"


@group.command("export-events")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file instead of standard output.",
)
def export_events_command(output: str | None) -> None:
    """Write every stored visit with its events as JSON lines (one visit a line), streaming,
    from the configured store (ANALYTICS_STORE): the input of import-events."""
    handle = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    visits = 0
    try:
        for line in transfer.export_lines():
            handle.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
            visits += 1
    finally:
        if output:
            handle.close()
    if output:
        click.echo(f"exported {visits} visit(s) to {output}")


@group.command("import-events")
@click.argument("source", type=click.File("r", encoding="utf-8"))
def import_events_command(source: TextIO) -> None:
    """Store the visits and events of an export-events file (``-``: standard input) in the
    configured store, in batches; importing the same file twice stores it once. Then run
    ``winlas analytics profiles --rebuild`` (the profiles' cursor counts in the old store's
    ids) and, on the site's database, ``winlas analytics rollup --rebuild``."""
    try:
        visits, events = transfer.import_lines(_export_lines(source))
    except (KeyError, TypeError, ValueError) as error:
        raise click.ClickException(
            f"a visit or event of the file lacks a field or has one of the wrong type ({error!r});"
            " the batches before it are stored, and importing the mended file again stores the"
            " rest once"
        ) from None
    click.echo(f"imported {visits} new visit(s) and {events} new event(s)")


def _export_lines(source: TextIO) -> Iterator[dict[str, Any]]:
    """The lines of an export-events file; a line that is not one says which and why."""
    for number, raw in enumerate(source, 1):
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError as error:
            raise click.ClickException(f"line {number} is not JSON: {error}") from None
        if not (
            isinstance(line, dict)
            and isinstance(line.get("visit"), dict)
            and isinstance(line.get("events", []), list)
        ):
            raise click.ClickException(
                f'line {number} is not a visit of export-events ({{"visit": …, "events": […]}})'
            )
        yield line
