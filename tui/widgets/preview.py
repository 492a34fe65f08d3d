"""The line under the guess input: how the guess reads and tokenizes in this context, as the player types."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from tui.literal import token_shown

HINT = "a word gets its ␣ after a word · a leading space is kept · +ing glues on · F1 help"


def preview_line(guess: str, tokens: list[str]) -> str:
    """E.g. `guess: ␣Tchaikovsky → [␣T][cha][ik][ovsky]`."""
    return f"guess: {token_shown(guess)} → " + "".join(f"[{token_shown(token)}]" for token in tokens)


class TokenPreview(Static):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"preview--token", "preview--busy"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""

    def on_mount(self) -> None:
        self.say(HINT)

    def show(self, guess: str, tokens: list[str]) -> None:
        if not guess:
            self.say(HINT)
            return
        text = Text(f"guess: {token_shown(guess)} → ")
        style = self.get_component_rich_style("preview--token", partial=True)
        for token in tokens:
            text.append(f"[{token_shown(token)}]", style)
        self.plain = preview_line(guess, tokens)
        self.update(text)

    def say(self, line: str) -> None:
        self.plain = line
        self.update(Text(line))

    def thinking(self) -> None:
        self.plain = "thinking…"
        self.update(Text(self.plain, self.get_component_rich_style("preview--busy", partial=True)))
