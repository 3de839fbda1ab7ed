"""From campaign to customer (issue 16, part 1): a lead keeps the first and last touch of the
visits that led to it (statistics consent only), the CRM shows its journey, and the report at
/dashboard/kunder/ counts leads, qualified and won per campaign, source and landing page.

Visits are written through the store (``write_lines``, as the writer does), so the same tests
run on the SQL databases and, where marked, on ClickHouse (chDB)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import time
import uuid

import pytest

import analytics
from analytics.clickhouse import client as ch
from analytics.store import write_lines
from tests.conftest import PASSWORD
from tests.integration.test_course_signup import add_course, signup_path
from tests.integration.test_course_signup import submit as submit_signup
from tests.integration.test_leads import submit
from tests.mailserver import smtp_server  # noqa: F401  (the loopback SMTP server fixture)
from winlas_site.account.data import erase_person, person_data
from winlas_site.auth.models import User
from winlas_site.courses.models import Registration
from winlas_site.crm import tasks
from winlas_site.demo import load
from winlas_site.leads import attribution
from winlas_site.leads import demo as leads_demo
from winlas_site.leads.models import Contact, Lead, LeadEvent

ORIGIN = {"Origin": "http://localhost"}
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
VISITOR = "c" * 32
DAY = datetime.timedelta(days=1)


# -- the store: SQL by default, chDB where a test asks for it -----------------------------------


@pytest.fixture
def store_url(request, tmp_path_factory):
    kind = getattr(request, "param", "sql")
    if kind == "sql":
        yield ""
        return
    pytest.importorskip("chdb")
    path = tmp_path_factory.getbasetemp() / "chdb"
    url = f"chdb://{path}?database=t_{uuid.uuid4().hex[:16]}"
    yield url
    ch.configure(url)
    ch.drop_database()
    ch.configure("")


@pytest.fixture
def app_config(app_config, store_url):
    return {**app_config, "ANALYTICS_STORE": store_url} if store_url else app_config


@pytest.fixture
def app(app, database, store_url):
    if store_url:
        with app.app_context():
            analytics.migrate(database)
    return app


BOTH_STORES = pytest.mark.parametrize("store_url", ["sql", "chdb"], indirect=True)


# -- helpers ----------------------------------------------------------------------------------


def utcnow() -> datetime.datetime:
    moment = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def visit_line(
    start: datetime.datetime,
    *,
    source: str = "direct",
    host: str = "",
    utm: dict | None = None,
    landing: str = "/",
    pages: int = 2,
    conversion: str | None = None,
    visitor: str = VISITOR,
    device: str = "desktop",
    country: str = "SE",
) -> dict:
    """One visit as a spooled line: page views a minute apart, then maybe a conversion."""
    events: list[dict] = []
    for number in range(pages):
        event = {
            "id": str(uuid.uuid4()),
            "type": "pageview",
            "ts": ms(start + datetime.timedelta(minutes=number)),
            "path": landing if number == 0 else f"/sida-{number}",
            "ref": [source, host] if number == 0 else ["internal", ""],
        }
        if number == 0 and utm:
            event["utm"] = utm
        events.append(event)
    if conversion:
        events.append(
            {
                "id": conversion,
                "type": "conversion",
                "ts": ms(start + datetime.timedelta(minutes=pages)),
                "path": "/kontakt/fraga",
                "name": "contact",
            }
        )
    return {
        "r": max(event["ts"] for event in events),
        "v": visitor,
        "u": None,
        "ip": "81.2.69.0",
        "geo": [country, "", ""],
        "ua": ["Chrome", "126", "Windows", "10", device],
        "events": events,
    }


def campaign(name: str, source: str = "facebook", medium: str = "social") -> dict:
    return {"utm_source": source, "utm_medium": medium, "utm_campaign": name}


def make_lead(
    number: int,
    *,
    created_at: datetime.datetime,
    status: str = "ny",
    conversion_id: str | None = None,
    touches: dict | None = None,
    moves: tuple[tuple[str, datetime.datetime], ...] = (),
    kind: str = "question",
) -> Lead:
    contact = Contact.create(
        email=f"person{number}@exempel.se", first_name="Per", last_name=f"Son{number}"
    )
    lead = Lead.create(
        contact=contact,
        type=kind,
        status=status,
        idempotency_key=f"test-{number}",
        created_at=created_at,
        conversion_id=conversion_id,
        touches=touches,
    )
    before = "ny"
    for to, when in moves:
        LeadEvent.create(
            lead=lead, kind="status", created_at=when, detail={"from": before, "to": to}
        )
        before = to
    return lead


def touch(
    source: str = "campaign",
    campaign_name: str = "",
    landing: str = "/",
    host: str = "",
    at: datetime.datetime | None = None,
    country: str = "SE",
    device: str = "desktop",
) -> dict:
    return {
        "at": (at or utcnow()).isoformat(),
        "source": source,
        "host": host,
        "medium": "",
        "campaign": campaign_name,
        "landing": landing,
        "country": country,
        "device": device,
        "browser": "Chrome",
    }


def touches(first: dict, last: dict | None = None) -> dict:
    return {
        "converted_at": utcnow().isoformat(),
        "first": first,
        "last": last or first,
        "visits": 2,
        "days": 3,
    }


def consented_client(app, choice: str = "accept_all"):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=CHROME)
    client.post("/samtycke", data={"action": choice}, headers=ORIGIN)
    return client


def pageview(client, url: str, referrer: str = "") -> None:
    event = {"type": "pageview", "url": url, "id": str(uuid.uuid4())}
    if referrer:
        event["referrer"] = referrer
    event["ts"] = int(time.time() * 1000)
    response = client.post("/api/collect", json={"events": [event]}, headers=ORIGIN)
    assert response.status_code == 202


# -- capturing --------------------------------------------------------------------------------


def test_without_statistics_consent_the_lead_keeps_nothing_and_nothing_is_looked_up(
    app, demo, monkeypatch
):
    client = consented_client(app, "reject_all")
    assert submit(client, "question").status_code == 303
    asked = []
    monkeypatch.setattr(analytics, "touches_of", lambda ids: asked.append(list(ids)) or {})
    with app.app_context():
        lead = Lead.get()
        assert lead.conversion_id is None and lead.touches is None
        assert attribution.fill_pending() == 0
        [found] = attribution.site_leads(lead.created_at.date(), lead.created_at.date())
        assert attribution.for_lead(lead).state == "unknown"
    assert asked == []  # not even an empty question
    assert found.conversion_id is None and found.first_touch is None and found.last_touch is None


@BOTH_STORES
def test_a_consented_inquiry_keeps_its_conversion_and_the_campaign_that_brought_it(app, demo):
    client = consented_client(app)
    pageview(
        client,
        "http://localhost/produkter/winlas-skola?utm_source=facebook&utm_medium=social"
        "&utm_campaign=skolbibliotek-host",
    )
    assert submit(client, "demo").status_code == 303
    with app.app_context():
        lead = Lead.get()
        assert re.fullmatch(r"[0-9a-f-]{36}", lead.conversion_id)
        attribution.fill_pending()
        stored = analytics.Touches.from_json(Lead.get_by_id(lead.id).touches)
    assert stored is not None
    assert (stored.first.source, stored.first.campaign, stored.first.landing) == (
        "campaign",
        "skolbibliotek-host",
        "/produkter/winlas-skola",
    )
    assert stored.first.host == "facebook" and stored.last == stored.first and stored.visits == 1


def test_a_consented_course_sign_up_keeps_its_conversion_too(smtp_server, app):
    course, sessions = add_course(app, sessions=((20, 16),))
    client = consented_client(app)
    pageview(client, f"http://localhost/utbildningar/{course.slug}", "https://www.google.se/")
    assert submit_signup(client, signup_path((course, sessions))).status_code == 303
    with app.app_context():
        registration = Registration.get()
        assert registration.conversion_id is not None
        [signup] = attribution.site_leads(utcnow().date(), utcnow().date())
        stored = analytics.Touches.from_json(Registration.get_by_id(registration.id).touches)
    assert stored is not None and stored.first.source == "search"
    assert signup.kind == "course" and signup.first_touch == stored.first


# -- first and last touch ---------------------------------------------------------------------


@BOTH_STORES
def test_first_and_last_touch_across_visits_from_different_sources(app):
    now = utcnow()
    conversion = str(uuid.uuid4())
    with app.app_context():
        write_lines(
            [
                visit_line(
                    now - 40 * DAY, source="search", host="google.com", landing="/produkter"
                ),
                visit_line(
                    now - 20 * DAY,
                    source="campaign",
                    host="facebook.com",
                    utm=campaign("skolbibliotek-host"),
                    landing="/produkter/winlas-skola",
                    device="mobile",
                ),
                visit_line(
                    now - 10 * DAY, source="social", host="linkedin.com", landing="/nyheter"
                ),
                # the last visits came direct: they do not take the last touch
                visit_line(now - 2 * DAY, landing="/kontakt", pages=3, conversion=conversion),
                # after the conversion: never counted
                visit_line(now - DAY, source="campaign", utm=campaign("senare"), landing="/senare"),
            ]
        )
        found = analytics.touches_of([conversion, "not-an-id", None, str(uuid.uuid4())])
        journey = analytics.journey(conversion)
    assert list(found) == [conversion]
    result = found[conversion]
    assert (result.first.source, result.first.host, result.first.landing) == (
        "search",
        "google.com",
        "/produkter",
    )
    assert (result.last.source, result.last.host, result.last.landing) == (
        "social",
        "linkedin.com",
        "/nyheter",
    )
    assert result.visits == 4 and result.days == 38
    assert [visit.touch.landing for visit in journey] == [
        "/produkter",
        "/produkter/winlas-skola",
        "/nyheter",
        "/kontakt",
    ]
    assert [visit.converted for visit in journey] == [False, False, False, True]
    assert journey[-1].pageviews == 3 and journey[-1].seconds >= 120
    assert journey[1].touch.campaign == "skolbibliotek-host" and journey[1].touch.device == "mobile"
    # the stored form survives a round trip
    assert analytics.Touches.from_json(result.to_json()) == result


@BOTH_STORES
def test_the_lookback_bounds_the_first_touch_and_all_direct_credits_the_converting_visit(app):
    now = utcnow()
    conversion = str(uuid.uuid4())
    with app.app_context():
        write_lines(
            [
                visit_line(
                    now - 120 * DAY,
                    source="campaign",
                    utm=campaign("for-gammal"),
                    landing="/gammal",
                ),
                visit_line(now - 30 * DAY, landing="/bokmarke"),
                visit_line(now - DAY, landing="/kontakt", conversion=conversion),
            ]
        )
        result = analytics.touches_of([conversion])[conversion]
    assert result.first.landing == "/bokmarke" and result.first.source == "direct"
    assert result.last.landing == "/kontakt" and result.last.source == "direct"
    assert result.visits == 2 and result.days == 29


def test_another_browser_s_visits_are_not_credited(app):
    now = utcnow()
    conversion = str(uuid.uuid4())
    with app.app_context():
        write_lines(
            [
                visit_line(
                    now - 5 * DAY,
                    source="campaign",
                    utm=campaign("grannens"),
                    visitor="d" * 32,
                ),
                visit_line(now - DAY, landing="/kontakt", conversion=conversion),
            ]
        )
        result = analytics.touches_of([conversion])[conversion]
    assert result.visits == 1 and result.first.campaign == ""


def test_touches_are_filled_once_the_writer_has_caught_up_and_given_up_much_later(app):
    now = utcnow()
    late, lost = str(uuid.uuid4()), str(uuid.uuid4())
    with app.app_context():
        waiting = make_lead(1, created_at=now, conversion_id=late)
        gone = make_lead(2, created_at=now - 3 * DAY, conversion_id=lost)
        recent = make_lead(3, created_at=now - DAY, conversion_id=str(uuid.uuid4()))
        assert attribution.fill_pending() == 1  # only the old one, given up
        assert Lead.get_by_id(waiting.id).touches is None
        assert Lead.get_by_id(gone.id).touches == {}
        assert Lead.get_by_id(recent.id).touches is None
        assert attribution.for_lead(Lead.get_by_id(waiting.id)).state == "pending"
        assert attribution.for_lead(Lead.get_by_id(gone.id)).state == "lost"
        # the writer stores the line now
        write_lines(
            [
                visit_line(now - 2 * DAY, source="campaign", utm=campaign("sen"), landing="/sen"),
                visit_line(now - datetime.timedelta(minutes=5), conversion=late),
            ]
        )
        # the periodic task does the same as fill_pending
        tasks.fill_touches.call_local()
        stored = analytics.Touches.from_json(Lead.get_by_id(waiting.id).touches)
        assert attribution.for_lead(Lead.get_by_id(waiting.id)).state == "found"
    assert stored is not None and stored.first.campaign == "sen" and stored.last.campaign == "sen"


# -- the person's rights ----------------------------------------------------------------------


def test_the_touches_are_in_the_export_and_go_with_the_erasure(app):
    conversion = str(uuid.uuid4())
    with app.app_context():
        lead = make_lead(
            1,
            created_at=utcnow(),
            conversion_id=conversion,
            touches=touches(touch(campaign_name="skolbibliotek-host")),
        )
        email = lead.contact.email
        exported = person_data(email)
        [row] = exported["leads"]
        assert row["conversion_id"] == conversion
        assert row["touches"]["first"]["campaign"] == "skolbibliotek-host"
        erase_person(email)
        assert Lead.select().count() == 0
        assert attribution.site_leads(utcnow().date(), utcnow().date()) == []


@BOTH_STORES
def test_a_person_without_account_gets_and_loses_the_visits_of_the_browser_they_sent_from(app):
    """The lead's conversion names the browser; its visits are the sender's, account or not:
    in the export, and gone with the erasure, while another browser's visits stay."""
    conversion = str(uuid.uuid4())
    sender, stranger = "d" * 32, "e" * 32
    start = utcnow() - 2 * DAY
    with app.app_context():
        write_lines(
            [
                visit_line(start, visitor=sender, landing="/produkter", pages=3),
                visit_line(start + DAY, visitor=sender, conversion=conversion),
                visit_line(start, visitor=stranger, landing="/kurser"),
            ]
        )
        lead = make_lead(1, created_at=utcnow(), conversion_id=conversion)
        email = lead.contact.email
        assert User.select().where(User.email == email).count() == 0

        exported = person_data(email)["analytics"]["sending_browser_visits"]
        assert {visit["visitor_id"] for visit in exported} == {sender}
        assert [len(visit["events"]) for visit in exported] == [3, 3]
        assert exported[0]["events"][0]["path"] == "/produkter"

        counts = erase_person(email)
        assert counts["analytics_visits"] == 2 and counts["analytics_events"] == 6
        assert analytics.browser_visits([sender]) == []
        [kept] = analytics.browser_visits([stranger])
        assert kept["events"][0]["path"] == "/kurser"


