"""Charts drawn on the server as SVG: accessible, no script, and no inline style (the CSP).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``;
every data mark carries ``data-label``/``data-value`` and a ``<title>`` with the same number the
page's table shows, so a tooltip, a test and the table agree. Notes (``Marker``) are a dashed
line and a diamond on their point, with a ``<title>`` for the pointer; what they say is also in
the chart's ``<desc>`` and in the table beside it. Colours and fonts come from
classes styled in ``analytics/static/dashboard.css``: the CSP (``style-src 'self'``) refuses
``style`` attributes, and presentation attributes are kept to geometry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 260
# room for the y-axis labels on the left, the x labels and legend below
LEFT, RIGHT, TOP, BOTTOM = 56, 40, 12, 56
# at most this many x labels, so they never overlap
MAX_X_LABELS = 8
# dot radius of a line chart's first, second and further series: a later series drawn on the
# same point leaves the earlier one's rim visible
POINT_RADII = ("5.5", "3.5", "3")


@dataclass(frozen=True)
class Series:
    """One line or one colour of bars: a display name, values in label order, a CSS key."""

    name: str
    values: Sequence[float]
    key: str  # becomes the class chart-<key>: lower-case letters, digits and dashes


@dataclass(frozen=True)
class Marker:
    """Notes dated on one point of a chart: the point's label and what the notes say."""

    label: str
    texts: Sequence[str]


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (1 for nothing): a tidy axis top."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def whole_step(value: float) -> int:
    """The smallest 1, 2 or 5 × 10ⁿ (at least 1) at or above ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if factor * step >= value:
                return factor * step
        step *= 10


def format_value(value: float) -> str:
    """A number as the tables print it: integers plain, other values with two decimals."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}"


def _key(key: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]{1,40}", key):
        raise ValueError(f"bad series key {key!r}")
    return key


def _label_indexes(count: int) -> list[int]:
    """Which x positions get a printed label: first, last and evenly between."""
    if count <= MAX_X_LABELS:
        return list(range(count))
    step = (count - 1) / (MAX_X_LABELS - 1)
    return sorted({round(i * step) for i in range(MAX_X_LABELS)})


def _fmt(number: float) -> str:
    """Coordinates with one decimal: small markup, no visible rounding."""
    return f"{number:.1f}".rstrip("0").rstrip(".")


class _Frame:
    """The plot area and the scale shared by both chart kinds."""

    def __init__(self, count: int, top: float, whole: bool):
        self.count = count
        self.top: float
        if whole:
            # counts: a whole step of 1, 2 or 5 × 10ⁿ, so the five grid lines are whole numbers
            self.top = 4 * whole_step(top / 4)
        else:
            self.top = nice_ceiling(top)
        self.plot_w = WIDTH - LEFT - RIGHT
        self.plot_h = HEIGHT - TOP - BOTTOM

    def y(self, value: float) -> float:
        return TOP + self.plot_h - (value / self.top) * self.plot_h

    def grid(self) -> list[str]:
        parts = ['<g class="chart-grid" aria-hidden="true">']
        for i in range(5):
            value = self.top * i / 4
            y = _fmt(self.y(value))
            parts.append(
                f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y}" y2="{y}" class="chart-gridline"/>'
                f'<text x="{LEFT - 6}" y="{y}" class="chart-axis chart-axis-y" '
                f'text-anchor="end" dominant-baseline="middle">{escape(format_value(value))}</text>'
            )
        parts.append("</g>")
        return parts

    def x_labels(self, labels: Sequence[str], centre: Callable[[int], float]) -> list[str]:
        parts = ['<g class="chart-xlabels" aria-hidden="true">']
        for index in _label_indexes(len(labels)):
            parts.append(
                f'<text x="{_fmt(centre(index))}" y="{HEIGHT - BOTTOM + 16}" '
                f'class="chart-axis chart-axis-x" text-anchor="middle">'
                f"{escape(labels[index])}</text>"
            )
        parts.append("</g>")
        return parts


def _legend(series: Sequence[Series], marker_name: str = "") -> list[str]:
    parts = ['<g class="chart-legend" aria-hidden="true">']
    x = LEFT
    y = HEIGHT - 14
    for item in series:
        parts.append(
            f'<rect x="{x}" y="{y - 9}" width="12" height="12" '
            f'class="chart-swatch chart-{item.key}"/>'
            f'<text x="{x + 17}" y="{y + 1}" class="chart-legend-text">{escape(item.name)}</text>'
        )
        # a rough width: the legend is decoration, the names are also in the table
        x += 40 + 8 * len(item.name)
    if marker_name:
        parts.append(
            f'<polygon points="{_diamond(x + 6, y - 3)}" class="chart-note-mark"/>'
            f'<text x="{x + 17}" y="{y + 1}" class="chart-legend-text">{escape(marker_name)}</text>'
        )
    parts.append("</g>")
    return parts


def _diamond(x: float, y: float, radius: float = 5.5) -> str:
    return (
        f"{_fmt(x)},{_fmt(y - radius)} {_fmt(x + radius)},{_fmt(y)} "
        f"{_fmt(x)},{_fmt(y + radius)} {_fmt(x - radius)},{_fmt(y)}"
    )


