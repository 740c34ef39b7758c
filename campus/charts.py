"""Bar charts drawn on the server as inline SVG: no CDN, no client chart library.

A chart is geometry computed here and drawn by the `bar_chart` macro in
templates/_macros/charts.html, which puts the same numbers in a table beside the picture:
the SVG is one image (role="img", with a title and a description) for sighted readers, and
the table is what a screen reader walks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

LABEL_WIDTH = 230  # room for the row labels, left of the bars
BAR_AREA = 330  # the longest bar
VALUE_WIDTH = 120  # room for the value written after each bar
ROW_HEIGHT = 30
BAR_HEIGHT = 20
LABEL_CHARS = 32  # longer labels are shortened in the picture (the table has them whole)


@dataclass(frozen=True)
class Bar:
    label: str  # as drawn (shortened)
    full_label: str  # as in the table
    value: float
    text: str  # the value as written after the bar and in the table
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart; `columns` head the table (row label, value)."""

    chart_id: str
    title: str
    description: str
    columns: tuple[str, str]
    bars: list[Bar] = field(default_factory=list)

    @property
    def width(self) -> int:
        return LABEL_WIDTH + BAR_AREA + VALUE_WIDTH

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 10

    @property
    def bar_x(self) -> int:
        return LABEL_WIDTH

    @property
    def bar_height(self) -> int:
        return BAR_HEIGHT


def shorten(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    rows: list[tuple[str, float, str]],
    *,
    columns: tuple[str, str],
    scale_max: float | None = None,
) -> BarChart:
    """Rows of (label, value, value as text); bars scale to scale_max (else the largest)."""
    top = scale_max if scale_max else max((value for _, value, _ in rows), default=0)
    bars = []
    for index, (label, value, text) in enumerate(rows):
        width = BAR_AREA * value / top if top > 0 else 0.0
        bars.append(
            Bar(
                label=shorten(label),
                full_label=label,
                value=value,
                text=text,
                y=5 + index * ROW_HEIGHT,
                width=round(max(width, 0.0), 1),
            )
        )
    return BarChart(chart_id, title, description, columns, bars)