def test_a_person_whose_forms_carry_no_conversion_erases_no_browser(app):
    """No statistics consent, no conversion id: nothing in analytics is the person's, and an
    erasure must not reach anonymous visits (a missing user id is never ``user_id IS NULL``)."""
    with app.app_context():
        write_lines([visit_line(utcnow() - DAY, visitor="f" * 32)])
        lead = make_lead(1, created_at=utcnow())
        assert "sending_browser_visits" not in person_data(lead.contact.email)["analytics"]
        counts = erase_person(lead.contact.email)
        assert not any(n for name, n in counts.items() if name.startswith("analytics_"))
        assert len(analytics.browser_visits(["f" * 32])) == 1


# -- the report -------------------------------------------------------------------------------


def seed_report(now: datetime.datetime) -> None:
    """Seven inquiries and a course sign-up with known touches and pipelines."""
    ads = touch(campaign_name="skolbibliotek-host", landing="/produkter/winlas-skola")
    search = touch("search", "", "/produkter", host="google.com")
    mobile_ads = touch(
        campaign_name="skolbibliotek-host", landing="/produkter/winlas-skola", device="mobile"
    )
    news = touch(campaign_name="nyhetsbrev", landing="/nyheter", country="FI")
    # won in 4 and 10 days, one qualified and lost, one new: all first-touched by the campaign
    make_lead(
        1,
        created_at=now - 20 * DAY,
        status="vunnen",
        conversion_id=str(uuid.uuid4()),
        touches=touches(ads, search),
        moves=(
            ("kontaktad", now - 19 * DAY),
            ("kvalificerad", now - 18 * DAY),
            ("vunnen", now - 16 * DAY),
        ),
    )
    make_lead(
        2,
        created_at=now - 15 * DAY,
        status="vunnen",
        conversion_id=str(uuid.uuid4()),
        touches=touches(mobile_ads),
        moves=(("vunnen", now - 5 * DAY),),
    )
    make_lead(
        3,
        created_at=now - 12 * DAY,
        status="forlorad",
        conversion_id=str(uuid.uuid4()),
        touches=touches(ads),
        moves=(("kvalificerad", now - 11 * DAY), ("forlorad", now - 3 * DAY)),
    )
    make_lead(4, created_at=now - 2 * DAY, conversion_id=str(uuid.uuid4()), touches=touches(ads))
    make_lead(
        5,
        created_at=now - 6 * DAY,
        status="kvalificerad",
        conversion_id=str(uuid.uuid4()),
        touches=touches(news),
        kind="quote",
        moves=(("kvalificerad", now - 4 * DAY),),
    )
    # unknown: no consent, and one taken by phone that was won
    make_lead(6, created_at=now - 3 * DAY)
    make_lead(7, created_at=now - 8 * DAY, status="vunnen", moves=(("vunnen", now - 7 * DAY),))
    # outside the period
    make_lead(8, created_at=now - 200 * DAY, status="vunnen", touches=touches(ads))


