"""Funnels without a database: the step rules (hostile values included), the stored JSON, the
linear count against a brute-force reference, and the chart."""

from __future__ import annotations

import datetime
import itertools
import json
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics.conversions import CONVERSIONS
from analytics.funnels import models
from analytics.funnels.chart import funnel_chart
from analytics.funnels.models import Step, check, parse_steps, step_problem
from analytics.funnels.report import count_reached, rows_of

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime.datetime(2026, 11, 1, 9, 0)
DAY = datetime.timedelta(days=1)
MONTH = datetime.timedelta(days=30)


# ------------------------------------------------------------------------------ the rules


def test_the_conversions_a_step_may_name_are_the_conversions_analytics_records():
    assert models.CONVERSION_NAMES == CONVERSIONS


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("page", "/kontakt/offert"),
        ("page", "/produkter/*"),
        ("page", "/*"),
        ("page", "/"),
        ("page", "/100%_rabatt"),  # % and _ are characters, not patterns
        ("page", "/a'; DROP TABLE event; --"),
        ("page", "/" + "x" * 511),
        ("click", "produktblad"),
        ("click", "/static/dokument/winlas-skola-produktblad.pdf"),
        ("click", "Robert'); DROP TABLE funnel;--"),
        ("click", "{s0:String}"),
        ("click", "åäö ÅÄÖ"),
        ("conversion", "quote"),
        ("conversion", "newsletter"),
    ],
)
def test_good_steps_pass(kind, value):
    assert step_problem(kind, value) is None


@pytest.mark.parametrize(
    ("kind", "value", "reason"),
    [
        ("page", "", models.EMPTY),
        ("page", "kontakt", models.NOT_A_PATH),
        ("page", "*", models.NOT_A_PATH),
        ("page", "/produkter/*/offert", models.BAD_WILDCARD),
        ("page", "/**", models.BAD_WILDCARD),
        ("page", "/a\x00b", models.CONTROL),
        ("page", "/a\nb", models.CONTROL),
        ("page", "/a\x7f", models.CONTROL),
        ("page", "/" + "x" * 512, models.TOO_LONG),
        ("page", "/" + "x" * 10_000, models.TOO_LONG),
        ("click", "a\x00", models.CONTROL),
        ("click", "\t", models.CONTROL),
        ("click", "x" * 10_000, models.TOO_LONG),
        ("conversion", "offert", models.UNKNOWN_CONVERSION),
        ("conversion", "quote ", models.UNKNOWN_CONVERSION),
        ("conversion", "QUOTE", models.UNKNOWN_CONVERSION),
        ("pageview", "/", models.UNKNOWN_KIND),
        ("", "/", models.UNKNOWN_KIND),
        ("page\x00", "/", models.UNKNOWN_KIND),
    ],
)
def test_bad_steps_are_refused_with_their_reason(kind, value, reason):
    assert step_problem(kind, value) == reason


def test_a_funnel_has_a_name_a_window_and_two_to_five_good_steps():
    two = [Step("page", "/a"), Step("conversion", "quote")]
    assert check("Offert", two, "visit") == []
    assert check("Offert", two * 2 + [Step("page", "/b")], "30d") == []
    assert check("Offert", two[:1], "visit") == [(None, "step_count")]
    assert check("Offert", two * 3, "visit") == [(None, "step_count")]
    assert check("", two, "visit") == [(None, "name_empty")]
    assert check("   ", two, "visit") == [(None, "name_empty")]
    assert check("x" * 121, two, "visit") == [(None, "name_too_long")]
    assert check("a\x00b", two, "visit") == [(None, "name_control")]
    assert check("Offert", two, "7d") == [(None, "unknown_window")]
    assert check("Offert", [Step("page", "x"), Step("click", "")], "visit") == [
        (0, models.NOT_A_PATH),
        (1, models.EMPTY),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        "{}",
        '"page"',
        '[{"kind": "page", "value": "/a"}]',
        '[{"kind": "page", "value": "/a"}, {"kind": "page"}]',
        '[{"kind": "page", "value": "/a"}, {"kind": "page", "value": 5}]',
        '[{"kind": "page", "value": "/a"}, {"kind": "page", "value": "/b", "extra": 1}]',
        '[{"kind": "page", "value": "/a"}, {"kind": "page", "value": "b"}]',
        '[{"kind": "page", "value": "/a"}, ["page", "/b"]]',
        json.dumps([{"kind": "page", "value": "/a"}] * 6),
    ],
)
def test_stored_steps_that_are_no_funnel_are_refused_on_the_way_out(text):
    with pytest.raises(ValueError):
        parse_steps(text)


