"""Issue 17: the site as a phone and a desktop show it, in a real Chromium.

Every page type at 390x844 (a phone), 1280x800 (a desktop) and 320 px (the narrowest phone):
the cookie banner covers at most 40 % of a phone's first screen and less than 30 % of a
desktop's; its buttons keep their labels on one line; the header stays under 120 px on a
phone; no page scrolls sideways; axe finds nothing serious. The main menu sits behind a "Meny"
button on a phone (a popover), which opens with and without JavaScript, and only one main
navigation is ever exposed. The cookie-settings page shows its heading once.
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in, open_page
from tests.e2e.test_consent import serious_violations

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
NARROW = {"width": 320, "height": 640}
SIZES = (("phone", PHONE), ("narrow", NARROW), ("desktop", DESKTOP))

BANNER_SHARE_PHONE = 0.40
BANNER_SHARE_DESKTOP = 0.30
HEADER_PHONE = 120

# page type -> its path; a (list, prefix) pair is the first link under that prefix on the list
PUBLIC = {
    "start": "/",
    "product-list": "/produkter",
    "product": ("/produkter", "/produkter/"),
    "course-list": "/utbildningar",
    "course": ("/utbildningar", "/utbildningar/"),
    "news-list": "/nyheter",
    "news-article": ("/nyheter", "/nyheter/"),
    "contact": "/kontakt",
    "quote-form": "/kontakt/offert",
    "demo-form": "/kontakt/visning",
    "about": "/om-oss",
    "privacy-policy": "/integritetspolicy",
    "cookie-policy": "/cookies",
    "cookie-settings": "/samtycke/installningar",
    "login": "/logga-in",
    "newsletter-signup": "/nyhetsbrev",
}
# pages without the banner: the settings page is the banner's second layer itself
NO_BANNER = {"cookie-settings"}

# role -> (login, the pages of that role); (list, prefix) as above
SIGNED_IN = {
    "customer": (
        "bibliotekarie@exempelkommun.se",
        ["/konto/", "/kundsidor", ("/kundsidor", "/kundsidor/"), "/installningar"],
    ),
    "staff": (
        "support@winlas.se",
        [
            "/crm/",
            "/crm/att-gora",
            "lead",  # the lead the ``lead`` fixture stores
            "/crm/ny",
            "/redaktion/",
            "/redaktion/kundsidor/",
            ("/redaktion/kundsidor/", "/redaktion/kundsidor/"),
            "/redaktion/bilder",
            "/personal/utbildningar",
            "/nyhetsbrev/utskick",
            "/dataskydd/logg",
        ],
    ),
    "marketer": (
        "marknad@winlas.se",
        [
            "/dashboard/",
            "/dashboard/kunder/",
            "/dashboard/funnels/",
            "/dashboard/profiler/",
            "/dashboard/views",
            "/dashboard/annotations",
            "/redaktion/produkter/",
            ("/redaktion/produkter/", "/redaktion/produkter/"),
            "/redaktion/nyheter/",
            ("/redaktion/nyheter/", "/redaktion/nyheter/"),
        ],
    ),
    "admin": (
        "admin@winlas.se",
        ["/dataskydd/", "/konton/ansokningar", "/redaktion/underbitraden/"],
    ),
}

# One call measures what the tests assert at one size: the banner's share of the first screen
# (its rectangle within the viewport), the header's height, how far the page scrolls sideways
# and the banner buttons whose label runs over more than one line.
MEASURE = """() => {
  const view = window.innerHeight;
  const banner = document.querySelector('[data-consent-banner]');
  let share = 0;
  if (banner && banner.getClientRects().length) {
    const r = banner.getBoundingClientRect();
    share = Math.max(0, Math.min(r.bottom, view) - Math.max(r.top, 0)) / view;
  }
  const wrapped = [];
  for (const button of document.querySelectorAll('.consent-first .consent-choice')) {
    if (!button.getClientRects().length) continue;
    const range = document.createRange();
    range.selectNodeContents(button);
    const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    const s = getComputedStyle(button);
    const oneLine = parseFloat(s.lineHeight) + parseFloat(s.paddingTop)
      + parseFloat(s.paddingBottom) + parseFloat(s.borderTopWidth)
      + parseFloat(s.borderBottomWidth);
    const height = button.getBoundingClientRect().height;
    if (lines.size > 1 || height > Math.max(oneLine, parseFloat(s.minHeight) || 0) + 1
        || button.scrollWidth > button.clientWidth) {
      wrapped.push(button.textContent.trim());
    }
  }
  return {
    share: share,
    header: document.querySelector('.site-header').getBoundingClientRect().height,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    wrapped: wrapped,
  };
}"""


def resolve(page, path, lead_id: int | None = None) -> str:
    """A path, or the first link under a prefix on a list page (a product, an article...)."""
    if path == "lead":
        return f"/crm/leads/{lead_id}"
    if isinstance(path, str):
        return path
    listing, prefix = path
    page.goto(listing)
    hrefs = page.locator(f'main a[href^="{prefix}"]').evaluate_all(
        "(links) => links.map((a) => a.getAttribute('href').split('#')[0])"
    )
    # an item's own page: not the list itself, nor the form for a new one
    items = [href for href in hrefs if href.split("?")[0] not in (prefix, prefix + "ny")]
    assert items, f"no link under {prefix} on {listing}"
    return items[0]


def measure_at(page, size: dict) -> dict:
    page.set_viewport_size(size)
    return page.evaluate(MEASURE)


@pytest.fixture
def lead(live_app):
    """A lead with long unbroken words (an address, a link, a compound), removed afterwards:
    the live server's database is shared with the other browser tests."""
    from winlas_site.leads.models import Contact, Lead, LeadEvent, LeadNote, submit_inquiry

    with live_app.app_context():
        stored, _created = submit_inquiry(
            "quote",
            "e2e-layout-long-words",
            {
                "email": "bibliotekssystemsupportansvarig.forvaltning@e2e-layout-kommun.se",
                "first_name": "Långnamn",
                "last_name": "Biblioteksdatasystemsupportansvarigsson",
                "work_phone": "08-123 456 789",
            },
            {
                "message": "Se https://www.e2e-layout-kommun.se/bibliotek/upphandling/"
                "biblioteksdatasystem-kravspecifikation-2027-version-slutgiltig.pdf"
            },
        )
    yield stored.id
    with live_app.app_context():
        contact_id = Lead.get_by_id(stored.id).contact_id
        LeadEvent.delete().where(LeadEvent.lead == stored.id).execute()
        LeadNote.delete().where(LeadNote.lead == stored.id).execute()
        Lead.delete().where(Lead.id == stored.id).execute()
        Contact.delete().where(Contact.id == contact_id).execute()