def report_cells(html: str, model: str) -> dict[str, dict[str, str]]:
    """{row key: {column: text}} of one side's table."""
    table = html.split(f'data-table="attribution-{model}"', 1)[1].split("</table>", 1)[0]
    found = {}
    for row in re.findall(
        r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1].split("</tbody>", 1)[0], re.S
    ):
        header = re.search(r"<th[^>]*>(.*?)</th>", row, re.S)
        if header is None:
            continue  # "no inquiries in the period"
        key = re.sub(r"<[^>]+>", "", header.group(1))
        cells = dict(re.findall(r'data-column="([a-z_]+)">([^<]*)<', row))
        found[key.strip()] = cells
    return found


def test_the_report_counts_leads_qualified_won_rates_and_days_to_win(app, client, login_as):
    now = utcnow()
    with app.app_context():
        seed_report(now)
    login_as("marknad@winlas.se", "marketer")
    html = client.get("/dashboard/kunder/?period=30d").get_data(as_text=True)
    first, last = report_cells(html, "first"), report_cells(html, "last")
    host = first["skolbibliotek-host"]
    assert (host["leads"], host["qualified"], host["won"]) == ("4", "3", "2")
    # in Swedish: a decimal comma and a (non-breaking) space before the per cent sign
    assert host["qualified_rate"].startswith("75,0") and host["won_rate"].startswith("50,0")
    assert host["median_days_to_win"] == "7"  # 4 and 10 days
    assert first["nyhetsbrev"]["leads"] == "1" and first["nyhetsbrev"]["won"] == "0"
    assert first["nyhetsbrev"]["median_days_to_win"] == "–"
    unknown = first["okänd"]
    assert (unknown["leads"], unknown["won"]) == ("2", "1")
    assert list(first)[-1] == "okänd"
    # last touch: the first lead's search visit takes it
    assert last["(ingen kampanj)"]["won"] == "1" and last["skolbibliotek-host"]["won"] == "1"
    # the model is stated on the page
    assert "Första kontakt" in html and "Senaste kontakt" in html
    assert 'id="attribution-model"' in html