def test_stored_steps_round_trip():
    steps = [Step("page", "/produkter/*"), Step("click", "produktblad"), Step("conversion", "demo")]
    assert parse_steps(json.dumps([step.to_json() for step in steps])) == steps
    assert steps[0].wildcard and steps[0].prefix == "/produkter/"
    assert not steps[1].wildcard and steps[1].prefix == "produktblad"


# ------------------------------------------------------------------------------ the count


def events(*items):
    """(visitor, visit, minutes after T0, bits) as StepEvents, in the order given."""
    return [(who, visit, T0 + datetime.timedelta(minutes=m), bits) for who, visit, m, bits in items]


def test_steps_count_only_in_order():
    # a: 1 then 2; b: 2 then 1 (only step 1); c: nothing but step 2
    found = events(("a", 1, 0, 1), ("a", 1, 1, 2), ("b", 2, 0, 2), ("b", 2, 1, 1), ("c", 3, 0, 2))
    assert count_reached(found, 2, None) == [2, 1]


def test_one_event_counts_for_one_step_only():
    # the same page twice: one view reaches step 1, a second is needed for step 2
    assert count_reached(events(("a", 1, 0, 3)), 2, None) == [1, 0]
    assert count_reached(events(("a", 1, 0, 3), ("a", 1, 1, 3)), 2, None) == [1, 1]


def test_a_visit_window_wants_every_step_in_the_same_visit():
    found = events(("a", 1, 0, 1), ("a", 2, 60, 2), ("b", 3, 0, 1), ("b", 3, 5, 2))
    assert count_reached(found, 2, None) == [2, 1]
    assert count_reached(found, 2, MONTH) == [2, 2]


def test_a_30_day_window_counts_from_the_latest_first_step_that_leads_on():
    minutes = 24 * 60
    # step 1 on day 0 and day 20, step 2 on day 40: only the second start is within 30 days
    found = events(("a", 1, 0, 1), ("a", 2, 20 * minutes, 1), ("a", 3, 40 * minutes, 2))
    assert count_reached(found, 2, MONTH) == [1, 1]
    late = events(("a", 1, 0, 1), ("a", 3, 31 * minutes, 2))
    assert count_reached(late, 2, MONTH) == [1, 0]
    exactly = events(("a", 1, 0, 1), ("a", 3, 30 * minutes, 2))
    assert count_reached(exactly, 2, MONTH) == [1, 1]


def test_sqlite_times_as_text_are_read():
    found = [("a", 1, "2026-11-01 09:00:00", 1), ("a", 1, "2026-11-01 09:00:00.500000", 2)]
    assert count_reached(found, 2, MONTH) == [1, 1]


def test_the_rows_carry_rates_and_drop_off():
    steps = [Step("page", "/a"), Step("page", "/b"), Step("conversion", "quote")]
    rows = rows_of(steps, [200, 50, 10])
    assert [row.visitors for row in rows] == [200, 50, 10]
    assert rows[0].rate_from_previous is None and rows[0].rate_from_first == 1.0
    assert rows[0].dropped == 0 and rows[0].drop_rate is None
    assert rows[1].rate_from_previous == 0.25 and rows[1].dropped == 150
    assert rows[1].drop_rate == 0.75
    assert rows[2].rate_from_previous == 0.2 and rows[2].rate_from_first == 0.05
    assert rows[2].dropped == 40
    empty = rows_of(steps, [0, 0, 0])
    assert [row.rate_from_first for row in empty] == [0.0, 0.0, 0.0]
    assert empty[1].rate_from_previous == 0.0 and empty[1].drop_rate == 0.0


