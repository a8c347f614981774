"""Bar charts as PNG images sized and lettered for a phone screen (runs in a worker process)."""

from __future__ import annotations

import io
import textwrap
from typing import Any

import matplotlib
from matplotlib.ticker import MaxNLocator

matplotlib.use("Agg")  # no display in a worker process

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from handlers.reports.port import BarChart

WIDTH_INCHES = 7.0
DPI = 160  # 1120 px wide: sharp after Telegram's recompression, readable without zooming
LABEL_WIDTH = 24  # characters per line of a category name
TITLE_WIDTH = 44
SUBTITLE_WIDTH = 64
FONT = "DejaVu Sans"  # ships with matplotlib and has every Kazakh letter

STYLE: Any = {
    "font.family": FONT,
    "font.size": 13,
    "axes.titlesize": 17,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "text.parse_math": False,  # a "$" in a school's name is a dollar sign, not mathematics
}


def render(chart: BarChart) -> bytes:
    with plt.rc_context(STYLE):
        figure = _figure(chart)
    try:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=DPI)
        return buffer.getvalue()
    finally:
        plt.close(figure)


def render_all(charts: list[BarChart]) -> list[bytes]:
    return [render(chart) for chart in charts]


def _wrap(label: str, width: int = LABEL_WIDTH, lines: int = 2) -> str:
    """At most `lines` lines of `width`; a line after a newline (a note) is kept as it is."""
    name, _, note = label.partition("\n")
    wrapped = textwrap.wrap(name, width) or [""]
    if len(wrapped) > lines:
        rest = " ".join(wrapped[lines - 1 :])
        wrapped = [*wrapped[: lines - 1], textwrap.shorten(rest, width, placeholder="…")]
    return "\n".join([*wrapped, note] if note else wrapped)


def _figure(chart: BarChart) -> Figure:
    count = max(1, len(chart.categories))
    if chart.horizontal:
        per_bar = 0.42 * max(1, 1 if chart.stacked else len(chart.series))
        height = min(16.0, max(4.2, 1.6 + count * (per_bar + 0.35)))
    else:
        height = 5.0
    title = _wrap(chart.title, TITLE_WIDTH, 3)
    subtitle = _wrap(chart.subtitle, SUBTITLE_WIDTH, 3) if chart.subtitle else ""
    header = (
        0.25
        + 0.34 * (title.count("\n") + 1)
        + (0.3 * (subtitle.count("\n") + 1) if subtitle else 0)
    )
    figure = plt.figure(figsize=(WIDTH_INCHES, height + header), layout="constrained")
    parts: Any = figure.subfigures(2, 1, height_ratios=[header, height])
    top, body = parts
    top.text(0.03, 0.92, title, va="top", fontsize=17, fontweight="bold")
    if subtitle:
        top.text(0.03, 0.1, subtitle, va="bottom", fontsize=12, color="#555555")
    axes = body.subplots()
    _bars(axes, chart)
    if len(chart.series) > 1:
        handles, labels = axes.get_legend_handles_labels()
        body.legend(
            handles,
            labels,
            loc="outside lower center",
            ncols=min(3, len(chart.series)),
            frameon=False,
        )
    return figure


def _bars(axes: Axes, chart: BarChart) -> None:
    categories = [_wrap(label) for label in chart.categories]
    positions = list(range(len(categories)))
    groups = 1 if chart.stacked else len(chart.series)
    thickness = 0.8 / groups
    base = [0.0] * len(categories)
    top = 0.0
    for index, series in enumerate(chart.series):
        offset = 0.0 if chart.stacked else (index - (groups - 1) / 2) * thickness
        places = [p + offset for p in positions]
        draw = axes.barh if chart.horizontal else axes.bar
        bars = draw(
            places,
            series.values,
            thickness,
            base if chart.stacked else 0.0,
            label=series.label,
            color=series.color,
        )
        if chart.stacked:
            base = [b + v for b, v in zip(base, series.values, strict=True)]
        else:
            labels = [chart.value_format.format(v) if v else "" for v in series.values]
            axes.bar_label(bars, labels=labels, padding=3, fontsize=11)
        top = max(top, *base, *series.values)
    if chart.stacked:
        totals = [chart.value_format.format(v) if v else "" for v in base]
        axes.bar_label(bars, labels=totals, padding=3, fontsize=11)
    _axes(axes, chart, categories, positions, top)


def _axes(
    axes: Axes, chart: BarChart, categories: list[str], positions: list[int], top: float
) -> None:
    limit = chart.max_value if chart.max_value is not None else max(1.0, top) * 1.25
    counts = all(float(value).is_integer() for series in chart.series for value in series.values)
    if counts:  # a count of students reads 2, 4, 6 — never 2.5
        (axes.xaxis if chart.horizontal else axes.yaxis).set_major_locator(
            MaxNLocator(integer=True)
        )
    if chart.horizontal:
        axes.set_yticks(positions, categories)
        axes.invert_yaxis()  # the first category on top, as it is read
        axes.set_xlim(0, limit)
        axes.set_xlabel(chart.axis_label)
        axes.grid(axis="x", color="#dddddd")
    else:
        axes.set_xticks(positions, categories)
        axes.set_ylim(0, limit)
        axes.set_ylabel(chart.axis_label)
        axes.grid(axis="y", color="#dddddd")
    axes.set_axisbelow(True)
