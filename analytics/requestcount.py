"""How much the statistics see: page requests counted on the server for every visitor, and the
share of them the consent-gated statistics measured.

The tracker only runs with statistics consent, so the dashboard's page views are the consented
part of the traffic. To tell how large that part is, the site counts every request for a public
page (``count_page_request``, from the page cache's WSGI layer and from Flask's after-request
hook) per UTC day and path, in memory, and writes the tallies in batches to
``page_request_count`` (``analytics.request_models``). The count holds a day, a path and a
number: no cookie is set or read for it, no identifier is made, the address is not looked at,
the User-Agent header (which the browser sends with every request) is looked at in memory only
to leave robots out, and nothing is stored on or read from the visitor's device. That is why it
needs no consent: it is not personal data, and it does not touch the device (ePrivacy art. 5(3)).

A process counts in a dict under a lock (the request path does no I/O) and writes:

- when ``FLUSH_SECONDS`` have passed since the first count not yet written (a one-shot timer
  thread; a quiet worker keeps no thread alive),
- when ``FLUSH_REQUESTS`` requests are waiting (written by a thread of its own at once),
- at exit, and whenever ``flush()`` is called (tests, scripts).

The write mode "inline" (the tests) starts no thread: it writes at ``FLUSH_REQUESTS`` or when
flushed. A batch the database refuses (an outage) is put back and tried again later; a crash
loses at most the last few seconds of counts, as the bots' tally does.

``coverage`` answers the dashboard: N, the page views measured with consent, against M, the
requests counted, over the days the counter has counted.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import os
import random
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import peewee
from flask import Flask

from . import clock, reports
from .db import database as bound_database
from .enrich import scrub_url
from .querying import Filters, Period
from .request_models import PageRequestCount
from .state import Analytics
from .useragent import is_bot

log = logging.getLogger("analytics.requestcount")

# a batch is written at most this long after its first count, or at once at this many requests
FLUSH_SECONDS = 10.0
FLUSH_REQUESTS = 5000
# where the counter of an app is kept
EXTENSION = "analytics_request_count"
# what a browser leaves unescaped in a path (RFC 3986 pchar without "%"), so a path re-escaped
# here reads as the tracker's ``location.pathname``
_PATH_SAFE = "/!$&'()*+,;=:@-._~"
_EPOCH_DAY = datetime.date(1970, 1, 1)
_DAY_SECONDS = 86_400
# the page table under a page filter, whole: the filtered page's own row may be anywhere in it
ALL_ROWS = 1_000_000

Tally = dict[tuple[datetime.date, str], int]


@lru_cache(maxsize=8192)
def page_path(raw: str) -> str:
    """A request's path as the tracker records the same page: ``raw`` is the WSGI path
    (SCRIPT_NAME + PATH_INFO, bytes as latin-1), escaped as a browser shows it, then scrubbed
    by the collector's own rules (no query, addresses and tokens masked, at most 512
    characters). Only pages that answered 200 reach it, so the cache holds the site's pages."""
    escaped = quote(raw.encode("latin-1", "replace"), safe=_PATH_SAFE)
    return scrub_url("http://page" + escaped)[0]


