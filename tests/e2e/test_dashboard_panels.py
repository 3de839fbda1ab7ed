"""Issue 16, part 7: the dashboard's panels in a real Chromium.

On a wide screen the reports sit side by side (pages | sources, countries | devices), each row
with a bar as long as its share of the top row; on a phone they stack in one column; the page
never scrolls sideways; the visitors line shows beside visits; "show all" and CSV links keep
their distance from the <summary> toggles; and axe finds nothing serious at either width.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

import analytics
from tests.e2e.conftest import log_in, open_page
from tests.e2e.test_dashboard import traffic  # noqa: F401 - the module's traffic fixture

pytestmark = pytest.mark.e2e

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def wide(browser, live_server, traffic):  # noqa: F811 - the imported fixture
    page = open_page(browser, live_server, viewport=WIDE)
    log_in(page, "marknad@winlas.se", lands_on="/kundsidor")
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def counted(live_app, traffic):  # noqa: F811 - the imported fixture
    """Page requests counted for the traffic's days, so the "measured with consent" block
    shows its table of estimates (the widest thing a phone gets after the charts)."""
    with live_app.app_context():
        assert analytics.synthetic_request_counts(7, share=0.5, seed=16) > 0


@pytest.fixture
def phone(browser, live_server, traffic, counted):  # noqa: F811 - the imported fixture
    page = open_page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "marknad@winlas.se", lands_on="/kundsidor")
    yield page
    page.context.close()


def box(page, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls {overflow}px sideways"


def serious_axe_problems(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_on_a_wide_screen_pages_and_sources_sit_side_by_side_and_countries_beside_devices(wide):
    wide.goto("/dashboard/?period=7d")
    for left, right in (("#table-page", "#table-source"), ("#table-country", "#table-device")):
        a, b = box(wide, left), box(wide, right)
        # the left panel ends before the right one begins, both on the same line
        assert a["x"] + a["width"] <= b["x"], (left, right, a, b)
        assert abs(a["y"] - b["y"]) < 2, (left, right, a, b)
        # two halves of the page, each wide enough for its table
        assert a["width"] > 400 and b["width"] > 400
    no_sideways_scroll(wide)
    # the clicks, downloads and outbound links: three panels on one line
    tops = {round(box(wide, f"#table-{kind}")["y"]) for kind in ("click", "download", "outbound")}
    assert len(tops) == 1


def test_every_row_has_a_bar_as_long_as_its_share_of_the_top_row(wide):
    wide.goto("/dashboard/?period=7d")
    bars = wide.evaluate(
        """() => [...document.querySelectorAll('#table-page tbody tr')].map(tr => {
             const svg = tr.querySelector('svg.row-bar'), rect = svg.querySelector('rect');
             return [rect.getBoundingClientRect().width / svg.getBoundingClientRect().width,
                     Number(rect.dataset.share)];
           })"""
    )
    assert len(bars) >= 3
    assert bars[0][1] == 1.0 and bars[0][0] == pytest.approx(1.0, abs=0.01)
    for drawn, share in bars:
        assert drawn == pytest.approx(share, abs=0.01)
    # top rows first, and "show all" leads to the whole table
    shares = [share for _drawn, share in bars]
    assert shares == sorted(shares, reverse=True)
    wide.locator("#table-page").get_by_role("link", name="Visa alla rader").click()
    wide.wait_for_url("**/dashboard/table/page?period=7d")


def test_on_a_phone_the_panels_stack_in_one_column_without_sideways_scrolling(phone):
    phone.goto("/dashboard/?period=7d")
    page_box, source_box = box(phone, "#table-page"), box(phone, "#table-source")
    assert source_box["y"] >= page_box["y"] + page_box["height"]
    assert abs(page_box["x"] - source_box["x"]) < 2
    country, device = box(phone, "#table-country"), box(phone, "#table-device")
    assert device["y"] >= country["y"] + country["height"]
    assert page_box["width"] <= PHONE["width"]
    # the estimates' table and the campaign summary are on the page, and scroll in their box
    assert phone.locator('table[data-table="coverage"]').is_visible()
    assert phone.locator('table[data-table="top-campaigns"]').is_visible()
    no_sideways_scroll(phone)


def test_the_visitors_line_shows_beside_visits(wide):
    wide.goto("/dashboard/?period=7d")
    widths = wide.evaluate(
        """() => Object.fromEntries(['visitors', 'visits', 'pageviews'].map(key => {
             const line = document.querySelector(`#chart-timeseries .chart-${key} .chart-line`);
             const style = getComputedStyle(line);
             return [key, [parseFloat(style.strokeWidth), style.stroke, style.visibility]];
           }))"""
    )
    visitors, visits = widths["visitors"], widths["visits"]
    # drawn first and wider: where the two coincide, visitors shows around the dashed visits
    assert visitors[0] > visits[0] + 1
    assert visitors[1] != visits[1]
    assert visitors[2] == visits[2] == "visible"
    radii = wide.evaluate(
        """() => ['visitors', 'visits'].map(key => Number(document.querySelector(
             `#chart-timeseries [data-series="${key}"]`).getAttribute('r')))"""
    )
    assert radii[0] > radii[1]


def test_links_keep_their_distance_from_the_summary_toggles(wide, phone):
    for page in (wide, phone):
        page.goto("/dashboard/?period=7d")
        closest = page.evaluate(
            """() => {
              const centre = el => { const r = el.getBoundingClientRect();
                return [r.x + r.width / 2, r.y + r.height / 2, r.height]; };
              const toggles = [...document.querySelectorAll('summary')].map(centre);
              const links = [...document.querySelectorAll('.table-links a')].map(centre);
              let closest = Infinity, smallest = Infinity;
              for (const [x1, y1, h1] of toggles) for (const [x2, y2, h2] of links) {
                closest = Math.min(closest, Math.hypot(x1 - x2, y1 - y2));
                smallest = Math.min(smallest, h1, h2);
              }
              return [closest, smallest];
            }"""
        )
        assert closest[0] >= 24, closest
        assert closest[1] >= 24, closest


def test_axe_finds_no_serious_problem_at_either_width(wide, phone):
    for page in (wide, phone):
        for path in ("/dashboard/?period=7d", "/dashboard/annotations", "/dashboard/views"):
            page.goto(path)
            assert serious_axe_problems(page) == [], (page.viewport_size, path)
            no_sideways_scroll(page)
