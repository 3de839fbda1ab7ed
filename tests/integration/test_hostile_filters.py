"""Hostile periods and filters on every statistics page, and hostile event text in every store
(docs/HOSTILE_INPUTS.md #5, #6, #10, #14, #33, #36).

Each test runs on SQLite and PostgreSQL and, where the store matters, with the events in the
site's database ("sql") and in ClickHouse embedded in the process ("chdb"):

- every dashboard page, table page, CSV export, the campaign-to-customer report and the funnel
  report answer a hostile query string (NUL, bad UTF-8 as raw bytes, 10 000 characters, control
  characters, SQL and ClickHouse metacharacters, unknown and repeated filters, four or more
  filters, impossible, reversed, century-long and future periods) with a 400 or a page, never
  a 500, within seconds; the same values posted with the notes' and saved views' forms too;
- every link the pages draw (a row's filter, a chip's removal, a period) opens a page;
- event text with quotes, backslashes, tabs, newlines, NUL, 4-byte emoji at the longest the
  collector keeps goes through the spool writer and comes back identical in the person's
  export; an erasure is complete at once, for the lines still in the spool too; retention takes
  old rows out of every report at once;
- filter values with ``'``, ``%``, ``_``, ``\\`` and ClickHouse placeholders give the numbers
  counted from the events themselves in every store (rollups and cube, raw SQL, ClickHouse), and
  reach ClickHouse only as bound parameters.
"""

from __future__ import annotations

import csv
import datetime
import html
import io
import json
import random
import re
import time
import uuid
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from markupsafe import escape

import analytics
from analytics import db, reports, rollups, subjects, synthetic
from analytics.clickhouse import client as ch
from analytics.clickhouse import reports as clickhouse_reports
from analytics.clickhouse import schema as clickhouse_schema
from analytics.funnels.models import Funnel, Step
from analytics.funnels.report import count_reached, step_events
from analytics.line import dumps
from analytics.querying import Filters, Period
from analytics.state import current
from analytics.store import MAX_TRIES, purge, write_lines
from tests.conftest import csrf_from, log_in, ms
from tests.unit.test_funnels import reference

NOW = datetime.datetime(2026, 11, 20, 12, 0)
TODAY = NOW.date()
HOUR = datetime.timedelta(hours=1)
A, B, C, D = "a" * 32, "b" * 32, "c" * 32, "d" * 32
# what a request may take at test size before it counts as running away
SECONDS = 5.0


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW.replace(tzinfo=datetime.UTC), tick=False):
        yield


def line(visitor, events, *, geo=("SE", "AB", "Stockholm"), ua=None, user=None) -> dict:
    """A spooled request line as the collector writes it."""
    return {
        "r": ms(NOW),
        "v": visitor,
        "u": user,
        "ip": "192.0.2.0",
        "geo": list(geo),
        "ua": list(ua or ("Chrome", "120", "Windows", "10", "desktop")),
        "events": events,
    }


def ev(kind, when, path, **fields) -> dict:
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(when), "path": path}
    if kind == "pageview":
        item.setdefault("ref", ["direct", ""])
    item.update(fields)
    return item


def chdb_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh database in this process's one chDB directory (chDB opens one per process)."""
    path = tmp_path_factory.getbasetemp() / "chdb"
    return f"chdb://{path}?database=t_{uuid.uuid4().hex[:16]}"


@pytest.fixture(params=["sql", "chdb"])
def store(request) -> str:
    """Where the raw events live: the site's database, or ClickHouse (chDB)."""
    return request.param


@pytest.fixture
def app_config(app_config, tmp_path_factory, store):
    if store == "sql":
        yield app_config
        return
    url = chdb_url(tmp_path_factory)
    yield {**app_config, "ANALYTICS_STORE": url}
    ch.configure(url)
    ch.drop_database()
    ch.configure("")


@pytest.fixture
def app(app, database, store):
    if store == "chdb":
        with app.app_context():
            applied = analytics.migrate(database)
        assert "clickhouse:create visit" in applied
    return app


@pytest.fixture
def logged_in(client, create_user, auth):
    """The test client, logged in as a marketer."""
    create_user("marknad@exempel.se", role="marketer")
    assert auth.login("marknad@exempel.se").status_code == 302
    return client


@pytest.fixture
def marketer(app, logged_in):
    """A logged-in marketer, a little traffic with hostile paths and two funnels."""
    day = NOW - datetime.timedelta(days=1)
    with app.app_context():
        write_lines(
            [
                line(A, [ev("pageview", day, "/it's"), ev("pageview", day, "/50%_off\\x")]),
                line(B, [ev("pageview", day, "/produkter")], geo=("NO", "03", "Oslo")),
            ]
        )
        Funnel.make(
            "hostile",
            [Step("page", "/50%_off*"), Step("click", "it's \\"), Step("page", "/it's")],
            "visit",
        )
        Funnel.make("any", [Step("page", "/*"), Step("conversion", "contact")], "30d")
    return logged_in


