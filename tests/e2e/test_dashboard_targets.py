"""Every link, button and <summary> toggle of the dashboard is big enough or far enough from
the next one to hit with a finger (WCAG 2.2 2.5.8 target size, Lighthouse's and axe's
``target-size``; issue 17: "Ladda ner CSV" sat under a "Siffrorna i tabellform" toggle).

The rule, as WCAG words it: a target is at least 24 × 24 CSS px, or a circle of 24 px
diameter centred on its box intersects no other target and no other undersized target's
circle. A link inside a sentence is exempt (WCAG's "inline" exception; axe skips it too)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from analytics.funnels.models import Funnel, Step
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 800)}
# the overview, one whole table, and the statistics' other pages with a CSV link or toggles
PAGES = {
    "overview": "/dashboard/?period=30d",
    "one-table": "/dashboard/table/page?period=30d",
    "customers": "/dashboard/kunder/?period=30d",
    "funnels": "/dashboard/funnels/",
    "funnel": "first funnel",
    "notes": "/dashboard/annotations",
    "views": "/dashboard/views",
    "profiles": "/dashboard/profiler/",
}

# the targets of a page and the ones that break the rule, measured in the page itself
MEASURE = """
() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
    + '[role=button], [role=link], [tabindex]:not([tabindex="-1"])';
  const shown = (element) => {
    // not inside a closed <details> (its content is skipped, not laid out) nor hidden
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && !element.closest('.visually-hidden')
      && element.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true});
  };
  // WCAG's inline exception: a link that is part of a line of text around it
  const inline = (element) => {
    if (element.tagName !== 'A' || getComputedStyle(element).display !== 'inline') return false;
    const block = element.parentElement.closest('p, li, dd, td, th, div, figcaption, label');
    if (!block) return false;
    const own = element.textContent.trim();
    return block.textContent.replace(own, '').trim().length > 0;
  };
  // a scrolling region the keyboard can reach is a target the size of the table it holds
  const targets = [...document.querySelectorAll(selector)].filter((e) => shown(e) && !inline(e));
  const boxes = targets.map((element) => {
    const r = element.getBoundingClientRect();
    const x = r.left + window.scrollX, y = r.top + window.scrollY;
    return {
      element,
      name: (element.tagName.toLowerCase() + ' "' + (element.textContent || element.value || '')
        .trim().replace(/\\s+/g, ' ').slice(0, 50) + '"'),
      left: x, top: y, right: x + r.width, bottom: y + r.height,
      width: r.width, height: r.height,
      cx: x + r.width / 2, cy: y + r.height / 2,
      small: r.width < 24 - 0.01 || r.height < 24 - 0.01,
    };
  });
  const circleMeetsBox = (a, b) => {
    const nx = Math.max(b.left, Math.min(a.cx, b.right));
    const ny = Math.max(b.top, Math.min(a.cy, b.bottom));
    return Math.hypot(a.cx - nx, a.cy - ny) < 12 - 0.01;
  };
  const related = (a, b) => a.element.contains(b.element) || b.element.contains(a.element);
  const failures = [];
  for (const a of boxes) {
    if (!a.small) continue;
    for (const b of boxes) {
      if (a === b || related(a, b)) continue;
      const hit = circleMeetsBox(a, b)
        || (b.small && Math.hypot(a.cx - b.cx, a.cy - b.cy) < 24 - 0.01);
      if (hit) {
        failures.push(a.name + ' ' + Math.round(a.width) + 'x' + Math.round(a.height)
          + ' too close to ' + b.name);
        break;
      }
    }
  }
  return {count: boxes.length, failures};
}
"""


def open_every_toggle(page) -> None:
    """Open the page's own toggles (the numbers under a chart, the definitions; not the site
    menu's, which lies over the page while open)."""
    page.evaluate("document.querySelectorAll('main details').forEach((d) => { d.open = true; })")


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS), ids=list(VIEWPORTS))
def test_every_target_is_big_enough_or_far_enough_from_the_next(
    browser, live_app, live_server, viewport, path
):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        base_url=live_server, locale="sv-SE", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    try:
        log_in(page, "marknad@winlas.se", lands_on="/kundsidor")
        # the cookie banner lies over the page's foot until a choice is made (its own
        # targets are the banner's tests'); the marketer has chosen, as on any later visit
        page.goto("/dashboard/")
        choice = page.locator("button[name=action][value=reject_all]:visible")
        if choice.count():
            choice.first.click()
            page.wait_for_load_state()
        if path == "first funnel":
            with live_app.app_context():
                funnel = Funnel.make(
                    f"Offertvägen {viewport}",
                    [Step("page", "/produkter/*"), Step("conversion", "quote")],
                    "visit",
                )
            path = f"/dashboard/funnels/{funnel.id}?period=30d"
        page.goto(path)
        for state in ("closed", "open"):
            if state == "open":
                open_every_toggle(page)
            found = page.evaluate(MEASURE)
            assert found["count"] > 10, state  # it measured the page, not an empty one
            assert found["failures"] == [], f"{viewport} {path} toggles {state}"
            # axe's own rule (off by default in axe-core: turned on here), as Lighthouse runs it
            results = Axe().run(
                page, options={"runOnly": {"type": "rule", "values": ["target-size"]}}
            )
            violations = [
                [node["target"] for node in violation["nodes"]][:5]
                for violation in results.response["violations"]
            ]
            assert violations == [], f"axe target-size: {viewport} {path} toggles {state}"
    finally:
        context.close()
