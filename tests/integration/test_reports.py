"""Reports against a small hand-computed fixture, from raw tables and from rollups.

The fixture (UTC; "today" is 2026-11-05):

| visit | visitor | start            | events                                                  |
|-------|---------|------------------|---------------------------------------------------------|
| V1    | A       | 11-02 10:00:00   | view / (search google.com), view /produkter, click on a |
|       |         |                  | PDF, 40 s engagement on /produkter; ends 10:03:00       |
| V2    | B       | 11-02 12:00:00   | view /kontakt (direct; NO, mobile) — a bounce           |
| V3    | A       | 11-03 09:00:00   | view / (social, campaign host-2026), outbound click,    |
|       |         |                  | conversion "contact" at 09:05:00                        |
| V4    | C       | 11-03 23:50:00   | view /produkter, view /kontakt at 11-04 00:10 (20 min)  |
| V5    | B       | 11-05 08:00:00   | view / — today, a bounce                                |
"""

import datetime
import uuid

import pytest

from analytics import reports, rollups
from analytics.reports import Filters, Period, Row
from analytics.store import write_lines

TODAY = datetime.date(2026, 11, 5)
NOW = datetime.datetime(2026, 11, 5, 9, 0)
A, B, C = "a" * 32, "b" * 32, "c" * 32
SE_DESKTOP = {"geo": ["SE", "AB", "Stockholm"], "ua": ["Chrome", "126", "Windows", "10", "desktop"]}
SE_GBG = {"geo": ["SE", "O", "Göteborg"], "ua": ["Chrome", "126", "Windows", "10", "desktop"]}
NO_MOBILE = {"geo": ["NO", "03", "Oslo"], "ua": ["Mobile Safari", "17", "iOS", "17.5", "mobile"]}


def ms(moment: datetime.datetime) -> int:
    return int(moment.replace(tzinfo=datetime.UTC).timestamp() * 1000)


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, second)


def ev(kind: str, moment: datetime.datetime, path: str, **extra) -> dict:
    item = {"id": str(uuid.uuid4()), "type": kind, "ts": ms(moment), "path": path, **extra}
    if kind == "pageview":
        item.setdefault("ref", ["internal", ""])
        item.update(screen="1920x1080", tz="Europe/Stockholm", lang="sv-SE")
    return item


def line(visitor: str, events: list[dict], client: dict) -> dict:
    return {
        "r": max(event["ts"] for event in events),
        "v": visitor,
        "u": None,
        "ip": "192.0.2.0",
        "geo": client["geo"],
        "ua": client["ua"],
        "events": events,
    }


def fixture_lines() -> list[dict]:
    return [
        line(
            A,
            [
                ev("pageview", at(2, 10), "/", ref=["search", "google.com"]),
                ev("pageview", at(2, 10, 1), "/produkter"),
                ev(
                    "click",
                    at(2, 10, 2, 30),
                    "/produkter",
                    target="/filer/broschyr.pdf",
                    name="Broschyr",
                ),
                ev("engagement", at(2, 10, 3), "/produkter", ms=40000),
            ],
            SE_DESKTOP,
        ),
        line(B, [ev("pageview", at(2, 12), "/kontakt", ref=["direct", ""])], NO_MOBILE),
        line(
            A,
            [
                ev(
                    "pageview",
                    at(3, 9),
                    "/",
                    ref=["social", "linkedin.com"],
                    utm={"utm_source": "linkedin", "utm_campaign": "host-2026"},
                ),
                ev(
                    "click",
                    at(3, 9, 0, 20),
                    "/",
                    target="www.skolverket.se/inspiration",
                    name="Skolverket",
                ),
                ev("conversion", at(3, 9, 5), "/kontakt", name="contact"),
            ],
            SE_DESKTOP,
        ),
        line(
            C,
            [
                ev("pageview", at(3, 23, 50), "/produkter", ref=["direct", ""]),
                ev("pageview", at(4, 0, 10), "/kontakt"),
            ],
            SE_GBG,
        ),
        line(B, [ev("pageview", at(5, 8), "/", ref=["direct", ""])], NO_MOBILE),
    ]


