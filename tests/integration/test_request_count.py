"""The request count (issue 16, part 6): every visitor's requests for public pages, counted per
UTC day and path with nothing else kept, and the dashboard's "measured with consent: N of M".

The key promise: the count stores nothing but a day, a path and a number. No cookie is set or
read for it, no address, no user agent and no identifier end up anywhere in the database.
"""

from __future__ import annotations

import datetime
import re
import threading

import peewee
import pytest
from flask import render_template

import analytics
from analytics import reports, rollups
from analytics.models import DroppedCount, Event, Visit
from analytics.querying import Filters, Period
from analytics.request_models import PageRequestCount
from analytics.requestcount import Coverage, counter, coverage
from analytics.store import write_lines

from ..conftest import log_in
from .test_reports import NOW, fixture_lines

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
# what a visitor could leave behind, each distinctive enough to be found in a dump
COOKIE_VALUE = "kaka-7f3a9c1e-spår"
AGENT_MARK = "Spårbar-5d2e8b"
ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
ORIGIN = {"Origin": "http://localhost"}
COVERAGE = "analytics/dashboard/_coverage.html"


def counts(app) -> dict[tuple[str, str], int]:
    """{(day, path): count} after writing what the app's counter holds."""
    with app.app_context():
        analytics.flush_request_counts()
        return {
            (row.day.isoformat(), row.path): row.count
            for row in PageRequestCount.select().order_by(PageRequestCount.id)
        }


def by_path(app) -> dict[str, int]:
    found: dict[str, int] = {}
    for (_day, path), n in counts(app).items():
        found[path] = found.get(path, 0) + n
    return found


def dump(database: peewee.Database) -> str:
    """Every row of every table of the database as text."""
    parts = []
    with database.connection_context():
        for table in sorted(database.get_tables()):
            cursor = database.execute_sql(f'SELECT * FROM "{table}"')  # noqa: S608 - our names
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def get(client, url: str, agent: str = CHROME, **headers: str):
    return client.get(url, headers={"User-Agent": agent, **headers})


# ---------------------------------------------------------------------------- what is kept


def test_the_count_stores_nothing_but_day_path_and_count(app, demo, database):
    client = app.test_client()
    client.set_cookie("spårkaka", COOKIE_VALUE)
    agent = f"{CHROME} {AGENT_MARK}"
    answers = [
        client.get(
            url,
            headers={
                "User-Agent": agent,
                "X-Forwarded-For": FORWARDED,
                "Referer": "https://x.example/",
            },
            environ_base={"REMOTE_ADDR": ADDRESS},
        )
        for url in ("/", "/produkter", "/", "/om-oss?utm_source=utm-spår-91ab&e=a@b.se")
    ]
    assert [answer.status_code for answer in answers] == [200] * 4
    # counting sets no cookie: a public page answers an anonymous visitor without any
    assert not any(answer.headers.getlist("Set-Cookie") for answer in answers)
    assert by_path(app) == {"/": 2, "/produkter": 1, "/om-oss": 1}
    with app.app_context():
        columns = [column.name for column in database.get_columns("page_request_count")]
    assert sorted(columns) == ["count", "day", "id", "path"]
    text = dump(database)
    for trace in (
        COOKIE_VALUE,
        "spårkaka",
        AGENT_MARK,
        ADDRESS,
        "203.0.113",
        FORWARDED,
        "x.example",
        "utm-spår-91ab",
        "a@b.se",
    ):
        assert trace not in text, trace
    # no consent was given: the statistics themselves kept nothing either
    with app.app_context():
        assert Visit.select().count() == Event.select().count() == 0


def test_cookies_change_nothing_in_the_count(app, demo):
    """The count neither needs nor reads a cookie: with consent, without, refused, or with a
    stranger's cookies, a page request counts once."""
    refused = app.test_client()
    refused.post("/samtycke", data={"action": "reject_all", "next": "/"}, headers=ORIGIN)
    accepted = app.test_client()
    accepted.post("/samtycke", data={"action": "accept_all", "next": "/"}, headers=ORIGIN)
    stranger = app.test_client()
    stranger.set_cookie("winlas_vid", "f" * 32)
    stranger.set_cookie("något", "annat")
    for client in (app.test_client(), refused, accepted, stranger):
        assert get(client, "/produkter").status_code == 200
    assert by_path(app) == {"/produkter": 4}


