"""The workbench's plot: a bar per candidate and model for each PLOT column of games.results, with 95% intervals."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.widget import Widget

from games.results import ScoreSummary
from tui.plot import BOTH_ENDS, FULL, HIGH_END, LOW_END, WHISKER, plot_summaries

FALLBACK_WIDTH = 76  # before the first layout


class ScorePlot(Widget):
    """Drawn at whatever width it gets, each time it renders; `plain` keeps the last text for tests."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"score-plot--bar", "score-plot--whisker", "score-plot--heading"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.summaries: list[ScoreSummary] = []
        self.plain = plot_summaries([], FALLBACK_WIDTH)

    def show(self, summaries: list[ScoreSummary]) -> None:
        self.summaries = summaries
        self.plain = plot_summaries(summaries, self.content_size.width or FALLBACK_WIDTH)
        self.refresh(layout=True)

    def _style(self, name: str) -> Any:
        return self.get_component_rich_style(f"score-plot--{name}", partial=True)

    def render(self) -> Text:
        self.plain = plot_summaries(self.summaries, self.content_size.width or FALLBACK_WIDTH)
        text = Text(self.plain)
        text.highlight_regex(r"(?m)^\S.*$", self._style("heading"))
        text.highlight_regex(f"{FULL}+", self._style("bar"))
        text.highlight_regex(f"[{WHISKER}{LOW_END}{HIGH_END}{BOTH_ENDS}]+", self._style("whisker"))
        return text
