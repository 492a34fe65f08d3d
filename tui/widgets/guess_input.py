"""The guess input: an Input whose Enter is labelled for the footer."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Input


class GuessInput(Input):
    # replaces Input's hidden enter binding (same action, submit), so that the footer shows it while typing
    BINDINGS = [Binding("enter", "submit", "Reveal", id="reveal")]
