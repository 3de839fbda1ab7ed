"""A visitor signs up for a course in a real browser, without and with JavaScript."""

from __future__ import annotations

import re
import time

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.conftest import assert_only_declared_storage, open_page
from winlas_site.courses.models import Registration
from winlas_site.leads.models import Contact

pytestmark = pytest.mark.e2e

COURSE = "/utbildningar/grundkurs-winlas-bibliotek"


def serious_violations(page):
    results = Axe().run(page)
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def open_form(page) -> None:
    page.goto(COURSE)
    page.get_by_role("button", name="Avvisa alla").click()
    page.get_by_role("link", name=re.compile("^Anmäl dig")).first.click()


def fill_and_send(page, email: str) -> None:
    page.get_by_label("Förnamn").fill("Eva")
    page.get_by_label("Efternamn").fill("Ek")
    page.get_by_label("Organisation").fill("Exempelkommun")
    page.get_by_label("E-postadress").fill(email)
    page.get_by_label("Vegetarisk").check()
    page.get_by_label("Annan kostavvikelse eller allergi").fill("Inga nötter, tack")
    page.get_by_label(re.compile("^Jag har läst hur WinLas")).check()
    time.sleep(3.1)  # the form refuses what is sent faster than a person types
    page.get_by_role("button", name="Skicka anmälan").click()


def test_a_visitor_signs_up_and_sees_what_happens_next(page, live_app):
    open_form(page)
    assert serious_violations(page) == []
    fill_and_send(page, "eva.ek@exempel.se")
    # the same page whatever the address's state; the email tells place or waitlist
    assert page.get_by_role("heading", level=1).inner_text() == "Tack för din anmälan"
    assert serious_violations(page) == []
    with live_app.app_context():
        registration = (
            Registration.select().join(Contact).where(Contact.email == "eva.ek@exempel.se").get()
        )
        assert registration.status == "confirmed"
        assert registration.dietary_choices == "vegetarian,other"


def test_the_form_works_without_javascript_and_shows_errors_per_field(browser, live_server):
    page = open_page(browser, live_server, java_script_enabled=False)
    open_form(page)
    page.get_by_label("Förnamn").fill("Eva")
    page.get_by_role("button", name="Skicka anmälan").click()
    assert page.locator("#last_name-error").is_visible()
    assert page.locator("#acknowledge-error").is_visible()
    assert page.get_by_label("Förnamn").input_value() == "Eva"
    assert_only_declared_storage(page)
    page.context.close()
