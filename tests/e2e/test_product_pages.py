"""Issue 17 in a real Chromium: the start page's first screen, on a phone and on a laptop, holds
the heading, the one line on what WinLas is and for whom, and a call to action that the cookie
banner does not cover; every picture loads at its size, keeps its shape and fits its column;
nothing moves while they load; no page scrolls sideways; and axe finds no violation.

With WINLAS_SCREENSHOTS=<folder> the first screens are saved there as PNG files, to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import open_page

pytestmark = pytest.mark.e2e

SCREENS = {"phone-390x844": (390, 844), "laptop-1280x800": (1280, 800)}
PAGES = ["/", "/produkter", "/produkter/winlas-bibliotek", "/produkter/winlas-app"]
SCREENSHOTS = os.environ.get("WINLAS_SCREENSHOTS", "")


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, live_server):
    """A first visit (no cookies, so the banner shows) at the parametrised window size."""
    width, height = SCREENS[request.param]
    phone = width < 600
    page = open_page(
        browser,
        live_server,
        viewport={"width": width, "height": height},
        is_mobile=phone,
        has_touch=phone,
    )
    page.screen_name = request.param
    yield page
    page.context.close()


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def fold(page) -> float:
    """Where the first screen ends for the content: the window's bottom, or the top of the
    cookie banner that sticks to it while it is shown."""
    banner = page.locator("[data-consent-banner]")
    bottom = page.viewport_size["height"]
    if banner.count() and banner.is_visible():
        bottom = min(bottom, banner.bounding_box()["y"])
    return bottom


def uncovered(page, selector: str) -> bool:
    """True when the element itself is what a tap on its middle reaches (nothing on top)."""
    return page.eval_on_selector(
        selector,
        """element => { const b = element.getBoundingClientRect();
            const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
            return hit === element || element.contains(hit); }""",
    )


def test_the_first_screen_says_what_for_whom_and_what_next(screen):
    screen.goto("/")
    assert screen.evaluate("window.scrollY") == 0
    end = fold(screen)
    heading = box(screen, "h1")
    pitch = box(screen, ".home-pitch")
    action = box(screen, '[data-track="hero-demo"]')
    assert heading["y"] >= 0 and heading["y"] + heading["height"] <= end, (heading, end)
    assert pitch["y"] + pitch["height"] <= end, (pitch, end)
    assert action["y"] + action["height"] <= end, (action, end)
    assert uncovered(screen, '[data-track="hero-demo"]')
    text = screen.locator(".home-pitch").inner_text()
    for audience in ("skolbibliotek", "folkbibliotek", "kommuner"):
        assert audience in text
    if SCREENSHOTS:
        folder = Path(SCREENSHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        screen.screenshot(path=str(folder / f"start-{screen.screen_name}.png"))


def scroll_through(page) -> None:
    """Scroll to the end and back, so every lazy picture is asked for, and wait for them."""
    page.evaluate(
        """async () => {
            for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
                window.scrollTo(0, y);
                await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
            }
            window.scrollTo(0, 0);
            await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
        }"""
    )


@pytest.mark.parametrize(
    "path", PAGES, ids=[p.strip("/").replace("/", "-") or "start" for p in PAGES]
)
def test_pictures_load_at_their_size_and_fit_their_column(screen, path):
    # layout shifts from the start, before any picture has arrived
    screen.add_init_script(
        """window.__shift = 0;
        new PerformanceObserver(list => { for (const e of list.getEntries())
            if (!e.hadRecentInput) window.__shift += e.value; })
          .observe({type: 'layout-shift', buffered: true});"""
    )
    screen.goto(path)
    screen.wait_for_load_state("load")
    shift_on_load = screen.evaluate("window.__shift")
    scroll_through(screen)
    pictures = screen.evaluate(
        """() => [...document.querySelectorAll('main img')].map(i => {
            const b = i.getBoundingClientRect(), c = i.parentElement.getBoundingClientRect();
            return {src: i.getAttribute('src'), complete: i.complete, natural: i.naturalWidth,
                    width: b.width, height: b.height, left: b.left, right: b.right,
                    parentLeft: c.left, parentRight: c.right,
                    w: +i.getAttribute('width'), h: +i.getAttribute('height')}; })"""
    )
    assert pictures, path
    viewport = screen.viewport_size["width"]
    for picture in pictures:
        assert picture["complete"] and picture["natural"] > 0, picture
        # drawn at its own shape, never larger than its size, inside its column and the screen
        assert picture["width"] <= picture["w"] + 0.5, picture
        ratio = picture["w"] / picture["h"]
        assert abs(picture["width"] / picture["height"] - ratio) < 0.02, picture
        assert picture["left"] >= picture["parentLeft"] - 0.5, picture
        assert picture["right"] <= picture["parentRight"] + 0.5, picture
        assert picture["right"] <= viewport, picture
    # the width and height attributes held each picture's place: nothing moved as they came
    assert shift_on_load < 0.01, (path, shift_on_load)
    overflow = screen.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls {overflow}px sideways"


def test_nothing_scrolls_sideways_on_the_narrowest_phone(browser, live_server):
    page = open_page(browser, live_server, viewport={"width": 320, "height": 640})
    try:
        for path in PAGES:
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls {overflow}px sideways at 320 px"
    finally:
        page.context.close()


@pytest.mark.parametrize(
    "path", PAGES, ids=[p.strip("/").replace("/", "-") or "start" for p in PAGES]
)
def test_axe_finds_no_violation(screen, path):
    screen.goto(path)
    scroll_through(screen)
    violations = Axe().run(screen).response["violations"]
    assert [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
    ] == [], path
