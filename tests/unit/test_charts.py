"""Server-rendered SVG charts: accessible, escaped, free of inline style, numbers exact."""

import re
import xml.etree.ElementTree as ET

import pytest

from analytics.dashboard.charts import (
    Marker,
    Series,
    bar_chart,
    format_value,
    line_chart,
    marker_desc,
    nice_ceiling,
    whole_step,
)

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["2026-11-01", "2026-11-02", "2026-11-03"]


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not outside input


def marks(root: ET.Element, tag: str) -> list[ET.Element]:
    return [element for element in root.iter(f"{SVG}{tag}") if element.get("data-value")]


def test_a_line_chart_is_an_image_named_by_its_title_and_description():
    root = parse(
        line_chart(
            LABELS,
            [Series("Besök", [1, 5, 3], "visits")],
            title="Besök per dag",
            desc="Samma siffror i tabellen.",
            chart_id="chart-a",
        )
    )
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-a-title chart-a-desc"
    assert root.find(f"{SVG}title").text == "Besök per dag"
    assert root.find(f"{SVG}title").get("id") == "chart-a-title"
    assert root.find(f"{SVG}desc").text == "Samma siffror i tabellen."


def test_every_point_carries_its_label_value_and_a_title_with_the_number():
    root = parse(
        line_chart(
            LABELS,
            [Series("Besök", [1, 5, 3], "visits"), Series("Sidvisningar", [2, 9, 4], "pageviews")],
            title="t",
            desc="d",
            chart_id="c",
        )
    )
    points = marks(root, "circle")
    assert [(p.get("data-series"), p.get("data-label"), p.get("data-value")) for p in points] == [
        ("visits", "2026-11-01", "1"),
        ("visits", "2026-11-02", "5"),
        ("visits", "2026-11-03", "3"),
        ("pageviews", "2026-11-01", "2"),
        ("pageviews", "2026-11-02", "9"),
        ("pageviews", "2026-11-03", "4"),
    ]
    assert points[1].find(f"{SVG}title").text == "2026-11-02: Besök 5"
    assert len(list(root.iter(f"{SVG}polyline"))) == 2


def test_higher_values_are_drawn_higher_and_zero_sits_on_the_axis():
    root = parse(line_chart(LABELS, [Series("v", [0, 8, 4], "v")], title="", desc="", chart_id="c"))
    y = [float(p.get("cy")) for p in marks(root, "circle")]
    assert y[1] < y[2] < y[0]
    assert y[0] == max(float(line.get("y1")) for line in root.iter(f"{SVG}line"))


def test_bars_side_by_side_and_stacked():
    series = [Series("Kontakt", [1, 0], "contact"), Series("Offert", [2, 3], "quote")]
    side = parse(bar_chart(["a", "b"], series, title="t", desc="d", chart_id="c"))
    bars = marks(side, "rect")
    assert [b.get("data-value") for b in bars] == ["1", "0", "2", "3"]
    assert float(bars[0].get("x")) < float(bars[2].get("x"))  # two lanes in slot "a"
    stacked = parse(bar_chart(["a", "b"], series, title="t", desc="d", chart_id="c", stacked=True))
    bars = marks(stacked, "rect")
    assert bars[0].get("x") == bars[2].get("x")
    # the second series starts where the first ends
    assert float(bars[2].get("y")) + float(bars[2].get("height")) == pytest.approx(
        float(bars[0].get("y")), abs=0.1
    )


def test_text_is_escaped_and_no_style_or_script_is_written():
    markup = str(
        bar_chart(
            ['"><script>alert(1)</script>'],
            [Series("<b>x</b>", [3], "x")],
            title="<svg onload=alert(1)>",
            desc="&",
            chart_id="c",
        )
    )
    parse(markup)  # still well-formed XML
    assert "<script" not in markup and "<svg onload" not in markup and "<b>" not in markup
    assert "style" not in markup.replace("class=", "")


def test_empty_and_single_point_charts_draw_without_error():
    empty = parse(line_chart([], [Series("v", [], "v")], title="t", desc="d", chart_id="c"))
    assert marks(empty, "circle") == []
    single = parse(line_chart(["x"], [Series("v", [7], "v")], title="t", desc="d", chart_id="c"))
    assert [p.get("data-value") for p in marks(single, "circle")] == ["7"]
    assert list(single.iter(f"{SVG}polyline")) == []


@pytest.mark.parametrize(
    "key,labels,values",
    [("Bad Key", ["a"], [1]), ("ok", ["a", "b"], [1]), ('x"onload', ["a"], [1])],
)
def test_bad_series_keys_and_lengths_are_refused(key, labels, values):
    with pytest.raises(ValueError):
        line_chart(labels, [Series("v", values, key)], title="t", desc="d", chart_id="c")


