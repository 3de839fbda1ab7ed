"""Ingest benchmark: the analytics collect endpoint against a bare JSON endpoint, and no loss.

What is measured, in one run and on the same machine:

* ``bare``: ``bench/bare_ingest_app.py``, a Flask app whose ``POST /api/collect`` only parses
  the JSON body and answers 202 ``{"accepted": n}``;
* ``ours``: the real site's ``POST /api/collect`` on a fresh SQLite database in a temporary
  instance folder: Origin check, signed consent cookie, rate limit, user agent and bot check,
  strict payload parser, enrichment and the spool append that makes the 202 durable; the writer
  process (``winlas analytics writer``, started beside gunicorn as in production) moves the
  spooled batches into the database outside the web workers.

Each is loaded with two payload shapes: ``single`` (one page view per request, the tracker's
first call on every page) and ``batched`` (ten events: a page view, clicks and an engagement).
Both apps get exactly the same requests: a Chrome user agent (wrk's own would be dropped as a
bot), a same-origin ``Origin``, a consent cookie with statistics, a visitor cookie that changes
every ``VISIT_REQUESTS`` requests, and a body built per request with fresh event ids -- event
ids are unique in the database, so a repeated body would be stored once and look like a loss.

Both apps are served by the same gunicorn command line as ``bench/pages.py`` (2 sync workers on
127.0.0.1). Every target gets a 1 s warm-up, then they are measured three times in alternation
(bare, ours per shape) and the best run of each counts, so a noisy moment hurts all alike.
After each run of ours the benchmark waits until the writer process has stored the spool
(the backlog and how long it took are reported): its catch-up would otherwise run during the
next measurement and slow down whichever app is measured then. The backlog says how far the
writers fall behind the requests; a backlog that grew without end would be a sustained-load
problem that requests per second alone do not show.
``ingest_ratio`` (single-event requests per second, ours / bare) is the headline for the same
reason as ``pages_ratio``: absolute throughput depends on the machine, the share of bare Flask's
throughput that the endpoint keeps does not. ``ingest_ratio_batched`` is the same for batches,
and ``ingest_events_per_s`` is our absolute figure for batches, in events per second.

``ingest_lost`` checks durability under that load: events in requests answered 202
``{"accepted": n}`` (each answer is checked by the load generator, so a bot drop or a refusal can
never be counted) minus events in the database once the servers are stopped (their workers flush
at exit) and ``winlas analytics replay`` has stored what was left in the spool. It must be 0.
wrk stops with up to one request per connection still in flight; the server may store those
without the answer being counted, so stored may exceed accepted by at most the unanswered events.

With ``BENCH_POSTGRES_URL`` set, the whole run is repeated against that PostgreSQL database
(its event, visit and dropped_count tables are emptied first) and the figures get a ``_postgres``
suffix. ``BENCH_SECONDS`` (default 5) is the length of each measured run. The load generator is
wrk (``BENCH_LOADGEN=python`` for the Python one, which competes for the cores); its name is
printed first and kept in the results.

It also reports ``tracker_js_gzip_bytes``: the tracker's size compressed (gzip -9), what every
visitor who consents to statistics downloads.

Output: a table for people, then ``name value`` lines for scripts, and
``bench/results/ingest.json`` with the same figures. Exit status 1 when an event was lost.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlencode, urlsplit

from loadgen import (
    CONNECTIONS,
    THREADS,
    WORKER_CLASS,
    WORKERS,
    Result,
    fetch,
    generator,
    run_wrk_script,
    serve,
)
from pages import INHERITED_SETTINGS, BenchError, gzip_bytes, seconds_from_env
from playhouse.db_url import connect

from analytics.cpuload import CpuGauge

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results" / "ingest.json"
WARMUP_SECONDS = 1
ROUNDS = 3
APPS = ("bare", "ours")
SHAPES = ("single", "batched")
# the limit is per client address, and every benchmark request comes from 127.0.0.1: at the
# default 240 per minute nearly all of them would be answered 429.
RATE_LIMIT = "1000000 per minute"
# a visitor sends a handful of tracker requests; a new visitor id every 10 requests makes the
# writer open visits as well as extend them, as real traffic does.
VISIT_REQUESTS = 10
CHROME_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
)
PAGE_PATH = "/produkter/winlas-bibliotek"
CLICKS = (
    ("{base}/produkter/winlas-skola", "WinLas Skola"),
    ("https://www.skolverket.se/skolutveckling/inspiration-och-stod", "Skolverket"),
    ("button", "Visa fler"),
    ("{base}/kontakt?produkt=bibliotek", "Kontakta oss"),
)
# Settings of the analytics package the developer's shell may carry (inline writes, fsync,
# GeoIP): the benchmark measures the defaults.
ANALYTICS_PREFIXES = ("ANALYTICS_", "GEOIP_")
# Before each run: at least this share of the processors idle over QUIET_STEP seconds, or at
# most QUIET_TIMEOUT seconds of waiting for it.
QUIET_IDLE = 0.9
QUIET_STEP = 0.5
QUIET_TIMEOUT = 30.0
# How long the writer process may take to store a run's backlog before the bench gives up.
WRITER_TIMEOUT = 120.0
# Event tables emptied before a PostgreSQL run (event refers to visit: emptied together).
# TRUNCATE, not DELETE: a million dead rows would keep autovacuum busy during the measurements
CLEAR_POSTGRES = ("TRUNCATE event, visit, dropped_count",)
WRK_TALLY = re.compile(
    r"^ingest-tally sent=(\d+) accepted=(\d+) accepted_answers=(\d+) other_answers=(\d+)$",
    re.MULTILINE,
)
# every wrk run gets a nonce of its own as the first group of its event ids: with the thread
# number and a per-thread counter after it, no two requests of a benchmark share an id.
_NONCES = itertools.count(secrets.randbits(31))


@dataclass(frozen=True)
class Load:
    """One load-generator run against the collect endpoint, with the events it carried."""

    result: Result
    # events in every request sent, answered or not (wrk stops with requests in flight)
    sent_events: int
    # events in answers 2xx {"accepted": n}, summed over n
    accepted_events: int
    accepted_answers: int
    # answers that were anything else: a failing status, a bot drop, a refusal
    other_answers: int
    # ours only: spooled lines the writer process had not stored when the load ended, and
    # how long they took to store them
    backlog_lines: int | None = None
    drain_seconds: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the run as a JSON-ready dict."""
        return {
            **self.result.as_dict(),
            "sent_events": self.sent_events,
            "accepted_events": self.accepted_events,
            "accepted_answers": self.accepted_answers,
            "other_answers": self.other_answers,
            "backlog_lines": self.backlog_lines,
            "drain_seconds": self.drain_seconds,
        }


