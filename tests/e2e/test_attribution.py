"""From campaign to customer in a real browser: a visitor who said yes to statistics comes from
a campaign and asks for a demo; staff read the lead's journey in the CRM, the marketer finds
the campaign in the report, and axe finds nothing serious on either page."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from analytics.models import Visit
from tests.e2e.conftest import log_in, open_page
from winlas_site.leads.models import Contact, Lead

pytestmark = pytest.mark.e2e

CAMPAIGN_URL = (
    "/produkter/winlas-skola?utm_source=facebook&utm_medium=social&utm_campaign=skolbibliotek-host"
)
EMAIL = "hedda.host@e2e-kampanj.se"


def serious_problems(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_campaign_visitor_s_demo_request_shows_its_journey_and_counts_in_the_report(
    browser, live_server, live_app
):
    with live_app.app_context():
        earlier = Visit.select().where(Visit.entry_path == "/kontakt").count()
    visitor = open_page(browser, live_server)
    try:
        visitor.goto("/kontakt")
        visitor.get_by_role("button", name="Acceptera alla").click()
        visitor.wait_for_load_state()
        for _attempt in range(40):
            if any(c["name"] == "winlas_consent" for c in visitor.context.cookies()):
                break
            visitor.wait_for_timeout(100)
        # the banner loads the tracker in place, which then sends this page's view: the first
        # touch, stored before the campaign's (the cookie alone came before the tracker did)
        for _attempt in range(40):
            with live_app.app_context():
                if Visit.select().where(Visit.entry_path == "/kontakt").count() > earlier:
                    break
            visitor.wait_for_timeout(250)
        else:
            pytest.fail("the first page view, made when the banner was answered, was not stored")
        visitor.goto(CAMPAIGN_URL)
        # the tracker sends the page view (with the campaign's tags) once the page has loaded;
        # the form is sent once it is stored, as a person reading the page would be later
        for _attempt in range(40):
            with live_app.app_context():
                if Visit.select().where(Visit.utm_campaign == "skolbibliotek-host").exists():
                    break
            visitor.wait_for_timeout(250)
        else:
            pytest.fail("the campaign's page view was not stored")
        visitor.goto("/kontakt/visning")
        visitor.get_by_label("Förnamn").fill("Hedda")
        visitor.get_by_label("Efternamn").fill("Host")
        visitor.get_by_label("Organisation", exact=True).fill("Kampanjkommunen")
        visitor.get_by_label("E-postadress").fill(EMAIL)
        visitor.get_by_label("Önskade dagar och tider").fill("Tisdagar förmiddag")
        visitor.wait_for_timeout(live_app.config["WINLAS_MIN_FILL_SECONDS"] * 1000 + 200)
        with visitor.expect_navigation(url=re.compile(r"/kontakt/tack\?typ=demo$")):
            visitor.get_by_role("button", name=re.compile("Skicka")).click()
    finally:
        visitor.context.close()
    with live_app.app_context():
        lead = Lead.get(Lead.contact == Contact.get(Contact.email == EMAIL))
        assert lead.conversion_id is not None

    staff = open_page(browser, live_server)
    try:
        log_in(staff, "support@winlas.se", next_url=f"/crm/leads/{lead.id}")
        journey = staff.locator("section.journey")
        # the writer thread stores the visit within a second or so; the page looks it up then
        for _attempt in range(20):
            staff.goto(f"/crm/leads/{lead.id}")
            if "kom via kampanjen" in journey.inner_text():
                break
            staff.wait_for_timeout(500)
        text = journey.inner_text()
        assert "Varifrån leadet kom" in text
        assert "kom via kampanjen skolbibliotek-host (facebook, social)" in text, text
        assert "landade på /produkter/winlas-skola" in text
        assert "skickade formuläret" in text
        assert "Första kontakt" in text and "Senaste kontakt" in text
        assert serious_problems(staff) == []
    finally:
        staff.context.close()

    marketer = open_page(browser, live_server)
    try:
        log_in(marketer, "marknad@winlas.se", lands_on="/kundsidor")
        marketer.goto("/dashboard/kunder/?period=7d")
        assert "Förfrågningar och kunder per kampanj" in marketer.locator("h1").inner_text()
        # the visitor first came direct (the page where the banner was answered), then
        # through the campaign: first touch "no campaign", last touch the campaign
        for model, key in (("first", "(ingen kampanj)"), ("last", "skolbibliotek-host")):
            row = marketer.locator(f'table[data-table="attribution-{model}"] tbody tr').filter(
                has_text=key
            )
            assert row.count() == 1
            assert row.locator('td[data-column="leads"]').inner_text() == "1"
        assert serious_problems(marketer) == []
        # on a laptop (1280 px) the two tables stand one above the other, each whole: the
        # qualified and won columns are never hidden behind a sideways scroll
        widths = marketer.evaluate(
            "[...document.querySelectorAll('.attribution-side .table-scroll')]"
            ".map(box => [box.scrollWidth, box.clientWidth])"
        )
        assert len(widths) == 2 and all(inner <= outer for inner, outer in widths), widths
        marketer.get_by_role("link", name="landningssida").click()
        marketer.wait_for_url(re.compile(r"dimension=landing"))
        assert (
            "/produkter/winlas-skola"
            in marketer.locator('table[data-table="attribution-last"]').inner_text()
        )
        # a row's key filters the report on it
        marketer.locator('table[data-table="attribution-last"]').get_by_role(
            "link", name="/produkter/winlas-skola"
        ).click()
        marketer.wait_for_url(re.compile(r"page=(%2F|/)produkter(%2F|/)winlas-skola"))
        assert marketer.locator(".active-filters").count() == 1
        assert serious_problems(marketer) == []
    finally:
        marketer.context.close()
