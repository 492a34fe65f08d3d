"""The guess input: an Input whose Enter is labelled for the footer, and which shows a pasted control
character as a symbol."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input

from tui.literal import ControlPictures


class GuessInput(Input):
    # replaces Input's hidden enter binding (same action, submit), so that the footer shows it while typing
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Reveal", id="reveal")]

    def __init__(self, *, placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, id=id, highlighter=ControlPictures())