# ---------------------------------------------------------------------------- the payloads


def wire_payload(shape: str, base: str, ids: list[Any], stamps: list[Any]) -> dict[str, Any]:
    """The tracker's JSON for one request of ``shape``, with the given ids and timestamps."""
    page = base + PAGE_PATH
    events: list[dict[str, Any]] = [
        {
            "type": "pageview",
            "url": page,
            "id": ids[0],
            "ts": stamps[0],
            "referrer": "https://www.google.com/",
            "screen": "1920x1080",
            "viewport": "1536x864",
            "tz": "Europe/Stockholm",
            "lang": "sv-SE,sv,en-US",
            "platform": "Windows",
        }
    ]
    if shape == "batched":
        for index in range(1, 9):
            target, name = CLICKS[index % len(CLICKS)]
            events.append(
                {
                    "type": "click",
                    "url": page,
                    "id": ids[index],
                    "ts": stamps[index],
                    "target": target.format(base=base),
                    "name": name,
                }
            )
        events.append(
            {"type": "engagement", "url": page, "id": ids[9], "ts": stamps[9], "ms": 45_000}
        )
    return {"events": events}


def events_per_request(shape: str) -> int:
    """How many events one request of ``shape`` carries."""
    return 10 if shape == "batched" else 1


def ts_offsets(shape: str) -> list[int]:
    """Milliseconds before now of each event: a page view, clicks over a minute, then the rest."""
    count = events_per_request(shape)
    return [-60_000 + index * 6_000 for index in range(count - 1)] + [0] if count > 1 else [0]


