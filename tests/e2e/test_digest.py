"""In a real browser: a marketer turns the weekly digest on in Mitt konto, in English, and the
email's unsubscribe link turns it off again without logging in."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, open_page
from winlas_site.auth.models import User
from winlas_site.digest import mailing
from winlas_site.digest.models import DigestSubscription

EMAIL = "veckobrev@winlas.se"


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_marketer_turns_the_digest_on_and_the_link_turns_it_off(live_app, page, browser):
    with live_app.app_context():
        User.create_account(
            EMAIL, PASSWORD, role="marketer", first_name="Vera", last_name="Veckobrev"
        )
    page.goto("/")
    page.get_by_role("button", name="Avvisa alla").click()
    log_in(page, EMAIL, next_url="/konto/")
    page.wait_for_url(re.compile(r"/konto/$"))
    section = page.locator("#veckosammanfattning")
    assert "Den är avstängd." in section.inner_text()
    section.get_by_label("Skicka mig veckosammanfattningen varje måndag morgon").check()
    section.get_by_label("Språk i mejlet").select_option("en")
    section.get_by_role("button", name="Spara").click()
    page.wait_for_url(re.compile(r"/konto/#veckosammanfattning$"))
    assert "Du får veckosammanfattningen varje måndag morgon." in page.content()
    assert "Den är påslagen." in page.locator("#veckosammanfattning").inner_text()
    assert page.get_by_label("Språk i mejlet").input_value() == "en"
    assert serious_violations(page) == []
    with live_app.test_request_context():
        subscription = DigestSubscription.get(
            DigestSubscription.user == User.get(User.email == EMAIL).id
        )
        assert (subscription.active, subscription.language) == (True, "en")
        token = mailing.unsubscribe_token(subscription)

    # the link from the email, in another browser, nobody logged in
    stranger = open_page(browser, live_app.live_url)
    try:
        stranger.goto(f"/veckosammanfattning/avsluta/{token}")
        assert stranger.locator("h1").inner_text() == "Sluta få veckosammanfattningen"
        assert serious_violations(stranger) == []
        stranger.get_by_role("button", name="Sluta skicka den").click()
        stranger.wait_for_load_state()
        assert stranger.locator("h1").inner_text() == "Veckosammanfattningen är avstängd"
        stranger.goto("/veckosammanfattning/avsluta/trasig-lank")
        assert stranger.locator("h1").inner_text() == "Länken fungerar inte"
    finally:
        stranger.context.close()
    with live_app.app_context():
        assert not DigestSubscription.get_by_id(subscription.id).active
