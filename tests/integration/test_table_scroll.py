"""Issue 17: every data table sits in a scroll box of its own, so that at 320 px a wide table
scrolls inside the box instead of breaking its words in odd places. The box is a labelled
region that takes focus (axe's `scrollable-region-focusable`: a keyboard user must be able to
scroll it). One representative page of each group of pages, as the role that sees it."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from tests.conftest import log_in
from winlas_site.courses.models import CourseSession


class TableRegions(HTMLParser):
    """For each <table>, the scroll region around it (the nearest `table-scroll` div), or None."""

    def __init__(self) -> None:
        super().__init__()
        self.divs: list[dict] = []  # the open <div>s, outermost first
        self.tables: list[dict | None] = []

    def handle_starttag(self, tag, attrs):
        if tag == "div":
            self.divs.append(dict(attrs))
        elif tag == "table":
            boxes = [d for d in self.divs if "table-scroll" in (d.get("class") or "").split()]
            self.tables.append(boxes[-1] if boxes else None)

    def handle_endtag(self, tag):
        if tag == "div" and self.divs:
            self.divs.pop()


def unscrolled_tables(html: str) -> list:
    """The tables without a focusable, labelled scroll region: each as the region it has."""
    parser = TableRegions()
    parser.feed(html)
    parser.close()
    assert parser.tables, "the page shows no table"
    return [
        box
        for box in parser.tables
        if box is None
        or box.get("tabindex") != "0"
        or box.get("role") != "region"
        or not (box.get("aria-label") or "").strip()
    ]


# group -> (demo login or None, the pages); a callable page is given the first course session
GROUPS = {
    "editor": ("support@winlas.se", ["/redaktion/", "/redaktion/kundsidor/"]),
    "courses-staff": (
        "support@winlas.se",
        [
            "/personal/utbildningar",
            lambda s: f"/personal/utbildningar/tillfallen/{s.id}",
            lambda s: f"/utbildningar/{s.course.slug}/deltagare",
        ],
    ),
    "courses-public": (None, [lambda s: f"/utbildningar/{s.course.slug}"]),
    "privacy": (None, ["/cookies", "/integritetspolicy", "/underbitraden"]),
    "privacy-english": (None, ["/integritetspolicy"]),
    "newsletter": ("support@winlas.se", ["/nyhetsbrev/utskick"]),
    "data-protection-log": ("support@winlas.se", ["/dataskydd/logg"]),
    "profiles": ("marknad@winlas.se", ["/dashboard/profiler/"]),
}


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_table_scrolls_in_a_focusable_labelled_region(app, client, demo, group):
    email, pages = GROUPS[group]
    if email:
        assert log_in(client, email).status_code == 302
    if group.endswith("-english"):
        client.get("/sprak/en?next=/")
    with app.app_context():
        session = CourseSession.select().order_by(CourseSession.id).first()
        paths = [page(session) if callable(page) else page for page in pages]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert unscrolled_tables(html) == [], path
    if group.endswith("-english"):
        assert 'aria-label="Purposes, data and legal basis"' in html
