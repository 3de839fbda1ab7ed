"""The per-app state of analytics: configuration, the host's side, the spool and its writer.

``init_app`` (``analytics.api``) makes one ``Analytics`` per app and keeps it in
``app.extensions["analytics"]``; the rest of the package reads it through ``current()``.

Who stores what the workers spool (ANALYTICS_WRITE_MODE):

- ``process`` (the site's default): the writer process, ``winlas analytics writer``
  (``Analytics.run_writer``), one per machine; a worker only appends and closes segments;
- ``background``: a writer thread in every worker, for a setup that cannot run a second
  process (and chDB, which only one process may open);
- ``inline``: within the request (the tests).
"""

from __future__ import annotations

import atexit
import datetime
import ipaddress
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import cast

import peewee
from flask import Flask, Request, current_app

from . import clock, db
from .clickhouse import client as clickhouse_client
from .cpuload import CpuGauge
from .geo import GeoIP
from .host import Host
from .line import TallyLine
from .settings import WRITE_MODES
from .spool import Spool
from .store import drain, purge

log = logging.getLogger("analytics")

# Bots are counted in memory and their tally spooled at most this often (or every this many
# hits), not one spool line per request: a bot can send thousands. A crashed worker loses at
# most these few seconds of bot counts, which is acceptable for a tally that names nobody; a
# clean shutdown (atexit) or an explicit flush loses nothing.
BOT_FLUSH_SECONDS = 5.0
BOT_FLUSH_HITS = 1000
# the writer process: its heartbeat every this often, believed this long (winlas analytics
# stats); a summary at INFO this often; the longest wait between tries while the store is away
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_STALE_SECONDS = 30.0
REPORT_SECONDS = 60.0
MAX_RETRY_SECONDS = 30.0
# a worker in the write mode "process" looks for a writer's heartbeat this often, and says
# at most this often that none runs (events then only pile up in the spool)
WRITER_CHECK_SECONDS = 60.0
WRITER_WARN_SECONDS = 600.0

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def internal_networks(value: str | Iterable[str] | None) -> tuple[Network, ...]:
    """ANALYTICS_INTERNAL_NETWORKS as networks: a comma-separated string or a list of CIDRs
    (a lone address is its own /32 or /128).

    A value that is not a network raises ValueError, so the app refuses to start instead of
    silently recording the office. Host bits are refused too (``192.168.1.10/24``): it is
    most likely a typo, and guessing the wider network could drop real visitors unnoticed.
    """
    items = value.split(",") if isinstance(value, str) else list(value or ())
    networks = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text))
        except ValueError as error:
            raise ValueError(
                f"ANALYTICS_INTERNAL_NETWORKS: {text!r} is not a network in CIDR notation "
                f"(such as 192.0.2.0/24 or 2001:db8::/48): {error}"
            ) from None
    return tuple(networks)


