"""Horizontal bars with their 95% intervals as whiskers, in plain Unicode (no plotting dependency).

    once-upon-a-time  ███████████████████├████───┤         0.62 [0.55, 0.70]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from games.numbers import probability

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


METRICS: tuple[tuple[str, str, tuple[float, float] | None, Callable[[float], str]], ...] = (
    # (summary key, heading, fixed axis or None for one fitted to the figures, how a figure is written)
    ("mean_prob", "mean probability of the heuristic's answer", (0.0, 1.0), probability),
    ("mean_logit_diff", "mean logit difference, answer minus foil", None, _number),
)


def bar_lines(bars: Sequence[Bar], width: int, fixed: tuple[float, float] | None = None,
              label_width: int = 18, number: Callable[[float], str] = _number) -> list[str]:
    """Each bar on a line, labelled, with its figure and interval written by `number`; an axis line under them."""
    if not bars:
        return []
    low, high = fixed if fixed is not None else axis(bars)
    low, high = min([low] + [b.low or low for b in bars]), max([high] + [b.high or high for b in bars])
    figures = [number(b.value) + (f" [{number(b.low)}, {number(b.high)}]" if b.low is not None and b.high
                                  is not None else "") for b in bars]
    figure_width = max(len(f) for f in figures)
    cells = max(10, width - label_width - figure_width - 4)
    lines = []
    for bar, figure in zip(bars, figures):
        label = bar.label if len(bar.label) <= label_width else bar.label[: label_width - 1] + "…"
        lines.append(f"  {label:<{label_width}} {bar_cells(bar, low, high, cells)} {figure}")
    left, right = _number(low), _number(high)
    lines.append(f"  {'':<{label_width}} {left}{right:>{cells - len(left)}}")
    return lines


def plot_summaries(summaries: Sequence[dict[str, Any]], width: int) -> str:
    """Per metric, per model: one bar per candidate, with its 95% interval (the summaries of `score_all`)."""
    if not summaries:
        return "no results yet: select candidates (space) and score them (s)"
    out: list[str] = []
    for key, heading, fixed, number in METRICS:
        out.append(f"{heading} (95% interval)")
        models = list(dict.fromkeys(s["model"] for s in summaries))
        shown = False
        for model in models:
            bars = [Bar(s["candidate"], s[key], *(s.get("ci", {}).get(key) or (None, None)))
                    for s in summaries if s["model"] == model and s.get(key) is not None]
            if not bars:
                continue
            shown = True
            out.append(f" {model}")
            out += bar_lines(bars, width, fixed, number=number)
        if not shown:
            out.append("  (none: no candidate here has a foil, or none has instances)"
                       if key == "mean_logit_diff" else "  (no instances)")
        out.append("")
    return "\n".join(out).rstrip("\n")
