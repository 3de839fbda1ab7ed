"""The request counter on its own: a dict under a lock, written in batches, losing nothing.

Each test gets a SQLite file with only the ``page_request_count`` table; the counter writes to
the database it was given, whatever the model's global binding says.
"""

from __future__ import annotations

import datetime
import sqlite3
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import db as analytics_db
from analytics.enrich import scrub_url
from analytics.request_models import PageRequestCount
from analytics.requestcount import RequestCounter, page_path
from tests.conftest import POSTGRES_URL
from winlas_site import db

PATHS = ("/", "/produkter", "/om-oss", "/utbildningar/biblioteksvetenskap", "/nyheter")


@pytest.fixture
def database(tmp_path):
    database = db.make_database(f"sqlite:///{tmp_path / 'counts.db'}")
    with database.bind_ctx([PageRequestCount]):
        database.create_tables([PageRequestCount])
        yield database
    database.close_all()


def stored(database) -> dict[str, int]:
    with database.bind_ctx([PageRequestCount]), database.connection_context():
        found: dict[str, int] = {}
        for row in PageRequestCount.select():
            found[row.path] = found.get(row.path, 0) + row.count
        return found


def wait_for(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_table_has_a_day_a_path_a_count_and_nothing_else():
    assert [field.name for field in PageRequestCount._meta.sorted_fields] == [
        "id",
        "day",
        "path",
        "count",
    ]
    assert not hasattr(PageRequestCount, "PERSONAL_DATA")


def test_counts_wait_in_memory_until_a_batch_is_full(database):
    counter = RequestCounter(database, threads=False, flush_requests=3)
    counter.add("/")
    counter.add("/om-oss")
    assert stored(database) == {} and counter.pending() == 2
    counter.add("/")  # the third: the batch is written, by the request itself (inline)
    assert stored(database) == {"/": 2, "/om-oss": 1} and counter.pending() == 0
    counter.add("/")
    assert stored(database) == {"/": 2, "/om-oss": 1}
    assert counter.flush() == 1
    assert stored(database) == {"/": 3, "/om-oss": 1}
    assert counter.flush() == 0  # nothing waits: nothing is written


def test_a_timer_writes_a_batch_within_the_flush_interval(database):
    counter = RequestCounter(database, flush_seconds=0.05, flush_requests=1000)
    counter.add("/")
    counter.add("/")
    assert counter.pending() == 2
    wait_for(lambda: stored(database) == {"/": 2})
    assert counter.pending() == 0
    counter.add("/nyheter")  # a new timer for the next batch
    wait_for(lambda: stored(database) == {"/": 2, "/nyheter": 1})


def test_a_full_batch_is_written_by_a_thread_of_its_own(database):
    counter = RequestCounter(database, flush_seconds=3600, flush_requests=10)
    for _ in range(10):
        counter.add("/produkter")
    assert counter.pending() == 0  # taken at once; the request did not wait for the write
    wait_for(lambda: stored(database) == {"/produkter": 10})


def test_concurrent_counting_loses_nothing(tmp_path):
    """Eight threads count at once while full batches are written (by the counting threads
    and by timers) into SQLite, whose writers queue on its lock.

    Each full batch starts a writer thread, and under load many wait at once: the counter's
    pool has a connection per counting thread and a writer waits for a free one (a pool that
    refuses instead made the test's own reads fail now and then: MaxConnectionsExceeded). The
    test reads through a connection of its own, outside that pool."""
    url = f"sqlite:///{tmp_path / 'counts.db'}"
    database = db.make_database(url, max_connections=8, timeout=60)
    reader = db.make_database(url, pool=False)
    with reader.bind_ctx([PageRequestCount]), reader.connection_context():
        reader.create_tables([PageRequestCount])
    counter = RequestCounter(database, flush_seconds=0.01, flush_requests=97)
    per_thread = 2000

    def count(offset: int) -> None:
        for n in range(per_thread):
            counter.add(PATHS[(n + offset) % len(PATHS)])

    threads = [threading.Thread(target=count, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counter.flush()
    # a deadline only for a failure: a loaded machine may take a while to write the last batch
    wait_for(lambda: sum(stored(reader).values()) == 8 * per_thread, seconds=60)
    assert stored(reader) == {path: 8 * per_thread // len(PATHS) for path in PATHS}
    assert counter.pending() == 0
    database.close_all()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.one_of(st.sampled_from(PATHS), st.just("flush")),
        max_size=60,
    ),
    batch=st.integers(min_value=1, max_value=7),
)
def test_whatever_the_flushes_the_stored_counts_are_the_requests(database, steps, batch):
    with database.bind_ctx([PageRequestCount]), database.connection_context():
        PageRequestCount.delete().execute()
    counter = RequestCounter(database, threads=False, flush_requests=batch)
    expected: dict[str, int] = {}
    for step in steps:
        if step == "flush":
            counter.flush()
        else:
            counter.add(step)
            expected[step] = expected.get(step, 0) + 1
        assert sum(stored(database).values()) + counter.pending() == sum(expected.values())
    counter.flush()
    assert stored(database) == expected


def test_counts_are_kept_per_utc_day(database, time_machine):
    counter = RequestCounter(database, threads=False)
    time_machine.move_to(
        datetime.datetime(2026, 3, 28, 23, 59, 59, tzinfo=datetime.UTC), tick=False
    )
    counter.add("/")
    # 00:30 in Stockholm is still the 28th in UTC... and 01:00:01 UTC is the 29th
    time_machine.move_to(datetime.datetime(2026, 3, 29, 1, 0, 1, tzinfo=datetime.UTC), tick=False)
    counter.add("/")
    counter.add("/")
    counter.flush()
    with database.bind_ctx([PageRequestCount]), database.connection_context():
        rows = sorted((row.day, row.count) for row in PageRequestCount.select())
    assert rows == [(datetime.date(2026, 3, 28), 1), (datetime.date(2026, 3, 29), 2)]


def test_a_refused_batch_is_kept_and_written_later(tmp_path):
    database = db.make_database(f"sqlite:///{tmp_path / 'empty.db'}")  # no table yet
    counter = RequestCounter(database, threads=False)
    counter.add("/")
    counter.add("/")
    assert counter.flush() == 0
    assert counter.pending() == 2
    with database.bind_ctx([PageRequestCount]), database.connection_context():
        database.create_tables([PageRequestCount])
    counter.add("/")
    assert counter.flush() == 3
    assert stored(database) == {"/": 3}
    database.close_all()


def test_a_forked_child_starts_empty(database):
    counter = RequestCounter(database, threads=False)
    counter.add("/")
    counter.reset_after_fork()  # what os.register_at_fork runs in a child
    assert counter.pending() == 0
    counter.add("/om-oss")
    counter.flush()
    assert stored(database) == {"/om-oss": 1}


@pytest.mark.parametrize(
    ("raw", "tracker_url"),
    [
        ("/produkter", "http://localhost/produkter"),
        ("/", "http://localhost/"),
        # a browser shows å as %C3%A5; WSGI hands the server its UTF-8 bytes as latin-1
        ("/nyheter/\xc3\xa5rets-nyheter", "http://localhost/nyheter/%C3%A5rets-nyheter"),
        ("/a%b", "http://localhost/a%25b"),
        ("/a?b", "http://localhost/a%3Fb"),
        ("/kundsidor/anna@exempel.se", "http://localhost/kundsidor/anna@exempel.se"),
        ("/reset/" + "x1Y2" * 10, "http://localhost/reset/" + "x1Y2" * 10),
        ("/" + "a" * 5000, "http://localhost/" + "a" * 5000),
    ],
)
def test_a_path_is_normalised_as_the_tracker_normalises_it(raw, tracker_url):
    path = page_path(raw)
    assert path == scrub_url(tracker_url)[0]
    assert len(path) <= 512 and "?" not in path and "@" not in path


def test_the_request_path_does_no_io(database, monkeypatch):
    """Counting a request touches neither the database nor a file: only a dict."""
    counter = RequestCounter(database, flush_seconds=3600, flush_requests=10_000)
    counter.add("/")  # schedules the one timer of this batch

    def refuse(*args, **kwargs):
        raise AssertionError("I/O on the request path")

    monkeypatch.setattr(PageRequestCount, "add", refuse)
    monkeypatch.setattr(database, "execute_sql", refuse)
    started = time.perf_counter()
    for _ in range(10_000 - 2):
        counter.add("/")
    elapsed = time.perf_counter() - started
    assert counter.pending() == 9_999
    assert elapsed < 1.0  # about a microsecond each
    monkeypatch.undo()
    counter.flush()
    assert stored(database) == {"/": 9_999}


@pytest.mark.parametrize("other", ["sqlite", "postgres"])
def test_a_batch_goes_to_the_counters_database_whatever_the_global_binding(tmp_path, other):
    """A batch is written by a thread of the app that counted it: the model's global binding
    (another test's PostgreSQL, a later app) must change neither where nor how it is written
    (peewee took RETURNING from the binding, and SQLite's commit then found the statement
    still open)."""
    if other == "postgres":
        if not POSTGRES_URL:
            pytest.skip("WINLAS_TEST_POSTGRES_URL is not set")
        elsewhere = db.make_database(POSTGRES_URL)
    else:
        elsewhere = db.make_database(f"sqlite:///{tmp_path / 'elsewhere.db'}")
    database = db.make_database(f"sqlite:///{tmp_path / 'counts.db'}")
    with database.bind_ctx([PageRequestCount]), database.connection_context():
        database.create_tables([PageRequestCount])
    before = analytics_db.database.obj
    analytics_db.database.initialize(elsewhere)  # the model's binding: not the counter's
    try:
        counter = RequestCounter(database, threads=False)
        for _ in range(2):
            counter.add("/")
            assert counter.flush() == 1
    finally:
        analytics_db.database.initialize(before)
        elsewhere.close_all()
    assert stored(database) == {"/": 2}
    database.close_all()


def test_a_burst_starts_one_batch_writer_at_a_time(database, tmp_path):
    """Full batches while the database is busy do not start a writer each (every one would
    hold a connection of the pool requests use): one writes, the rest wait for the next."""
    blocker = sqlite3.connect(tmp_path / "counts.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # the writer waits on SQLite's lock
    counter = RequestCounter(database, flush_seconds=3600, flush_requests=5)

    def writers() -> int:
        return sum(
            1
            for thread in threading.enumerate()
            if thread.name == "analytics-request-count" and not isinstance(thread, threading.Timer)
        )

    try:
        for _ in range(50):
            counter.add("/produkter")
        assert writers() == 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    wait_for(lambda: writers() == 0, seconds=30)
    counter.flush()
    assert stored(database) == {"/produkter": 50}
