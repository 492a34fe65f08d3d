"""A yes-or-no question over the current screen."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.literal import literal
from tui.screens.lmgame_screen import LmgameScreen


class ConfirmScreen(LmgameScreen[bool], ModalScreen[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(literal(self.question), id="confirm-question")  # it quotes a path
            yield Static("[b]y[/b] yes   [b]n[/b] or [b]Esc[/b] no", id="confirm-keys", markup=True)

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