# ---------------------------------------------------------------------------- query strings

# every page that reads a period and filters from its query string
SELECTION_URLS = [
    "/dashboard/",
    "/dashboard/table/page",
    "/dashboard/table/country",
    "/dashboard/table/timeseries",
    "/dashboard/table/summary",
    "/dashboard/table/click",
    "/dashboard/export/page.csv",
    "/dashboard/export/entry.csv",
    "/dashboard/export/timeseries.csv",
    "/dashboard/export/download.csv",
    "/dashboard/kunder/",
    "/dashboard/kunder/export.csv",
    "/dashboard/funnels/1",
    "/dashboard/funnels/1.csv",
    "/dashboard/funnels/2",
]
LONG = "x" * 10_000
BAD = [
    "page=%00",
    "page=/a%00b",
    "campaign=a%00",
    "page=/" + LONG,
    "campaign=" + LONG,
    "browser=" + LONG,
    "period=" + LONG,
    "page=/a%01b",
    "page=/a%09b",
    "page=/a%0d%0ab",
    "page=/a%7fb",
    "campaign=%1b[31m",
    "page=it's",  # a page is a path
    "country=%27%27",
    "country=S%25",
    "source=%27%20OR%201%3D1--",
    "source=_",
    "device=%25",
    "device=desktop%27--",
    "period=custom&first=2026-02-30&last=2026-11-20",
    "period=custom&first=2026-13-01&last=2026-11-20",
    "period=custom&first=0000-01-01&last=2026-11-20",
    "period=custom&first=2026-11-00&last=2026-11-20",
    "period=custom&first=2026-11-20&last=2026-11-01",  # from > to
    "period=custom&first=1926-11-20&last=2026-11-20",  # a hundred years
    "period=custom&first=2026-11-10&last=2126-11-10",  # and into the future
    "period=custom&first=9999-12-31&last=9999-12-31",
    "period=custom&first=2026-11-21&last=2026-11-21",  # tomorrow
    "period=custom&first=1999-12-31&last=2000-01-01",  # before anything was measured
    "period=custom&first=2024-11-19&last=2026-11-20",  # 731 days and one
    "period=custom&first=+2026-11-20&last=2026-11-20",
    "period=custom&first=2026-11-20%00&last=2026-11-20",
    "period=custom&first=2026-11-20T00:00&last=2026-11-20",
    "period=custom&first=%7Bx:String%7D&last=2026-11-20",
    "period=custom&first=2026-11-20",
    "period=custom",
    "period=%00",
    "period=%27%20OR%201%3D1--",
    "period=7d%25",
]
GOOD = [
    "page=/'",
    "page=/%5C",
    "page=/%25",
    "page=/_",
    "page=/%60",
    "page=/--",
    "page=/%7Bx:String%7D",
    "page=/%7Bf_page:String%7D",
    "page=/%3F",
    "page=/%25s",
    "page=/%25(x)s",
    "page=/%5CN",
    "page=/%F0%9F%98%80",
    "page=/a%C2%85b",  # a C1 control is text, not a control character here
    "page=/a%E2%80%A8b",
    "page=/" + "%F0%9F%98%80" * 511,  # the longest page filter, 4-byte characters
    "campaign=" + "%F0%9F%98%80" * 100,
    "campaign=%27%20OR%20%271%27%3D%271",
    "campaign=%5C",
    "campaign=%5C%27",
    "campaign=%25",
    "campaign=_",
    "campaign=%60",
    "campaign=--",
    "campaign=%3F",
    "campaign=%25s",
    "campaign=%7Bx:String%7D",
    "browser=%5CN",
    "browser=%7Bf_browser:String%7D",
    "browser=Chr%25",
    "country=se",
    "device=other",
    "os=Windows&city=x&foo=bar&compare=1&from=2020-01-01&to=2030-01-01",  # not filters
    "country=SE&country=NO",  # the first counts
    "page=/a&page=/b",
    "page=&country=&device=&campaign=",
    "page=/finns-inte&country=SE&device=desktop",
    "page=/finns-inte&campaign=%25&browser=_",
    "page=/it's&country=SE&device=desktop&browser=Chrome",  # four filters
    "page=/it's&country=SE&device=desktop&browser=Chrome&source=direct&campaign=x",
    "country=SE&device=desktop&browser=Chrome&source=direct",
    "period=today&country=SE&device=desktop&page=/it's",
    "period=12m&page=/finns-inte&country=SE&campaign=x",
    "period=custom&first=2000-01-01&last=2000-01-01",
    "period=custom&first=2000-01-01&last=2001-12-31",
    "period=custom&first=2024-11-20&last=2026-11-20",  # 731 days
    "period=custom&first=2024-11-20&last=2026-11-20&page=/'&country=SE&device=desktop",
    "period=custom&first=2026-11-20&last=2026-11-20",
    "period=today&first=x&last=y",  # ignored outside a custom period
    "period=7d&period=30d",
    "first=2026-01-01",
]