def test_axis_tops_are_tidy():
    assert [nice_ceiling(v) for v in (0, 0.3, 1, 7, 11, 240, 260)] == [
        1.0,
        0.5,
        1.0,
        10.0,
        20.0,
        250.0,
        500.0,
    ]
    assert [4 * whole_step(v / 4) for v in (0, 3, 5, 113)] == [4, 4, 8, 200]
    root = parse(line_chart(["a"], [Series("v", [113], "v")], title="", desc="", chart_id="c"))
    axis = [t.text for t in root.iter(f"{SVG}text") if "chart-axis-y" in (t.get("class") or "")]
    assert axis == ["0", "50", "100", "150", "200"]


def test_values_print_like_the_tables():
    assert [format_value(v) for v in (3, 3.0, 0.3333, 12.5)] == ["3", "3", "0.33", "12.50"]


def test_many_labels_are_thinned_so_they_never_overlap():
    labels = [f"d{i}" for i in range(90)]
    root = parse(line_chart(labels, [Series("v", [1] * 90, "v")], title="", desc="", chart_id="c"))
    printed = [t.text for t in root.iter(f"{SVG}text") if "chart-axis-x" in (t.get("class") or "")]
    assert printed[0] == "d0" and printed[-1] == "d89" and len(printed) <= 8
    assert all(re.fullmatch(r"d\d+", text) for text in printed)


# ---------------------------------------------------------------------------- issue 16


def notes_of(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-note"]


def test_a_note_is_a_line_and_a_diamond_on_its_point_with_its_text_as_tooltip():
    markers = [Marker("2026-11-02", ["Kampanj startar", "Mässa"])]
    root = parse(
        line_chart(
            LABELS,
            [Series("Besök", [1, 5, 3], "visits")],
            title="t",
            desc="d",
            chart_id="c",
            markers=markers,
            marker_name="Anteckning",
        )
    )
    (note,) = notes_of(root)
    assert note.get("data-note-label") == "2026-11-02" and note.get("data-notes") == "2"
    assert note.find(f"{SVG}title").text == "2026-11-02: Kampanj startar; Mässa"
    line = note.find(f"{SVG}line")
    point = marks(root, "circle")[1]
    assert line.get("x1") == line.get("x2") == point.get("cx")
    assert note.find(f"{SVG}polygon") is not None
    legend = [
        t.text
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "chart-legend"
        for t in g.iter(f"{SVG}text")
    ]
    assert legend == ["Besök", "Anteckning"]
    # still one image: the markers add no role of their own
    assert (
        str(
            line_chart(
                LABELS,
                [Series("v", [1, 2, 3], "v")],
                title="t",
                desc="d",
                chart_id="c",
                markers=markers,
            )
        ).count('role="img"')
        == 1
    )


def test_notes_sit_on_bars_too_and_unknown_labels_are_left_out():
    root = parse(
        bar_chart(
            ["a", "b"],
            [Series("Kontakt", [1, 2], "contact")],
            title="t",
            desc="d",
            chart_id="c",
            stacked=True,
            markers=[Marker("b", ["Mässa"]), Marker("z", ["Utanför"]), Marker("a", [])],
        )
    )
    assert [n.get("data-note-label") for n in notes_of(root)] == ["b"]
    bar = marks(root, "rect")[1]
    line = notes_of(root)[0].find(f"{SVG}line")
    centre = float(bar.get("x")) + float(bar.get("width")) / 2
    assert float(line.get("x1")) == pytest.approx(centre, abs=0.1)
    # no notes, no legend entry and no group
    plain = parse(
        line_chart(
            LABELS,
            [Series("v", [1, 2, 3], "v")],
            title="",
            desc="",
            chart_id="c",
            marker_name="Anteckning",
        )
    )
    assert notes_of(plain) == [] and "Anteckning" not in ET.tostring(plain, encoding="unicode")


def test_note_text_is_escaped_and_described():
    markers = [Marker("2026-11-01", ['"><script>alert(1)</script>'])]
    markup = str(
        line_chart(
            LABELS,
            [Series("v", [1, 2, 3], "v")],
            title="t",
            desc="d",
            chart_id="c",
            markers=markers,
        )
    )
    parse(markup)
    assert "<script" not in markup
    assert marker_desc(markers + [Marker("2026-11-03", ["a", "b"])]) == (
        '2026-11-01: "><script>alert(1)</script>. 2026-11-03: a; b.'
    )


def test_the_first_line_is_drawn_under_the_others_with_larger_dots():
    root = parse(
        line_chart(
            LABELS,
            [Series("Besökare", [2, 2, 2], "visitors"), Series("Besök", [2, 2, 2], "visits")],
            title="t",
            desc="d",
            chart_id="c",
        )
    )
    groups = [g for g in root.iter(f"{SVG}g") if "chart-series" in (g.get("class") or "")]
    assert [g.get("class") for g in groups] == [
        "chart-series chart-visitors chart-rank-0",
        "chart-series chart-visits chart-rank-1",
    ]
    radii = [float(c.get("r")) for c in marks(root, "circle")]
    assert radii[:3] == [5.5] * 3 and radii[3:] == [3.5] * 3
