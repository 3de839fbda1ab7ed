"""A funnel drawn on the server as SVG: one horizontal bar per step, as the dashboard draws.

Each bar's length is the step's visitors against the first step's; the part of the previous
step's bar that this step did not reach is drawn beside it as the drop-off. Like every chart of
the dashboard (``analytics.dashboard.charts``): ``role="img"`` named by its ``<title>`` and
described by its ``<desc>``, a ``<title>``, ``data-label`` and ``data-value`` on every mark with
the table's numbers, colours from classes (``analytics/static/funnels.css``: the CSP allows no
inline style), and the same numbers in a table beside it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from markupsafe import Markup, escape

from ..dashboard.charts import WIDTH, format_value

ROW_HEIGHT = 58
TOP = 6
BAR_TOP = 24  # within a row: the label above, the bar below
BAR_HEIGHT = 24
# a label longer than this is cut in the picture; the table prints it whole
MAX_LABEL = 60


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def funnel_chart(
    labels: Sequence[str],
    visitors: Sequence[int],
    notes: Sequence[str],
    *,
    dropped_text: Sequence[str],
    title: str,
    desc: str,
    chart_id: str,
) -> Markup:
    """Bars of ``visitors`` per step (``labels``), each with its ``notes`` printed at the right
    (visitors and rate, as the page words them) and its drop-off described by
    ``dropped_text`` (empty for the first step)."""
    if not re.fullmatch(r"[a-z0-9-]{1,40}", chart_id):
        raise ValueError(f"bad chart id {chart_id!r}")
    if not len(labels) == len(visitors) == len(notes) == len(dropped_text):
        raise ValueError("one label, value, note and drop-off text per step")
    height = TOP * 2 + ROW_HEIGHT * len(labels)
    top = max([*visitors, 1])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-funnel" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" id="{chart_id}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" data-chart="{chart_id}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    previous = None
    for index, (label, count, note, drop) in enumerate(
        zip(labels, visitors, notes, dropped_text, strict=True)
    ):
        y = TOP + index * ROW_HEIGHT
        bar_y = y + BAR_TOP
        width = WIDTH * count / top
        parts.append(f'<g class="funnel-step" data-step="{index + 1}">')
        parts.append(
            f'<text x="0" y="{y + 16}" class="funnel-label">{escape(_short(label))}</text>'
            f'<text x="{WIDTH}" y="{y + 16}" class="funnel-note" text-anchor="end">'
            f"{escape(note)}</text>"
            f'<rect x="0" y="{bar_y}" width="{WIDTH}" height="{BAR_HEIGHT}" '
            'class="funnel-track" aria-hidden="true"/>'
            f'<rect x="0" y="{bar_y}" width="{_fmt(width)}" height="{BAR_HEIGHT}" '
            f'class="chart-bar funnel-bar" data-label="{escape(label)}" '
            f'data-value="{escape(format_value(count))}">'
            f"<title>{escape(label)}: {escape(note)}</title></rect>"
        )
        if previous is not None and previous > count:
            drop_width = WIDTH * (previous - count) / top
            lost = format_value(previous - count)
            parts.append(
                f'<rect x="{_fmt(width)}" y="{bar_y}" width="{_fmt(drop_width)}" '
                f'height="{BAR_HEIGHT}" class="chart-bar funnel-drop" '
                f'data-label="{escape(label)}" data-value="{escape(lost)}">'
                f"<title>{escape(label)}: {escape(drop)}</title></rect>"
            )
        parts.append("</g>")
        previous = count
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()
