"""The request count in a real browser (issue 16, part 6): a visitor who refused statistics is
counted per page, and the count leaves nothing in the browser and sends nothing from it."""

from __future__ import annotations

import pytest

import analytics
from analytics.request_models import PageRequestCount
from tests.e2e.conftest import open_page

pytestmark = pytest.mark.e2e

PATHS = ("/produkter", "/utbildningar", "/om-oss")


def counted(live_app) -> dict[str, int]:
    """Requests counted per path so far (the live app's counter written first)."""
    with live_app.app_context():
        analytics.flush_request_counts()
        found: dict[str, int] = {}
        for row in PageRequestCount.select():
            found[row.path] = found.get(row.path, 0) + row.count
        return found


def test_a_visitor_who_refused_statistics_is_counted_and_nothing_is_left_on_the_device(
    page, live_app
):
    before = counted(live_app)
    page.goto("/om-oss")
    page.get_by_role("button", name="Avvisa alla").click()  # answered in place or reloaded
    page.wait_for_load_state()
    storage_before = page.evaluate("[sessionStorage.length, localStorage.length]")
    cookies_before = sorted(cookie["name"] for cookie in page.context.cookies())
    for path in ("/produkter", "/utbildningar", "/produkter"):
        page.goto(path)
        page.wait_for_load_state()
    after = counted(live_app)
    gained = {path: after.get(path, 0) - before.get(path, 0) for path in PATHS}
    assert gained["/produkter"] == 2 and gained["/utbildningar"] == 1
    assert gained["/om-oss"] >= 1  # the first view (and a reload, if the banner reloads)
    # the count set nothing, stored nothing, and nothing was sent for it from the page
    assert sorted(cookie["name"] for cookie in page.context.cookies()) == cookies_before
    assert page.evaluate("[sessionStorage.length, localStorage.length]") == storage_before == [0, 0]
    assert not [url for url in page.requests_seen if "/api/collect" in url]


def test_a_headless_browser_is_a_robot_and_is_not_counted(browser, live_server, live_app):
    """Headless Chromium says so in its User-Agent: left out like any robot."""
    robot = open_page(browser, live_server, user_agent=None)
    assert "HeadlessChrome" in robot.evaluate("navigator.userAgent")
    before = counted(live_app)
    for path in PATHS:
        robot.goto(path)
        robot.wait_for_load_state()
    robot.context.close()
    assert counted(live_app) == before
