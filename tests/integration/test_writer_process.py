"""The writer process (``winlas analytics writer``, ANALYTICS_WRITE_MODE=process), run for real
beside the app on SQLite and PostgreSQL: the workers only spool; a writer killed with -9 mid-load
loses nothing acknowledged once another starts; SIGTERM stops one cleanly.

The writers are real subprocesses of the console script, configured only by the environment
(the instance folder, hence the spool, and DATABASE_URL), like beside gunicorn. The waits below
poll for an outcome with a generous deadline; none measures how fast anything is.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import peewee
import psycopg2
import pytest

from analytics.models import ERASURE_LOCK, Event
from analytics.spool import Spool
from analytics.state import _Writer
from tests.conftest import POSTGRES_URL
from winlas_site import create_app

WINLAS = str(Path(sys.executable).with_name("winlas"))
ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
# how long to wait for an outcome before failing: generous, the cores are shared
PATIENCE = 120.0
FLUSH_SECONDS = 0.1


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "ANALYTICS_WRITE_MODE": "process",
        "ANALYTICS_FLUSH_SECONDS": FLUSH_SECONDS,
        # a load of one test client from one address, not a flood to limit
        "ANALYTICS_RATE_LIMIT": "100000 per minute",
    }


def database_url(database: peewee.Database) -> str:
    """The URL a subprocess needs for the test's database (PostgreSQL: its schema too)."""
    if isinstance(database, peewee.SqliteDatabase):
        return f"sqlite:///{database.database}"
    options = quote(database.connect_params["options"])
    return f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options={options}"