def python_body(shape: str, base: str) -> bytes:
    """One request body with fresh ids and current timestamps (the Python load generator's)."""
    now = int(time.time() * 1000)
    count = events_per_request(shape)
    ids = [str(uuid.uuid4()) for _ in range(count)]
    stamps = [now + offset for offset in ts_offsets(shape)]
    return json.dumps(wire_payload(shape, base, ids, stamps), separators=(",", ":")).encode()


def lua_script(shape: str, base: str, cookie: str, nonce: str) -> str:
    """A wrk script: a fresh body per request, and a tally of what every answer accepted."""
    count = events_per_request(shape)
    placeholders = wire_payload(
        shape, base, [f"@ID{i}@" for i in range(count)], [f"@TS{i}@" for i in range(count)]
    )
    # compact like JSON.stringify; ASCII only, so the Lua long string holds it byte for byte
    text = json.dumps(placeholders, separators=(",", ":")).replace("%", "%%")
    arguments: list[str] = []

    def slot(match: re.Match[str]) -> str:
        """Replace one placeholder by a string.format slot; remember which value fills it."""
        kind, index = match.group(1), int(match.group(2)) + 1
        arguments.append(f"ids[{index}]" if kind == "ID" else f"ts[{index}]")
        return '"%s"' if kind == "ID" else "%s"

    template = re.sub(r'"@(ID|TS)(\d+)@"', slot, text)
    if "]==]" in template or len(arguments) != 2 * count:
        raise BenchError("the payload template cannot be embedded in the wrk script")
    offsets = ", ".join(str(offset) for offset in ts_offsets(shape))
    return f"""-- written by bench/ingest.py for one wrk run
wrk.method = "POST"
local TEMPLATE = [==[{template}]==]
local OFFSETS = {{{offsets}}}
local EVENTS = {count}
local NONCE = "{nonce}"
local CONSENT = "{cookie}"
local VISIT_REQUESTS = {VISIT_REQUESTS}

local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- per-thread tallies are globals: done() reads them with thread:get
sent = 0
accepted = 0
accepted_answers = 0
other_answers = 0
local counter = 0
local requests = 0
local headers = {{}}

function init(args)
  -- a different sequence per thread, so the threads' visitors differ
  math.randomseed(tonumber(NONCE, 16) + tid * 7919)
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
end

local function new_id()
  -- unique by construction (run nonce, thread, counter); the random groups only look real
  counter = counter + 1
  return string.format("%s-%04x-4%03x-%04x-%012x", NONCE, tid, math.random(0, 4095),
    32768 + math.random(0, 16383), counter)
end

local function new_visitor()
  return string.format("%08x%08x%08x%08x", math.random(0, 2147483647),
    math.random(0, 2147483647), math.random(0, 2147483647), math.random(0, 2147483647))
end

function request()
  if requests % VISIT_REQUESTS == 0 then
    headers["Cookie"] = CONSENT .. "; winlas_vid=" .. new_visitor()
  end
  requests = requests + 1
  local now = os.time() * 1000
  local ids, ts = {{}}, {{}}
  for i = 1, EVENTS do
    ids[i] = new_id()
    ts[i] = string.format("%.0f", now + OFFSETS[i])
  end
  sent = sent + EVENTS
  return wrk.format(nil, nil, headers, string.format(TEMPLATE, {", ".join(arguments)}))
end

function response(status, headers, body)
  local n = nil
  if status >= 200 and status < 300 then
    n = tonumber(string.match(body, '^%s*{{%s*"accepted"%s*:%s*(%d+)%s*}}'))
  end
  if n then
    accepted = accepted + n
    accepted_answers = accepted_answers + 1
  else
    other_answers = other_answers + 1
  end
end

function done(summary, latency, requests)
  local s, a, aa, oa = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("sent")
    a = a + thread:get("accepted")
    aa = aa + thread:get("accepted_answers")
    oa = oa + thread:get("other_answers")
  end
  io.write(string.format("ingest-tally sent=%d accepted=%d accepted_answers=%d other_answers=%d\\n",
    s, a, aa, oa))
end
"""


# ------------------------------------------------------------------------- the load itself


def request_headers(base: str) -> dict[str, str]:
    """Headers of every benchmark request; the cookies are added per request."""
    return {"Origin": base, "User-Agent": CHROME_UA, "Content-Type": "application/json"}


