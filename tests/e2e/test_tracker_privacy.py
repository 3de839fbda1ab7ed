"""What the tracker sees in a real browser never carries personal data (issue 10 item 4,
docs/HOSTILE_INPUTS.md #34).

With every consent given, a visitor walks every page type anonymously, as a customer and as
staff (the CRM page of a lead with a name, an address and a phone number, whose mailto: and
tel: links are clicked), follows links whose query strings hold an address, and clicks links
whose text holds one. Then both what travelled (every /api/collect body the browser sent) and
what was stored (every text column of the analytics tables) must be free of email addresses,
phone-number-shaped strings, fragments and query parameters other than utm_*; and no event may
come from a staff, account, data-protection, login or login-only page.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlsplit

import peewee
import pytest

from analytics.models import MODELS as ANALYTICS_MODELS
from tests.e2e.conftest import log_in, open_page

pytestmark = pytest.mark.e2e

EMAIL = re.compile(r"[^\s@/?&=]+@[^\s@/?&=]+\.[a-z]{2,}|%40", re.IGNORECASE)
# Swedish numbers as people write them: 070-123 45 67, +46 70 123 45 67, 0701234567
PHONE = re.compile(r"\+?\d[\d\s()-]{6,}\d")
# random ids and digests, whose hex may look like a number by chance
ID_COLUMNS = {"event_id", "visitor_id", "digest"}
NEVER_TRACKED = (
    "/crm",
    "/konto",
    "/dashboard",
    "/dataskydd",
    "/kundsidor",
    "/logga-in",
    "/registrera",
    "/glomt-losenord",
    "/samtycke",
)
LEAD = {
    "email": "karin.kund@exempelkommun.se",
    "first_name": "Karin",
    "last_name": "Kundsdotter",
    "organisation_name": "Exempelkommun",
    "work_phone": "070-123 45 67",
}
QUERY = "?email=karin.kund%40exempelkommun.se&tel=0701234567&utm_source=nyhetsbrev#karin"
# links a public page might carry: a person's address and number in text, target and query
PERSONAL_LINKS = """
  <a id="p-mail" href="mailto:karin.kund@exempelkommun.se?subject=Hej">
    Karin Kundsdotter &lt;karin.kund@exempelkommun.se&gt;</a>
  <a id="p-tel" href="tel:+46701234567">Ring 070-123 45 67</a>
  <a id="p-query" href="/nyheter?email=karin.kund@exempelkommun.se&utm_campaign=jul#topp">
    Nyheter för karin.kund@exempelkommun.se, kundnr 1234567</a>
  <button id="p-button" type="button">Skicka till 08-123 456 78</button>
"""


def sent_bodies(page) -> list[dict]:
    """Every /api/collect body the browser sends from this page's context on."""
    bodies: list[dict] = []

    def seen(request):
        if request.url.endswith("/api/collect") and request.post_data:
            bodies.append(json.loads(request.post_data))

    page.context.on("request", seen)
    return bodies


def accept_all(page) -> None:
    page.goto("/")
    with page.expect_response(re.compile(r"/api/collect$")):
        page.get_by_role("button", name="Acceptera alla").click()


def click_everything_personal(page) -> None:
    """Add the personal links to the page and click each (the tracker listens on document)."""
    page.evaluate(
        """html => {
          const box = document.createElement("div");
          box.innerHTML = html;
          document.querySelector("main").appendChild(box);
          // stay on the page: the tracker records the click before this runs
          box.addEventListener("click", e => e.preventDefault());
        }""",
        PERSONAL_LINKS,
    )
    for selector in ("#p-mail", "#p-tel", "#p-query", "#p-button"):
        page.locator(selector).click()
    # the footer's own mailto: link
    page.locator('footer a[href^="mailto:"]').click()


def walk_public_pages(page, live_app) -> None:
    with live_app.app_context():
        from winlas_site.courses.models import Course
        from winlas_site.news.models import Article
        from winlas_site.products.models import Product

        details = [
            f"/produkter/{Product.select().first().slug}",
            f"/utbildningar/{Course.select().first().slug}",
            f"/nyheter/{Article.select().first().slug}",
        ]
    for path in [
        "/",
        "/produkter",
        "/utbildningar",
        "/nyheter",
        "/om-oss",
        "/kontakt",
        "/kontakt/offert",
        "/nyhetsbrev",
        "/integritetspolicy",
        "/cookies",
        *details,
    ]:
        page.goto(path + QUERY)
    click_everything_personal(page)
    # the language switch carries the page's own query string in next=
    page.goto("/produkter" + QUERY)
    page.locator("a.lang-switch").click()
    page.wait_for_load_state()
    page.goto("/sprak/sv?next=/")


