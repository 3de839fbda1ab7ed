"""The login throttle on Redis, the store production uses with several workers."""

import os

import pytest

from tests.conftest import AuthActions
from winlas_site import create_app

REDIS_URL = os.environ.get("WINLAS_TEST_REDIS_URL", "")
REQUIRE_REDIS = os.environ.get("WINLAS_REQUIRE_REDIS") == "1"


@pytest.fixture
def redis_url():
    if not REDIS_URL:
        if REQUIRE_REDIS:
            pytest.fail("WINLAS_REQUIRE_REDIS=1 but WINLAS_TEST_REDIS_URL is not set")
        pytest.skip("WINLAS_TEST_REDIS_URL is not set")
    import redis

    try:
        # the test database (15 in CI) belongs to the tests: start from empty counters.
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is unreachable: {exc}", pytrace=False)
    return REDIS_URL


def test_the_login_throttle_counts_in_redis_across_app_instances(
    app_config, create_user, redis_url
):
    # two apps stand for two gunicorn workers: the count is shared through Redis.
    config = {**app_config, "RATELIMIT_STORAGE_URI": redis_url}
    first, second = create_app(config), create_app(config)
    create_user()
    statuses = []
    for i in range(12):
        app = first if i % 2 else second
        statuses.append(AuthActions(app.test_client()).login(password="fel").status_code)
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
