"""A quote request in a real browser, and the lead in the staff list."""

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_a_quote_request_reaches_the_staff_list(page, live_app):
    page.goto("/kontakt")
    page.get_by_role("button", name="Avvisa alla").click()
    page.get_by_role("link", name="Offertförfrågan").click()
    page.wait_for_url(re.compile(r"/kontakt/offert$"))
    page.get_by_label("Förnamn").fill("Greta")
    page.get_by_label("Efternamn").fill("Garbo")
    page.get_by_label("Organisation", exact=True).fill("Exempelstads bibliotek")
    page.get_by_label("E-postadress").fill("greta@exempelstad.se")
    page.get_by_label("Typ av organisation").select_option("municipal_library")
    page.get_by_label("Antal bibliotek eller enheter").fill("3")
    page.get_by_label("WinLas Bibliotek").check()
    page.get_by_label("Meddelande").fill("Vi vill byta system till hösten.")
    # a person takes longer than the minimum fill time; the form refuses faster senders
    page.wait_for_timeout(live_app.config["WINLAS_MIN_FILL_SECONDS"] * 1000 + 200)
    page.get_by_role("button", name="Skicka offertförfrågan").click()
    page.wait_for_url(re.compile(r"/kontakt/tack\?typ=quote$"))
    assert "Tack" in page.locator("h1").inner_text()

    page.goto("/logga-in?next=/crm/")
    page.get_by_label("E-postadress").fill("support@winlas.se")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/crm/$"))
    row = page.get_by_role("row").filter(has_text="greta@exempelstad.se")
    assert row.count() == 1 and "Offert" in row.inner_text()
    # the row links the lead (its date) and mails the person (mailto:): open the lead
    row.locator('a[href^="/crm/leads/"]').click()
    assert "Vi vill byta system till hösten." in page.content()
