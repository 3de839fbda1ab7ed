"""The weekly digest's rules that need no database: weeks, movers, leads by source, schedule."""

from __future__ import annotations

import datetime

import pytest

from analytics.digest import (
    MOVERS,
    Figure,
    checked_week,
    last_complete_week,
    lead_counts,
    movers_of,
    week_of,
)
from analytics.host import SiteLead, Touch
from winlas_site.digest.tasks import monday_at_seven_in_stockholm

MONDAY = datetime.date(2026, 11, 9)


def utc(*parts: int) -> datetime.datetime:
    return datetime.datetime(*parts)  # naive UTC, as the queue's clock gives it


# -- weeks ----------------------------------------------------------------------------------


def test_a_week_runs_monday_to_sunday():
    for day in range(9, 16):
        week = week_of(datetime.date(2026, 11, day))
        assert (week.first, week.last) == (MONDAY, datetime.date(2026, 11, 15))
    assert week_of(MONDAY).previous().first == datetime.date(2026, 11, 2)


def test_the_last_complete_week_is_the_one_before_today_s():
    # on Monday the week that just ended; on Sunday the week before that
    assert last_complete_week(datetime.date(2026, 11, 16)).first == MONDAY
    assert last_complete_week(datetime.date(2026, 11, 22)).first == MONDAY
    assert last_complete_week(datetime.date(2026, 11, 23)).first == datetime.date(2026, 11, 16)
    # across a new year
    assert last_complete_week(datetime.date(2027, 1, 4)).first == datetime.date(2026, 12, 28)


@pytest.mark.parametrize(
    "monday, today",
    [
        (datetime.date(2026, 11, 10), datetime.date(2026, 11, 16)),  # a Tuesday
        (datetime.date(2026, 11, 15), datetime.date(2026, 11, 16)),  # a Sunday
        (MONDAY, datetime.date(2026, 11, 15)),  # not over
        (MONDAY, MONDAY),
        (datetime.date(2026, 11, 16), datetime.date(2026, 11, 16)),
        (datetime.date(1999, 12, 27), datetime.date(2026, 11, 16)),  # before anything
        (datetime.date(2000, 1, 3), datetime.date(2026, 11, 16)),  # its week before is too
        (datetime.date(1, 1, 1), datetime.date(2026, 11, 16)),  # near date.min
    ],
)
def test_checked_week_refuses_anything_but_a_monday_of_an_ended_week(monday, today):
    with pytest.raises(ValueError):
        checked_week(monday, today)


def test_checked_week_accepts_a_week_that_ended_yesterday():
    assert checked_week(MONDAY, datetime.date(2026, 11, 16)).last == datetime.date(2026, 11, 15)


# -- figures and movers ---------------------------------------------------------------------


def test_a_figure_s_change_is_relative_and_none_without_a_week_before():
    assert Figure("visits", 150, 100).change == 0.5
    assert Figure("visits", 50, 100).change == -0.5
    assert Figure("visits", 5, 0).change is None


def test_movers_are_the_largest_absolute_changes_up_and_down():
    now = {"/a": 100, "/b": 50, "/c": 10, "/d": 7, "/same": 3}
    before = {"/a": 90, "/b": 10, "/c": 30, "/gone": 25, "/same": 3}
    movers = movers_of("page", "pageviews", now, before)
    assert [(m.key, m.difference, m.status) for m in movers.up] == [
        ("/b", 40, ""),
        ("/a", 10, ""),
        ("/d", 7, "new"),
    ]
    assert [(m.key, m.difference, m.status) for m in movers.down] == [
        ("/gone", -25, "gone"),
        ("/c", -20, ""),
    ]
    assert (movers.dimension, movers.measure) == ("page", "pageviews")


