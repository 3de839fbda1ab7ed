"""The campaign-to-customer report's arithmetic and the stored touches' format, without a
database: the definitions of lead, qualified, won, rates and days to win, the unknown row,
filters on the touch, and damaged stored values."""

from __future__ import annotations

import datetime

import pytest

from analytics.attribution import report
from analytics.attribution.touches import Touches, valid_ids
from analytics.host import SiteLead, Touch
from analytics.querying import Filters

T0 = datetime.datetime(2026, 10, 1, 9, 0)
DAY = datetime.timedelta(days=1)


def touch(campaign: str = "", source: str = "campaign", landing: str = "/", **extra) -> Touch:
    values = {
        "at": T0 - 3 * DAY,
        "source": source,
        "host": "",
        "medium": "",
        "campaign": campaign,
        "landing": landing,
        "country": "SE",
        "device": "desktop",
        "browser": "Chrome",
    }
    values.update(extra)
    return Touch(**values)


def lead(
    status: str = "ny",
    first: Touch | None = None,
    last: Touch | None = None,
    kind: str = "contact",
    won_after: float | None = None,
    qualified: bool = False,
) -> SiteLead:
    return SiteLead(
        kind=kind,
        created_at=T0,
        conversion_id="x" if first else None,
        status=status,
        won_at=T0 + won_after * DAY if won_after is not None else None,
        qualified_at=T0 + DAY if qualified else None,
        first_touch=first,
        last_touch=last or first,
    )


def test_a_row_counts_leads_qualified_won_rates_and_the_median_days_to_win():
    row = report.Row("host")
    for item in (
        lead("vunnen", won_after=4),
        lead("vunnen", won_after=10),
        lead("vunnen", won_after=1),
        lead("vunnen"),  # marked won without a dated move: no time to win
        lead("forlorad", qualified=True),  # qualified, then lost: still qualified
        lead("forlorad"),
        lead("kvalificerad"),
        lead("ny"),
        lead("confirmed", kind="course"),  # a sign-up has no pipeline
    ):
        row.add(item)
    assert (row.leads, row.signups, row.qualified, row.won) == (8, 1, 6, 4)
    assert row.qualified_rate == 6 / 8 and row.won_rate == 4 / 8
    assert row.median_days_to_win == 4
    assert report.Row("empty").won_rate is None and report.Row("e").median_days_to_win is None


def test_a_win_dated_before_its_lead_is_not_a_negative_time():
    row = report.Row("x")
    row.add(lead("vunnen", won_after=-2))
    assert row.won == 1 and row.median_days_to_win is None


def test_first_and_last_touch_side_by_side_with_the_unknown_row_last():
    ads, search = touch("host"), touch("", source="search")
    leads = [
        lead("vunnen", ads, search, won_after=5),
        lead("ny", ads),
        lead("ny", touch("nyhetsbrev")),
        lead("vunnen", won_after=2),  # no consent: unknown on both sides
    ]
    built = report.build(leads, "campaign", Filters())
    first = {row.key: row for row in built.sides["first"].rows}
    last = {row.key: row for row in built.sides["last"].rows}
    assert (first["host"].leads, first["host"].won) == (2, 1)
    assert (last["host"].leads, last["host"].won) == (1, 0) and last[""].won == 1
    assert [row.key for row in built.sides["first"].rows][-1] is None
    assert first[None].won == 1 and built.sides["first"].total.leads == 4


def test_rows_are_sorted_by_leads_then_wins_then_name():
    leads = [lead("ny", touch("b")), lead("vunnen", touch("c")), lead("ny", touch("a"))]
    leads += [lead("ny", touch("d")), lead("ny", touch("d"))]
    built = report.build(leads, "campaign", Filters())
    assert [row.key for row in built.sides["first"].rows] == ["d", "c", "a", "b"]


@pytest.mark.parametrize(
    "dimension, key",
    [("campaign", "host"), ("source", "campaign"), ("landing", "/produkter/winlas-skola")],
)
def test_the_three_dimensions(dimension, key):
    item = lead("ny", touch("host", landing="/produkter/winlas-skola"))
    built = report.build([item], dimension, Filters())
    assert [row.key for row in built.sides["last"].rows] == [key]


def test_an_unknown_dimension_is_refused():
    with pytest.raises(ValueError):
        report.build([], "visitor_id", Filters())


def test_filters_apply_to_the_touch_of_each_side_and_leave_unknown_leads_out():
    mobile = touch("host", device="mobile", country="FI", landing="/a")
    desktop = touch("host", source="search", landing="/b")
    leads = [lead("ny", mobile, desktop), lead("ny"), lead("ny", desktop)]
    built = report.build(leads, "campaign", Filters(device="mobile"))
    assert [row.key for row in built.sides["first"].rows] == ["host"]
    assert built.sides["last"].rows == []
    assert report.build(leads, "campaign", Filters(page="/b")).sides["first"].total.leads == 1
    assert report.build(leads, "campaign", Filters(source="search")).sides["last"].total.leads == 2
    assert report.build(leads, "campaign", Filters(country="FI")).sides["first"].total.leads == 1
    assert report.build(leads, "campaign", Filters(browser="Firefox")).sides["first"].rows == []
    assert report.matches(None, Filters()) and not report.matches(None, Filters(campaign="x"))


def test_the_csv_rows_round_rates_and_leave_the_unknown_key_empty():
    built = report.build(
        [lead("vunnen", touch("host"), won_after=3), lead("ny")], "campaign", Filters()
    )
    rows = built.csv_rows()
    assert report.csv_columns()[:3] == ["model", "key", "leads"]
    assert ["first", "host", 1, 0, 1, 1, 1.0, 1.0, 3.0] in rows
    assert ["last", "", 1, 0, 0, 0, 0.0, 0.0, None] in rows


def test_the_top_campaigns_rank_by_wins_and_skip_leads_without_a_campaign():
    leads = [
        lead("vunnen", touch("a"), won_after=1),
        lead("vunnen", touch("b"), touch("a"), won_after=1),
        lead("vunnen", touch(""), won_after=1),
        lead("ny", touch("c")),
        lead("vunnen", won_after=1),
    ]
    top = report.top_campaigns(leads, limit=2)
    assert [item.campaign for item in top] == ["a", "b"]
    assert (top[0].first.won, top[0].last.won) == (1, 2)


def test_stored_touches_survive_a_round_trip_and_damage_reads_as_unknown():
    stored = Touches(T0, touch("host"), touch("", source="search"), 3, 12)
    assert Touches.from_json(stored.to_json()) == stored
    damaged = [
        None,
        {},
        [],
        "text",
        {"first": None, "last": None},
        {**stored.to_json(), "converted_at": "yesterday"},
        {**stored.to_json(), "visits": "many"},
        {**stored.to_json(), "first": {"source": "x"}},
        {**stored.to_json(), "last": "\x00"},
    ]
    for value in damaged:
        assert Touches.from_json(value) is None, value


def test_only_uuid_strings_are_ever_looked_up():
    good = "0b7b2c1e-8a57-4d2e-9f3c-5d1b1e0c2a11"
    hostile = [None, 42, "", "x" * 10_000, good + "\x00", "'; DROP TABLE event; --", good.upper()]
    assert valid_ids([good, good, *hostile]) == [good]
