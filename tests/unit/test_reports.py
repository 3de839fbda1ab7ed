"""The reports' pure parts: periods, filters, click kinds, derived figures, visitor sets."""

import datetime
import random

import pytest
from werkzeug.datastructures import MultiDict

from analytics import hll
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


def test_small_visitor_sets_are_exact_and_unions_count_each_visitor_once():
    monday = {visitor_hash(f"v{n}") for n in range(100)}
    tuesday = {visitor_hash(f"v{n}") for n in range(50, 180)}
    union = hll.VisitorUnion()
    union.add_blob(hll.encode(monday))
    union.add_blob(hll.encode(tuesday))
    union.add_hashes([visitor_hash("v179"), visitor_hash("new")])
    assert len(union) == 181
    assert union.exact == monday | tuesday | {visitor_hash("new")}


def test_blobs_by_size_exact_both_or_sketch():
    small = {visitor_hash(f"v{n}") for n in range(10)}
    assert hll.encode(small).startswith(b"E")
    assert hll.encode(small, sketch_from=5).startswith(b"B")
    assert hll.encode(small, exact_limit=5).startswith(b"H")
    for blob in (hll.encode(small), hll.encode(small, sketch_from=5)):
        union = hll.VisitorUnion()
        union.add_blob(blob)
        assert union.is_exact and union.exact == small


def test_large_unions_merge_sketches_within_two_percent():
    rng = random.Random(5)
    days = [{rng.getrandbits(64) - 2**63 for _ in range(3000)} for _ in range(4)]
    days[1] |= set(list(days[0])[:1000])  # visitors who came back
    truth = set().union(*days)
    for exact in (True, False):
        union = hll.VisitorUnion(exact=exact)
        union.add_blob(hll.encode(days[0], exact_limit=10))  # a sketch only …
        union.add_blob(hll.encode(days[1]))  # … with sketch and hashes
        union.add_blob(hll.encode(days[2], sketch_from=5000))  # … with hashes only
        union.add_hashes(days[3])  # … and loose hashes (the raw tail)
        assert not union.is_exact
        assert abs(len(union) - len(truth)) <= 0.02 * len(truth)
    small = hll.VisitorUnion(exact=False)
    small.add_blob(hll.encode({visitor_hash(str(n)) for n in range(100)}))
    assert abs(len(small) - 100) <= 3  # linear counting keeps small sets close


def test_register_maximum_is_byte_wise():
    a = bytes([0, 5, 63, 1] + [0] * (hll.REGISTERS - 4))
    b = bytes([3, 2, 63, 64] + [1] * (hll.REGISTERS - 4))
    merged = hll._max_lanes(int.from_bytes(a, "little"), int.from_bytes(b, "little"))
    assert merged.to_bytes(hll.REGISTERS, "little") == bytes(map(max, a, b))


def test_sketch_only_and_without_drop_the_hashes():
    visitors = {visitor_hash(f"v{n}") for n in range(50)}
    for blob in (hll.encode(visitors), hll.encode(visitors, sketch_from=5)):
        anonymous = hll.sketch_only(blob)
        assert anonymous.startswith(b"H") and len(anonymous) == 2 + hll.REGISTERS
        union = hll.VisitorUnion()
        union.add_blob(anonymous)
        assert abs(len(union) - 50) <= 2
        gone = {visitor_hash("v0"), visitor_hash("elsewhere")}
        smaller = hll.without(blob, gone)
        union = hll.VisitorUnion()
        union.add_blob(smaller)
        assert union.exact == visitors - gone
        assert hll.without(smaller, gone) is None