def test_the_report_by_source_and_by_landing_page(app, client, login_as):
    now = utcnow()
    with app.app_context():
        seed_report(now)
    login_as("marknad@winlas.se", "marketer")
    html = client.get("/dashboard/kunder/?period=30d&dimension=source").get_data(as_text=True)
    last = report_cells(html, "last")
    assert last["Sökmotor"]["leads"] == "1" and last["Kampanj"]["leads"] == "4"
    html = client.get("/dashboard/kunder/?period=30d&dimension=landing").get_data(as_text=True)
    first = report_cells(html, "first")
    assert first["/produkter/winlas-skola"]["won"] == "2" and first["/nyheter"]["qualified"] == "1"


def test_filters_apply_to_the_touch_and_leave_the_unknown_out(app, client, login_as):
    now = utcnow()
    with app.app_context():
        seed_report(now)
    login_as("marknad@winlas.se", "marketer")
    html = client.get("/dashboard/kunder/?period=30d&device=mobile").get_data(as_text=True)
    first, last = report_cells(html, "first"), report_cells(html, "last")
    assert list(first) == ["skolbibliotek-host"] and first["skolbibliotek-host"]["leads"] == "1"
    assert list(last) == ["skolbibliotek-host"]
    html = client.get("/dashboard/kunder/?period=30d&country=FI").get_data(as_text=True)
    assert list(report_cells(html, "first")) == ["nyhetsbrev"]
    html = client.get("/dashboard/kunder/?period=30d&page=/produkter&dimension=landing").get_data(
        as_text=True
    )
    assert list(report_cells(html, "first")) == []
    assert list(report_cells(html, "last")) == ["/produkter"]
    html = client.get("/dashboard/kunder/?period=30d&campaign=nyhetsbrev").get_data(as_text=True)
    assert report_cells(html, "last")["nyhetsbrev"]["qualified"] == "1"


