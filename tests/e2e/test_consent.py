"""The cookie banner in a real browser: choices, withdrawal, keyboard, layout, accessibility."""

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import assert_only_declared_storage, open_page

pytestmark = pytest.mark.e2e

OPTIONAL = {"winlas_vid"}  # the optional-category cookies the site can set


def cookie_names(page) -> set[str]:
    return {cookie["name"] for cookie in page.context.cookies()}


def tracker_requests(page) -> list[str]:
    return [url for url in page.requests_seen if url.endswith("/analytics/static/track.js")]


def collect_requests(page) -> list[str]:
    return [url for url in page.requests_seen if "/api/collect" in url]


def banner(page):
    return page.locator("[data-consent-banner]")


def mark_document(page) -> None:
    # a marker that a reload would wipe: proves the banner answered in place
    page.evaluate("window.__same_document = true")


def still_same_document(page) -> bool:
    return page.evaluate("window.__same_document === true")


def test_a_first_visit_sets_no_cookie_and_sends_nothing(page):
    page.goto("/")
    page.goto("/produkter")
    assert banner(page).is_visible()
    assert cookie_names(page) == set()
    assert tracker_requests(page) == [] and collect_requests(page) == []


def test_reject_all_answers_in_place_and_nothing_optional_follows(page):
    page.goto("/produkter")
    mark_document(page)
    page.get_by_role("button", name="Avvisa alla").click()
    expect_hidden(page)
    assert still_same_document(page)
    wait_until(page, "document.querySelector('[data-consent-status]').textContent !== ''")
    assert page.get_by_role("status").inner_text() == "Ditt val är sparat."
    for path in ("/", "/nyheter", "/utbildningar"):
        page.goto(path)
        assert not banner(page).is_visible()
    assert cookie_names(page) == {"winlas_consent"}
    assert tracker_requests(page) == [] and collect_requests(page) == []


def expect_hidden(page):
    banner(page).wait_for(state="hidden")


def wait_until(page, expression: str, timeout: float = 5.0) -> None:
    # wait_for_function evaluates a string, which our CSP (no unsafe-eval) rightly blocks
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def test_accept_all_loads_the_tracker_in_place(page):
    page.goto("/produkter")
    mark_document(page)
    with page.expect_response(re.compile(r"/api/collect$")) as collected:
        with page.expect_request(re.compile(r"/analytics/static/track\.js$")):
            page.get_by_role("button", name="Acceptera alla").click()
    assert collected.value.status == 202
    expect_hidden(page)
    assert still_same_document(page)
    # the visitor id is issued with the tracker's first call
    assert {"winlas_consent", "winlas_vid"} <= cookie_names(page)
    page.goto("/nyheter")
    assert len(tracker_requests(page)) == 2  # loaded by the banner, then by the next page


def test_switching_statistics_off_from_the_footer_removes_its_cookies_at_once(page):
    page.goto("/")
    page.get_by_role("button", name="Acceptera alla").click()
    expect_hidden(page)
    with page.expect_response(re.compile(r"/api/collect$")) as collected:
        page.goto("/produkter")
    assert collected.value.status == 202
    assert "winlas_vid" in cookie_names(page)
    page.get_by_role("link", name="Cookie-inställningar").click()
    statistics = page.get_by_role("checkbox", name=re.compile("^Statistik"))
    assert statistics.is_checked()
    statistics.uncheck()
    page.get_by_role("button", name="Spara val").click()
    expect_hidden(page)
    assert cookie_names(page) & OPTIONAL == set()
    assert page.evaluate("sessionStorage.getItem('winlas_track_queue')") is None
    page.goto("/nyheter")
    assert tracker_requests(page)[-1:] != [page.url]  # no tracker on the next page
    assert "track.js" not in page.content()


def test_the_banner_works_with_the_keyboard_alone(page):
    page.goto("/produkter")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the cookie policy link in the banner
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Acceptera alla"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Inställningar"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "LEGEND"
    assert page.get_by_role("checkbox", name=re.compile("^Statistik")).is_visible()
    page.keyboard.press("Escape")  # back to the first layer, focus where it was
    assert page.evaluate("document.activeElement.textContent") == "Inställningar"
    assert (
        page.get_by_role("button", name="Inställningar").get_attribute("aria-expanded") == "false"
    )
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == "Avvisa alla"
    page.keyboard.press("Enter")
    expect_hidden(page)
    assert page.evaluate("document.activeElement.id") == "main"
    assert cookie_names(page) == {"winlas_consent"}


def test_settings_reopened_from_the_footer_close_with_escape_and_return_focus(page):
    page.goto("/")
    page.get_by_role("button", name="Avvisa alla").click()
    expect_hidden(page)
    link = page.get_by_role("link", name="Cookie-inställningar")
    link.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "LEGEND"
    page.keyboard.press("Escape")
    expect_hidden(page)
    assert page.evaluate("document.activeElement.textContent") == "Cookie-inställningar"