def _markers(
    labels: Sequence[str], markers: Sequence[Marker], centre: Callable[[int], float]
) -> list[str]:
    """A dashed line over the plot and a diamond at its top for each marked point; the
    diamond's ``<title>`` lists the notes (a pointer's tooltip; the desc and table say it too).
    Markers on labels the chart does not have are left out."""
    index = {label: i for i, label in enumerate(labels)}
    placed = [(index[m.label], m) for m in markers if m.label in index and m.texts]
    if not placed:
        return []
    parts = ['<g class="chart-notes">']
    for i, marker in placed:
        x = _fmt(centre(i))
        text = "; ".join(marker.texts)
        parts.append(
            f'<g class="chart-note" data-note-label="{escape(marker.label)}" '
            f'data-notes="{len(marker.texts)}">'
            f"<title>{escape(marker.label)}: {escape(text)}</title>"
            f'<line x1="{x}" x2="{x}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" class="chart-note-line"/>'
            f'<polygon points="{_diamond(centre(i), TOP)}" class="chart-note-mark"/>'
            "</g>"
        )
    parts.append("</g>")
    return parts


def marker_desc(markers: Sequence[Marker]) -> str:
    """The notes of a chart as one sentence part, for its ``<desc>``: "label: a; b. label: c"."""
    return " ".join(f"{m.label}: {'; '.join(m.texts)}." for m in markers if m.texts)


def _open(chart_id: str, title: str, desc: str, kind: str) -> list[str]:
    chart_id = _key(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" id="{chart_id}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-chart="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _check(labels: Sequence[str], series: Sequence[Series]) -> None:
    for item in series:
        _key(item.key)
        if len(item.values) != len(labels):
            raise ValueError(f"series {item.key} has {len(item.values)} values for {len(labels)}")


def _whole(series: Sequence[Series]) -> bool:
    return all(float(v).is_integer() for s in series for v in s.values)


def _point_title(label: str, item: Series, value: float) -> str:
    return f"<title>{escape(label)}: {escape(item.name)} {escape(format_value(value))}</title>"


def _data(label: str, item: Series, value: float) -> str:
    return (
        f'data-series="{item.key}" data-label="{escape(label)}" '
        f'data-value="{escape(format_value(value))}"'
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    chart_id: str,
    markers: Sequence[Marker] = (),
    marker_name: str = "",
) -> Markup:
    """Lines through the points of each series, a dot (with its number) on every point.

    The first series is drawn widest and with the largest dots, each later one narrower on top
    of it: where two series coincide (visitors and visits often do) the first still shows as a
    rim around the second."""
    _check(labels, series)
    frame = _Frame(
        len(labels), max((v for s in series for v in s.values), default=0), _whole(series)
    )
    if len(labels) > 1:
        step = frame.plot_w / (len(labels) - 1)

        def centre(index: int) -> float:
            return LEFT + index * step
    else:

        def centre(index: int) -> float:
            return LEFT + frame.plot_w / 2

    parts = _open(chart_id, title, desc, "line")
    parts += frame.grid()
    parts += _markers(labels, markers, centre)
    for rank, item in enumerate(series):
        parts.append(f'<g class="chart-series chart-{item.key} chart-rank-{min(rank, 2)}">')
        points = " ".join(
            f"{_fmt(centre(i))},{_fmt(frame.y(v))}" for i, v in enumerate(item.values)
        )
        if len(labels) > 1:
            parts.append(f'<polyline points="{points}" class="chart-line"/>')
        radius = POINT_RADII[min(rank, len(POINT_RADII) - 1)]
        for i, value in enumerate(item.values):
            parts.append(
                f'<circle cx="{_fmt(centre(i))}" cy="{_fmt(frame.y(value))}" r="{radius}" '
                f'class="chart-point" {_data(labels[i], item, value)}>'
                f"{_point_title(labels[i], item, value)}</circle>"
            )
        parts.append("</g>")
    parts += frame.x_labels(labels, centre)
    parts += _legend(series, marker_name if markers else "")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def bar_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    chart_id: str,
    stacked: bool = False,
    markers: Sequence[Marker] = (),
    marker_name: str = "",
) -> Markup:
    """Bars per label: side by side per series, or stacked (the column height is the sum)."""
    _check(labels, series)
    if stacked:
        totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
        top = max(totals, default=0)
    else:
        top = max((v for s in series for v in s.values), default=0)
    frame = _Frame(len(labels), top, _whole(series))
    slot = frame.plot_w / max(len(labels), 1)
    gap = min(slot * 0.2, 6)
    lanes = 1 if stacked else max(len(series), 1)
    bar_w = max((slot - gap) / lanes, 0.5)

    def centre(index: int) -> float:
        return LEFT + slot * index + slot / 2

    parts = _open(chart_id, title, desc, "bar")
    parts += frame.grid()
    base = [0.0] * len(labels)
    for lane, item in enumerate(series):
        parts.append(f'<g class="chart-series chart-{item.key}">')
        for i, value in enumerate(item.values):
            x = LEFT + slot * i + gap / 2 + (0 if stacked else lane * bar_w)
            y_top = frame.y(base[i] + value)
            y_bottom = frame.y(base[i])
            parts.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y_top)}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(y_bottom - y_top)}" class="chart-bar" '
                f"{_data(labels[i], item, value)}>{_point_title(labels[i], item, value)}</rect>"
            )
            if stacked:
                base[i] += value
        parts.append("</g>")
    # over the bars: a note must not hide behind a tall column
    parts += _markers(labels, markers, centre)
    parts += frame.x_labels(labels, centre)
    parts += _legend(series, marker_name if markers else "")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