def test_the_csv_has_both_models_and_neutralised_keys(app, client, login_as):
    now = utcnow()
    with app.app_context():
        seed_report(now)
        make_lead(
            9,
            created_at=now - DAY,
            conversion_id=str(uuid.uuid4()),
            touches=touches(touch(campaign_name="=HYPERLINK(1)")),
        )
    login_as("marknad@winlas.se", "marketer")
    response = client.get("/dashboard/kunder/export.csv?period=30d")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "model",
        "key",
        "leads",
        "signups",
        "qualified",
        "won",
        "qualified_rate",
        "won_rate",
        "median_days_to_win",
    ]
    # the models and the unknown key in the page's words, Swedish decimals (issue 17)
    by_key = {(row[0], row[1]): row for row in rows[1:]}
    assert by_key[("Första kontakt", "skolbibliotek-host")][2:6] == ["4", "0", "3", "2"]
    assert by_key[("Första kontakt", "skolbibliotek-host")][6:] == ["0,75", "0,5", "7,0"]
    assert ("Senaste kontakt", "okänd") in by_key  # the unknown row says so
    assert {row[0] for row in rows[1:]} == {"Första kontakt", "Senaste kontakt"}
    assert all(not row[1].startswith("=") for row in rows[1:])


@pytest.mark.parametrize(
    "query",
    [
        "dimension=evil",
        "dimension=%00",
        "period=forever",
        "period=custom&first=2026-13-01&last=2026-01-01",
        "country=S%00",
        "page=" + "x" * 600,
        "device=toaster",
        "source=%0Asearch",
    ],
)
def test_bad_input_is_a_400(client, login_as, query):
    login_as("marknad@winlas.se", "marketer")
    assert client.get(f"/dashboard/kunder/?{query}").status_code == 400
    assert client.get(f"/dashboard/kunder/export.csv?{query}").status_code == 400