def environment(app, database: peewee.Database, **settings: str) -> dict[str, str]:
    """What a process of the site on this machine is configured by (gunicorn's, say)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WINLAS_", "ANALYTICS_"))}
    env.update(
        WINLAS_INSTANCE_PATH=app.instance_path,
        DATABASE_URL=database_url(database),
        SECRET_KEY=app.config["SECRET_KEY"],  # the tombstones' key: the site's own
        ANALYTICS_FLUSH_SECONDS=str(FLUSH_SECONDS),
        # the test processes keep the processors busy: a writer that waited for a quieter
        # moment would wait its whole lag every time (the wait has tests of its own below)
        ANALYTICS_WRITER_MAX_LAG="0",
        WINLAS_HUEY_IMMEDIATE="1",
        **settings,
    )
    return env


def winlas(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(  # noqa: S603 - our own console script
        [WINLAS, *args], env=env, capture_output=True, text=True, timeout=PATIENCE
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


class Writer:
    """``winlas analytics writer`` as a subprocess, its log in a file."""

    def __init__(self, app, database: peewee.Database, log: Path, **settings: str):
        env = environment(app, database, **settings)
        self.log = log
        with open(log, "ab") as output:
            self.process = subprocess.Popen(  # noqa: S603 - our own console script
                [WINLAS, "analytics", "writer"], env=env, stdout=output, stderr=output
            )
        self.pid = self.process.pid
        self.spool = Spool(Path(app.instance_path) / "analytics-spool")
        wait_until(
            lambda: (
                self.spool.writer_status()["pid"] == self.pid
                and self.spool.writer_status()["running"]
            ),
            "the writer's first heartbeat",
            self,
        )

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no handler, no cleanup
        self.process.wait(PATIENCE)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(PATIENCE)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_until(done: Callable[[], bool], what: str, writer: Writer | None = None) -> None:
    deadline = time.monotonic() + PATIENCE
    while not done():
        if writer is not None and writer.process.poll() is not None:
            pytest.fail(f"the writer exited ({writer.process.returncode}):\n{writer.output()}")
        if time.monotonic() > deadline:
            log = writer.output() if writer is not None else ""
            pytest.fail(f"gave up waiting for {what}\n{log}")
        time.sleep(0.02)


@contextlib.contextmanager
def cleanup(writers: list[Writer]) -> Iterator[None]:
    """Kill what a failing test left running: a writer must not outlive its test."""
    try:
        yield
    finally:
        for writer in writers:
            if writer.process.poll() is None:
                writer.kill()


@contextlib.contextmanager
def writes_blocked(database: peewee.Database) -> Iterator[None]:
    """Hold what a writer's transaction waits for: SQLite's write lock, or PostgreSQL's
    erasure lock (exclusively, as an erasure does). Reads go on."""
    if isinstance(database, peewee.SqliteDatabase):
        holder = sqlite3.connect(database.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
    else:
        holder = psycopg2.connect(POSTGRES_URL, options=database.connect_params["options"])
        holder.cursor().execute("SELECT pg_advisory_xact_lock(%s)", (ERASURE_LOCK,))
    try:
        yield
    finally:
        holder.rollback()
        holder.close()


def consent(client) -> None:
    response = client.post("/samtycke", data={"action": "accept_all"}, headers=ORIGIN)
    assert response.status_code in (200, 302, 303)


def send_load(client, requests: int, acknowledged: set[str]) -> None:
    """``requests`` collect requests of one to three events; the ids of the acknowledged ones
    (a 202 accepting every event) join ``acknowledged``."""
    for number in range(requests):
        events = [
            {
                "type": "pageview",
                "url": f"http://localhost/produkter/p{number % 7}",
                "id": str(uuid.uuid4()),
                "ts": int(time.time() * 1000),
            }
            for _ in range(1 + number % 3)
        ]
        response = client.post(
            "/api/collect",
            data=json.dumps({"events": events}),
            content_type="application/json",
            headers={**ORIGIN, "User-Agent": CHROME},
            environ_base={"REMOTE_ADDR": "192.0.2.10"},
        )
        assert response.status_code == 202, response.get_data(as_text=True)
        assert response.json == {"accepted": len(events)}
        acknowledged.update(event["id"] for event in events)


def stored_ids(app) -> list[str]:
    with app.app_context():
        return [event_id for (event_id,) in Event.select(Event.event_id).tuples()]


def segments(app, pattern: str) -> list[Path]:
    return sorted(app.extensions["analytics"].spool.folder.glob(pattern))


def test_a_writer_killed_mid_load_loses_nothing_acknowledged(app, client, database, tmp_path):
    state = app.extensions["analytics"]
    log = tmp_path / "writers.log"
    acknowledged: set[str] = set()
    writers: list[Writer] = []
    consent(client)
    with cleanup(writers):
        writers.append(first := Writer(app, database, log))
        send_load(client, 60, acknowledged)
        wait_until(lambda: len(stored_ids(app)) > 0, "the first writer to store", first)
        send_load(client, 60, acknowledged)  # while it stores
        first.kill()
        send_load(client, 40, acknowledged)  # no writer: still acknowledged, spooled

        writers.append(second := Writer(app, database, log))
        with writes_blocked(database):
            # the writer claims a segment and waits for the database: killed mid-segment
            send_load(client, 20, acknowledged)
            wait_until(lambda: segments(app, f"*.work-{second.pid}"), "a claimed segment", second)
            second.kill()
        held = segments(app, f"*.work-{second.pid}")
        assert held, "the killed writer's segment stays on disk"
        send_load(client, 20, acknowledged)

        writers.append(third := Writer(app, database, log))
        wait_until(lambda: state.spool.pending_lines() == 0, "an empty spool", third)
        ids = stored_ids(app)
        # every acknowledged event stored, once: none lost, none twice, nothing invented
        assert len(ids) == len(acknowledged)
        assert set(ids) == acknowledged
        assert not any(path.exists() for path in held)
        assert third.terminate() == 0
    assert "segments of dead processes included" in third.output()


def test_sigterm_finishes_the_segment_in_hand_and_leaves_nothing_claimed(
    app, client, database, tmp_path
):
    state = app.extensions["analytics"]
    acknowledged: set[str] = set()
    writers: list[Writer] = []
    consent(client)
    with cleanup(writers):
        writers.append(writer := Writer(app, database, tmp_path / "writer.log"))
        figures = json.loads(
            app.test_cli_runner().invoke(args=["analytics", "stats", "--json"]).output
        )
        assert figures["write_mode"] == "process"
        assert figures["writer_running"] is True and figures["writer_pid"] == writer.pid
        with writes_blocked(database):
            send_load(client, 10, acknowledged)
            wait_until(lambda: segments(app, f"*.work-{writer.pid}"), "a claimed segment", writer)
            in_hand = {
                event["id"]
                for path in segments(app, f"*.work-{writer.pid}")
                for line in path.read_text().splitlines()
                for event in json.loads(line).get("events", [])
            }
            writer.process.send_signal(signal.SIGTERM)
            # the signal only sets a flag: the writer still waits inside its transaction
            assert writer.process.poll() is None
        assert writer.process.wait(PATIENCE) == 0
        assert segments(app, "*.work-*") == []
        stored = set(stored_ids(app))
        assert in_hand and in_hand <= stored  # the segment in hand was finished, not dropped
        status = state.spool.writer_status()
        assert status["running"] is False and status["pid"] == writer.pid
        figures = json.loads(
            app.test_cli_runner().invoke(args=["analytics", "stats", "--json"]).output
        )
        assert figures["writer_running"] is False and figures["writer_pid"] is None
        # what it had not taken yet waits, whole, for the next writer
        state.flush()
        assert set(stored_ids(app)) == acknowledged
    assert "stopped" in writer.output()


def test_a_worker_in_process_mode_never_touches_the_database_for_analytics(
    app, client, database, tmp_path
):
    state = app.extensions["analytics"]
    acknowledged: set[str] = set()
    consent(client)
    # from here on the pool must stay empty: no connection is opened, by any thread
    database.close_all()
    send_load(client, 15, acknowledged)
    assert len(database._connections) == 0 and len(database._in_use) == 0
    # the idle tail is closed by the worker's timer, with no further request
    wait_until(lambda: not segments(app, f"{os.getpid()}-*.open"), "the idle segment closed")
    assert segments(app, f"{os.getpid()}-*.ready")
    assert state.spool.pending_lines() == 15
    assert len(database._connections) == 0 and len(database._in_use) == 0
    assert stored_ids(app) == []  # acknowledged, spooled, not stored: no writer runs
    writers: list[Writer] = []
    with cleanup(writers):
        writers.append(writer := Writer(app, database, tmp_path / "writer.log"))
        wait_until(lambda: state.spool.pending_lines() == 0, "an empty spool", writer)
        assert set(stored_ids(app)) == acknowledged
        assert writer.terminate() == 0


def test_two_writers_at_once_store_each_event_once(app, client, database, tmp_path):
    state = app.extensions["analytics"]
    acknowledged: set[str] = set()
    writers: list[Writer] = []
    consent(client)
    with cleanup(writers):
        writers.append(Writer(app, database, tmp_path / "one.log"))
        writers.append(Writer(app, database, tmp_path / "two.log"))
        send_load(client, 80, acknowledged)
        wait_until(lambda: state.spool.pending_lines() == 0, "an empty spool", writers[1])
        ids = stored_ids(app)
        assert len(ids) == len(acknowledged) and set(ids) == acknowledged
        assert [writer.terminate() for writer in writers] == [0, 0]
    assert "another analytics writer" in writers[1].output()


def test_the_writer_process_stores_into_chdb(app, client, database, tmp_path):
    # chDB is opened by one process: here the writer, then (once it stopped) the stats
    pytest.importorskip("chdb")
    store = {"ANALYTICS_STORE": f"chdb://{tmp_path / 'chdb'}"}
    env = environment(app, database, **store)
    winlas(env, "migrate")  # the ClickHouse tables
    state = app.extensions["analytics"]
    acknowledged: set[str] = set()
    consent(client)
    send_load(client, 20, acknowledged)
    writers: list[Writer] = []
    with cleanup(writers):
        writers.append(writer := Writer(app, database, tmp_path / "writer.log", **store))
        wait_until(lambda: state.spool.pending_lines() == 0, "an empty spool", writer)
        assert writer.terminate() == 0
    assert "chDB" in writer.output()  # the warning: the site's workers cannot read it now
    figures = json.loads(winlas(env, "analytics", "stats", "--json"))
    assert figures["events"] == len(acknowledged) and figures["visitors"] == 1
    assert stored_ids(app) == []  # in ClickHouse, not in the site's database


# --- the spool's part: segments close by age -----------------------------------------------


def test_an_append_closes_a_segment_older_than_max_age(tmp_path):
    young = Spool(tmp_path / "young", max_age=3600)
    young.append("{}")
    young.append("{}")
    assert [p.suffix for p in (tmp_path / "young").iterdir()] == [".open"]
    young.close()
    old = Spool(tmp_path / "old", max_age=0)
    old.append("{}")
    old.append("{}")
    assert sorted(p.suffix for p in (tmp_path / "old").iterdir()) == [".ready", ".ready"]


def test_rotate_older_than_leaves_a_young_segment_open(tmp_path):
    spool = Spool(tmp_path)
    spool.append("{}")
    spool.rotate(older_than=3600)
    assert [p.suffix for p in tmp_path.iterdir()] == [".open"]
    spool.rotate(older_than=1e-9)
    assert [p.suffix for p in tmp_path.iterdir()] == [".ready"]


def test_release_gives_back_only_this_process_s_claims(tmp_path):
    spool = Spool(tmp_path)
    spool.append("{}")
    spool.rotate()
    [mine] = spool.claim()
    other = tmp_path / "1-2.work-1"  # pid 1 lives: not ours to give back
    other.write_text("{}\n")
    assert spool.release() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name.split(".")[0] + ".ready", other.name]
    )


def test_a_heartbeat_is_believed_only_from_a_live_process_within_its_stale_time(tmp_path):
    spool = Spool(tmp_path)
    assert spool.writer_status()["running"] is False  # none yet
    now = time.time()
    beat = {"pid": os.getpid(), "beat_at": now, "drained_at": now - 2, "stale": 30}
    spool.beat(beat)
    status = spool.writer_status(now=now)
    assert status["running"] is True and status["pid"] == os.getpid()
    assert status["seconds_since_drain"] == 2
    assert spool.writer_status(now=now + 31)["running"] is False  # stale
    spool.beat({**beat, "stopped_at": now})
    assert spool.writer_status(now=now)["running"] is False  # stopped cleanly
    spool.beat({**beat, "pid": 2**22 + 7})
    assert spool.writer_status(now=now)["running"] is False  # its process is gone
    spool.heartbeat_path.write_text("{not json")
    assert spool.writer_status(now=now)["running"] is False
    assert [p.name for p in tmp_path.iterdir()] == ["writer.json"]  # no temporary file left


def test_an_unknown_write_mode_stops_the_app(app_config):
    with pytest.raises(ValueError, match="ANALYTICS_WRITE_MODE"):
        create_app({**app_config, "ANALYTICS_WRITE_MODE": "later"})


def niceness(pid: int) -> int:
    # field 19 of /proc/<pid>/stat; the command name before it may hold spaces
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.mark.parametrize("setting,expected", [(None, 10), ("19", 19), ("0", 0)])
def test_the_writer_runs_below_the_web_workers_cpu_priority(
    app, database, tmp_path, setting, expected
):
    # the web workers are served first under load; what waits is already durable in the spool
    settings = {} if setting is None else {"ANALYTICS_WRITER_NICE": setting}
    writers: list[Writer] = []
    with cleanup(writers):
        writers.append(Writer(app, database, tmp_path / "writer.log", **settings))
        assert niceness(writers[0].pid) == max(expected, os.nice(0))
        assert writers[0].terminate() == 0


def test_a_niceness_out_of_range_stops_the_writer_with_the_setting_named(app, database, tmp_path):
    env = environment(app, database, ANALYTICS_WRITER_NICE="20")
    completed = subprocess.run(  # noqa: S603 - our own console script
        [WINLAS, "analytics", "writer"], env=env, capture_output=True, text=True, timeout=PATIENCE
    )
    assert completed.returncode != 0
    # refused at start like every other setting out of its range (a ValueError naming it)
    assert "ANALYTICS_WRITER_NICE: '20' is not between 0 and 19" in completed.stderr


class Gauge:
    """A CpuGauge whose answer the test sets."""

    def __init__(self, busy: bool):
        self.answer = busy

    def busy(self) -> bool:
        return self.answer


@pytest.mark.parametrize(
    "busy,lag,waited_seconds,defers",
    [
        (True, 30.0, 1.0, True),  # busy, and the oldest segment is young: wait
        (True, 30.0, 31.0, False),  # busy, but a segment waited the whole lag: store
        (False, 30.0, 1.0, False),  # idle processors: store at once
        (True, 0.0, 1.0, False),  # ANALYTICS_WRITER_MAX_LAG=0: never wait
    ],
)
def test_the_writer_waits_for_idle_processors_only_up_to_its_lag(
    app, tmp_path, busy, lag, waited_seconds, defers
):
    state = app.extensions["analytics"]
    state.spool.folder.mkdir(parents=True, exist_ok=True)
    segment = state.spool.folder / "123-1.ready"
    segment.write_text("{}\n")
    moment = time.time() - waited_seconds
    os.utime(segment, (moment, moment))
    writer = _Writer(state, threading.Event())
    writer.gauge = Gauge(busy)
    state.writer_max_lag = lag
    assert writer.defer() is defers