@pytest.fixture(params=["sql", "aggregate", "rolled"])
def traffic(request, app, monkeypatch):
    """The fixture's events, read three ways: every report as plain SQL on the raw tables
    (``raw=True``); aggregated from raw rows (no rollups yet); from rollups run at NOW (today
    before 09:00 included, the rest of today read raw)."""
    if request.param == "sql":
        sources = reports._Sources.__init__
        monkeypatch.setattr(
            reports._Sources,
            "__init__",
            lambda self, period, filters, raw: sources(self, period, filters, True),
        )
    with app.app_context():
        write_lines(fixture_lines())
        if request.param == "rolled":
            # 11-02 and 11-03 (11-04 has no visit start), and today before 09:00 (V5)
            assert rollups.run(NOW) == 3
            assert rollups.rolled_through() == datetime.date(2026, 11, 4)
            assert rollups.rolled_until() == NOW
        yield request.param


TWO_DAYS = Period(datetime.date(2026, 11, 2), datetime.date(2026, 11, 3))
NO_FILTER = Filters()


def test_summary_counts_visitors_visits_bounces_and_duration(traffic):
    figures = reports.summary(TWO_DAYS, NO_FILTER)
    assert (figures.visitors, figures.visits, figures.pageviews, figures.bounces) == (3, 4, 6, 1)
    # 180 s (V1) + 0 (V2) + 300 s (V3, to its conversion) + 1200 s (V4, past midnight)
    assert figures.duration_seconds == 1680
    assert figures.engaged_ms == 40000
    assert figures.conversions == 1
    assert figures.pages_per_visit == 1.5
    assert figures.bounce_rate == 0.25
    assert figures.avg_visit_seconds == 420
    assert figures.avg_engaged_seconds_per_page == pytest.approx(40 / 6)


def test_a_period_with_today_adds_the_raw_tail(traffic):
    figures = reports.summary(Period(datetime.date(2026, 11, 2), TODAY), NO_FILTER)
    # B came back today: still three visitors
    assert (figures.visitors, figures.visits, figures.pageviews, figures.bounces) == (3, 5, 7, 2)
    today = reports.summary(Period.parse("today", None, None, TODAY), NO_FILTER)
    assert (today.visitors, today.visits, today.bounces, today.duration_seconds) == (1, 1, 1, 0)


def test_comparison_with_the_previous_period(traffic):
    period = Period.parse("7d", None, None, TODAY)
    previous = period.previous()
    assert previous == Period(datetime.date(2026, 10, 23), datetime.date(2026, 10, 29))
    assert reports.summary(previous, NO_FILTER) == reports.Summary()
    later = Period(datetime.date(2026, 11, 4), datetime.date(2026, 11, 5))
    before = later.previous()
    assert before == TWO_DAYS
    now, then = reports.summary(later, NO_FILTER), reports.summary(before, NO_FILTER)
    assert (now.visits, then.visits) == (1, 4)
    assert reports.change(now.visits, then.visits) == -0.75
    assert reports.change(1, 0) is None


def test_empty_period_has_zero_rates(traffic):
    empty = reports.summary(
        Period(datetime.date(2026, 10, 1), datetime.date(2026, 10, 2)), NO_FILTER
    )
    assert empty.pages_per_visit == empty.bounce_rate == empty.avg_visit_seconds == 0
    assert empty.avg_engaged_seconds_per_page == 0