def test_the_path_is_the_one_the_tracker_records(app, demo):
    """Query strings go, as the tracker drops them; the same page counts as the same path the
    statistics store for it."""
    client = app.test_client()
    client.post("/samtycke", data={"action": "accept_all", "next": "/"}, headers=ORIGIN)
    url = "/produkter/winlas-bibliotek"
    assert get(client, url + "?utm_campaign=vår&ref=x").status_code == 200
    answer = client.post(
        "/api/collect",
        json={
            "events": [
                {
                    "type": "pageview",
                    "url": f"http://localhost{url}?utm_campaign=vår",
                    "id": "3f0c7f4e-8a7d-4a41-9f55-2b0d9d0b6a11",
                    "ts": int(datetime.datetime.now(datetime.UTC).timestamp() * 1000),
                }
            ]
        },
        headers={**ORIGIN, "User-Agent": CHROME},
    )
    assert answer.status_code == 202
    with app.app_context():
        (stored,) = [event.path for event in Event.select()]
    assert by_path(app) == {stored: 1}
    assert stored == url


def test_the_day_is_the_utc_day_of_the_request(app, demo, time_machine):
    client = app.test_client()
    time_machine.move_to(
        datetime.datetime(2026, 11, 4, 23, 59, 59, tzinfo=datetime.UTC), tick=False
    )
    get(client, "/om-oss")
    time_machine.move_to(datetime.datetime(2026, 11, 5, 0, 0, 1, tzinfo=datetime.UTC), tick=False)
    app.extensions["page_cache"].clear()
    get(client, "/om-oss")
    get(client, "/om-oss")  # from the page cache's layer
    assert counts(app) == {("2026-11-04", "/om-oss"): 1, ("2026-11-05", "/om-oss"): 2}


# ---------------------------------------------------------------------------- what is counted


@pytest.mark.parametrize(
    "agent",
    [
        "curl/8.5.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/126.0.0.0 Safari/537.36",
        "python-requests/2.32.3",
        "",
    ],
)
def test_robots_are_not_counted(app, demo, agent):
    client = app.test_client()
    for _ in range(3):  # rendered, then from the page cache's layer
        assert get(client, "/", agent=agent).status_code == 200
    assert counts(app) == {}
    with app.app_context():  # nor are they a dropped collect request: they sent none
        assert DroppedCount.select().count() == 0


def test_pages_from_the_page_cache_are_counted(app, demo):
    client = app.test_client()
    flask_calls: list[str] = []
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: flask_calls.append("x"))
    for _ in range(5):
        assert get(client, "/utbildningar").status_code == 200
    assert len(flask_calls) == 1  # four were answered by the cache's WSGI layer
    assert by_path(app) == {"/utbildningar": 5}


def test_a_head_request_is_no_page_view(app, demo):
    client = app.test_client()
    get(client, "/om-oss")  # stored in the cache, counted
    assert client.head("/om-oss", headers={"User-Agent": CHROME}).status_code == 200
    app.extensions["page_cache"].clear()
    assert client.head("/om-oss", headers={"User-Agent": CHROME}).status_code == 200
    assert by_path(app) == {"/om-oss": 1}


def test_with_the_page_cache_off_every_page_is_counted_by_flask(app_config, request):
    app_config["WINLAS_PAGE_CACHE_SECONDS"] = 0
    app = request.getfixturevalue("app")
    request.getfixturevalue("demo")
    assert "page_cache" not in app.extensions
    client = app.test_client()
    for _ in range(3):
        assert get(client, "/om-oss").status_code == 200
    assert by_path(app) == {"/om-oss": 3}


def test_only_public_pages_answered_200_are_counted(app, demo, create_user):
    client = app.test_client()
    not_counted = {
        "/finns-inte": 404,
        "/produkter/finns-inte": 404,
        "/produkter/": 404,
        "/sprak/en?next=/": 302,  # a redirect
        "/dashboard/": 302,  # to the login page
        "/crm/": 302,
        "/logga-in": 200,  # a page about one person: never tracked, never counted
        "/static/css/site.css": 200,  # not HTML
        "/analytics/static/track.js": 200,
        "/samtycke/kvitto": 200,
    }
    for url, status in not_counted.items():
        answer = get(client, url)
        answer.close()  # a static file's handle
        assert answer.status_code == status, url
    for url in ("/kontakt/fraga", "/om-oss"):
        assert client.post(url, data={}, headers={**ORIGIN, "User-Agent": CHROME}).status_code in (
            200,
            400,
            405,
        ), url
    assert counts(app) == {}
    # a form page read with GET is a public page the tracker runs on: counted
    assert get(client, "/kontakt/fraga").status_code == 200
    assert by_path(app) == {"/kontakt/fraga": 1}


@pytest.mark.parametrize("role", ["staff", "marketer", "admin", "customer"])
def test_pages_for_the_logged_in_are_not_counted(app, demo, create_user, role):
    client = app.test_client()
    create_user(f"{role}@exempel.se", role=role)
    log_in(client, f"{role}@exempel.se")
    with app.app_context():
        analytics.flush_request_counts()
        PageRequestCount.delete().execute()  # the login form's pages
    for url in ("/konto/", "/kundsidor", "/crm/", "/dashboard/", "/dataskydd/", "/redaktion/"):
        get(client, url)
    assert counts(app) == {}