def test_the_banner_causes_no_layout_shift(page):
    page.add_init_script(
        "window.__cls = 0; new PerformanceObserver(function (list) {"
        " list.getEntries().forEach(function (e) {"
        "   if (!e.hadRecentInput) window.__cls += e.value; });"
        "}).observe({type: 'layout-shift', buffered: true});"
    )
    page.goto("/produkter")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__cls") < 0.01
    page.get_by_role("button", name="Avvisa alla").click()
    expect_hidden(page)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__cls") < 0.01


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_axe_finds_no_serious_problem_with_the_banner_or_the_settings_open(page):
    page.goto("/")
    assert banner(page).is_visible()
    assert serious_violations(page) == []
    page.get_by_role("button", name="Inställningar").click()
    assert page.get_by_role("checkbox", name=re.compile("^Statistik")).is_visible()
    assert serious_violations(page) == []


def test_axe_finds_no_serious_problem_on_the_main_pages(page):
    page.goto("/")
    page.get_by_role("button", name="Avvisa alla").click()
    expect_hidden(page)
    for path in (
        "/produkter",
        "/utbildningar",
        "/nyheter",
        "/integritetspolicy",
        "/cookies",
        "/logga-in",
        "/samtycke/installningar",
        "/samtycke/kvitto",
    ):
        page.goto(path)
        assert serious_violations(page) == [], path


def test_gpc_turns_marketing_off_and_says_why(browser, live_server):
    page = open_page(browser, live_server, extra_http_headers={"Sec-GPC": "1"})
    page.goto("/")
    page.get_by_role("button", name="Inställningar").click()
    marketing = page.get_by_role("checkbox", name=re.compile("^Marknadsföring"))
    assert marketing.is_disabled() and not marketing.is_checked()
    assert page.get_by_text("Global Privacy Control").is_visible()
    page.get_by_role("button", name="Acceptera alla").last.click()
    expect_hidden(page)
    page.goto("/samtycke/kvitto")
    facts = page.locator("dl.facts").inner_text()
    assert re.search(r"Statistik\s+Ja", facts) and re.search(r"Marknadsföring\s+Nej", facts)
    assert_only_declared_storage(page)
    page.context.close()


def test_the_banner_works_without_javascript(browser, live_server):
    page = open_page(browser, live_server, java_script_enabled=False)
    page.goto("/nyheter")
    page.get_by_role("button", name="Avvisa alla").click()
    page.wait_for_url(re.compile(r"/nyheter$"))
    assert not banner(page).is_visible()
    assert {c["name"] for c in page.context.cookies()} == {"winlas_consent"}
    page.get_by_role("link", name="Cookie-inställningar").click()
    page.wait_for_url(re.compile(r"/samtycke/installningar\?next=/nyheter$"))
    page.get_by_role("checkbox", name=re.compile("^Statistik")).check()
    page.get_by_role("button", name="Spara val").click()
    page.wait_for_url(re.compile(r"/nyheter$"))
    # statistics allowed: the server now includes the tracker (which would run with JavaScript)
    assert page.locator('script[src$="/analytics/static/track.js"]').count() == 1
    page.context.close()


STYLE = (
    "(el) => { const s = getComputedStyle(el), r = el.getBoundingClientRect();"
    " return {color: s.color, background: s.backgroundColor, border: s.border,"
    " font: s.fontSize + ' ' + s.fontWeight, width: Math.round(r.width),"
    " height: Math.round(r.height), tag: el.tagName}; }"
)


def luminance(rgb: str) -> float:
    channels = [int(v) / 255 for v in re.findall(r"\d+", rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_accept_and_reject_look_exactly_alike_with_enough_contrast(page):
    page.goto("/")
    accept = page.get_by_role("button", name="Acceptera alla").evaluate(STYLE)
    reject = page.get_by_role("button", name="Avvisa alla").evaluate(STYLE)
    assert accept == reject
    light, dark = sorted([luminance(accept["color"]), luminance(accept["background"])])[::-1]
    assert (light + 0.05) / (dark + 0.05) >= 4.5  # WCAG AA for normal text


def test_with_consent_page_views_and_a_click_are_recorded(page, live_app):
    from analytics.models import Event, Visit

    with live_app.app_context():
        before = {e.id for e in Event.select()}
    page.goto("/produkter")
    with page.expect_request(re.compile(r"/api/collect$")):
        page.get_by_role("button", name="Acceptera alla").click()
    link = page.get_by_role("link", name="WinLas Bibliotek").first
    with page.expect_navigation():
        link.click()
    page.wait_for_load_state("load")
    visitor = next(c["value"] for c in page.context.cookies() if c["name"] == "winlas_vid")
    # beacons are sent in the background; a loaded machine can take a few seconds
    deadline = time.monotonic() + 20
    while True:
        with live_app.app_context():
            events = [
                e for e in Event.select().where(Event.visitor_id == visitor) if e.id not in before
            ]
            kinds = sorted(e.type for e in events if e.type != "engagement")
            visit = Visit.get_or_none(Visit.visitor_id == visitor)
        if kinds == ["click", "pageview", "pageview"] or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert kinds == ["click", "pageview", "pageview"]
    click = next(e for e in events if e.type == "click")
    assert click.target == "/produkter/winlas-bibliotek" and click.path == "/produkter"
    assert re.fullmatch(r"\d+x\d+", visit.screen) and visit.timezone
    assert visit.browser == "Chrome" and visit.ip_anonymised == "127.0.0.0"
