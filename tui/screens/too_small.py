"""Shown instead of the game while the terminal is smaller than the layout needs."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static


def too_small_message(size: Size, minimum: Size) -> str:
    return (f"terminal too small: lmgame needs at least {minimum.width}x{minimum.height}, "
            f"this one is {size.width}x{size.height}")


class TooSmallScreen(Screen[None]):
    def __init__(self, size: Size, minimum: Size) -> None:
        super().__init__()
        self.minimum = minimum
        self.message_text = too_small_message(size, minimum)

    def compose(self) -> ComposeResult:
        yield Static(self.message_text, id="too-small")

    def resized(self, size: Size) -> None:
        self.message_text = too_small_message(size, self.minimum)
        self.query_one("#too-small", Static).update(self.message_text)
