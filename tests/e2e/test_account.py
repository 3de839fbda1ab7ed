"""In a real browser: a customer logs in, downloads their data, deletes the account, and
cannot log in again."""

from __future__ import annotations

import json
import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

EMAIL = "raderas@exempelkommun.se"


def create_customer(live_app, email: str) -> None:
    from winlas_site.auth.models import Organisation, User

    with live_app.app_context():
        organisation = Organisation.get(Organisation.customer_number == "K-1001")
        User.create_account(
            email,
            PASSWORD,
            first_name="Rut",
            last_name="Raderasson",
            organisation=organisation,
        )


def serious_violations(page) -> list:
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_customer_downloads_their_data_deletes_the_account_and_cannot_log_in(live_app, page):
    create_customer(live_app, EMAIL)
    page.goto("/")
    page.get_by_role("button", name="Avvisa alla").click()
    log_in(page, EMAIL, next_url="/konto/")
    page.wait_for_url(re.compile(r"/konto/$"))
    assert page.locator("h1").inner_text() == "Mitt konto"
    assert page.get_by_label("Efternamn").input_value() == "Raderasson"
    assert serious_violations(page) == []

    page.get_by_role("link", name="Ladda ner mina uppgifter").first.click()
    page.wait_for_url(re.compile(r"/konto/export$"))
    with page.expect_download() as info:
        page.get_by_role("link", name="Ladda ner JSON-filen").click()
    download = info.value
    assert download.suggested_filename == "winlas-mina-uppgifter.json"
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["account"]["email"] == EMAIL
    assert data["account"]["organisation"]["name"].startswith("Exempelkommun")
    assert data["consent_records"][0]["action"] == "reject_all"

    page.goto("/konto/radera")
    assert serious_violations(page) == []
    page.get_by_label("Ditt lösenord").fill(PASSWORD)
    page.get_by_label(re.compile("^Ja, radera mitt konto")).check()
    page.get_by_role("button", name="Radera mitt konto").click()
    page.wait_for_url(re.compile(r"/konto/raderat$"))
    assert page.locator("h1").inner_text() == "Kontot är raderat"

    # logged out: the account page asks for a login, and the password opens nothing
    page.goto("/konto/")
    page.wait_for_url(re.compile(r"/logga-in"))
    log_in(page, EMAIL, next_url="/konto/")
    assert "Fel e-postadress eller lösenord" in page.content()
    assert "/logga-in" in page.url
