"""The site in a real browser: layout, language, login, keyboard, no third-party requests."""

import re

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def test_pages_load_only_from_our_own_host(page, live_server):
    for path in ["/", "/produkter", "/utbildningar", "/nyheter", "/integritetspolicy"]:
        page.goto(path)
        assert page.locator("h1").count() == 1
    assert page.requests_seen
    foreign = [url for url in page.requests_seen if not url.startswith(live_server)]
    assert foreign == []


def test_the_stylesheet_applies_and_the_csp_blocks_nothing(page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.goto("/")
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert background == "rgb(29, 78, 95)"
    assert not [m for m in messages if "Content Security Policy" in m]


def test_switching_to_english_keeps_the_page_and_the_choice(page):
    page.goto("/produkter")
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"/produkter$"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Products"
    page.goto("/nyheter")
    assert page.locator("html").get_attribute("lang") == "en"
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["winlas_lang"]["value"] == "en" and cookies["winlas_lang"]["httpOnly"]


def test_a_first_visit_sets_no_cookie(page):
    page.goto("/")
    page.goto("/produkter")
    assert page.context.cookies() == []


def test_login_logout_round_trip(page):
    page.goto("/kundsidor")
    page.wait_for_url(re.compile(r"/logga-in\?next="))
    page.get_by_label("E-postadress").fill("bibliotekarie@exempelkommun.se")
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_url(re.compile(r"/kundsidor$"))
    assert page.locator("h1").inner_text() == "Kundsidor"
    page.get_by_role("button", name="Logga ut").click()
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/kundsidor")
    assert "/logga-in" in page.url


def test_a_wrong_password_shows_one_message_and_keeps_the_address(page):
    page.goto("/logga-in")
    page.get_by_label("E-postadress").fill("bibliotekarie@exempelkommun.se")
    page.get_by_label("Lösenord").fill("fel")
    page.get_by_role("button", name="Logga in").click()
    assert page.get_by_role("alert").inner_text() == "Fel e-postadress eller lösenord."
    assert page.get_by_label("E-postadress").input_value() == "bibliotekarie@exempelkommun.se"


def test_the_skip_link_is_the_first_stop_for_the_keyboard(page):
    page.goto("/produkter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Hoppa till innehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_every_cookie_the_browser_holds_is_declared(page):
    from winlas_site.cookies import declared

    page.goto("/sprak/en?next=/logga-in")
    page.get_by_label("Email address").fill("bibliotekarie@exempelkommun.se")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Remember me on this computer").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/kundsidor$"))
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert names == {"winlas_lang", "winlas_session", "winlas_remember"}
    assert all(declared(name) is not None for name in names)
