"""The tracker names a click on a button by its text, label or data-track, never by its tag
(issue 17: the dashboard's click table showed a raw "button" row)."""

from __future__ import annotations

import pytest

from tests.e2e.test_tracker_privacy import accept_all, sent_bodies

pytestmark = pytest.mark.e2e

BUTTONS = """
<button type="button" id="b-text">Visa fler kurser</button>
<button type="button" id="b-label" aria-label="Stäng rutan"><svg aria-hidden="true"></svg></button>
<button type="button" id="b-track" data-track="kampanj-knapp">Läs</button>
<a href="/kontakt" id="b-link">Kontakta oss</a>
"""


def test_a_button_click_goes_by_its_name_and_a_link_by_where_it_leads(page):
    accept_all(page)
    bodies = sent_bodies(page)
    page.goto("/produkter")
    page.evaluate(
        """html => {
          const box = document.createElement("div");
          box.innerHTML = html;
          document.querySelector("main").appendChild(box);
          box.addEventListener("click", e => e.preventDefault());  // stay on the page
        }""",
        BUTTONS,
    )
    for selector in ("#b-text", "#b-label", "#b-track", "#b-link"):
        with page.expect_request(lambda request: request.url.endswith("/api/collect")):
            page.locator(selector).click()
    clicks = [
        (event["target"], event["name"])
        for body in bodies
        for event in body["events"]
        if event["type"] == "click"
    ]
    assert ("", "Visa fler kurser") in clicks
    assert ("", "Stäng rutan") in clicks
    assert ("", "kampanj-knapp") in clicks
    assert any(target.endswith("/kontakt") and name == "Kontakta oss" for target, name in clicks)
    assert not [target for target, _name in clicks if target == "button"]
