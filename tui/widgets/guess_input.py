"""The guess input: an Input whose Enter is labelled for the footer."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Input


class GuessInput(Input):
    # replaces Input's hidden enter binding (same action, submit), so that the footer shows it while typing
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "submit", "Reveal", id="reveal")]