def reference(
    items: list[tuple[str, int, datetime.datetime, int]],
    steps: int,
    window: datetime.timedelta | None,
) -> list[int]:
    """Brute force: for each visitor and k, is there any choice of k events, in order, the
    i-th matching step i (in one visit, or the last within ``window`` of the first)?"""
    by_visitor: dict[str, list] = {}
    for item in items:
        by_visitor.setdefault(item[0], []).append(item)
    reached = [0] * steps
    for own in by_visitor.values():
        best = 0
        for k in range(1, steps + 1):
            for chosen in itertools.combinations(range(len(own)), k):
                picked = [own[i] for i in chosen]
                if not all(event[3] >> level & 1 for level, event in enumerate(picked)):
                    continue
                if window is None and len({event[1] for event in picked}) > 1:
                    continue
                if window is not None and picked[-1][2] - picked[0][2] > window:
                    continue
                best = k
                break
            if best < k:
                break
        for level in range(best):
            reached[level] += 1
    return reached


@st.composite
def event_streams(draw):
    steps = draw(st.integers(2, 4))
    items = []
    for visitor in range(draw(st.integers(0, 4))):
        moment = T0
        visit = visitor * 100
        for _ in range(draw(st.integers(0, 7))):
            gap = draw(st.sampled_from([0, 1, 60, 24 * 60, 10 * 24 * 60, 29 * 24 * 60]))
            moment += datetime.timedelta(minutes=gap)
            if gap >= 60:
                visit += 1
            bits = draw(st.integers(0, 2**steps - 1))
            if bits:
                items.append((f"v{visitor}", visit, moment, bits))
    return steps, items


@settings(max_examples=400, deadline=None)
@given(stream=event_streams(), window=st.sampled_from([None, MONTH, DAY]))
def test_the_linear_count_equals_a_brute_force_search(stream, window):
    steps, items = stream
    assert count_reached(items, steps, window) == reference(items, steps, window)


# ------------------------------------------------------------------------------ the chart


def draw(**changes):
    options = {
        "labels": ["1. Sida: /produkter/*", "2. Sida: <b>&", "3. Konvertering: Offert"],
        "visitors": [200, 50, 10],
        "notes": ["200 besökare", "50 besökare, 25 %", "10 besökare, 20 %"],
        "dropped_text": ["", "150 föll bort", "40 föll bort"],
        "title": "Tratten",
        "desc": "Liggande staplar.",
        "chart_id": "chart-funnel",
    }
    options.update(changes)
    labels = options.pop("labels")
    visitors = options.pop("visitors")
    notes = options.pop("notes")
    return funnel_chart(labels, visitors, notes, **options)


def test_the_chart_is_an_image_with_a_bar_per_step_and_the_drop_off_beside_it():
    markup = str(draw())
    root = ET.fromstring(markup)  # noqa: S314 - our own output
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-funnel-title chart-funnel-desc"
    bars = [el for el in root.iter(f"{SVG}rect") if "funnel-bar" in (el.get("class") or "")]
    drops = [el for el in root.iter(f"{SVG}rect") if "funnel-drop" in (el.get("class") or "")]
    assert [bar.get("data-value") for bar in bars] == ["200", "50", "10"]
    assert [float(bar.get("width")) for bar in bars] == [720, 180, 36]
    assert [drop.get("data-value") for drop in drops] == ["150", "40"]
    # the drop-off starts where the step's bar ends and is as long as the visitors lost
    assert [float(drop.get("x")) for drop in drops] == [180, 36]
    assert [float(drop.get("width")) for drop in drops] == [540, 144]
    assert "<b>" not in markup and "&lt;b&gt;&amp;" in markup
    assert "style=" not in markup


def test_an_empty_funnel_draws_empty_bars_and_a_bad_id_is_refused():
    root = ET.fromstring(str(draw(visitors=[0, 0, 0])))  # noqa: S314
    widths = [
        float(el.get("width"))
        for el in root.iter(f"{SVG}rect")
        if "funnel-bar" in (el.get("class") or "")
    ]
    assert widths == [0, 0, 0]
    with pytest.raises(ValueError):
        draw(chart_id='x" onload="alert(1)')
    with pytest.raises(ValueError):
        draw(notes=["one"])


def test_a_long_label_is_cut_in_the_picture_but_whole_in_its_title():
    label = "1. Sida: /" + "a" * 200
    markup = str(draw(labels=[label, "2", "3"]))
    assert re.search(r'class="funnel-label">[^<]{60}<', markup)
    assert f"<title>{label}: 200 besökare</title>" in markup