def without_host(url: str) -> str:
    """The part of a URL that can carry personal data (not our own host and port)."""
    parts = urlsplit(url)
    return url if not parts.netloc else url.split(parts.netloc, 1)[1]


def problems_in(text: str) -> list[str]:
    found = [f"address {m.group(0)!r}" for m in EMAIL.finditer(text)]
    found += [f"phone {m.group(0)!r}" for m in PHONE.finditer(text)]
    return found


def url_problems(url: str) -> list[str]:
    if not url or url.endswith(":"):  # "mailto:", "tel:", "button"
        return []
    parts = urlsplit(url)
    found = [f"fragment in {url!r}"] if parts.fragment or "#" in url else []
    keys = [key for key, _value in parse_qsl(parts.query, keep_blank_values=True)]
    found += [f"query {key!r} in {url!r}" for key in keys if not key.startswith("utm_")]
    return found


def stored_text(live_app) -> list[tuple[str, str, str]]:
    """Every text value of every analytics table: (table, column, value)."""
    rows = []
    with live_app.app_context():
        for model in ANALYTICS_MODELS:
            columns = [
                f
                for f in model._meta.sorted_fields
                if isinstance(f, (peewee.CharField, peewee.TextField))
            ]
            if not columns:  # select() without columns would mean all of them
                continue
            for values in model.select(*columns).tuples():
                rows += [
                    (model._meta.table_name, f.name, v)
                    for f, v in zip(columns, values, strict=True)
                    if v
                ]
    return rows


def test_nothing_personal_travels_to_or_is_stored_by_analytics_on_any_page_type(
    browser, live_server, live_app
):
    from winlas_site.leads.models import submit_inquiry

    with live_app.test_request_context():
        lead, _created = submit_inquiry("quote", "tracker-privacy", LEAD, {"message": "Offert"})

    bodies: list[dict] = []
    tracked_staff_pages: list[str] = []
    # anonymous, then a customer, then staff: every consent given each time
    for login in (None, "bibliotekarie@exempelkommun.se", "support@winlas.se"):
        page = open_page(browser, live_server)
        bodies_here = sent_bodies(page)
        accept_all(page)
        if login:
            log_in(page, login)
        walk_public_pages(page, live_app)
        if login == "bibliotekarie@exempelkommun.se":
            for path in ("/kundsidor", "/konto/", "/konto/export", "/samtycke/kvitto"):
                page.goto(path + QUERY)
                page.locator('footer a[href^="mailto:"]').click()
        if login == "support@winlas.se":
            page.goto(f"/crm/leads/{lead.id}" + QUERY)
            if page.locator('script[src$="/analytics/static/track.js"]').count():
                tracked_staff_pages.append(page.url)
            page.locator(f'a[href="mailto:{LEAD["email"]}"]').click()
            page.locator('a[href^="tel:"]').first.click()
            for path in ("/crm/", "/dataskydd/logg", "/nyhetsbrev/utskick"):
                page.goto(path + QUERY)
        # leave the last page so its pagehide beacon goes out, then close
        page.goto("/om-oss")
        page.wait_for_timeout(300)
        page.context.close()
        bodies += bodies_here

    with live_app.app_context():
        live_app.extensions["analytics"].flush()  # what the background writer does

    # what travelled
    events = [event for body in bodies for event in body.get("events", [])]
    travelled = []
    for event in events:
        for key in ("url", "referrer", "target"):
            travelled += url_problems(event.get(key) or "")
        for key in ("url", "referrer", "target", "name"):
            travelled += problems_in(without_host(event.get(key) or ""))
        if any(urlsplit(event["url"]).path.startswith(p) for p in NEVER_TRACKED):
            travelled.append(f"an event from {event['url']}")
    assert not travelled, "\n".join(travelled)
    # the clicks did travel, as their scheme only
    assert any(e["type"] == "click" and e.get("target") == "mailto:" for e in events)
    assert any(e["type"] == "click" and e.get("target") == "tel:" for e in events)

    # what was stored
    stored = stored_text(live_app)
    paths = {value for table, column, value in stored if column in ("path", "entry_path")}
    assert "/produkter" in paths
    assert not any(path.startswith(NEVER_TRACKED) for path in paths), paths
    found = []
    for table, column, value in stored:
        if column in ID_COLUMNS:
            continue
        found += [(table, column, problem) for problem in problems_in(value)]
        if column in ("path", "entry_path", "exit_path", "target"):
            found += [(table, column, problem) for problem in url_problems(value)]
    assert not found, "\n".join(map(str, found))
    names = {value for table, column, value in stored if column == "name"}
    assert "Karin Kundsdotter" in names  # the visible label survives, the address does not
    assert not any("Kundsdotter" in value and "@" in value for value in names)
    assert tracked_staff_pages == [], "the tracker was included on a staff page"