def timed_get(client, url: str, **options):
    started = time.monotonic()
    response = client.get(url, **options)
    took = time.monotonic() - started
    assert took < SECONDS, f"{url}: {took:.1f} s"
    return response


@pytest.mark.parametrize("query", BAD)
def test_a_bad_query_value_is_400_on_every_statistics_page(marketer, query):
    for url in SELECTION_URLS:
        response = timed_get(marketer, f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert response.headers["Cache-Control"] == "no-store"
        assert response.mimetype == "text/html"


@pytest.mark.parametrize("query", GOOD)
def test_a_hostile_but_valid_query_answers_a_page_or_a_file(marketer, query):
    for url in SELECTION_URLS:
        response = timed_get(marketer, f"{url}?{query}")
        assert response.status_code == 200, (url, query)
        expected = "text/csv" if url.endswith(".csv") else "text/html"
        assert response.mimetype == expected, url
    # the overview keeps every filter it applied (escaped, the first of a repeated one) in its
    # form, and offers to remove each
    applied = {}
    for key, value in parse_qsl(query):
        if key in reports.FILTERS and value and key not in applied:
            applied[key] = value.upper() if key == "country" else value
    page = marketer.get(f"/dashboard/?{query}").get_data(as_text=True)
    for key, value in applied.items():
        assert f'type="hidden" name="{key}" value="{escape(value)}"' in page, key
    assert page.count('class="filter-chip"') == len(applied)


@pytest.mark.parametrize(
    "query",
    ["dimension=%00", "dimension=" + LONG, "dimension=%27", "dimension=page%27--", "dimension=x"],
)
def test_a_bad_dimension_of_the_customer_report_is_400(marketer, query):
    for url in ["/dashboard/kunder/", "/dashboard/kunder/export.csv"]:
        assert timed_get(marketer, f"{url}?{query}").status_code == 400


@pytest.mark.parametrize(
    "url", ["/dashboard/table/%00", "/dashboard/export/%27.csv", "/dashboard/table/" + LONG]
)
def test_an_unknown_table_is_404(marketer, url):
    assert timed_get(marketer, url).status_code == 404


# raw bytes, as a client that does not percent-encode sends them: bytes that are not UTF-8
# are a 400 before any view (winlas_site.security.QueryStringGuard), and so are NUL and
# control bytes; good UTF-8 is text like any other
RAW = [
    (b"page=/\xff\xfe", 400),
    (b"page=/\xed\xa0\x80", 400),  # a lone surrogate in UTF-8's form
    (b"campaign=\xc3(", 400),
    (b"browser=\xf0\x9f\x98", 400),  # a cut 4-byte character
    (b"period=custom&first=2026-11-01&last=2026-11-\xff", 400),
    (b"page=/\x00", 400),
    (b"campaign=a\x01b", 400),
    (b"page=/a\nb", 400),
    (b"page=/\xc3\xa5\xf0\x9f\x98\x80&campaign=v\xc3\xa5r", 200),
]


@pytest.mark.parametrize(("raw", "status"), RAW)
def test_raw_bytes_in_the_query_string(marketer, raw, status):
    for url in SELECTION_URLS:
        response = timed_get(
            marketer, url, environ_overrides={"QUERY_STRING": raw.decode("latin-1")}
        )
        assert response.status_code == status, (url, raw)


@pytest.mark.parametrize("query", [*BAD[:12], *GOOD[:12], "page=/%ED%A0%80"])
def test_a_hostile_selection_posted_beside_a_form_is_a_4xx_or_kept(marketer, query):
    """The notes' and saved views' forms send the overview's period and filters back: a bad
    one is a 400, a good one is saved and leads back to the same view."""
    token = csrf_from(marketer.get("/dashboard/views").get_data(as_text=True))
    selection = dict(parse_qsl(query, errors="replace"))
    valid = query in GOOD or query == "page=/%ED%A0%80"
    for url, fields in [
        ("/dashboard/views", {"name": f"vy {uuid.uuid4().hex[:8]}"}),
        ("/dashboard/annotations", {"text": "kampanj", "day": "2026-11-19"}),
    ]:
        response = marketer.post(
            url, data={"csrf_token": token, "period": "7d", **selection, **fields}
        )
        assert response.status_code == (302 if valid else 400), (url, query)
        if valid:
            back = timed_get(marketer, response.headers["Location"])
            assert back.status_code == 200


# ---------------------------------------------------------------------------- hostile traffic

PATHS = [
    "/it's",
    "/50%_off",
    "/50%",
    "/5_0",
    "/5x0",  # what "/5_0" would match as a LIKE pattern
    "/back\\slash",
    "/back\\",
    "/{x:String}",
    "/{f_page:String}",
    "/?",
    "/%s",
    "/--",
    "/`x`",
    "/\U0001f600",
    "/\\N",
    "/a'--",
]
CAMPAIGNS = ["", "it's", "50%", "5_0", "5x0", "back\\", "{f_campaign:String}", "%s", "x' OR '1'='1"]
BROWSERS = ["Chrome", "Chr_me", "Chr%", "\\N", "Fire'fox"]
CITIES = ["", "\\N", "\\.", "a\tb", "a\nb", 'q"q', "\\", "'"]


def hostile_traffic(seed: int = 3, count: int = 160) -> tuple[list[dict], list[dict]]:
    """Spool lines of ``count`` visits over the last 12 days with hostile paths, campaigns,
    browsers and cities, and the same visits as plain records (what a report must count)."""
    rng = random.Random(seed)
    lines, visits = [], []
    for index in range(count):
        # a browser comes back every few days, never twice within a visit's 30 minutes
        visitor = f"{index % 50:032x}"
        start = NOW - datetime.timedelta(
            days=index % 12, hours=1 + (index // 12) % 10, minutes=rng.randrange(50)
        )
        paths = rng.sample(PATHS, rng.randint(1, 3))
        campaign, browser = rng.choice(CAMPAIGNS), rng.choice(BROWSERS)
        country, device = rng.choice(["SE", "NO", ""]), rng.choice(["desktop", "mobile", "other"])
        events = []
        for number, path in enumerate(paths):
            event = ev("pageview", start + datetime.timedelta(seconds=number), path)
            if number == 0 and campaign:
                event["utm"] = {"utm_source": "s", "utm_campaign": campaign}
                event["ref"] = ["campaign", ""]
            events.append(event)
        if rng.random() < 0.3:
            events.append(
                ev("click", start + datetime.timedelta(seconds=9), paths[-1], target="/x.pdf")
            )
        lines.append(
            line(
                visitor,
                events,
                geo=(country, "", rng.choice(CITIES)),
                ua=(browser, "1", "OS", "1", device),
            )
        )
        visits.append(
            {
                "visitor": visitor,
                "start": start,
                "paths": paths,
                "campaign": campaign,
                "browser": browser,
                "country": country,
                "device": device,
                "source": "campaign" if campaign else "direct",
            }
        )
    # in time order, as browsers send them
    lines.sort(key=lambda item: item["events"][0]["ts"])
    return lines, visits


def passing(visits: list[dict], period: Period, filters: Filters) -> list[dict]:
    first, end = period.bounds()
    return [
        visit
        for visit in visits
        if first <= visit["start"] < end
        and (not filters.page or filters.page in visit["paths"])
        and all(
            not getattr(filters, name) or getattr(filters, name) == visit[name]
            for name in ("country", "device", "browser", "source", "campaign")
        )
    ]


def counted(visits: list[dict], period: Period, filters: Filters) -> dict:
    """What the reports must say, counted from the visits themselves."""
    found = passing(visits, period, filters)
    pages: dict[str, int] = {}
    campaigns: dict[str, int] = {}
    for visit in found:
        for path in visit["paths"]:
            pages[path] = pages.get(path, 0) + 1
        campaigns[visit["campaign"]] = campaigns.get(visit["campaign"], 0) + 1
    return {
        "summary": (
            len({visit["visitor"] for visit in found}),
            len(found),
            sum(len(visit["paths"]) for visit in found),
        ),
        "pages": pages,
        "campaigns": campaigns,
    }


def shown(dashboard: dict) -> dict:
    summary = dashboard["summary"]
    return {
        "summary": (summary.visitors, summary.visits, summary.pageviews),
        "pages": {row.key: row.visits for row in dashboard["tables"]["page"]},
        "campaigns": {row.key: row.visits for row in dashboard["tables"]["campaign"]},
    }


HOSTILE_FILTERS = [
    Filters(),
    *(Filters(page=path) for path in PATHS),
    *(Filters(campaign=campaign) for campaign in CAMPAIGNS if campaign),
    *(Filters(browser=browser) for browser in BROWSERS),
    Filters(device="other"),
    Filters(page="/50%", campaign="50%"),
    Filters(page="/5_0", campaign="5_0"),
    Filters(page="/back\\", campaign="back\\"),
    Filters(page="/{x:String}", campaign="{f_campaign:String}", browser="\\N"),
    Filters(page="/50%_off", browser="Chr%", device="desktop"),
    Filters(campaign="x' OR '1'='1", browser="Fire'fox", country="SE"),
    Filters(page="/finns-inte", campaign="50%", browser="Chr_me"),
    Filters(
        page="/50%",
        country="SE",
        device="mobile",
        browser="Chrome",
        source="campaign",
        campaign="5_0",
    ),
]
PERIODS = [Period.parse(name, None, None, TODAY) for name in ("today", "7d", "30d")]


def test_hostile_filter_values_count_what_the_events_say_in_every_store(app, store):
    """``'``, ``%``, ``_``, ``\\``, ``\\N`` and placeholders are values, not patterns: each
    report counts exactly the visits holding the value (from the rollups and the cube, from raw
    SQL, from ClickHouse)."""
    lines, visits = hostile_traffic()
    with app.app_context():
        write_lines(lines)
        if store == "sql":
            rollups.run(NOW)  # yesterday and before from the rollups and the cube
        compared = 0
        for period in PERIODS:
            for filters in HOSTILE_FILTERS:
                found = reports.dashboard(period, filters, now=NOW)
                assert shown(found) == counted(visits, period, filters), (period, filters)
                compared += found["summary"].visits
                if store == "sql":
                    raw = reports.dashboard(period, filters, now=NOW, raw=True)
                    for key in raw:
                        assert found[key] == raw[key], (period, filters, key)
        assert compared > 500  # the values matched visits: the comparison counted something


def test_every_link_the_statistics_pages_draw_opens_a_page(app, store, marketer):
    """A row's filter link, a chip's removal and the periods, for hostile keys (a device
    "other", from a user agent that could not be parsed, was once a link to a 400)."""
    with app.app_context():
        write_lines(hostile_traffic(count=60)[0])
    seen: set[str] = set()
    for start in [
        "/dashboard/?period=7d",
        "/dashboard/table/device?period=30d",
        "/dashboard/table/page?period=30d&campaign=50%25",
        "/dashboard/table/campaign?period=30d&page=/50%25_off&browser=Chr%25",
    ]:
        page = timed_get(marketer, start).get_data(as_text=True)
        for href in re.findall(r'href="(/dashboard/[^"]*)"', page):
            href = html.unescape(href)
            if href in seen or "/export/" in href or "/views" in href:
                continue
            seen.add(href)
            assert timed_get(marketer, href).status_code == 200, href
    devices = {dict(parse_qsl(urlsplit(href).query)).get("device") for href in seen}
    assert {"desktop", "mobile", "other"} <= devices


def test_a_row_link_filters_on_exactly_that_value(app, store, logged_in):
    """Each row of the page table links to a filter on its own path, however hostile, and
    that filter counts the visits that viewed it."""
    lines, visits = hostile_traffic(count=60)
    with app.app_context():
        write_lines(lines)
    period = Period.parse("30d", None, None, TODAY)
    page = logged_in.get("/dashboard/table/page?period=30d").get_data(as_text=True)
    links = {
        html.unescape(text): dict(parse_qsl(urlsplit(html.unescape(href)).query))
        for href, text in re.findall(
            r'<a href="(/dashboard/table/page\?[^"]*)" title="[^"]*">([^<]*)</a>', page
        )
    }
    assert set(links) == {path for visit in visits for path in visit["paths"]}
    for path, query in links.items():
        assert query == {"period": "30d", "page": path}
        summary = csv_rows(logged_in.get("/dashboard/export/summary.csv", query_string=query))
        visits_shown = summary[2][1]  # the rows: header, visitors, visits, …
        assert int(visits_shown) == counted(visits, period, Filters(page=path))["summary"][1]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )


# ---------------------------------------------------------------------------- the event text

EMOJI = "\U0001f600"
NASTY = (
    'it\'s "q" back\\slash \\N \\. tab\there new\nline cr\rx {x:String} ? %s %(a)s _ % ` -- '
    + EMOJI
)


def fill(text: str, length: int) -> str:
    """``text`` repeated to exactly ``length`` characters."""
    return (text * (length // len(text) + 1))[:length]


def nasty_line(visitor: str, user_id: int | None, extra: str = "") -> dict:
    """A line whose every text field holds NASTY (plus ``extra``) at the longest the collector
    keeps (analytics.enrich, analytics.payload)."""
    when = NOW - HOUR
    path = fill("/" + NASTY + extra, 512)
    return line(
        visitor,
        [
            ev(
                "pageview",
                when,
                path,
                ref=["search", fill(NASTY, 255)],
                utm={
                    name: fill(NASTY + extra, 100)
                    for name in ("utm_source", "utm_medium", "utm_campaign", "utm_term")
                }
                | {"utm_content": fill(NASTY, 100)},
                screen=fill(NASTY, 20),
                viewport=fill(NASTY, 20),
                tz=fill(NASTY, 64),
                lang=fill(NASTY, 100),
                platform=fill(NASTY, 50),
            ),
            ev(
                "click",
                when + datetime.timedelta(seconds=1),
                path,
                target=fill(NASTY + extra, 512),
                name=fill(NASTY, 200),
            ),
            ev("engagement", when + datetime.timedelta(seconds=2), path, ms=12_345),
        ],
        geo=("SE", fill(NASTY, 80), fill(NASTY + extra, 120)),
        ua=(fill(NASTY, 50), fill(NASTY, 20), fill(NASTY, 50), fill(NASTY, 20), "desktop"),
        user=user_id,
    )


def assert_exported(visit: dict, spooled: dict) -> None:
    page, click, engagement = spooled["events"]
    geo, agent = spooled["geo"], spooled["ua"]
    expected_visit = {
        "visitor_id": spooled["v"],
        "entry_path": page["path"],
        "exit_path": page["path"],
        "referrer_source": "search",
        "referrer_host": page["ref"][1],
        "country": geo[0],
        "region": geo[1],
        "city": geo[2],
        "browser": agent[0],
        "browser_version": agent[1],
        "os": agent[2],
        "os_version": agent[3],
        "device": agent[4],
        "screen": page["screen"],
        "language": page["lang"],
        "timezone": page["tz"],
        "platform": page["platform"],
        **page["utm"],
    }
    assert {key: visit[key] for key in expected_visit} == expected_visit
    assert [event["event_id"] for event in visit["events"]] == [
        page["id"],
        click["id"],
        engagement["id"],
    ]
    assert [event["path"] for event in visit["events"]] == [page["path"]] * 3
    assert visit["events"][0]["viewport"] == page["viewport"]
    assert (visit["events"][1]["target"], visit["events"][1]["name"]) == (
        click["target"],
        click["name"],
    )
    assert visit["events"][2]["engaged_ms"] == 12_345


def test_hostile_event_text_comes_back_identical_in_the_export(app, store, create_user):
    """Through the spool writer into the store and back out through the person's export, and
    as a report's key and filter."""
    user = create_user("kund@exempel.se")
    spooled = nasty_line(A, user.id)
    with app.app_context():
        state = current()
        state.spool.append(dumps(spooled))
        state.flush()
        assert (state.spool.pending_lines(), state.spool.quarantined_lines()) == (0, 0)
        (visit,) = subjects.personal_data(user.id)["visits"]
        assert_exported(visit, spooled)
        assert subjects.browser_visits([A]) == [visit]
        assert json.loads(json.dumps(visit)) == visit
        period = Period.parse("7d", None, None, TODAY)
        path, campaign = visit["entry_path"], visit["utm_campaign"]
        found = reports.dashboard(period, Filters(page=path, campaign=campaign), now=NOW)
        assert (found["summary"].visits, found["summary"].pageviews) == (1, 1)
        assert [row.key for row in found["tables"]["page"]] == [path]
        assert [row.key for row in found["tables"]["city"]] == [visit["city"]]
        assert found["clicks"]["click"] == [(visit["events"][1]["target"], 1)]


def test_a_nul_in_spooled_text_is_stored_whole_or_quarantined_never_jams(
    app, store, create_user, database
):
    """The collector refuses a NUL (hostile input 6); a line holding one anyway is stored as it
    is where the store takes it (SQLite, ClickHouse), and quarantined where it does not
    (PostgreSQL): the spool moves on either way."""
    user = create_user("kund@exempel.se")
    spooled = nasty_line(A, user.id, extra="\x00")
    refused = store == "sql" and "Postgres" in type(database).__name__
    with app.app_context():
        state = current()
        state.spool.append(dumps(spooled))
        state.spool.append(dumps(line(B, [ev("pageview", NOW - HOUR, "/efter")])))
        for _ in range(MAX_TRIES):
            state.flush()
        assert state.spool.pending_lines() == 0
        assert state.spool.quarantined_lines() == (1 if refused else 0)
        exported = subjects.personal_data(user.id)["visits"]
        if refused:
            assert exported == []
        else:
            (visit,) = exported
            assert_exported(visit, spooled)
            assert "\x00" in visit["city"] and "\x00" in visit["events"][1]["target"]
        assert [v["entry_path"] for v in subjects.browser_visits([B])] == ["/efter"]


# ---------------------------------------------------------------------------- erasure, retention

ERASED_CAMPAIGN = "it's 50%_off\\"


def test_an_erasure_is_complete_at_once_with_lines_still_in_the_spool(app, store, create_user):
    user = create_user("kund@exempel.se")
    when = NOW - 3 * HOUR
    minute = datetime.timedelta(minutes=1)
    campaign = {"utm_source": "x", "utm_campaign": ERASED_CAMPAIGN}
    period = Period.parse("7d", None, None, TODAY)
    with app.app_context():
        state = current()
        # anonymous first, then logged in, in separate batches: a visit in several versions
        write_lines([line(A, [ev("pageview", when, "/", utm=campaign, ref=["campaign", ""])])])
        write_lines([line(A, [ev("pageview", when + minute, "/konto")], user=user.id)])
        write_lines([line(B, [ev("pageview", when, "/")])])
        # and more of hers, still waiting in the spool, beside someone else's
        state.spool.append(
            dumps(line(A, [ev("pageview", when + 2 * minute, "/sen")], user=user.id))
        )
        state.spool.append(dumps(line(C, [ev("pageview", when + 2 * minute, "/sen")])))
        state.spool.append(dumps(line(A, [ev("pageview", when + 3 * minute, "/anonym")])))
        before = reports.summary(period, Filters())
        assert (before.visitors, before.visits) == (2, 2)
        assert reports.summary(period, Filters(campaign=ERASED_CAMPAIGN)).visits == 1

        subjects.erase_user(user.id)
        assert subjects.personal_data(user.id)["visits"] == []
        assert subjects.browser_visits([A]) == []
        after = reports.summary(period, Filters())
        assert (after.visitors, after.visits, after.pageviews) == (1, 1, 1)
        for filters in (Filters(campaign=ERASED_CAMPAIGN), Filters(page="/konto")):
            assert reports.summary(period, filters).visits == 0
            assert reports.table("page", period, filters) == []

        state.flush()  # her lines are dropped, the other one stored
        assert state.spool.pending_lines() == 0
        assert subjects.browser_visits([A]) == []
        after = reports.summary(period, Filters())
        assert (after.visitors, after.visits) == (2, 2)
        assert reports.summary(period, Filters(page="/sen")).visitors == 1
        if store == "chdb":
            # the deleted rows stay deleted when ClickHouse merges the parts
            ch.command("OPTIMIZE TABLE visit FINAL")
            ch.command("OPTIMIZE TABLE event FINAL")
            assert subjects.browser_visits([A]) == []
            assert reports.summary(period, Filters()).visits == 2
    client = app.test_client()
    create_user("marknad@exempel.se", role="marketer")
    assert log_in(client, "marknad@exempel.se").status_code == 302
    summary = csv_rows(client.get("/dashboard/export/summary.csv?period=7d"))
    assert summary[1][1] == "2" and summary[2][1] == "2"  # visitors, visits
    found = client.get("/dashboard/export/page.csv", query_string={"campaign": ERASED_CAMPAIGN})
    assert len(csv_rows(found)) == 1  # the header alone


def test_after_an_erasure_the_charts_count_the_visitors_the_key_figures_count(
    app, store, create_user
):
    """Days already rolled up: the time series' visitors per day and per hour drop with the
    key figures' (the daily and hourly rows kept the erased browser in their number)."""
    user = create_user("kund@exempel.se")
    earlier, today = NOW - datetime.timedelta(days=2), NOW - 3 * HOUR
    with app.app_context():
        for when in (earlier, today):
            write_lines(
                [
                    line(A, [ev("pageview", when, "/a'%")], user=user.id),
                    line(B, [ev("pageview", when, "/a'%")], geo=("NO", "03", "Oslo")),
                ]
            )
        if store == "sql":
            rollups.run(NOW)
        subjects.erase_user(user.id)
        for name in ("7d", "today"):
            period = Period.parse(name, None, None, TODAY)
            for filters in (Filters(), Filters(page="/a'%"), Filters(country="NO")):
                assert reports.summary(period, filters).visitors == 1
                points = [point for _at, point in reports.timeseries(period, filters)]
                assert [point.visitors for point in points if point.visits] == (
                    [1, 1] if name == "7d" else [1]
                ), (name, filters)


def test_retention_takes_old_rows_out_of_every_report_at_once(app, store):
    old, recent = NOW - datetime.timedelta(days=100), NOW - datetime.timedelta(days=3)
    gone = {"utm_source": "s", "utm_campaign": "gammal'%_"}
    with app.app_context():
        write_lines(
            [
                line(A, [ev("pageview", old, "/gammal", utm=gone, ref=["campaign", ""])]),
                line(A, [ev("click", old, "/gammal", target="/gammal.pdf")]),
                line(B, [ev("pageview", recent, "/ny")]),
            ]
        )
        period = Period.parse("12m", None, None, TODAY)
        assert reports.summary(period, Filters()).visits == 2
        assert purge(NOW - datetime.timedelta(days=50)) == (2, 1)
        found = reports.dashboard(period, Filters(), now=NOW)
        assert (found["summary"].visitors, found["summary"].visits) == (1, 1)
        assert [row.key for row in found["tables"]["page"]] == ["/ny"]
        assert found["clicks"]["download"] == []
        assert [point.visits for _day, point in found["timeseries"] if point.visits] == [1]
        for filters in (Filters(campaign="gammal'%_"), Filters(page="/gammal")):
            assert reports.summary(period, filters).visits == 0


# ---------------------------------------------------------------------------- ClickHouse


@pytest.fixture
def both_stores(database, tmp_path_factory):
    """The same hostile traffic in the SQL database (rolled up) and in chDB."""
    db.database.initialize(database)
    url = chdb_url(tmp_path_factory)
    lines, visits = hostile_traffic(seed=5)
    with database.connection_context():
        write_lines(lines)
        rollups.run(NOW)
        ch.configure(url)
        try:
            clickhouse_schema.migrate(425)
            write_lines(lines)
        finally:
            ch.configure("")
        yield url, visits
    ch.configure(url)
    ch.drop_database()
    ch.configure("")


HOSTILE_FUNNELS = [
    ([Step("page", "/50%*"), Step("page", "/5_0")], None),
    ([Step("page", "/5_*"), Step("page", "/back\\*")], None),
    ([Step("page", "/{x:String}"), Step("page", "/it's")], datetime.timedelta(days=30)),
    ([Step("page", "/*"), Step("click", "/x.pdf")], None),
]


def funnel_reference(steps, window, visits, period, filters) -> list[int]:
    """The funnel counted by brute force from the visits themselves."""
    items = []
    for number, visit in enumerate(passing(visits, period, filters)):
        for offset, path in enumerate(visit["paths"]):
            bits = sum(
                1 << index
                for index, step in enumerate(steps)
                if step.kind == "page"
                and (path.startswith(step.prefix) if step.wildcard else path == step.value)
            )
            if bits:
                items.append(
                    (
                        visit["visitor"],
                        number,
                        visit["start"] + datetime.timedelta(seconds=offset),
                        bits,
                    )
                )
    items.sort(key=lambda item: (item[0], item[2]))
    return reference(items, len(steps), window)


def test_sql_and_clickhouse_agree_on_hostile_filters_and_funnel_steps(both_stores, database):
    url, visits = both_stores
    with database.connection_context():
        for period in PERIODS:
            for filters in HOSTILE_FILTERS:
                expected = reports.dashboard(period, filters, now=NOW)
                ch.configure(url)
                try:
                    found = clickhouse_reports.dashboard(period, filters, now=NOW)
                finally:
                    ch.configure("")
                for key in ("summary", "previous", "timeseries", "tables", "clicks"):
                    assert found[key] == expected[key], (period, filters, key)
                assert shown(found) == counted(visits, period, filters)
            for steps, window in HOSTILE_FUNNELS[:3]:
                for filters in (Filters(), Filters(campaign="50%"), Filters(browser="\\N")):
                    sql = count_reached(step_events(steps, period, filters), len(steps), window)
                    ch.configure(url)
                    try:
                        found = count_reached(
                            step_events(steps, period, filters), len(steps), window
                        )
                    finally:
                        ch.configure("")
                    assert found == sql == funnel_reference(steps, window, visits, period, filters)


class Recorder:
    """Every statement and its parameters sent to ClickHouse."""

    def __init__(self, handle):
        self.handle = handle
        self.sent: list[tuple[str, dict]] = []

    def __getattr__(self, name):
        return getattr(self.handle, name)

    def query(self, sql, params, settings):
        self.sent.append((sql, dict(params or {})))
        return self.handle.query(sql, params, settings)


MARKERS = {
    "page": "/zq'x\\y{p:String}%s",
    "campaign": "zq'c\\d{c:String}%s",
    "browser": "zq'b\\e{b:String}",
    "country": "ZQ",
    "device": "other",
    "source": "zqsource",
}


@pytest.mark.parametrize("store", ["chdb"])
def test_filter_values_reach_clickhouse_only_as_bound_parameters(app, store, monkeypatch):
    """No filter value, funnel step or period bound is ever part of a statement's text."""
    with app.app_context():
        write_lines(hostile_traffic(count=20)[0])
        recorder = Recorder(ch._handle())
        monkeypatch.setitem(ch._state, "client", recorder)
        period = Period.parse("30d", None, None, TODAY)
        filters = Filters(**MARKERS)
        reports.dashboard(period, filters, now=NOW)
        reports.summary(period, filters)
        reports.timeseries(period, filters)
        reports.table("city", period, filters)
        reports.clicks("download", period, filters)
        step_events([Step("page", "/zq'w*"), Step("click", "zq'k\\")], period, filters)
        assert recorder.sent
        for sql, _params in recorder.sent:
            for value in [*MARKERS.values(), "zq'w", "zq'k\\", str(period.first)]:
                assert value not in sql, (value, sql)
        bound = {
            value
            for _sql, params in recorder.sent
            for value in params.values()
            if isinstance(value, str)
        }
        assert set(MARKERS.values()) - {"other"} <= bound


def test_a_heavy_hostile_selection_answers_within_seconds(app, store, marketer):
    """24 000 events over 100 days, no rollups (a fresh install, or ClickHouse): the longest
    period with the most filters, and a page nobody visited with two more."""
    lines = synthetic.synthetic_lines(24_000, 100, seed=7, now_ms=ms(NOW))
    with app.app_context():
        for start in range(0, len(lines), 500):
            write_lines(lines[start : start + 500])
    for query in [
        "period=custom&first=2024-11-20&last=2026-11-20&country=SE&device=desktop&browser=Chrome&source=search",
        "period=12m&page=/finns-inte&country=SE&device=desktop",
        "period=12m&page=/&country=SE&device=desktop",
        "period=today&page=/&country=SE&device=desktop",
        "period=90d&page=/%25&campaign=%25&browser=_",
    ]:
        for url in ["/dashboard/", "/dashboard/export/page.csv", "/dashboard/funnels/2"]:
            assert timed_get(marketer, f"{url}?{query}").status_code == 200, (url, query)