def test_movers_are_capped_and_ties_go_by_key():
    now = {f"/{n:02d}": 5 for n in range(20)}
    movers = movers_of("page", "pageviews", now, {})
    assert len(movers.up) == MOVERS
    assert [m.key for m in movers.up] == ["/00", "/01", "/02", "/03", "/04"]
    assert movers.down == ()
    assert len(movers_of("page", "pageviews", now, {}, limit=2).up) == 2


def test_visits_without_a_campaign_are_no_campaign_mover():
    movers = movers_of("campaign", "visits", {"": 500, "vår": 3}, {"": 10})
    assert [m.key for m in movers.up] == ["vår"]
    assert movers.down == ()
    # for a source the empty key stays (it reads "unknown")
    assert [m.key for m in movers_of("source", "visits", {"": 2}, {}).up] == [""]


def test_nothing_moved_gives_empty_lists():
    movers = movers_of("source", "visits", {"direct": 4}, {"direct": 4})
    assert movers.up == movers.down == ()
    assert movers_of("source", "visits", {}, {}).up == ()


# -- leads by source ------------------------------------------------------------------------


def _touch(source: str) -> Touch:
    return Touch(
        at=utc(2026, 11, 10, 9, 0),
        source=source,
        host="",
        medium="",
        campaign="",
        landing="/",
        country="",
        device="",
        browser="",
    )


def _lead(source: str | None, kind: str = "quote") -> SiteLead:
    return SiteLead(
        kind,
        utc(2026, 11, 10, 10, 0),
        "c" if source else None,
        "ny",
        last_touch=_touch(source) if source else None,
    )


def test_leads_count_by_their_last_touch_and_unknown_without_one():
    counts = lead_counts(
        [_lead("search"), _lead("search", "demo"), _lead(None), _lead("campaign")],
        [_lead("campaign"), _lead("campaign"), _lead("social")],
    )
    assert [(c.key, c.current, c.previous) for c in counts] == [
        ("search", 2, 0),
        ("campaign", 1, 2),
        ("", 1, 0),
        ("social", 0, 1),
    ]
    assert lead_counts([], []) == ()


# -- the schedule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 1, 12, 6, 0),  # winter: 07:00 CET is 06:00 UTC
        utc(2026, 11, 16, 6, 0),
        utc(2026, 6, 15, 5, 0),  # summer: 07:00 CEST is 05:00 UTC
        utc(2026, 3, 30, 5, 0),  # the first Monday of summer time
        utc(2026, 10, 26, 6, 0),  # the first Monday of winter time
    ],
)
def test_the_digest_goes_out_on_monday_at_seven_in_stockholm(moment):
    assert monday_at_seven_in_stockholm(moment)


@pytest.mark.parametrize(
    "moment",
    [
        utc(2026, 1, 12, 5, 0),  # winter 06:00 local
        utc(2026, 1, 12, 7, 0),  # winter 08:00 local
        utc(2026, 6, 15, 6, 0),  # summer 08:00 local
        utc(2026, 6, 15, 4, 59),
        utc(2026, 6, 15, 5, 1),
        utc(2026, 3, 30, 6, 0),
        utc(2026, 10, 26, 5, 0),
        utc(2026, 1, 13, 6, 0),  # a Tuesday
        utc(2026, 6, 14, 5, 0),  # a Sunday
        utc(2026, 1, 18, 6, 0),  # a Sunday in winter
    ],
)
def test_not_at_any_other_time(moment):
    assert not monday_at_seven_in_stockholm(moment)


def test_it_fires_once_a_week_all_year():
    """Every minute of 2026: exactly one minute per Monday, 07:00 in Stockholm."""
    moment, end = utc(2026, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)
    fired = []
    while moment < end:
        if monday_at_seven_in_stockholm(moment):
            fired.append(moment)
        moment += datetime.timedelta(minutes=1)
    days = (datetime.date(2026, 1, 1) + datetime.timedelta(n) for n in range(365))
    assert len(fired) == sum(1 for day in days if day.weekday() == 0) == 52
    assert all(f.weekday() == 0 and f.hour in (5, 6) and f.minute == 0 for f in fired)
