"""Horizontal bars with their 95% intervals as whiskers, in plain Unicode, one line a bar with its figure and
interval written beside it:

    once-upon-a-time  ███████████████████├████───┤         0.620 [0.550, 0.700]

Drawn by hand rather than with textual-plotext: plotext's error bars are symmetric (a bootstrap interval is not),
it writes no figures beside its bars, and it needs two or more rows a bar plus a frame, where the workbench's plot
pane at 80x24 has nine rows; and it would be a dependency (with plotext, pinned below 6) for some hundred lines.
What is plotted, the headings, the axes and how figures are written are the PLOT columns of games.results.COLUMNS.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from games.results import PLOT, Column, ScoreSummary, shown_in

FULL, WHISKER, LOW_END, HIGH_END, BOTH_ENDS, ZERO = "█", "─", "├", "┤", "┼", "┊"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None


def axis(bars: Sequence[Bar]) -> tuple[float, float]:
    """From the smallest to the largest figure, intervals and 0 included."""
    points = [0.0] + [x for b in bars for x in (b.value, b.low, b.high) if x is not None]
    low, high = min(points), max(points)
    return (low, high) if high > low else (low, low + 1.0)


def bar_cells(bar: Bar, low: float, high: float, width: int) -> str:
    """One bar from 0 to its value across `width` cells spanning [low, high], its interval drawn over it."""
    step = (high - low) / width

    def cell(x: float) -> int:
        return min(width - 1, max(0, int((x - low) / step + 1e-9)))  # 0.3 / 0.1 is 2.999...

    def center(i: int) -> float:
        return low + (i + 0.5) * step

    start, stop = sorted((0.0, bar.value))
    cells = [FULL if start <= center(i) <= stop else " " for i in range(width)]
    if low < 0 < high and cells[cell(0.0)] == " ":
        cells[cell(0.0)] = ZERO
    if bar.low is not None and bar.high is not None:
        first, last = cell(bar.low), cell(bar.high)
        for i in range(first + 1, last):
            if cells[i] != FULL:
                cells[i] = WHISKER
        if first == last:
            cells[first] = BOTH_ENDS
        else:
            cells[first], cells[last] = LOW_END, HIGH_END
    return "".join(cells)


def _number(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.1f}"


def _figure(bar: Bar, number: Callable[[float], str]) -> str:
    return number(bar.value) + (f" [{number(bar.low)}, {number(bar.high)}]" if bar.low is not None and bar.high
                                is not None else "")


def drawn_axis(bars: Sequence[Bar], fixed: tuple[float, float] | None = None) -> tuple[float, float]:
    """The axis `bars` are drawn on: `fixed` (None: one fitted to them), stretched to hold every interval."""
    low, high = fixed if fixed is not None else axis(bars)
    return min([low] + [b.low or low for b in bars]), max([high] + [b.high or high for b in bars])


def bar_lines(bars: Sequence[Bar], width: int, fixed: tuple[float, float] | None = None,
              label_width: int = 18, number: Callable[[float], str] = _number,
              ends: Callable[[float], str] | None = None, figure_width: int = 0) -> list[str]:
    """Each bar on a line, labelled, with its figure and interval written by `number`; an axis line under them,
    its ends written by `ends` (default `number`). `fixed` is the axis to draw on (stretched to hold every
    interval); None fits one to these bars. `figure_width`: the room kept for the figures, at least theirs (the
    same for several groups of bars: the same bar length for the same figure)."""
    if not bars:
        return []
    low, high = drawn_axis(bars, fixed)
    figures = [_figure(b, number) for b in bars]
    figure_width = max([figure_width, *(len(f) for f in figures)])
    cells = max(10, width - label_width - figure_width - 4)
    lines = []
    for bar, figure in zip(bars, figures, strict=True):
        label = bar.label if len(bar.label) <= label_width else bar.label[: label_width - 1] + "…"
        lines.append(f"  {label:<{label_width}} {bar_cells(bar, low, high, cells)} {figure}")
    left, right = (ends or number)(low), (ends or number)(high)
    lines.append(f"  {'':<{label_width}} {left}{right:>{cells - len(left)}}")
    return lines


def bars_by_model(summaries: Sequence[ScoreSummary], column: Column) -> dict[str, list[Bar]]:
    """Per model, in the order they first come: a bar per candidate that has the column's figure (a model without
    one has no entry)."""
    bars: dict[str, list[Bar]] = {summary.model: [] for summary in summaries}
    for summary in summaries:
        value = column.value(summary)
        if value is not None:
            bars[summary.model].append(Bar(summary.candidate, value, *(column.interval(summary) or (None, None))))
    return {model: shown for model, shown in bars.items() if shown}


def plot_summaries(summaries: Sequence[ScoreSummary], width: int) -> str:
    """Per metric, per model: one bar per candidate, with its 95% interval (the summaries of `score_all`). Every
    model of a metric is drawn on one axis, in bars of one length: the same figure, the same bar."""
    if not summaries:
        return "no results yet: select candidates (space) and score them (s)"
    out: list[str] = []
    for column in shown_in(PLOT):
        out.append(f"{column.title} (95% interval)")
        by_model = bars_by_model(summaries, column)
        every = [bar for bars in by_model.values() for bar in bars]
        shared = drawn_axis(every, column.axis) if every else None
        figure_width = max((len(_figure(bar, column.write)) for bar in every), default=0)
        for model, bars in by_model.items():
            out.append(f" {model}")
            # a fitted axis ends at figures, written as they are; a fixed one is a scale (probability(0) is 0.0e+00)
            out += bar_lines(bars, width, shared, number=column.write,
                             ends=_number if column.axis is not None else None, figure_width=figure_width)
        if not by_model:
            out.append(f"  ({column.missing})")
        out.append("")
    return "\n".join(out).rstrip("\n")
