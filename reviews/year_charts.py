"""The project page's two small charts of its reports across the cycles, as geometry for inline
SVG drawn on the server: the overall assessment on its four-level scale, and the largest
milestone slippage against the baseline. No script and no inline style (the site's CSP forbids
both): the template gives classes that static/css/app.css colours. Each chart carries its
figures in words (its `<desc>`), and the table beside it carries them again."""

import math
from dataclasses import dataclass

from reviews.enums import Assessment
from reviews.selectors.years import YearRow

WIDTH, HEIGHT = 560, 160
LEFT, RIGHT, TOP, BOTTOM = 104, 16, 16, 30
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
DAYS_STEP = 30  # the slippage axis ends at a whole number of months


@dataclass(frozen=True)
class Tick:
    at: float  # x for a year, y for a level or a number of days
    label: str
    css: str = ""


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    level: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class YearCharts:
    width: int
    height: int
    left: int
    axis_x: int  # where the labels of the vertical axis end
    right: float  # x of the plot's right edge
    baseline: float  # y of the plot's bottom edge
    years: list[Tick]
    levels: list[Tick]
    points: list[Point]
    lines: list[str]  # polyline points of each run of consecutive years with an assessment
    bars: list[Bar]
    days: list[Tick]
    assessment_text: str
    slippage_text: str


def _x(index: int, count: int) -> float:
    return round(LEFT + PLOT_WIDTH * (index + 0.5) / count, 1)


def _level_y(level: str) -> float:
    return round(TOP + PLOT_HEIGHT * Assessment.values.index(level) / 3, 1)


def _assessment(rows: list[YearRow]) -> tuple[list[Point], list[str]]:
    """A point for each year with an assessment, joined by a line while the years run on."""
    points: list[Point] = []
    runs: list[list[str]] = [[]]
    for index, row in enumerate(rows):
        if not row.assessment:
            runs.append([])
            continue
        point = Point(_x(index, len(rows)), _level_y(row.assessment), row.assessment)
        points.append(point)
        runs[-1].append(f"{point.x},{point.y}")
    return points, [" ".join(run) for run in runs if len(run) > 1]


def _bars(rows: list[YearRow]) -> tuple[list[Bar], int]:
    late = [max(0, r.largest_slippage) for r in rows if r.largest_slippage is not None]
    # A whole number of months above the largest bar, with room for its label.
    ceiling = max(DAYS_STEP, math.ceil(max(late, default=0) * 1.1 / DAYS_STEP) * DAYS_STEP)
    width = round(PLOT_WIDTH / len(rows) * 0.5, 1)
    bars = []
    for index, row in enumerate(rows):
        days = row.largest_slippage
        height = round(PLOT_HEIGHT * max(0, days or 0) / ceiling, 1)
        y = round(TOP + PLOT_HEIGHT - height, 1)
        label = "no date" if days is None else (f"{days:+d}" if days else "0")
        x = _x(index, len(rows))
        bars.append(Bar(round(x - width / 2, 1), y, width, height, label, x, round(y - 4, 1)))
    return bars, ceiling


def year_charts(rows: list[YearRow]) -> YearCharts | None:
    """The charts of `rows` (oldest first); None without a row."""
    if not rows:
        return None
    points, lines = _assessment(rows)
    bars, ceiling = _bars(rows)
    return YearCharts(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        axis_x=LEFT - 8,
        right=LEFT + PLOT_WIDTH,
        baseline=TOP + PLOT_HEIGHT,
        years=[Tick(_x(i, len(rows)), str(r.year)) for i, r in enumerate(rows)],
        levels=[Tick(_level_y(a.value), a.label, a.value) for a in Assessment],
        points=points,
        lines=lines,
        bars=bars,
        days=[Tick(TOP + PLOT_HEIGHT, "0 days"), Tick(TOP, f"{ceiling} days")],
        assessment_text="; ".join(f"{r.year}: {r.assessment_label or 'not given'}" for r in rows)
        + ".",
        slippage_text="; ".join(f"{r.year}: {r.slippage_label}" for r in rows) + ".",
    )
