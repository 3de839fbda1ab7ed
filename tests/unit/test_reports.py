"""The reports' pure parts: periods, filters, click kinds, derived figures, visitor hashes
(visitor sets: tests/unit/test_hll.py)."""

import datetime

import pytest
from werkzeug.datastructures import MultiDict

from analytics.reports import (
    Filters,
    Period,
    Row,
    Summary,
    change,
    click_kinds,
    visitor_hash,
)

TODAY = datetime.date(2026, 11, 5)


def day(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


@pytest.mark.parametrize(
    "name,first,last,days,unit",
    [
        ("today", "2026-11-05", "2026-11-05", 1, "hour"),
        ("7d", "2026-10-30", "2026-11-05", 7, "day"),
        ("30d", "2026-10-07", "2026-11-05", 30, "day"),
        ("90d", "2026-08-08", "2026-11-05", 90, "day"),
        ("12m", "2025-11-06", "2026-11-05", 365, "month"),
    ],
)
def test_named_periods_end_today(name, first, last, days, unit):
    period = Period.parse(name, "ignored", None, TODAY)
    assert (period.first, period.last) == (day(first), day(last))
    assert period.days == days and period.unit == unit


def test_custom_period_and_the_one_before_it():
    period = Period.parse("custom", "2026-10-01", "2026-10-31", TODAY)
    assert period.days == 31
    assert period.previous() == Period(day("2026-08-31"), day("2026-09-30"))
    assert Period.parse("custom", "2026-11-05", "2026-11-05", TODAY).unit == "hour"
    assert Period.parse("custom", "2026-08-05", "2026-11-05", TODAY).unit == "month"  # 93 days
    assert Period.parse("custom", "2026-08-06", "2026-11-05", TODAY).unit == "day"  # 92 days
    assert Period.parse("custom", "2024-11-05", "2026-11-05", TODAY).days == 731


@pytest.mark.parametrize(
    "name,first,last",
    [
        ("week", None, None),
        ("", None, None),
        ("custom", None, None),
        ("custom", "2026-11-01", None),
        ("custom", "2026-11-02", "2026-11-01"),  # first after last
        ("custom", "2026-11-01", "2026-11-06"),  # ends tomorrow
        ("custom", "2024-11-04", "2026-11-05"),  # 732 days
        ("custom", "1999-12-31", "2000-01-01"),  # before the site existed
        ("custom", "2026-02-30", "2026-03-01"),
        ("custom", "20261101", "2026-11-02"),
        ("custom", "2026-11-01T00:00", "2026-11-02"),
        ("custom", "２０２６-11-01", "2026-11-02"),  # full-width digits
        ("custom", "2026-11-01\x00", "2026-11-02"),
        ("custom", ["2026-11-01"], "2026-11-02"),
    ],
)
def test_bad_periods_are_refused(name, first, last):
    with pytest.raises(ValueError):
        Period.parse(name, first, last, TODAY)


def test_filters_from_a_query_string():
    args = MultiDict(
        [("page", "/produkter"), ("country", "se"), ("device", "mobile"), ("period", "7d")]
    )
    filters = Filters.from_args(args)
    assert filters == Filters(page="/produkter", country="SE", device="mobile")
    assert filters.active() == {"page": "/produkter", "country": "SE", "device": "mobile"}
    assert Filters.from_args({}).active() == {}
    assert Filters.from_args({"browser": "Chrome Mobile", "campaign": "höst 2026"}).active() == {
        "browser": "Chrome Mobile",
        "campaign": "höst 2026",
    }


@pytest.mark.parametrize(
    "args",
    [
        {"page": "produkter"},
        {"page": "/" + "x" * 512},
        {"page": "/a\nb"},
        {"country": "SWE"},
        {"country": "S1"},
        {"device": "phone"},
        {"source": "Search"},
        {"source": "x" * 13},
        {"browser": "x" * 51},
        {"campaign": "a\x00b"},
        {"campaign": "x" * 101},
    ],
)
def test_bad_filters_are_refused(args):
    with pytest.raises(ValueError):
        Filters.from_args(args)


@pytest.mark.parametrize(
    "target,kinds",
    [
        ("/produkter", ("click",)),
        ("/filer/prislista.pdf", ("click", "download")),
        ("/filer/AVTAL.DOCX", ("click", "download")),
        ("www.skolverket.se/inspiration", ("click", "outbound")),
        ("kb.se/rapport.pdf", ("click", "download", "outbound")),
        ("button", ("click",)),
        ("mailto:info@winlas.se", ("click",)),
        ("", ("click",)),
    ],
)
def test_click_kinds(target, kinds):
    assert click_kinds(target) == kinds


def test_derived_figures_and_zero_denominators():
    figures = Summary(visitors=3, visits=4, pageviews=6, bounces=1, duration_seconds=1680,
                      engaged_ms=30000)  # fmt: skip
    assert figures.pages_per_visit == 1.5
    assert figures.bounce_rate == 0.25
    assert figures.avg_visit_seconds == 420
    assert figures.avg_engaged_seconds_per_page == 5
    empty = Summary()
    assert empty.pages_per_visit == empty.bounce_rate == empty.avg_visit_seconds == 0
    assert empty.avg_engaged_seconds_per_page == 0
    row = Row("/", visits=4, pageviews=8, conversions=1)
    assert row.conversion_rate == 0.25 and Row("/").conversion_rate == 0
    assert change(150, 100) == 0.5 and change(5, 0) is None


def test_visitor_hashes_are_stable_signed_64_bit_numbers():
    value = visitor_hash("a" * 32)
    assert value == visitor_hash("a" * 32) != visitor_hash("b" * 32)
    assert -(2**63) <= value < 2**63