@pytest.mark.parametrize(
    "role, status", [("customer", 403), ("staff", 403), ("marketer", 200), ("admin", 200)]
)
def test_only_marketers_and_admins_read_the_report(client, login_as, role, status):
    login_as(f"{role}@winlas.se", role)
    assert client.get("/dashboard/kunder/").status_code == status
    assert client.get("/dashboard/kunder/export.csv").status_code == status


def test_anonymous_visitors_are_sent_to_the_login(client):
    for path in ("/dashboard/kunder/", "/dashboard/kunder/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/logga-in")


def test_the_top_campaigns_for_the_overview(app):
    now = utcnow()
    with app.app_context():
        seed_report(now)
        leads = attribution.site_leads((now - 30 * DAY).date(), now.date())
    top = analytics.top_campaigns(leads)
    assert [item.campaign for item in top] == ["skolbibliotek-host", "nyhetsbrev"]
    assert (top[0].first.won, top[0].last.won) == (2, 1)


# -- the CRM's lead page ----------------------------------------------------------------------


@BOTH_STORES
def test_the_lead_page_tells_the_journey_in_plain_words(app, client, login_as):
    now = utcnow()
    conversion = str(uuid.uuid4())
    with app.app_context():
        write_lines(
            [
                visit_line(now - 9 * DAY, source="search", host="google.com", landing="/produkter"),
                visit_line(
                    now - 3 * DAY,
                    source="campaign",
                    host="facebook.com",
                    utm=campaign("skolbibliotek-host"),
                    landing="/produkter/winlas-skola",
                    pages=4,
                    conversion=conversion,
                ),
            ]
        )
        lead = make_lead(1, created_at=now - 3 * DAY, conversion_id=conversion)
        silent = make_lead(2, created_at=now)
    login_as("salj@winlas.se", "staff")
    html = client.get(f"/crm/leads/{lead.id}").get_data(as_text=True)
    assert "Varifrån leadet kom" in html
    assert "kom från en sökning på google.com" in html
    assert "kom via kampanjen skolbibliotek-host (facebook, social)" in html
    assert "såg 4 sidor" in html and "skickade formuläret" in html
    with app.app_context():
        assert Lead.get_by_id(lead.id).touches is not None  # looked up for the page, and kept
    html = client.get(f"/crm/leads/{silent.id}").get_data(as_text=True)
    assert "avsändaren hade inte godkänt statistik" in html
    assert "kom från" not in html


def test_a_marketer_reads_the_journey_with_a_link_to_the_report(app, client, login_as):
    with app.app_context():
        lead = make_lead(1, created_at=utcnow(), touches=None)
    login_as("marknad@winlas.se", "marketer")
    html = client.get(f"/crm/leads/{lead.id}").get_data(as_text=True)
    assert "/dashboard/kunder/" in html


def test_the_demo_leads_reach_vunnen_through_campaigns(app):
    with app.app_context():
        load.load_all(PASSWORD)
        analytics.synthetic_traffic(20_000, 90, seed=7)  # as the demo loads it
        load.leads_for_conversions(7)
        linked = leads_demo.attribute_demo_leads(7)
        assert linked["leads linked to their visits"] > 0
        now = utcnow()
        leads = attribution.site_leads((now - 90 * DAY).date(), now.date())
        won = [lead for lead in leads if lead.status == "vunnen" and lead.first_touch]
        assert won and any(lead.first_touch.campaign for lead in leads if lead.first_touch)
        assert all(lead.won_at is not None and lead.won_at > lead.created_at for lead in won)
        assert any(lead.kind == "course" and lead.first_touch for lead in leads)
        assert User.select().count() >= 1