@pytest.fixture(scope="module")
def visitor(browser, live_server):
    """One first-time visitor (no choice made: the banner shows) for every public page."""
    page = open_page(browser, live_server, viewport=PHONE)
    yield page
    page.context.close()


@pytest.mark.parametrize("kind", list(PUBLIC))
def test_a_public_page_fits_a_phone_and_a_desktop(visitor, kind):
    page = visitor
    page.set_viewport_size(PHONE)
    path = resolve(page, PUBLIC[kind])
    assert page.goto(path).ok, path
    found = {name: measure_at(page, size) for name, size in SIZES}
    for name, seen in found.items():
        assert seen["overflow"] <= 0, f"{kind} scrolls {seen['overflow']}px sideways ({name})"
        assert seen["wrapped"] == [], f"{kind}: a banner label wraps ({name}): {seen['wrapped']}"
    assert found["phone"]["header"] <= HEADER_PHONE, (kind, found["phone"]["header"])
    if kind in NO_BANNER:
        assert found["phone"]["share"] == 0
    else:
        # measured while the banner shows, not after it went
        assert 0 < found["phone"]["share"] <= BANNER_SHARE_PHONE, (kind, found["phone"])
        assert 0 < found["desktop"]["share"] <= BANNER_SHARE_DESKTOP, (kind, found["desktop"])
    page.set_viewport_size(PHONE)
    assert serious_violations(page) == [], kind


@pytest.mark.parametrize("role", list(SIGNED_IN))
def test_signed_in_pages_never_scroll_sideways(browser, live_server, lead, role):
    email, paths = SIGNED_IN[role]
    page = open_page(browser, live_server, viewport=PHONE)
    log_in(page, email, lands_on="/kundsidor")
    for path in paths:
        page.set_viewport_size(PHONE)
        path = resolve(page, path, lead)
        assert page.goto(path).ok, path
        for name, size in SIZES:
            overflow = measure_at(page, size)["overflow"]
            assert overflow <= 0, f"{path} scrolls {overflow}px sideways ({name})"
        page.set_viewport_size(PHONE)
        # the account and its way out stay on the phone's screen, outside the menu
        for name in ("Mitt konto", "Logga ut"):
            assert in_view(page.get_by_role("banner").get_by_role(re_role(name), name=name))
        staff_nav = page.locator(".staff-nav")
        if staff_nav.count():
            # the staff tools are one line that scrolls inside itself
            assert staff_nav.bounding_box()["height"] <= 48, path
        if path == paths[0]:
            # the header with the staff row and the banner, on a phone (the pages themselves
            # are checked by their own tests)
            assert serious_violations(page) == [], path
    page.context.close()