class Analytics:
    """The per-app state of the collector."""

    def __init__(self, app: Flask, host: Host):
        config = app.config
        self.host = host
        self.internal_networks = internal_networks(config["ANALYTICS_INTERNAL_NETWORKS"])
        # an address is parsed and matched once, then remembered: the office's few addresses
        # repeat; None (no networks set) keeps the check off the hot path altogether
        self._in_office = (
            lru_cache(maxsize=4096)(self._match_office) if self.internal_networks else None
        )
        self.max_body = int(config["ANALYTICS_MAX_BODY"])
        self.max_events = int(config["ANALYTICS_MAX_EVENTS"])
        self.visitor_cookie = config["ANALYTICS_VISITOR_COOKIE"]
        self.visitor_max_age = int(config["ANALYTICS_VISITOR_MAX_AGE"])
        self.mode = config["ANALYTICS_WRITE_MODE"]
        if self.mode not in WRITE_MODES:
            raise ValueError(
                f"ANALYTICS_WRITE_MODE: {self.mode!r} is none of {', '.join(WRITE_MODES)}"
            )
        self.inline = self.mode == "inline"
        self.flush_seconds = float(config["ANALYTICS_FLUSH_SECONDS"])
        self.maintenance_seconds = float(config["ANALYTICS_MAINTENANCE_SECONDS"])
        self.writer_max_lag = float(config["ANALYTICS_WRITER_MAX_LAG"])
        self.retention_days = int(config["ANALYTICS_RAW_RETENTION_DAYS"])
        self.tombstone_days = float(config["ANALYTICS_TOMBSTONE_DAYS"])
        self.quarantine_days = float(config["ANALYTICS_QUARANTINE_DAYS"])
        self.spool = Spool(
            Path(app.instance_path) / "analytics-spool",
            bool(config["ANALYTICS_FSYNC"]),
            # in the write mode "process" a writer takes only closed segments: an append
            # closes one that is old enough
            max_age=self.flush_seconds if self.mode == "process" else None,
        )
        self.geo = GeoIP(config["GEOIP_DATABASE"])
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
        self._start_lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._bots: Counter[tuple[str, str]] = (
            Counter()
        )  # (reason, day) -> dropped requests not yet spooled
        self._bot_hits = 0
        self._bots_flushed = time.monotonic()
        self._bot_lock = threading.Lock()

    def _match_office(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:  # no address (a unix socket) is nobody's office
            return False
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped  # a dual-stack server reports IPv4 clients as ::ffff:a.b.c.d
        return any(ip in network for network in self.internal_networks)

    def is_internal(self, req: Request, user_id: int | None) -> bool:
        """Traffic of the site's own people, never recorded: a client address in
        ANALYTICS_INTERNAL_NETWORKS (the full address, before anonymisation; behind trusted
        proxies it is already the real client's), or a logged-in user the host calls internal.
        The host is asked only when someone is logged in, so an anonymous request costs no
        query."""
        if self._in_office is not None and self._in_office(req.remote_addr or ""):
            return True
        internal_user = self.host.internal_user
        return user_id is not None and internal_user is not None and internal_user(req)

    def count_dropped(self, reason: str) -> None:
        """Count a dropped request for today (``reason``, as DroppedCount keeps it: "bot", or
        "internal" for the site's own people); spooled now and then, not per request."""
        day = clock.now().date().isoformat()  # a UTC day, like every day analytics stores
        with self._bot_lock:
            self._bots[reason, day] += 1
            self._bot_hits += 1
            due = (
                self.inline
                or self._bot_hits >= BOT_FLUSH_HITS
                or time.monotonic() - self._bots_flushed >= BOT_FLUSH_SECONDS
            )
        if due:
            self.flush_bots()
            self.after_append()
        elif self._writer is None or self._writer_pid != os.getpid():
            self._start_writer()  # its loop spools the tally within BOT_FLUSH_SECONDS

    def flush_bots(self, only_if_due: bool = False) -> None:
        """Spool the tally of dropped requests: one line per day and reason with its count
        (``{"bot": day, "n": n}``; other reasons add ``"reason"``)."""
        with self._bot_lock:
            if not self._bots or (
                only_if_due and time.monotonic() - self._bots_flushed < BOT_FLUSH_SECONDS
            ):
                return
            tally, self._bots, self._bot_hits = self._bots, Counter(), 0
            self._bots_flushed = time.monotonic()
        for (reason, day), count in sorted(tally.items()):
            self.spool.append(TallyLine(day, count, reason).to_json())

    def after_append(self) -> None:
        """Inline mode drains now; otherwise make sure this process's thread is running (the
        writer thread, or in the write mode "process" the thread that closes idle segments)."""
        if self.inline:
            self.spool.rotate()
            drain(self.spool)
            return
        if self._writer is None or self._writer_pid != os.getpid():
            self._start_writer()

    def _start_writer(self) -> None:
        with self._start_lock:  # two request threads may both find it missing
            if self._writer is not None and self._writer_pid == os.getpid():
                return
            # started on first use, after gunicorn has forked: threads do not survive a fork
            self._writer_pid = os.getpid()
            self._stopping = threading.Event()  # a new thread is not told to stop by an old stop()
            process = self.mode == "process"
            self._writer = threading.Thread(
                target=self._rotate_loop if process else self._write_loop,
                name="analytics-rotator" if process else "analytics-writer",
                daemon=True,
            )
            self._writer.start()
            atexit.register(self.close_segment if process else self.flush)

    def _write_loop(self) -> None:
        last_maintenance = 0.0
        while True:
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.flush(bots_only_if_due=True)
                if time.monotonic() - last_maintenance >= self.maintenance_seconds:
                    last_maintenance = time.monotonic()
                    self.maintain()
            except Exception:  # the thread must survive anything; the lines stay spooled
                log.exception("analytics writer failed; events stay in the spool")

    def _rotate_loop(self) -> None:
        # The write mode "process": the writer process (``winlas analytics writer``) stores
        # what every worker spools, so no request and no thread of a worker ever waits on the
        # database. Appends close a segment once it is ANALYTICS_FLUSH_SECONDS old; this
        # thread closes the tail a quiet worker would otherwise keep open until its next
        # request (the writer takes only closed segments) and spools the bot tally. Both are
        # local file work: there is no database connection in a worker's analytics.
        interval = max(self.flush_seconds / 2, 0.01)  # 0 would spin
        next_check = time.monotonic() + WRITER_CHECK_SECONDS
        warned = -WRITER_WARN_SECONDS
        while True:
            self._wake.wait(interval)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                self.flush_bots(only_if_due=True)
                # at most half an interval old at one wake, closed at the next: a line waits
                # at most ANALYTICS_FLUSH_SECONDS before a writer may take it
                self.spool.rotate(older_than=interval)
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + WRITER_CHECK_SECONDS
                    if (
                        time.monotonic() - warned >= WRITER_WARN_SECONDS
                        and not self.spool.writer_status()["running"]
                    ):
                        warned = time.monotonic()
                        log.warning(
                            "no analytics writer serves %s: accepted events wait there until "
                            "`winlas analytics writer` runs (ANALYTICS_WRITE_MODE=process)",
                            self.spool.folder,
                        )
            except Exception:  # a full disk, say: the lines already written stay on disk
                log.exception("analytics could not close its spool segment")

    def close_segment(self) -> None:
        """Spool the bot tally and close the open segment for the writer process (a worker's
        exit in the write mode "process": file work only, no database)."""
        self.flush_bots()
        self.spool.rotate()

    def stop(self, timeout: float = 10.0) -> None:
        """End this process's writer thread (an app that is shut down, or a test's): it works
        on the one global database binding, which the next app may point elsewhere. What is
        still spooled stays on disk for the next writer or ``replay``."""
        writer = self._writer
        if writer is None:
            return
        self._stopping.set()
        self._wake.set()
        if writer is not threading.current_thread():
            writer.join(timeout)
        self._writer = None

    def maintain(self, progress: Callable[[int, int], None] | None = None) -> int:
        """The periodic part: replay segments of dead workers, purge events past retention
        (and expired erasure tombstones, after the replay), trim the quarantine. Returns the
        events the replay offered."""
        database = db.database.obj
        with database.connection_context():
            stored = self.replay(progress=progress)
            now = clock.now()
            events, visits = purge(now - datetime.timedelta(days=self.retention_days))
        trimmed = self.spool.purge_quarantine(
            now.replace(tzinfo=datetime.UTC) - datetime.timedelta(days=self.quarantine_days)
        )
        if events or visits or trimmed:
            log.info(
                "maintenance: purged %d event(s) and %d visit(s) past %d days, %d quarantined "
                "line(s) past %g days",
                events,
                visits,
                self.retention_days,
                trimmed,
                self.quarantine_days,
            )
        return stored

    def flush(self, bots_only_if_due: bool = False) -> int:
        """Close the open segment and store every ready one (the loop of the writer thread of
        the mode "background", and its exit; tests and scripts in any mode)."""
        self.flush_bots(only_if_due=bots_only_if_due)
        self.spool.rotate()
        database = db.database.obj
        try:
            with database.connection_context():
                return drain(self.spool)
        except peewee.PeeweeException as exc:
            log.warning("database unavailable, events stay in the spool: %s", exc)
            return 0

    def replay(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Store everything on disk, including segments left by workers that died."""
        self.flush_bots()
        self.spool.rotate()
        return drain(self.spool, include_abandoned=True, progress=progress)

    # ------------------------------------------------------------------ the writer process

    def run_writer(self, stop: threading.Event) -> int:
        """The loop of ``winlas analytics writer``, until ``stop`` is set; returns the events
        it offered to the store.

        At start, and every ANALYTICS_MAINTENANCE_SECONDS, ``maintain`` (segments of dead
        processes too, a writer killed mid-segment among them); in between, every
        ANALYTICS_FLUSH_SECONDS, the segments the workers closed. Once ``stop`` is set it ends
        after the segment in hand and gives back the ones it had claimed beyond it, so a clean
        stop leaves no ``.work-*``. Two writers on one spool are safe (a segment is claimed by
        a rename), though one per machine is the design."""
        writer = _Writer(self, stop)
        other = self.spool.writer_status()
        if other["running"] and other["pid"] != os.getpid():
            log.warning(
                "another analytics writer (pid %s) serves %s; both are safe, one is enough",
                other["pid"],
                self.spool.folder,
            )
        log.info(
            "analytics writer %d serves %s: every %g s, maintenance every %g s",
            os.getpid(),
            self.spool.folder,
            self.flush_seconds,
            self.maintenance_seconds,
        )
        if clickhouse_client.embedded():
            log.warning(
                "ANALYTICS_STORE is chDB, which one process opens: while this writer runs, the "
                "site's processes cannot read it; chDB pairs with ANALYTICS_WRITE_MODE "
                "background or inline"
            )
        return writer.run()


class _Stopped(Exception):
    """Raised from a drain's progress callback: the writer was told to stop (between two
    segments; the claimed ones left are given back)."""


class _Writer:
    """One run of the writer process: its loop, its heartbeat thread, its figures."""

    def __init__(self, state: Analytics, stop: threading.Event):
        self.state = state
        self.stop = stop
        self.pid = os.getpid()
        self.started_at = time.time()
        self.drained_at: float | None = None
        self.stored = 0
        self.segments = 0
        self.deferred = 0  # passes that waited for the processors to be less busy
        self._beating = threading.Event()
        self.gauge = CpuGauge()

    def run(self) -> int:
        state = self.state
        self.beat()
        beater = threading.Thread(target=self._beat_loop, name="analytics-heartbeat", daemon=True)
        beater.start()
        last_maintenance: float | None = None
        delay = state.flush_seconds
        last_report, reported = time.monotonic(), 0
        try:
            while not self.stop.is_set():
                try:
                    if (
                        last_maintenance is None
                        or time.monotonic() - last_maintenance >= state.maintenance_seconds
                    ):
                        # until it succeeds once, every pass is a maintenance: what a dead
                        # writer held must not wait an hour for a database that was down
                        stored = state.maintain(progress=self._between_segments)
                        last_maintenance = time.monotonic()
                        log.info("stored %d event(s), segments of dead processes included", stored)
                    elif self.defer():
                        self.deferred += 1
                        self.stop.wait(state.flush_seconds)
                        continue
                    else:
                        with db.database.obj.connection_context():
                            stored = drain(state.spool, progress=self._between_segments)
                except _Stopped:
                    break
                except Exception as exc:  # noqa: BLE001 - an outage: the lines stay spooled
                    delay = min(delay * 2, MAX_RETRY_SECONDS)
                    log.warning(
                        "analytics writer could not store (next try in %g s): %s", delay, exc
                    )
                else:
                    delay = state.flush_seconds
                    self.drained_at = time.time()
                    self.stored += stored
                    log.debug("stored %d event(s)", stored)
                if time.monotonic() - last_report >= REPORT_SECONDS:
                    if self.stored != reported:
                        log.info(
                            "stored %d event(s) in the last %d s (%d since start; %d pass(es) "
                            "waited for the processors to be less busy)",
                            self.stored - reported,
                            round(time.monotonic() - last_report),
                            self.stored,
                            self.deferred,
                        )
                    last_report, reported = time.monotonic(), self.stored
                self.stop.wait(delay)
        finally:
            self._beating.set()
            beater.join(5)
            released = state.spool.release()
            self.beat(stopped_at=time.time())
            log.info(
                "analytics writer %d stopped: %d event(s) stored, %d claimed segment(s) given "
                "back, %d line(s) wait in the spool",
                self.pid,
                self.stored,
                released,
                state.spool.pending_lines(),
            )
        return self.stored

    def defer(self) -> bool:
        """Whether this pass waits: the processors were busy since the last pass (the
        writer's own work aside) and no closed segment has waited ANALYTICS_WRITER_MAX_LAG
        yet. What waits is durable in the spool; under lasting load it is stored at the
        bound, so the wait never grows without end."""
        lag = self.state.writer_max_lag
        if lag <= 0 or not self.gauge.busy():
            return False
        return self.state.spool.oldest_ready_seconds() < lag

    def _between_segments(self, done: int, claimed: int) -> None:
        self.segments += 1
        if self.stop.is_set():
            raise _Stopped

    def _beat_loop(self) -> None:
        # a thread of its own: a long replay or purge must not make the writer look dead
        while not self._beating.wait(HEARTBEAT_SECONDS):
            try:
                self.beat()
            except OSError:  # a full disk: the next beat may work, the writing goes on
                log.exception("analytics writer could not write its heartbeat")

    def beat(self, **extra: float) -> None:
        self.state.spool.beat(
            {
                "pid": self.pid,
                "started_at": self.started_at,
                "beat_at": time.time(),
                "drained_at": self.drained_at,
                "stored": self.stored,
                "segments": self.segments,
                "deferred": self.deferred,
                # a reader believes the heartbeat this long (several beats)
                "stale": HEARTBEAT_STALE_SECONDS,
                **extra,
            }
        )


def current() -> Analytics:
    """The current app's analytics state (``init_app`` made it)."""
    return cast(Analytics, current_app.extensions["analytics"])
