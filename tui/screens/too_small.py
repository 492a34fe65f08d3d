"""The guard against terminals smaller than the layout needs.

Nothing pushes or pops a screen for it: each screen carries a `TooSmall` message on a layer above its
widgets (tui/screens/lmgame_screen.py), shown by a CSS rule on the size classes Textual sets on the screen
(`-too-narrow`, `-too-short`) as the terminal is resized.
"""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

MIN_SIZE = Size(80, 24)
SHORT_BELOW = 32  # rows: under this the layouts are compact (lmgame.tcss, `Screen.-short`)
# (from this many cells, the class the screen gets); Textual sets them on each screen as it is resized
HORIZONTAL_BREAKPOINTS = [(0, "-too-narrow"), (MIN_SIZE.width, "-wide-enough")]
VERTICAL_BREAKPOINTS = [(0, "-too-short"), (MIN_SIZE.height, "-short"), (SHORT_BELOW, "-tall")]


def too_small_message(size: Size, minimum: Size = MIN_SIZE) -> str:
    return (f"terminal too small: lmgame needs at least {minimum.width}x{minimum.height}, "
            f"this one is {size.width}x{size.height}")


class TooSmall(Widget):
    """The message that covers a screen while the terminal is too small; it reads the size as it draws."""

    @property
    def plain(self) -> str:
        return too_small_message(self.app.size)

    def render(self) -> Text:
        return Text(self.plain)
