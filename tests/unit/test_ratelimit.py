"""The collect endpoint's limit: counted per process, shared in steps (winlas_site/ratelimit.py).

Two SteppedLimit objects on one store stand for two worker processes sharing Redis."""

import os

import pytest
from limits import parse
from limits.storage import MemoryStorage, RedisStorage, Storage

from winlas_site.ratelimit import SteppedLimit


def stores() -> list:
    found = [pytest.param(MemoryStorage, id="memory")]
    url = os.environ.get("WINLAS_TEST_REDIS_URL")
    if url:
        found.append(pytest.param(lambda: RedisStorage(url), id="redis"))
    return found


@pytest.fixture(params=stores())
def storage(request) -> Storage:
    store = request.param()
    store.reset()
    yield store
    store.reset()


def test_a_small_limit_is_shared_at_every_request(storage):
    one, two = (SteppedLimit(storage, parse("3 per minute"), "collect") for _ in range(2))
    assert one.step == 1
    answers = [one.hit("192.0.2.1"), two.hit("192.0.2.1"), one.hit("192.0.2.1")]
    assert answers == [True, True, True]
    # the fourth request is refused whichever process takes it
    assert not two.hit("192.0.2.1") and not one.hit("192.0.2.1")
    # another client has a window of its own
    assert one.hit("192.0.2.2")


def test_a_large_limit_overshoots_by_at_most_one_step_per_process(storage):
    limit = parse("200 per minute")
    workers = [SteppedLimit(storage, limit, "collect") for _ in range(3)]
    assert workers[0].step == 10
    allowed = 0
    for n in range(600):
        allowed += workers[n % 3].hit("198.51.100.7")
    assert limit.amount <= allowed <= limit.amount + 3 * workers[0].step
    # the shared store saw every request that was shared (all but the unshared remainders)
    shared = storage.get(limit.key_for("collect", "198.51.100.7"))
    assert 600 - 3 * workers[0].step <= shared <= 600


def test_one_process_alone_never_exceeds_the_limit(storage):
    limit = parse("150 per minute")
    alone = SteppedLimit(storage, limit, "collect")
    assert sum(alone.hit("203.0.113.9") for _ in range(400)) == limit.amount


def test_the_client_table_stays_bounded(storage, monkeypatch):
    monkeypatch.setattr("winlas_site.ratelimit.MAX_CLIENTS", 50)
    limit = SteppedLimit(storage, parse("1000 per minute"), "collect")
    for n in range(200):
        limit.hit(f"10.0.0.{n}")
    # entries of the current window are kept: the table only sheds past windows, so the bound
    # is checked by moving the clock one window on
    monkeypatch.setattr("winlas_site.ratelimit.time.time", lambda: 10**10)
    limit.hit("10.1.0.1")
    assert len(limit.clients) <= 50