@pytest.mark.parametrize(
    "url",
    [
        "/produkter/" + "a" * 5000,
        "/produkter/%00",
        "/produkter/\x01x",
        "/nyheter/../../etc/passwd",
        "/produkter/%C3%A5%E2%80%8B",
        "/.env",
        "/wp-login.php",
        "/produkter/x'%20OR%201=1--",
    ],
)
def test_a_scanner_cannot_grow_the_table(app, demo, url):
    client = app.test_client()
    answer = get(client, url)
    assert answer.status_code in (400, 404, 308), url
    assert counts(app) == {}


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_requests_lose_no_count(app, demo):
    app.extensions["page_cache"].clear()
    urls = ["/", "/produkter", "/om-oss", "/utbildningar"]
    per_thread = 40
    errors: list[BaseException] = []

    def browse(offset: int) -> None:
        try:
            client = app.test_client()
            for n in range(per_thread):
                assert get(client, urls[(n + offset) % len(urls)]).status_code == 200
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=browse, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = by_path(app)
    assert sum(found.values()) == 8 * per_thread
    assert found == {url: 8 * per_thread // len(urls) for url in urls}


# ---------------------------------------------------------------------------- the dashboard

DAY = datetime.date(2026, 11, 2)
PERIOD = Period(DAY, datetime.date(2026, 11, 5))


def seed_counts(rows: dict[tuple[datetime.date, str], int], database) -> None:
    PageRequestCount.add(rows, database)


@pytest.fixture(params=["raw", "rolled"])
def measured(request, app, database):
    """The reports' fixture (7 page views, 5 visits, 3 visitors from 11-02 to 11-05), read
    from the raw tables or from rollups."""
    with app.app_context():
        write_lines(fixture_lines())
        if request.param == "rolled":
            assert rollups.run(NOW) == 3
    return app


def d(day: int) -> datetime.date:
    return datetime.date(2026, 11, day)


def test_coverage_compares_the_dashboards_page_views_with_the_requests(measured, database):
    with measured.app_context():
        seed_counts(
            {(d(2), "/"): 10, (d(2), "/produkter"): 5, (d(3), "/"): 6, (d(5), "/"): 4}, database
        )
        found = coverage(PERIOD, Filters())
        assert found.measured == reports.summary(PERIOD, Filters()).pageviews == 7
        assert (found.requests, found.visits, found.visitors) == (25, 5, 3)
        assert found.complete and found.compared == PERIOD and found.page == ""
        assert found.share == pytest.approx(7 / 25)
        assert found.estimated_visits == round(5 * 25 / 7)
        assert found.estimated_visitors == round(3 * 25 / 7)
        # the overview's own summary saves a query and gives the same answer
        assert coverage(PERIOD, Filters(), reports.summary(PERIOD, Filters())) == found


def test_a_page_filter_compares_that_pages_views_and_requests(measured, database):
    with measured.app_context():
        seed_counts(
            {(d(2), "/"): 10, (d(2), "/produkter"): 5, (d(3), "/"): 6, (d(5), "/"): 4}, database
        )
        found = coverage(PERIOD, Filters(page="/"))
        # "/" was viewed in V1, V3 and V5 (visitors A, A and B)
        assert (found.page, found.measured, found.requests) == ("/", 3, 20)
        assert (found.visits, found.visitors) == (3, 2)
        assert (found.estimated_visits, found.estimated_visitors) == (20, 13)
        kontakt = coverage(PERIOD, Filters(page="/kontakt"))
        assert (kontakt.measured, kontakt.requests, kontakt.share) == (2, 0, None)
        assert kontakt.estimated_visits is None


def test_other_filters_are_named_and_left_out(measured, database):
    with measured.app_context():
        seed_counts({(d(2), "/"): 10, (d(2), "/produkter"): 5}, database)
        # a filtered summary passed by the caller must not become N
        narrowed = Filters(country="NO")
        found = coverage(PERIOD, narrowed, reports.summary(PERIOD, narrowed))
        assert found.ignored == ("country",)
        assert (found.measured, found.requests) == (7, 15)
        both = coverage(PERIOD, Filters(page="/", device="mobile"))
        assert both.ignored == ("device",) and (both.measured, both.requests) == (3, 10)


def test_only_the_days_since_the_counter_started_are_compared(measured, database):
    with measured.app_context():
        assert coverage(PERIOD, Filters()) == Coverage(PERIOD, None, "", 0, 0, 0, 0)
        seed_counts({(d(3), "/"): 12}, database)
        found = coverage(PERIOD, Filters())
        assert found.compared == Period(d(3), d(5)) and not found.complete
        # visits started 11-03 to 11-05: V3 (1 view), V4 (2), V5 (1)
        assert (found.measured, found.requests, found.visits, found.visitors) == (4, 12, 3, 3)
        before = coverage(Period(d(1), d(2)), Filters())
        assert before.compared is None and before.share is None


def test_no_estimate_when_nothing_is_left_to_extrapolate(measured, database):
    with measured.app_context():
        seed_counts({(d(2), "/"): 7}, database)
        found = coverage(PERIOD, Filters())
        assert found.share == 1 and found.scale is None and found.estimated_visits is None
        seed_counts({(d(2), "/"): -2}, database)  # a negative tally is never written
        assert coverage(PERIOD, Filters()).requests == 7


def test_the_partial_shows_n_of_m_and_labels_the_estimates(app):
    found = Coverage(PERIOD, Period(d(3), d(5)), "/", 1234, 5678, 300, 250, ("country",))
    with app.test_request_context("/dashboard/"):
        # Swedish numbers group with a (narrow) no-break space: read as plain spaces here
        html = re.sub(r"\s+", " ", render_template(COVERAGE, coverage=found))
    assert "Mätt med samtycke: 1 234 av 5 678 sidvisningar (21,7 %)" in html
    assert "≈ 1 380" in html and "≈ 1 150" in html  # 300 and 250, × 5678 / 1234
    assert "Uppskattat totalt" in html and "Övriga filter (Land)" in html
    assert "räknas sedan 2026-11-03" in html
    empty = Coverage(PERIOD, None, "", 0, 0, 0, 0)
    with app.test_request_context("/dashboard/"):
        html = render_template(COVERAGE, coverage=empty)
    assert "Inga sidförfrågningar är räknade" in html and "Uppskattat" not in html
    complete = Coverage(PERIOD, PERIOD, "", 70, 70, 20, 10)
    with app.test_request_context("/dashboard/"):
        html = re.sub(r"\s+", " ", render_template(COVERAGE, coverage=complete))
    assert "70 av 70 sidvisningar (100,0 %)" in html
    assert "Uppskattat" not in html and "räknas sedan" not in html


def test_a_batch_the_database_refuses_waits_for_the_next_try(app, demo, database):
    client = app.test_client()
    get(client, "/om-oss")
    with app.app_context():
        database.execute_sql('ALTER TABLE "page_request_count" RENAME TO "prc_away"')
        assert analytics.flush_request_counts() == 0
        assert counter(app).pending() == 1
        database.execute_sql('ALTER TABLE "prc_away" RENAME TO "page_request_count"')
        assert analytics.flush_request_counts() == 1
    assert by_path(app) == {"/om-oss": 1}


# ---------------------------------------------------------------------------- the texts

POLICY_FACTS = {
    "sv": (
        "räkning av sidvisningar",
        "ingen cookie",
        "ingen ip-adress",
        "kräver inget samtycke",
        "artikel 5.3",
        "inte heller en personuppgift",
        "sparas utan tidsgräns",
    ),
    "en": (
        "counting page views",
        "no cookie",
        "no ip address",
        "needs no consent",
        "article 5(3)",
        "not personal data",
        "without a time limit",
    ),
}


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_privacy_policy_says_what_is_counted_without_consent_and_why(client, language):
    client.get(f"/sprak/{language}?next=/")
    html = " ".join(client.get("/integritetspolicy").get_data(as_text=True).lower().split())
    assert 'id="request-count"' in html and 'href="#request-count"' in html
    assert [fact for fact in POLICY_FACTS[language] if fact not in html] == []


def test_the_cookie_page_says_what_is_counted_without_consent_and_why(client):
    html = " ".join(client.get("/cookies").get_data(as_text=True).split())
    assert "Det vi räknar utan cookies och utan samtycke" in html
    assert "sätter och läser ingen cookie" in html and "ingen IP-adress" in html
    assert "Därför behövs inget samtycke" in html
    assert 'href="/integritetspolicy#request-count"' in html


# ---------------------------------------------------------------------------- demo data


def test_demo_counts_make_the_measured_page_views_about_the_share_asked(app, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC), tick=False)
    with app.app_context():
        analytics.synthetic_traffic(3000, 10, seed=7)
        written = analytics.synthetic_request_counts(10, share=0.5, seed=7)
        period = Period(d(11), d(20))
        found = coverage(period, Filters())
        assert found.requests == written > 0
        assert 0.42 < found.share < 0.58
        assert found.estimated_visits > found.visits
        # the same seed, the same numbers; a share outside (0, 1] is refused
        PageRequestCount.delete().execute()
        assert analytics.synthetic_request_counts(10, share=0.5, seed=7) == written
        with pytest.raises(ValueError):
            analytics.synthetic_request_counts(10, share=0)
