"""The per-app state of analytics: configuration, the host's side, the spool and its writer.

``init_app`` (``analytics.api``) makes one ``Analytics`` per app and keeps it in
``app.extensions["analytics"]``; the rest of the package reads it through ``current()``.
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
from .geo import GeoIP
from .host import Host
from .line import TallyLine
from .spool import Spool
from .store import drain, purge

log = logging.getLogger("analytics")

# Bots are counted in memory and their tally spooled at most this often (or every this many
# hits), not one spool line per request: a bot can send thousands. A crashed worker loses at
# most these few seconds of bot counts, which is acceptable for a tally that names nobody; a
# clean shutdown (atexit) or an explicit flush loses nothing.
BOT_FLUSH_SECONDS = 5.0
BOT_FLUSH_HITS = 1000

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
        self.inline = config["ANALYTICS_WRITE_MODE"] == "inline"
        self.flush_seconds = float(config["ANALYTICS_FLUSH_SECONDS"])
        self.maintenance_seconds = float(config["ANALYTICS_MAINTENANCE_SECONDS"])
        self.retention_days = int(config["ANALYTICS_RAW_RETENTION_DAYS"])
        self.tombstone_days = float(config["ANALYTICS_TOMBSTONE_DAYS"])
        self.quarantine_days = float(config["ANALYTICS_QUARANTINE_DAYS"])
        self.spool = Spool(
            Path(app.instance_path) / "analytics-spool", bool(config["ANALYTICS_FSYNC"])
        )
        self.geo = GeoIP(config["GEOIP_DATABASE"])
        self._writer: threading.Thread | None = None
        self._writer_pid = 0
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
        """Inline mode drains now; otherwise make sure this process's writer is running."""
        if self.inline:
            self.spool.rotate()
            drain(self.spool)
            return
        if self._writer is None or self._writer_pid != os.getpid():
            self._start_writer()

    def _start_writer(self) -> None:
        # started on first use, after gunicorn has forked: threads do not survive a fork
        self._writer_pid = os.getpid()
        self._stopping = threading.Event()  # a new writer is not told to stop by an old stop()
        self._writer = threading.Thread(
            target=self._write_loop, name="analytics-writer", daemon=True
        )
        self._writer.start()
        atexit.register(self.flush)

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

    def maintain(self) -> None:
        """The periodic part: replay segments of dead workers, purge events past retention
        (and expired erasure tombstones, after the replay), trim the quarantine."""
        database = db.database.obj
        with database.connection_context():
            self.replay()
            now = clock.now()
            purge(now - datetime.timedelta(days=self.retention_days))
        self.spool.purge_quarantine(
            now.replace(tzinfo=datetime.UTC) - datetime.timedelta(days=self.quarantine_days)
        )

    def flush(self, bots_only_if_due: bool = False) -> int:
        """Close the open segment and store every ready one (the writer's loop, and at exit)."""
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


def current() -> Analytics:
    """The current app's analytics state (``init_app`` made it)."""
    return cast(Analytics, current_app.extensions["analytics"])
