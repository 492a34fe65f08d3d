"""Guess mode on one text, opened at a given place (a logged guess, a scored instance); Esc goes back."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.screens.guess import GuessScreen


class ReplayScreen(GuessScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="replay-back")]

    def action_back(self) -> None:
        self.dismiss()