class RequestCounter:
    """One process's page requests per (UTC day, path), written in batches to ``database``."""

    def __init__(
        self,
        database: peewee.Database,
        *,
        threads: bool = True,
        flush_seconds: float = FLUSH_SECONDS,
        flush_requests: int = FLUSH_REQUESTS,
    ):
        """``threads``: write from timer threads (False: the write mode "inline", only at
        ``flush_requests`` and on ``flush()``)."""
        self.database = database
        self.threads = threads
        self.flush_seconds = flush_seconds
        self.flush_requests = flush_requests
        self._lock = threading.Lock()
        # (days since the epoch, path) -> requests not written yet; the day as a number: the
        # request path reads the clock as one float, a date is made once per batch
        self._pending: Counter[tuple[int, str]] = Counter()
        self._waiting = 0
        self._timer: threading.Timer | None = None
        # one batch writer thread at a time: a burst must not take every connection of the
        # pool that requests use; what comes meanwhile waits for the next batch or the timer
        self._writing = False
        self._at_exit = False
        _COUNTERS.add(self)

    def add(self, path: str) -> None:
        """Count one request for ``path`` (already a page path) today (UTC)."""
        key = (int(time.time() // _DAY_SECONDS), path)
        with self._lock:
            self._pending[key] += 1
            self._waiting += 1
            if self._waiting < self.flush_requests and (self._timer or not self.threads):
                return  # the hot path: a timer will write it, or a flush will
            batch = None
            if self._waiting >= self.flush_requests and not self._writing:
                batch = self._take()
                self._writing = self.threads
            if batch is None:
                self._schedule()
        if batch is not None:
            if self.threads:
                threading.Thread(
                    target=self._write_alone,
                    args=(batch,),
                    name="analytics-request-count",
                    daemon=True,
                ).start()
            else:
                self._write(batch)

    def pending(self) -> int:
        """Requests counted and not written yet."""
        with self._lock:
            return self._waiting

    def flush(self) -> int:
        """Write what is waiting now; returns the requests written (0 when the database
        refused them: they wait for the next try)."""
        with self._lock:
            batch = self._take()
        return self._write(batch) if batch else 0

    def _take(self) -> Counter[tuple[int, str]]:
        # the caller holds the lock
        batch, self._pending, self._waiting = self._pending, Counter(), 0
        return batch

    def _schedule(self) -> None:
        # the caller holds the lock: one timer at a time, and the exit hook once
        if not self.threads or self._timer is not None:
            return
        self._timer = threading.Timer(self.flush_seconds, self._on_timer)
        self._timer.name = "analytics-request-count"
        self._timer.daemon = True
        self._timer.start()
        if not self._at_exit:
            self._at_exit = True
            atexit.register(self.close)

    def _on_timer(self) -> None:
        with self._lock:
            # cleared before the batch is taken: a count from now on schedules the next timer
            self._timer = None
            batch = self._take()
        if batch:
            self._write(batch)

    def _write_alone(self, batch: Counter[tuple[int, str]]) -> None:
        try:
            self._write(batch)
        finally:
            with self._lock:
                self._writing = False

    def _write(self, batch: Counter[tuple[int, str]]) -> int:
        tallies: Tally = {
            (_EPOCH_DAY + datetime.timedelta(days=day), path): count
            for (day, path), count in batch.items()
        }
        database = self.database
        try:
            if database.is_closed():
                with database.connection_context():
                    return PageRequestCount.add(tallies, database)
            # a request's own connection (the write mode "inline", a flush in a view)
            return PageRequestCount.add(tallies, database)
        except Exception as exc:  # noqa: BLE001 - an outage: the counts wait for the next try
            log.warning(
                "could not write %d page request count(s), kept for later: %s", len(batch), exc
            )
            with self._lock:
                self._pending.update(batch)
                self._waiting += sum(batch.values())
                self._schedule()
            return 0

    def close(self) -> None:
        """Write what waits, once, and schedule nothing more (the process's exit)."""
        self.threads = False
        self.flush()

    def reset_after_fork(self) -> None:
        """A forked child starts empty: the parent's counts are the parent's to write, and
        its timer thread does not exist here."""
        self._lock = threading.Lock()
        self._pending, self._waiting, self._timer, self._writing = Counter(), 0, None, False


# every counter of the process, to be reset in a forked child (gunicorn forks after loading)
_COUNTERS: weakref.WeakSet[RequestCounter] = weakref.WeakSet()
_CREATE = threading.Lock()


def _after_fork() -> None:
    for counter in list(_COUNTERS):
        counter.reset_after_fork()


os.register_at_fork(after_in_child=_after_fork)


def counter(app: Flask) -> RequestCounter:
    """The app's counter, made on first use from its analytics state."""
    found: RequestCounter | None = app.extensions.get(EXTENSION)
    if found is None:
        with _CREATE:
            found = app.extensions.get(EXTENSION)
            if found is None:
                state: Analytics = app.extensions["analytics"]
                found = RequestCounter(state.host.database, threads=not state.inline)
                app.extensions[EXTENSION] = found
    return found


def count(app: Flask, raw_path: str, user_agent: str) -> bool:
    """Count a request for the page at ``raw_path`` unless ``user_agent`` is a robot's;
    whether it was counted. The caller has checked it was a GET answered 200 with a public
    page (what the tracker would record)."""
    if is_bot(user_agent):  # classified once per distinct header, shared with the collector
        return False
    counter(app).add(page_path(raw_path))
    return True


# ---------------------------------------------------------------------------- the dashboard


@dataclass(frozen=True)
class Coverage:
    """Page views measured with consent (N) against page requests counted (M).

    ``compared`` is the part of ``period`` the counter has counted (from its first day on),
    None when it counted nothing in the period. ``page`` is the page filter ("" the whole
    site); ``ignored`` the dashboard's other filters, which the count cannot apply (it knows
    nothing of a visitor's country, device, browser, source or campaign). ``visits`` and
    ``visitors`` are the measured ones of the compared days (of the visits that viewed
    ``page`` under a page filter)."""

    period: Period
    compared: Period | None
    page: str
    measured: int
    requests: int
    visits: int
    visitors: int
    ignored: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Whether the whole period was counted."""
        return self.compared == self.period

    @property
    def share(self) -> float | None:
        """N / M (above 1 is possible, see the README); None without requests."""
        return self.measured / self.requests if self.requests else None

    @property
    def scale(self) -> float | None:
        """M / N, what the estimates multiply by; only when both are counted and fewer page
        views were measured than requested (otherwise there is nothing to extrapolate)."""
        if not self.measured or self.requests <= self.measured:
            return None
        return self.requests / self.measured

    @property
    def estimated_visits(self) -> int | None:
        """The visits there would be if everyone were measured, assuming the unmeasured
        visitors browse as the measured ones do: an estimate, never a count."""
        return None if self.scale is None else round(self.visits * self.scale)

    @property
    def estimated_visitors(self) -> int | None:
        """As ``estimated_visits``, for unique visitors (the same assumption)."""
        return None if self.scale is None else round(self.visitors * self.scale)


def coverage(period: Period, filters: Filters, summary: reports.Summary | None = None) -> Coverage:
    """N of M for the dashboard's period and filters.

    N is the dashboard's own page views: with no filter, the key figure (``summary``, when
    the caller has it for exactly this period and no filter, saves the query); with a page
    filter, the page views of that page. M is the requests counted for the same days (and
    page). Other filters are left out and named in ``ignored`` (N then stays unfiltered too,
    so N and M count the same traffic). Only days from the counter's first day are compared:
    before it nothing was counted."""
    page = filters.page
    ignored = tuple(name for name in filters.active() if name != "page")
    first_counted = PageRequestCount.first_day()
    if first_counted is None or first_counted > period.last:
        return Coverage(period, None, page, 0, 0, 0, 0, ignored)
    compared = Period(max(period.first, first_counted), period.last)
    requests = PageRequestCount.total(compared.first, compared.last, page)
    if page:
        narrowed = Filters(page=page)
        found = reports.summary(compared, narrowed)
        rows = reports.table("page", compared, narrowed, limit=ALL_ROWS)
        measured = next((row.pageviews for row in rows if row.key == page), 0)
        return Coverage(
            period, compared, page, measured, requests, found.visits, found.visitors, ignored
        )
    if summary is None or compared != period or filters.active():
        summary = reports.summary(compared, Filters())
    return Coverage(
        period,
        compared,
        "",
        summary.pageviews,
        requests,
        summary.visits,
        summary.visitors,
        ignored,
    )


# ---------------------------------------------------------------------------- demo data


def synthetic(days: int, share: float = 0.6, seed: int = 1) -> int:
    """Request counts for the last ``days`` UTC days (today included) as if the stored page
    views were about ``share`` of every visitor's (each day's share varies by a few points,
    the same seed giving the same numbers): the demo's "measured with consent: N of M".
    Reads each day's page table, so it works on either event store; returns the requests."""
    if not 0 < share <= 1:
        raise ValueError("the share of measured page views is above 0 and at most 1")
    rng = random.Random(seed)
    today = clock.now().date()
    tallies: Tally = {}
    for back in range(days - 1, -1, -1):
        day = today - datetime.timedelta(days=back)
        daily = min(1.0, max(0.05, share + rng.uniform(-0.06, 0.06)))
        for row in reports.table("page", Period(day, day), Filters(), limit=ALL_ROWS):
            if row.pageviews:
                tallies[day, row.key] = round(row.pageviews / daily * rng.uniform(0.97, 1.03))
    return PageRequestCount.add(tallies, bound_database.obj)
