"""Text from a user, a file or a corpus as it reaches the screen: literally (never read as markup, so `[/]` is
shown as typed) and with control characters made visible (an ESC in a document must not reach the terminal
as the start of an escape sequence)."""

from __future__ import annotations

from rich.highlighter import Highlighter
from rich.text import Text

from games.display import is_control, visible

CELL_CHARS = 14  # a token's cell in a table


def _picture(char: str) -> str:
    """C0 controls as their Unicode control pictures (ESC as ␛), DEL as ␡, the rest (C1, bidi controls) as �."""
    code = ord(char)
    return chr(0x2400 + code) if code < 0x20 else "␡" if code == 0x7F else "�"


def pictured(text: str, keep: str = "") -> str:
    """`text` with its control characters (as games.display counts them) shown as symbols, but for those in
    `keep` (e.g. line breaks): for the screen, where the command line writes escapes instead."""
    if not any(is_control(char) for char in text):
        return text
    return "".join(_picture(char) if is_control(char) and char not in keep else char for char in text)


def literal(text: str, style: str = "", keep: str = "") -> Text:
    """A renderable that shows `text` as it is: no markup read from it, its control characters as symbols."""
    return Text(pictured(text, keep), style=style)


def token_shown(token: str, width: int | None = None) -> str:
    """A token (or a guess) for a cell: spaces and line breaks visible, cut to `width` with an ellipsis."""
    shown = pictured(visible(token))
    return shown if width is None or len(shown) <= width else shown[: width - 1] + "…"


def clipped(text: str, width: int, style: str = "") -> Text:
    """`text` shown literally in at most `width` cells, its end cut to an ellipsis."""
    shown = pictured(text)
    return Text(shown if len(shown) <= width else shown[: max(0, width - 1)] + "…", style, no_wrap=True)


def cell(text: str | None, width: int = CELL_CHARS) -> Text:
    """A token or a guess for a table cell (a DataTable reads markup from a str cell, never from a Text); "-"
    for none."""
    return Text("-" if text is None else token_shown(text, width), no_wrap=True)


def context_cell(context: str, chars: int) -> Text:
    """The end of a context for a table cell, spaces and line breaks visible."""
    return Text(("…" if len(context) > chars else "") + token_shown(context[-chars:]), no_wrap=True)


class ControlPictures(Highlighter):
    """For an Input: it shows the control characters of the value as symbols; the value stays as typed."""

    def highlight(self, text: Text) -> None:
        text.plain = pictured(text.plain)
