"""The synthetic traffic has the shape of real traffic (issue 11, part 3).

The old generator spread everything evenly: every page ~530 views, every browser ~310 visits,
every screen 1920x1080, as many visitors as visits. Each test here would fail on it.
"""

from __future__ import annotations

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from analytics.conversions import CONVERSIONS
from analytics.synthetic import batches, lines, synthetic_lines

NOW_MS = int(datetime.datetime(2026, 11, 20, 15, 30, tzinfo=datetime.UTC).timestamp() * 1000)
LOCAL = ZoneInfo("Europe/Stockholm")
EVENTS = 60_000
DAYS = 90


@pytest.fixture(scope="module")
def traffic() -> list[dict]:
    return synthetic_lines(EVENTS, DAYS, seed=3, now_ms=NOW_MS)


def events_of(traffic, kind=None):
    for line in traffic:
        for event in line["events"]:
            if kind is None or event["type"] == kind:
                yield line, event


def local(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, LOCAL)


def test_exactly_the_events_asked_for_inside_the_window(traffic):
    stamps = [event["ts"] for _line, event in events_of(traffic)]
    assert len(stamps) == EVENTS
    assert NOW_MS - DAYS * 86_400_000 <= min(stamps) and max(stamps) <= NOW_MS


def test_the_same_seed_gives_the_same_traffic_and_another_seed_other_traffic(traffic):
    assert synthetic_lines(EVENTS, DAYS, seed=3, now_ms=NOW_MS) == traffic
    other = synthetic_lines(EVENTS, DAYS, seed=4, now_ms=NOW_MS)
    assert other != traffic
    assert not {line["v"] for line in other} & {line["v"] for line in traffic}


def test_batches_stream_the_same_lines(traffic):
    streamed = [line for batch in batches(EVENTS, DAYS, 3, NOW_MS, size=500) for line in batch]
    assert streamed == traffic
    assert max(len(batch) for batch in batches(5000, 10, 1, NOW_MS, size=100)) == 100


def test_a_few_pages_take_most_views(traffic):
    views = Counter(event["path"] for _line, event in events_of(traffic, "pageview"))
    ranked = sorted(views.values(), reverse=True)
    top = ranked[: max(1, len(ranked) // 10)]
    assert sum(top) >= 0.5 * sum(ranked)
    assert ranked[0] >= 10 * ranked[len(ranked) // 2]  # the long tail is long


def test_returning_visitors_make_visitors_fewer_than_visits(traffic):
    visitors = {line["v"] for line in traffic}
    assert len(visitors) < 0.8 * len(traffic)
    visits_per_visitor = Counter(line["v"] for line in traffic)
    assert max(visits_per_visitor.values()) >= 5  # some come back several times


def test_a_returning_visitor_keeps_browser_screen_and_place(traffic):
    first: dict[str, tuple] = {}
    for line in traffic:
        seen = (line["ua"], line["geo"], line["events"][0].get("screen"))
        assert first.setdefault(line["v"], seen) == seen


def test_browsers_systems_devices_and_screens_vary_like_real_traffic(traffic):
    browsers = Counter(line["ua"][0] for line in traffic)
    devices = Counter(line["ua"][4] for line in traffic)
    systems = Counter(line["ua"][2] for line in traffic)
    screens = Counter(line["events"][0]["screen"] for line in traffic)
    assert len(browsers) >= 5 and len(systems) >= 4 and len(screens) >= 10
    assert set(devices) == {"desktop", "mobile", "tablet"}
    assert browsers.most_common(1)[0][0] == "Chrome"
    assert devices["desktop"] > devices["mobile"] > devices["tablet"]  # an office audience
    assert screens["1920x1080"] < 0.4 * len(traffic)
    countries = Counter(line["geo"][0] for line in traffic)
    assert countries.most_common(1)[0][0] == "SE" and len(countries) > 1


def test_weekdays_are_busier_than_weekends_and_office_hours_than_nights(traffic):
    starts = [local(line["events"][0]["ts"]) for line in traffic]
    weekday = Counter(moment.weekday() for moment in starts)
    assert min(weekday[day] for day in range(5)) > max(weekday[5], weekday[6])
    hour = Counter(moment.hour for moment in starts if moment.weekday() < 5)
    office = sum(hour[h] for h in range(9, 16)) / 7
    night = sum(hour[h] for h in range(0, 6)) / 6
    assert office > 10 * night


def test_campaign_visits_land_on_their_own_pages(traffic):
    landings: dict[str, Counter] = {}
    for line in traffic:
        first = line["events"][0]
        if "utm" in first:
            assert first["ref"][0] == "campaign"
            campaign = first["utm"]["utm_campaign"]
            landings.setdefault(campaign, Counter())[first["path"]] += 1
    assert len(landings) >= 4  # the paid ones and several newsletter issues
    for campaign, pages in landings.items():
        assert len(pages) == 1, campaign  # a campaign links one page
    pages = {next(iter(pages)) for pages in landings.values()}
    assert "/" not in pages and len(pages) >= 3


def test_bounce_rates_differ_by_source(traffic):
    visits, bounces = Counter(), Counter()
    for line in traffic:
        first = line["events"][0]
        key = first["utm"]["utm_campaign"] if "utm" in first else first["ref"][0]
        visits[key] += 1
        types = [event["type"] for event in line["events"]]
        bounces[key] += types.count("pageview") == 1 and "click" not in types
    rates = {key: bounces[key] / visits[key] for key in visits if visits[key] >= 100}
    assert max(rates.values()) - min(rates.values()) > 0.15


def test_conversions_are_recorded_like_the_site_records_them_and_follow_campaigns(traffic):
    converted = Counter()
    by_campaign = Counter()
    for line in traffic:
        events = line["events"]
        for index, event in enumerate(events):
            if event["type"] != "conversion":
                continue
            assert event["name"] in CONVERSIONS
            # the form was viewed in the same visit before it was sent
            assert any(
                e["type"] == "pageview" and e["path"] == event["path"] for e in events[:index]
            )
            converted[event["name"]] += 1
            first = events[0]
            by_campaign["utm" in first] += 1
    assert {"demo", "course", "contact"} <= set(converted)
    campaign_visits = sum("utm" in line["events"][0] for line in traffic)
    # campaigns convert better than the rest
    assert by_campaign[True] / campaign_visits > by_campaign[False] / (
        len(traffic) - campaign_visits
    )


def test_engaged_time_is_spread_not_constant(traffic):
    engaged = sorted(event["ms"] for _line, event in events_of(traffic, "engagement"))
    assert engaged[len(engaged) // 10] < 10_000 < engaged[len(engaged) * 9 // 10]


def test_a_visitors_visits_come_in_time_order(traffic):
    # the store opens visits by time per visitor: a later visit written first would swallow
    # an earlier one
    last: dict[str, int] = {}
    for line in traffic:
        start = line["events"][0]["ts"]
        assert start >= last.get(line["v"], 0)
        last[line["v"]] = start


def test_no_traffic_for_zero_events_and_a_clear_error_for_no_days():
    assert list(lines(0, 5, now_ms=NOW_MS)) == []
    with pytest.raises(ValueError):
        list(lines(10, 0, now_ms=NOW_MS))