def re_role(name: str) -> str:
    return "button" if name == "Logga ut" else "link"


def in_view(locator) -> bool:
    """Shown, inside the viewport, and the topmost thing at its centre (nothing covers it)."""
    return locator.evaluate(
        "(el) => { const r = el.getBoundingClientRect();"
        " if (!r.width || !r.height || r.top < 0 || r.left < 0"
        "   || r.bottom > innerHeight || r.right > innerWidth) return false;"
        " const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        " return el === top || el.contains(top); }"
    )


def main_navigation(page):
    return page.get_by_role("navigation", name="Huvudmeny", exact=True)


@pytest.mark.parametrize("javascript", [False, True], ids=["without-javascript", "with-javascript"])
def test_the_phone_menu_opens_and_every_link_is_reachable(browser, live_server, javascript):
    page = open_page(browser, live_server, viewport=PHONE, java_script_enabled=javascript)
    page.goto("/produkter")
    menu = page.get_by_role("button", name="Meny", exact=True)
    assert in_view(menu) and menu.get_attribute("aria-expanded") != "true"
    # closed: no main navigation exposed at all (the inline one is not shown on a phone)
    assert main_navigation(page).count() == 0
    # the language and the login stay on the screen beside the button
    assert in_view(page.get_by_role("link", name="English"))
    assert in_view(page.get_by_role("link", name="Logga in"))
    menu.click()
    assert main_navigation(page).count() == 1
    links = main_navigation(page).get_by_role("link")
    names = links.all_inner_texts()
    assert names == ["Produkter", "Utbildningar", "Nyheter", "Om oss", "Kontakt", "Kundsidor"]
    for index in range(len(names)):
        assert in_view(links.nth(index)), names[index]
    here = main_navigation(page).get_by_role("link", name="Produkter")
    assert here.get_attribute("aria-current") == "page"
    if javascript:  # axe runs as a script in the page
        assert serious_violations(page) == []  # the open menu over the page
    # the close button closes it
    main_navigation(page).get_by_role("button", name="Stäng").click()
    assert main_navigation(page).count() == 0
    menu.click()
    main_navigation(page).get_by_role("link", name="Utbildningar").click()
    page.wait_for_url(re.compile(r"/utbildningar$"))
    # the keyboard: Enter on the button opens the menu, Tab goes into it, Esc closes it
    menu.focus()
    page.keyboard.press("Enter")
    assert main_navigation(page).count() == 1
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Stäng"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Produkter"
    current = main_navigation(page).locator('a[aria-current="page"]')
    assert current.inner_text() == "Utbildningar"
    page.keyboard.press("Escape")
    assert main_navigation(page).count() == 0
    page.context.close()


def test_a_desktop_shows_the_menu_inline_and_one_main_navigation(browser, live_server):
    page = open_page(browser, live_server, viewport=DESKTOP)
    page.goto("/nyheter")
    assert not page.get_by_role("button", name="Meny", exact=True).is_visible()
    assert main_navigation(page).count() == 1
    current = main_navigation(page).get_by_role("link", name="Nyheter")
    assert in_view(current) and current.get_attribute("aria-current") == "page"
    # a phone and back: still exactly one, whichever way the window is turned
    page.set_viewport_size(PHONE)
    assert main_navigation(page).count() == 0
    page.set_viewport_size(DESKTOP)
    assert main_navigation(page).count() == 1
    page.context.close()


def test_the_cookie_settings_page_shows_its_heading_once(visitor):
    page = visitor
    page.set_viewport_size(PHONE)
    page.goto("/samtycke/installningar?next=/")
    shown = page.locator("h1, h2, h3, legend").filter(has_text="Cookie-inställningar")
    visible = [
        index
        for index in range(shown.count())
        if shown.nth(index).evaluate(
            "(el) => { const r = el.getBoundingClientRect(); return r.width > 1 && r.height > 1; }"
        )
    ]
    assert len(visible) == 1
    assert page.locator("h1").inner_text() == "Cookie-inställningar"
    # the settings' group keeps its name for a screen reader
    assert page.get_by_role("group", name="Cookie-inställningar").count() == 1
