"""The text read so far, each token coloured by the rank the first model gave it (as GLTR does)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from games.board import Board
from games.rules import RANK_BUCKETS, rank_bucket
from tui.literal import pictured

TAIL_CHARS = 4000  # only the end of a long text is drawn, so that each step stays fast however far one reads
CURSOR = "▌"
LAYOUT = "\n\t"  # the control characters the pane lays out; any other is shown as a symbol
LEGEND = {"top1": "top 1", "top10": "top 10", "top100": "top 100", "rest": "beyond 100"}


def reading_text(board: Board, ranks: Mapping[int, int], position: int, styles: Mapping[str, Style],
                 cursor: Style) -> Text:
    """The context before `position`, token by token, styled by rank bucket, with a cursor at the end."""
    n = len(board)
    end_char = board.positions[position] if position < n else len(board.text)
    first = bisect_left(board.positions, max(0, end_char - TAIL_CHARS))
    text = Text("… " if first > 0 else "")
    start = board.positions[first] if first < n else end_char
    for i in range(first, min(position, n)):
        # a token runs to the next token's start, so that text no token covers still shows
        stop = board.positions[i + 1] if i + 1 < n else len(board.text)
        rank = ranks.get(i)
        style = styles[rank_bucket(rank)] if rank is not None else Style()
        text.append(pictured(board.text[start:stop], LAYOUT), style)
        start = stop
    if start < end_char:
        text.append(pictured(board.text[start:end_char], LAYOUT))
    text.append(CURSOR, cursor)
    if position >= n:
        text.append(" (end of text)", cursor)
    return text


class ReadingPane(Vertical):
    """The context pane with its colour legend."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"reading--{bucket}" for bucket in RANK_BUCKETS} | {"reading--cursor"}

    def __init__(self, model_name: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model_name = model_name
        self.plain = ""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="reading-scroll"):
            yield Static(id="reading-text")
        yield Static(id="reading-legend")

    def on_mount(self) -> None:
        self.border_title = "text"
        legend = Text(f"rank under {pictured(self.model_name)}: ")
        for bucket in RANK_BUCKETS:
            legend.append(f" {LEGEND[bucket]} ", self._style(bucket))
            legend.append(" ")
        self.query_one("#reading-legend", Static).update(legend)

    def _style(self, bucket: str) -> Style:
        return self.get_component_rich_style(f"reading--{bucket}", partial=True)

    def show(self, board: Board, ranks: Mapping[int, int], position: int) -> None:
        styles = {bucket: self._style(bucket) for bucket in RANK_BUCKETS}
        text = reading_text(board, ranks, position, styles, self.get_component_rich_style("reading--cursor",
                                                                                           partial=True))
        self.plain = text.plain
        self.query_one("#reading-text", Static).update(text)
        scroll = self.query_one("#reading-scroll", VerticalScroll)
        self.call_after_refresh(scroll.scroll_end, animate=False)
