"""The CRM's layout in a real browser (issue 17): its content sits in the header's grid, each
filter's label is directly above its field, fields of one row line up, and nothing scrolls the
page sideways on a 320 px phone (wide tables scroll inside their own box)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from winlas_site.leads.models import submit_inquiry

pytestmark = pytest.mark.e2e

STAFF = "support@winlas.se"

# the content's left and right edges against the header row's (its padding box is the grid)
EDGES = """() => {
  const inner = el => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return [box.left + parseFloat(style.paddingLeft), box.right - parseFloat(style.paddingRight)];
  };
  const [wrapLeft, wrapRight] = inner(document.querySelector('.site-header .header-row'));
  const [mainLeft, mainRight] = inner(document.querySelector('main'));
  const lefts = [...document.querySelectorAll('main > *')]
    .filter(el => el.getBoundingClientRect().width > 0)
    .map(el => el.getBoundingClientRect().left);
  return {wrapLeft, wrapRight, mainLeft, mainRight, firstLeft: Math.min(...lefts),
          pageWidth: document.documentElement.scrollWidth,
          viewWidth: document.documentElement.clientWidth};
}"""

# every label of a filter form with the box of the field it names
FILTERS = """() => [...document.querySelectorAll('main form[method="get"] label')].map(label => {
  const field = document.getElementById(label.htmlFor);
  const a = label.getBoundingClientRect(), b = field.getBoundingClientRect();
  return {text: label.textContent.trim(), labelLeft: a.left, labelTop: a.top,
          labelBottom: a.bottom, fieldLeft: b.left, fieldTop: b.top, fieldHeight: b.height};
})"""


@pytest.fixture(scope="module")
def crm_pages(live_app):
    """The CRM's pages, with a lead whose words are long enough to push a narrow layout."""
    with live_app.app_context():
        lead, _created = submit_inquiry(
            "quote",
            "e2e-crm-layout",
            {
                "email": "maximiliana.langnamnsdotter@e2e-layout-exempelkommun.se",
                "first_name": "Maximiliana",
                "last_name": "Långnamnsdotter-Edelstam",
                "organisation_name": "Exempelkommuns folk- och skolbiblioteksförvaltning",
                "work_phone": "08-123 456 78",
            },
            {"message": "Vi vill veta mer om RFID-stationer för självbetjäning i alla filialer."},
        )
        contact = lead.contact_id
    return {
        "list": "/crm/",
        "lead": f"/crm/leads/{lead.id}",
        "due": "/crm/att-gora",
        "new": "/crm/ny",
        "merge": f"/crm/kontakter/{contact}/sammanfoga",
    }


@pytest.mark.parametrize("name", ["list", "lead", "due", "new", "merge"])
def test_the_content_sits_in_the_headers_grid_on_a_desktop(page, crm_pages, name):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, STAFF, next_url=crm_pages[name], lands_on=crm_pages[name])
    edges = page.evaluate(EDGES)
    assert abs(edges["mainLeft"] - edges["wrapLeft"]) <= 1, edges
    assert abs(edges["mainRight"] - edges["wrapRight"]) <= 1, edges
    assert abs(edges["firstLeft"] - edges["wrapLeft"]) <= 1, edges
    assert edges["pageWidth"] <= edges["viewWidth"], edges


@pytest.mark.parametrize("width", [1280, 768, 320], ids=["desktop", "tablet", "phone"])
def test_each_filter_label_is_directly_above_its_field(page, crm_pages, width):
    page.set_viewport_size({"width": width, "height": 800})
    log_in(page, STAFF, next_url="/crm/", lands_on="/crm/")
    filters = page.evaluate(FILTERS)
    assert [f["text"][:6] for f in filters] == ["Typ", "Status", "Ansvar", "Sök na"]
    for f in filters:
        assert abs(f["labelLeft"] - f["fieldLeft"]) <= 1, f
        assert 0 <= f["fieldTop"] - f["labelBottom"] <= 8, f
    # a grid: the fields of one row share their top and height, their labels end on one line
    rows: dict[int, list[dict]] = {}
    for f in filters:
        rows.setdefault(round(f["fieldTop"]), []).append(f)
    for row in rows.values():
        assert len({round(f["fieldHeight"]) for f in row}) == 1, row
        assert max(f["labelBottom"] for f in row) - min(f["labelBottom"] for f in row) <= 1, row
    if width == 1280:
        assert len(rows) == 1, filters  # all four filters side by side


@pytest.mark.parametrize("name", ["list", "lead", "due", "new", "merge"])
def test_nothing_scrolls_sideways_on_a_320_px_phone(page, crm_pages, name):
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, STAFF, next_url=crm_pages[name], lands_on=crm_pages[name])
    edges = page.evaluate(EDGES)
    assert edges["pageWidth"] <= edges["viewWidth"], edges
    assert abs(edges["mainLeft"] - edges["wrapLeft"]) <= 1, edges
    # a table wider than the phone scrolls inside its own box, which the keyboard can reach
    for table in page.locator("main table").all():
        box = table.locator("xpath=..")
        assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        assert box.get_attribute("tabindex") == "0"