def test_page_table_counts_visits_that_viewed_each_page(traffic):
    rows = reports.table("page", TWO_DAYS, NO_FILTER)
    assert [row.key for row in rows] == ["/", "/kontakt", "/produkter"]
    home, contact, products = rows
    assert (home.visits, home.pageviews, home.bounces, home.duration_seconds) == (2, 2, 0, 480)
    assert home.conversions == 1
    # the conversion on /kontakt was no page view: V2 and V4 viewed it
    assert (contact.visits, contact.pageviews, contact.bounces) == (2, 2, 1)
    assert (products.visits, products.pageviews, products.engaged_ms) == (2, 2, 40000)
    assert products.avg_engaged_seconds_per_page == 20


def test_entry_exit_campaign_and_source_tables(traffic):
    entry = reports.table("entry", TWO_DAYS, NO_FILTER)
    assert [(row.key, row.visits, row.conversions) for row in entry] == [
        ("/", 2, 1),
        ("/kontakt", 1, 0),
        ("/produkter", 1, 0),
    ]
    assert entry[0].conversion_rate == 0.5
    exits = reports.table("exit", TWO_DAYS, NO_FILTER)
    assert [(row.key, row.visits) for row in exits] == [
        ("/kontakt", 2),
        ("/", 1),
        ("/produkter", 1),
    ]
    campaigns = reports.table("campaign", TWO_DAYS, NO_FILTER)
    assert [(row.key, row.visits, row.conversions) for row in campaigns] == [
        ("", 3, 0),
        ("host-2026", 1, 1),
    ]
    sources = reports.table("source", TWO_DAYS, NO_FILTER, limit=2)
    assert [(row.key, row.visits) for row in sources] == [("direct", 2), ("search", 1)]
    cities = reports.table("city", TWO_DAYS, NO_FILTER)
    assert [(row.key, row.visits) for row in cities] == [
        ("Stockholm", 2),
        ("Göteborg", 1),
        ("Oslo", 1),
    ]
    devices = reports.table("device", TWO_DAYS, NO_FILTER)
    assert [(row.key, row.visits, row.bounces) for row in devices] == [
        ("desktop", 3, 0),
        ("mobile", 1, 1),
    ]


def test_clicks_downloads_and_outbound_links(traffic):
    assert reports.clicks("click", TWO_DAYS, NO_FILTER) == [
        ("/filer/broschyr.pdf", 1),
        ("www.skolverket.se/inspiration", 1),
    ]
    assert reports.clicks("download", TWO_DAYS, NO_FILTER) == [("/filer/broschyr.pdf", 1)]
    assert reports.clicks("outbound", TWO_DAYS, NO_FILTER) == [("www.skolverket.se/inspiration", 1)]


def test_daily_and_hourly_series(traffic):
    points = reports.timeseries(TWO_DAYS, NO_FILTER)
    assert [(day, s.visitors, s.visits, s.pageviews) for day, s in points] == [
        (datetime.date(2026, 11, 2), 2, 2, 3),
        (datetime.date(2026, 11, 3), 2, 2, 3),
    ]
    hours = reports.timeseries(Period.parse("custom", "2026-11-02", "2026-11-02", TODAY), NO_FILTER)
    assert len(hours) == 24 and hours[0][0] == at(2, 0)
    assert {moment.hour: s.visits for moment, s in hours if s.visits} == {10: 1, 12: 1}


def test_monthly_series_beyond_92_days(traffic):
    points = reports.timeseries(Period.parse("12m", None, None, TODAY), NO_FILTER)
    assert len(points) == 13 and points[-1][0] == datetime.date(2026, 11, 1)
    november = points[-1][1]
    assert (november.visitors, november.visits, november.bounces) == (3, 5, 2)
    assert all(point.visits == 0 for _, point in points[:-1])