def accepted_count(status: int, body: bytes) -> int | None:
    """The n of a 2xx ``{"accepted": n}`` answer; None for anything else (a bot drop, a 4xx)."""
    if not 200 <= status < 300:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    value = data.get("accepted") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def load(tool: str, base: str, shape: str, seconds: int, cookie: str) -> Load:
    """Load ``base``/api/collect with ``shape`` requests for ``seconds`` with ``tool``."""
    url = base + "/api/collect"
    if tool == "python":
        return _load_python(url, base, shape, seconds, cookie)
    nonce = f"{next(_NONCES) & 0xFFFFFFFF:08x}"
    result, output = run_wrk_script(
        url,
        seconds,
        lua_script(shape, base, cookie, nonce),
        request_headers(base),
        threads=THREADS,
        connections=CONNECTIONS,
    )
    tally = WRK_TALLY.search(output)
    if not tally:
        raise BenchError("the wrk script printed no tally:\n" + output)
    sent, accepted, answers, others = (int(value) for value in tally.groups())
    return Load(result, sent, accepted, answers, others)


def _load_python(url: str, base: str, shape: str, seconds: int, cookie: str) -> Load:
    """The fallback without wrk: threads sending fresh bodies, one connection per request."""
    lock = threading.Lock()
    totals = {"requests": 0, "errors": 0, "non2xx": 0, "sent": 0, "accepted": 0, "answers": 0}
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    count = events_per_request(shape)

    def worker() -> None:
        """Send requests until the deadline; merge the counts once at the end."""
        mine = dict.fromkeys(totals, 0)
        times: list[float] = []
        visitor = ""
        while time.monotonic() < deadline:
            if mine["sent"] % (VISIT_REQUESTS * count) == 0:
                visitor = uuid.uuid4().hex
            headers = {**request_headers(base), "Cookie": f"{cookie}; winlas_vid={visitor}"}
            mine["sent"] += count
            started = time.perf_counter()
            try:
                status, _headers, body = fetch(url, "POST", python_body(shape, base), headers)
            except (OSError, http.client.HTTPException):
                mine["errors"] += 1
                continue
            times.append((time.perf_counter() - started) * 1000)
            mine["requests"] += 1
            mine["non2xx"] += not 200 <= status < 300
            accepted = accepted_count(status, body)
            if accepted is not None:
                mine["accepted"] += accepted
                mine["answers"] += 1
        with lock:
            for key, value in mine.items():
                totals[key] += value
            latencies.extend(times)

    started = time.monotonic()
    pool = [threading.Thread(target=worker, daemon=True) for _ in range(CONNECTIONS)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    result = Result(
        rps=totals["requests"] / elapsed if elapsed > 0 else 0.0,
        requests=totals["requests"],
        errors=totals["errors"],
        non2xx=totals["non2xx"],
        p50_ms=latencies[len(latencies) // 2] if latencies else None,
        p99_ms=latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        if latencies
        else None,
        tool="python",
    )
    others = totals["requests"] - totals["answers"]
    return Load(result, totals["sent"], totals["accepted"], totals["answers"], others)


def check_load(name: str, shape: str, run: Load, label: str) -> None:
    """Fail unless every answer accepted all its events: refusals are cheap and inflate req/s."""
    if run.result.requests == 0:
        raise BenchError(f"{name} {shape} ({label}): no request completed")
    expected = run.accepted_answers * events_per_request(shape)
    if (
        run.other_answers
        or run.result.non2xx
        or run.accepted_answers != run.result.requests
        or run.accepted_events != expected
    ):
        raise BenchError(
            f"{name} {shape} ({label}): of {run.result.requests} answers"
            f" {run.accepted_answers} accepted {run.accepted_events} events (expected {expected});"
            f" {run.other_answers} were something else, {run.result.non2xx} had a failing status"
        )


def spool_lines(spool: Path) -> int:
    """Lines waiting in the real app's spool folder, in segments of every state."""
    total = 0
    for path in spool.glob("*") if spool.exists() else []:
        try:
            total += path.read_bytes().count(b"\n")
        except FileNotFoundError:
            continue  # a writer deleted it after storing it: nothing waits there any more
    return total


def wait_for_writer(spool: Path) -> tuple[int, float]:
    """Wait until the writer process stored every spooled line: (lines then, seconds)."""
    # otherwise their catch-up would run during the next measurement and slow down whichever
    # app is measured then, bare included
    started = time.monotonic()
    backlog = lines = spool_lines(spool)
    while lines:
        if time.monotonic() - started > WRITER_TIMEOUT:
            raise BenchError(f"the writers left {lines} spooled lines for {WRITER_TIMEOUT} s")
        time.sleep(0.1)
        lines = spool_lines(spool)
    return backlog, round(time.monotonic() - started, 2)


def wait_for_quiet(timeout: float = QUIET_TIMEOUT) -> None:
    """Wait until the processors are mostly idle (or ``timeout`` passed): what a database does
    after the writer's catch-up (PostgreSQL's autovacuum and checkpoints) must not run into
    the next measurement, whichever app it measures."""
    gauge = CpuGauge()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(QUIET_STEP)
        share = gauge.idle_share()
        if share is None or share >= QUIET_IDLE:
            return


def run_rounds(
    sites: Mapping[str, str], spool: Path, seconds: int, tool: str, cookie: str
) -> dict[str, list[Load]]:
    """Warm every target up, then measure them in alternation ROUNDS times; keep every run."""

    def run(app: str, shape: str, duration: int, label: str) -> Load:
        """Load one target, check every answer, and for ours let the writers catch up."""
        wait_for_quiet()
        done = load(tool, sites[app], shape, duration, cookie)
        check_load(app, shape, done, label)
        if app == "ours":
            backlog, drain = wait_for_writer(spool)
            done = replace(done, backlog_lines=backlog, drain_seconds=drain)
        return done

    runs: dict[str, list[Load]] = {f"{app}_{shape}": [] for shape in SHAPES for app in APPS}
    # the first requests pay for imports, the user agent cache and the first segment; the
    # warm-ups' events are counted in the loss check with every other accepted event
    runs["ours_warmup"] = []
    for shape in SHAPES:
        for app in APPS:
            warm = run(app, shape, WARMUP_SECONDS, "warm-up")
            if app == "ours":
                runs["ours_warmup"].append(warm)
    for round_number in range(1, ROUNDS + 1):
        for shape in SHAPES:
            for app in APPS:
                done = run(app, shape, seconds, f"round {round_number}")
                runs[f"{app}_{shape}"].append(done)
                per_request = events_per_request(shape)
                backlog = (
                    f"  writer backlog {done.backlog_lines} lines, stored in {done.drain_seconds} s"
                    if app == "ours"
                    else ""
                )
                print(
                    f"  round {round_number} {app:<4} {shape:<8}"
                    f" {done.result.rps:9.1f} req/s {done.result.rps * per_request:9.1f} events/s"
                    f"  errors {done.result.errors}{backlog}",
                    flush=True,
                )
    return runs


# --------------------------------------------------------------------- the app and its data


def app_env(instance: Path, database_url: str | None) -> dict[str, str]:
    """The real app's environment: defaults, the instance folder, a limit the load stays under."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in INHERITED_SETTINGS and not name.startswith(("WINLAS_", *ANALYTICS_PREFIXES))
    }
    env["WINLAS_INSTANCE_PATH"] = str(instance)
    env["ANALYTICS_RATE_LIMIT"] = RATE_LIMIT
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def winlas(env: Mapping[str, str], *args: str) -> str:
    """Run the console script (``.venv/bin/winlas`` under ``make bench``); return its stdout."""
    script = Path(sys.executable).parent / "winlas"
    if not script.exists():
        raise BenchError(f"{script} not found; run `make install` first")
    completed = subprocess.run(
        [str(script), *args], cwd=ROOT, env=dict(env), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise BenchError(
            f"`winlas {' '.join(args)}` failed ({completed.returncode}):\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed.stdout


@contextmanager
def writer_process(env: Mapping[str, str]) -> Iterator[None]:
    """``winlas analytics writer`` beside the servers, as in production: the web workers only
    spool (ANALYTICS_WRITE_MODE=process), this one process per machine stores. Stopped with
    SIGTERM after the servers, so it stores what their last segments held."""
    script = Path(sys.executable).parent / "winlas"
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(script), "analytics", "writer"],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=WRITER_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def stats(env: Mapping[str, str]) -> dict[str, int]:
    """``winlas analytics stats --json``: events, visits, dropped bots, lines in the spool."""
    return json.loads(winlas(env, "analytics", "stats", "--json"))


def clear_postgres(url: str) -> None:
    """Delete the event tables' rows so that the stored count is this run's alone."""
    database = connect(url)
    with database.connection_context(), database.atomic():
        for statement in CLEAR_POSTGRES:
            database.execute_sql(statement)


def consent_cookie(site: str) -> str:
    """Accept all categories on the banner like a visitor; return the consent cookie pair."""
    parts = urlsplit(site)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request(
            "POST",
            "/samtycke",
            body=urlencode({"action": "accept_all"}),
            headers={
                "Origin": site,
                "User-Agent": CHROME_UA,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = conn.getresponse()
        response.read()
        cookies = response.msg.get_all("Set-Cookie") or []
    finally:
        conn.close()
    for cookie in cookies:
        pair = cookie.split(";", 1)[0]
        if pair.startswith("winlas_consent="):
            return pair
    raise BenchError(f"POST {site}/samtycke answered {response.status} without a consent cookie")


def check_collect(base: str, cookie: str) -> None:
    """One request as the load sends them must be accepted: not dropped as a bot, not refused."""
    headers = {**request_headers(base), "Cookie": cookie}
    status, _headers, body = fetch(
        base + "/api/collect", "POST", python_body("single", base), headers
    )
    if status != 202 or accepted_count(status, body) != 1:
        raise BenchError(
            f"{base}/api/collect answered {status} {body[:80]!r}; expected 202 {{'accepted': 1}}"
        )


# ------------------------------------------------------------------------------ one suite


def run_suite(database: str, database_url: str | None, seconds: int, tool: str) -> dict[str, Any]:
    """Measure bare and ours on one database, then count what was stored against what was sent."""
    with tempfile.TemporaryDirectory(prefix="winlas-ingest-") as scratch:
        instance = Path(scratch)
        env = app_env(instance, database_url)
        print(f"[{database}] preparing the database (instance folder {instance})", flush=True)
        winlas(env, "migrate")
        if database_url:
            clear_postgres(database_url)
        with ExitStack() as servers:
            # entered first, left last: it stores what the servers spooled on their way out
            servers.enter_context(writer_process(env))
            ours = servers.enter_context(serve("wsgi:app", env, ROOT))
            # the same environment for both: only the app differs
            bare = servers.enter_context(serve("bare_ingest_app:app", env, BENCH_DIR))
            cookie = consent_cookie(ours)
            check_collect(bare, cookie)
            check_collect(ours, cookie)
            print(f"[{database}] measuring {bare} and {ours} ({seconds} s each, best of {ROUNDS})")
            spool = instance / "analytics-spool"
            runs = run_rounds({"bare": bare, "ours": ours}, spool, seconds, tool, cookie)
        # the servers are stopped: every worker flushed its spool on the way out (or left it
        # for replay when it was killed), and the replay stores whatever is left
        replayed = int(re.search(r"\d+", winlas(env, "analytics", "replay")).group())
        final = stats(env)
    return summarise_suite(database, runs, replayed, final, seconds)


def in_flight(name: str, run: Load) -> int:
    """Requests of a run that got no answer before the load generator stopped."""
    sent = run.sent_events // events_per_request(name.split("_")[1])
    return sent - run.accepted_answers - run.other_answers


def summarise_suite(
    database: str,
    runs: dict[str, list[Load]],
    replayed: int,
    final: dict[str, int],
    seconds: int,
) -> dict[str, Any]:
    """Best-of figures, ratios and the event accounting of one suite as a JSON-ready dict."""
    best = {name: max(run.result.rps for run in loads) for name, loads in runs.items()}
    ours_runs = [run for name, loads in runs.items() if name.startswith("ours") for run in loads]
    # the measured runs (the warm-ups are not named by their shape)
    measured = [
        (name, run) for name, loads in runs.items() if name.split("_")[1] in SHAPES for run in loads
    ]
    bare_in_flight = {
        shape: max(in_flight(f"bare_{shape}", run) for run in runs[f"bare_{shape}"])
        for shape in SHAPES
    }
    # the check request before the load carried one accepted event too
    accepted = 1 + sum(run.accepted_events for run in ours_runs)
    sent = 1 + sum(run.sent_events for run in ours_runs)
    stored = final["events"]
    if stored > sent:
        raise BenchError(
            f"[{database}] {stored} events stored but only {sent} sent: the database was not "
            "empty, or ids were not fresh"
        )
    targets = [f"{app}_{shape}" for shape in SHAPES for app in APPS]
    return {
        "database": database,
        "rps": {name: round(best[name], 1) for name in targets},
        "events_per_s": {
            name: round(best[name] * events_per_request(name.split("_")[1]), 1) for name in targets
        },
        "ratio": round(best["ours_single"] / best["bare_single"], 3),
        "ratio_batched": round(best["ours_batched"] / best["bare_batched"], 3),
        "events_sent": sent,
        "events_accepted": accepted,
        "events_stored": stored,
        "events_lost": max(0, accepted - stored),
        # sent but never answered: in flight when the load generator stopped, or a socket error
        "events_unanswered": sent - accepted,
        "events_stored_unanswered": max(0, stored - accepted),
        # wrk keeps one request outstanding per connection and abandons them at its deadline,
        # and each of its threads may build one more as it stops: against bare Flask as much
        # as against ours (16-18 a run with 16 connections and 2 threads). What counts is what
        # ours leaves unanswered beyond that bound (a server that dropped or stalled requests
        # would leave hundreds); bare's own figure is kept beside it
        "requests_in_flight_at_stop": sum(in_flight(name, run) for name, run in measured),
        "bare_requests_in_flight_at_stop": sum(bare_in_flight.values()),
        "requests_unanswered_beyond_stop": sum(
            max(0, in_flight(name, run) - (CONNECTIONS + THREADS))
            for name, run in measured
            if name.startswith("ours")
        ),
        # the measured runs of ours: how far the writers fell behind the requests
        "writer_backlog_lines_max": max(
            run.backlog_lines or 0 for shape in SHAPES for run in runs[f"ours_{shape}"]
        ),
        "writer_drain_seconds_max": max(
            run.drain_seconds or 0.0 for shape in SHAPES for run in runs[f"ours_{shape}"]
        ),
        # what the machine keeps up with when the load does not stop: the events of a run of
        # ours over the run and the writer's catch-up after it (the writer waits while the
        # processors are busy, ANALYTICS_WRITER_MAX_LAG), against bare's events per second
        "sustained_ratio": {
            shape: round(
                max(
                    run.accepted_events / (seconds + (run.drain_seconds or 0.0))
                    for run in runs[f"ours_{shape}"]
                )
                / (best[f"bare_{shape}"] * events_per_request(shape)),
                3,
            )
            for shape in SHAPES
        },
        "events_replayed": replayed,
        "spooled_lines_after_replay": final["spooled_lines"],
        "visits": final["visits"],
        "dropped_bots": final["dropped_bots"],
        "errors": sum(run.result.errors for loads in runs.values() for run in loads),
        "runs": {name: [run.as_dict() for run in loads] for name, loads in runs.items()},
    }


# --------------------------------------------------------------------------------- output


def flat_figures(suite: dict[str, Any], suffix: str) -> dict[str, float | int]:
    """The ``name value`` figures of one suite, with ``suffix`` after each name."""
    return {
        f"ingest_events_per_s{suffix}": suite["events_per_s"]["ours_batched"],
        f"ingest_ratio{suffix}": suite["ratio"],
        f"ingest_ratio_batched{suffix}": suite["ratio_batched"],
        f"ingest_lost{suffix}": suite["events_lost"],
        f"ingest_unanswered{suffix}": suite["requests_unanswered_beyond_stop"],
        f"ingest_sustained_ratio{suffix}": suite["sustained_ratio"]["single"],
        f"ingest_sustained_ratio_batched{suffix}": suite["sustained_ratio"]["batched"],
    }


def _ms(value: float | None) -> str:
    """Format a latency for the table."""
    return "-" if value is None else f"{value:.1f}"


def print_table(suites: list[dict[str, Any]]) -> None:
    """The human table: best run per target, then ratios and the event accounting."""
    print()
    header = (
        f"{'database':<10} {'app':<5} {'payload':<8} {'best req/s':>10} {'events/s':>9}"
        f" {'p50 ms':>7} {'p99 ms':>7} {'err':>4}"
    )
    print(header)
    print("-" * len(header))
    for suite in suites:
        for shape in SHAPES:
            for app in APPS:
                name = f"{app}_{shape}"
                best = max(suite["runs"][name], key=lambda run: run["rps"])
                errors = sum(run["errors"] for run in suite["runs"][name])
                print(
                    f"{suite['database']:<10} {app:<5} {shape:<8} {best['rps']:>10.1f}"
                    f" {suite['events_per_s'][name]:>9.1f} {_ms(best['p50_ms']):>7}"
                    f" {_ms(best['p99_ms']):>7} {errors:>4}"
                )
    for suite in suites:
        print(
            f"[{suite['database']}] ingest_ratio = ours / bare, single event ="
            f" {suite['ratio']:.3f}; batched = {suite['ratio_batched']:.3f}"
        )
        print(
            f"[{suite['database']}] events: sent {suite['events_sent']},"
            f" accepted {suite['events_accepted']}, stored {suite['events_stored']},"
            f" lost {suite['events_lost']} (unanswered {suite['events_unanswered']},"
            f" of which stored {suite['events_stored_unanswered']}; requests in flight when wrk"
            f" stopped, bare and ours: {suite['requests_in_flight_at_stop']}; ours unanswered"
            f" beyond one a connection and one a wrk thread:"
            f" {suite['requests_unanswered_beyond_stop']})"
        )
        print(
            f"[{suite['database']}] writer backlog at the end of a run: up to"
            f" {suite['writer_backlog_lines_max']} spooled lines, stored within"
            f" {suite['writer_drain_seconds_max']} s; stored by the replay after stopping:"
            f" {suite['events_replayed']} events"
        )
        print(
            f"[{suite['database']}] sustained (a run and the writer's catch-up after it, against"
            f" bare): single {suite['sustained_ratio']['single']},"
            f" batched {suite['sustained_ratio']['batched']}"
        )
        if suite["errors"]:
            print(f"[{suite['database']}] warning: {suite['errors']} socket errors during the runs")


def _interrupt(signum: int, _frame: FrameType | None) -> None:
    """Turn SIGTERM into KeyboardInterrupt so the servers are stopped on the way out."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    """Run the benchmark; return the process exit status."""
    signal.signal(signal.SIGTERM, _interrupt)
    postgres_url = os.environ.get("BENCH_POSTGRES_URL") or None
    try:
        tool = generator()
        print(f"load generator: {tool}", flush=True)
        seconds = seconds_from_env()
        suites = [run_suite("sqlite", None, seconds, tool)]
        if postgres_url:
            suites.append(run_suite("postgresql", postgres_url, seconds, tool))
    except (BenchError, RuntimeError) as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench interrupted; servers stopped", file=sys.stderr)
        return 130
    figures = flat_figures(suites[0], "")
    figures["tracker_js_gzip_bytes"] = gzip_bytes(ROOT / "analytics" / "static" / "track.js")
    if len(suites) > 1:
        figures.update(flat_figures(suites[1], "_postgres"))
    print_table(suites)
    print()
    for name, value in figures.items():
        print(f"{name} {value:.3f}" if "ratio" in name else f"{name} {value:.0f}")
    summary = {
        **figures,
        "suites": {suite["database"]: suite for suite in suites},
        "settings": {
            "seconds": seconds,
            "warmup_seconds": WARMUP_SECONDS,
            "rounds": ROUNDS,
            "tool": tool,
            "threads": THREADS,
            "connections": CONNECTIONS,
            "workers": WORKERS,
            "worker_class": WORKER_CLASS,
            "rate_limit": RATE_LIMIT,
            "visit_requests": VISIT_REQUESTS,
            "events_per_request": {shape: events_per_request(shape) for shape in SHAPES},
        },
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"\nwritten {RESULTS.relative_to(ROOT)}")
    lost = [name for name, value in figures.items() if name.startswith("ingest_lost") and value]
    if lost:
        print(f"bench failed: events were lost ({', '.join(lost)})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
