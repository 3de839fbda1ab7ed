"""Engaged time is measured on every page leave, not only when a tab closes (issue 11 part 2).

A visitor with statistics consent walks pages by clicking same-site links. Each page's stored
engagement (the ``engagement`` events of its path, summed) must match the time the page was
visible, and no stretch may be sent twice: not by the click and the pagehide of the same leave,
not by a hide and a later leave, not after a return from the back/forward cache.

Two browsers: ``visitor_browser`` says Chrome in every request like a visitor's, so beacons sent
as a page unloads arrive; ``browser`` overrides the user agent per page only, so those beacons go
out as HeadlessChrome and are dropped as a bot. The link-click walk must hold in both: its time
may not depend on a beacon sent during the unload (the state before this fix, where only a closed
tab's time was stored in that browser).

The dwell times run on the page's own clock (Playwright's clock, which the tracker's ``Date.now``
follows), so the seconds measured take a fraction of that in real time.
"""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from urllib.parse import urlsplit

import pytest

from analytics.models import Event
from tests.e2e.conftest import open_page

pytestmark = pytest.mark.e2e

COLLECT = re.compile(r"/api/collect$")


def record_engagement(page) -> list[dict]:
    """Every engagement event the browser sends from this page's context on, with its path."""
    events: list[dict] = []

    def seen(request):
        if COLLECT.search(request.url) and request.post_data:
            for event in json.loads(request.post_data).get("events", []):
                if event.get("type") == "engagement":
                    events.append({**event, "path": urlsplit(event["url"]).path})

    page.context.on("request", seen)
    return events


def sent_ms(sent: list[dict], path: str) -> list[int]:
    return [event["ms"] for event in sent if event["path"] == path]


def start_visit(page) -> str:
    """Give statistics consent on the start page, then stop the page clock: from here on time
    passes only in ``stay``, so a slow test machine cannot lengthen a dwell. The visitor's id."""
    page.clock.install()
    page.goto("/")
    with page.expect_response(COLLECT):
        page.get_by_role("button", name="Acceptera alla").click()
    page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)  # seconds, a second on
    return next(c["value"] for c in page.context.cookies() if c["name"] == "winlas_vid")


def stay(page, ms: int) -> None:
    """Spend ``ms`` on the current page by the page's clock (its timers run, no real wait)."""
    page.clock.run_for(ms)


def follow(page, path: str) -> None:
    """Leave by clicking the main menu's link to ``path``, as a visitor does."""
    with page.expect_navigation():
        page.locator(f'nav.main-nav a[href="{path}"]').click()


def set_visibility(page, state: str) -> None:
    """Hide or show the tab. Headless Chromium cannot hide one (neither a minimised window nor
    another tab in front changes ``visibilityState``), so this sets the state the browser would
    report and fires its event; the tracker's own handlers do the rest."""
    page.evaluate(
        """state => {
          const getter = {configurable: true, get: () => state};
          Object.defineProperty(document, "visibilityState", getter);
          document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def stored_engagement(live_app, visitor: str, paths: set[str]) -> dict[str, int]:
    """Engaged ms per path stored for one visitor; polls briefly, as the beacons of a closing
    page arrive after the close returns."""
    deadline = time.monotonic() + 5
    while True:
        with live_app.app_context():
            live_app.extensions["analytics"].flush()  # what the background writer does
            rows = (
                Event.select(Event.path, Event.engaged_ms)
                .where((Event.visitor_id == visitor) & (Event.type == "engagement"))
                .tuples()
            )
            totals: dict[str, int] = defaultdict(int)
            for path, ms in rows:
                totals[path] += ms
        if paths <= totals.keys() or time.monotonic() > deadline:
            return dict(totals)
        time.sleep(0.1)


def assert_near(stored: dict[str, int], expected: dict[str, int]) -> None:
    """Each path's stored engagement within ±20 % of the time it was visible."""
    for path, ms in expected.items():
        assert path in stored, f"no engagement stored for {path}: {stored}"
        assert 0.8 * ms <= stored[path] <= 1.2 * ms, f"{path}: {stored[path]} ms stored, {ms} spent"


@pytest.mark.parametrize("which", ["visitor_browser", "browser"])
def test_each_page_of_a_link_click_walk_stores_its_own_engaged_time_once(
    which, request, live_server, live_app
):
    page = open_page(request.getfixturevalue(which), live_server)
    sent = record_engagement(page)
    visitor = start_visit(page)
    dwell = {"/produkter": 2000, "/utbildningar": 4000, "/nyheter": 3000}

    for path, ms in dwell.items():
        follow(page, path)
        stay(page, ms)
    page.close(run_before_unload=True)

    stored = stored_engagement(live_app, visitor, set(dwell))
    page.context.close()
    assert_near(stored, dwell)
    # one event per page left by a click: it carried the stretch, the unload after it sent
    # nothing (Playwright does not see the closed page's last beacon, the database did)
    for path in ("/produkter", "/utbildningar"):
        assert len(sent_ms(sent, path)) == 1, sent
    assert len({event["id"] for event in sent}) == len(sent), sent


def test_time_while_the_tab_is_hidden_is_not_engaged_and_each_visible_stretch_goes_once(
    visitor_browser, live_server, live_app
):
    page = open_page(visitor_browser, live_server)
    sent = record_engagement(page)
    visitor = start_visit(page)
    follow(page, "/produkter")
    stay(page, 2000)
    with page.expect_request(COLLECT):  # hiding sends the first stretch at once
        set_visibility(page, "hidden")
    assert sent_ms(sent, "/produkter") and 1600 <= sent_ms(sent, "/produkter")[0] <= 2400, sent
    stay(page, 5000)  # away: not engaged
    set_visibility(page, "visible")
    stay(page, 1500)
    follow(page, "/utbildningar")
    stay(page, 1200)
    page.close(run_before_unload=True)

    stored = stored_engagement(live_app, visitor, {"/produkter", "/utbildningar"})
    page.context.close()
    assert_near(stored, {"/produkter": 3500, "/utbildningar": 1200})
    assert len(sent_ms(sent, "/produkter")) == 2, sent  # the stretch before and after hiding


def test_a_page_restored_from_the_back_forward_cache_counts_only_its_new_stretch(
    visitor_browser, live_server, live_app
):
    page = open_page(visitor_browser, live_server)
    sent = record_engagement(page)
    visitor = start_visit(page)
    follow(page, "/produkter")
    page.evaluate("window.notReloaded = true")
    stay(page, 2000)
    follow(page, "/utbildningar")
    stay(page, 1500)
    page.go_back(wait_until="commit")  # a restored page fires no load event
    assert page.evaluate("window.notReloaded === true"), "not restored from the bfcache"
    stay(page, 3000)
    follow(page, "/nyheter")
    stay(page, 1000)
    page.close(run_before_unload=True)

    stored = stored_engagement(live_app, visitor, {"/produkter", "/utbildningar", "/nyheter"})
    page.context.close()
    assert_near(stored, {"/produkter": 5000, "/utbildningar": 1500, "/nyheter": 1000})
    assert len(sent_ms(sent, "/produkter")) == 2, sent  # before leaving and after coming back