def test_one_filter_applies_to_every_report(traffic):
    norway = Filters(country="NO")
    figures = reports.summary(TWO_DAYS, norway)
    assert (figures.visitors, figures.visits, figures.bounces) == (1, 1, 1)
    assert [row.key for row in reports.table("page", TWO_DAYS, norway)] == ["/kontakt"]
    assert reports.clicks("click", TWO_DAYS, norway) == []
    viewed = Filters(page="/produkter")
    figures = reports.summary(TWO_DAYS, viewed)
    # V1 and V4 viewed /produkter: every page view of those visits counts
    assert (figures.visits, figures.pageviews, figures.visitors) == (2, 4, 2)
    assert [(row.key, row.visits) for row in reports.table("entry", TWO_DAYS, viewed)] == [
        ("/", 1),
        ("/produkter", 1),
    ]
    campaign = reports.summary(TWO_DAYS, Filters(campaign="host-2026"))
    assert (campaign.visits, campaign.conversions) == (1, 1)
    nothing = reports.summary(TWO_DAYS, Filters(browser="Lynx"))
    assert nothing == reports.Summary()


def test_several_filters_at_once(traffic):
    both = Filters(country="SE", device="desktop", source="direct")
    figures = reports.summary(TWO_DAYS, both)
    assert (figures.visitors, figures.visits) == (1, 1)  # V4
    assert [row.key for row in reports.table("city", TWO_DAYS, both)] == ["Göteborg"]


def test_dashboard_holds_every_report(traffic):
    view = reports.dashboard(TWO_DAYS, NO_FILTER, now=at(5, 8, 10))
    assert view["summary"] == reports.summary(TWO_DAYS, NO_FILTER)
    assert view["previous"] == reports.Summary()
    assert set(view["tables"]) == set(reports.DIMENSIONS)
    assert view["tables"]["country"] == [
        Row("SE", 3, 5, 0, 1680, 1, 40000),
        Row("NO", 1, 1, 1, 0, 0, 0),
    ]
    assert view["clicks"]["download"] == [("/filer/broschyr.pdf", 1)]
    assert view["visitors_now"] == 1
    assert len(view["timeseries"]) == 2


def test_visitors_now_counts_the_last_30_minutes(traffic):
    assert reports.live_visitors(at(5, 8, 29)) == 1
    assert reports.live_visitors(at(5, 8, 31)) == 0
    assert reports.live_visitors(at(5, 7, 59)) == 0


def test_unknown_dimension_or_click_kind_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        reports.table("colour", TWO_DAYS, NO_FILTER)
    with app.app_context(), pytest.raises(ValueError):
        reports.clicks("double", TWO_DAYS, NO_FILTER)


def test_record_conversion_counts_on_the_visitors_current_visit(app, client):
    from flask import request

    from analytics.conversions import record_conversion
    from analytics.models import Event, Visit
    from winlas_site import access

    @app.get("/test/konvertering")
    def converted():
        record_conversion(request, "quote")
        return "", 204

    # a route of this test only: the access table refuses an endpoint it does not list
    access.declare(app, "converted", access.public_form(tracked=False))

    chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/126.0.0.0 Safari/537.36"
    headers = {"Origin": "http://localhost", "User-Agent": chrome}
    # no consent yet: nothing is recorded
    assert client.get("/test/konvertering", headers=headers).status_code == 204
    client.post("/samtycke", data={"action": "accept_all"}, headers=headers)
    view = {"type": "pageview", "url": "http://localhost/offert", "id": str(uuid.uuid4()),
            "ts": int(datetime.datetime.now(datetime.UTC).timestamp() * 1000)}  # fmt: skip
    answer = client.post("/api/collect", json={"events": [view]}, headers=headers)
    assert answer.status_code == 202
    assert client.get("/test/konvertering", headers=headers).status_code == 204
    with app.app_context():
        visit = Visit.get()
        conversion = Event.get(Event.type == "conversion")
        assert (conversion.visit_id, conversion.name, conversion.path) == (
            visit.id,
            "quote",
            "/test/konvertering",
        )
        today = Period.parse("today", None, None, datetime.datetime.now(datetime.UTC).date())
        assert reports.summary(today, NO_FILTER).conversions == 1
        assert reports.table("entry", today, NO_FILTER)[0].conversions == 1
        with app.test_request_context("/"), pytest.raises(ValueError):
            record_conversion(request, "lottery")
