"""The lmgame Textual app: one game screen, a help modal, and a guard against terminals too small for it."""

from __future__ import annotations

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size

from tui.screens.guess import GuessScreen
from tui.screens.help import HelpScreen
from tui.screens.too_small import TooSmallScreen
from tui.screens.which import WhichScreen
from tui.setup import PlaySetup

__all__ = ["LmgameApp", "PlaySetup", "MIN_SIZE"]

MIN_SIZE = Size(80, 24)


class LmgameApp(App[None]):
    CSS_PATH = "lmgame.tcss"
    TITLE = "lmgame"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(self, setup: PlaySetup) -> None:
        super().__init__()
        self.setup = setup

    def on_mount(self) -> None:
        self.push_screen(GuessScreen(self.setup) if self.setup.mode == "guess" else WhichScreen(self.setup))
        self._fit(self.size)

    def on_resize(self, event: events.Resize) -> None:
        self._fit(event.size)

    def _fit(self, size: Size) -> None:
        """Cover the game with a message while the terminal is too small, and uncover it when it grows."""
        too_small = size.width < MIN_SIZE.width or size.height < MIN_SIZE.height
        if isinstance(self.screen, TooSmallScreen):
            if too_small:
                self.screen.resized(size)
            else:
                self.pop_screen()
        elif too_small:
            self.push_screen(TooSmallScreen(size, MIN_SIZE))

    def action_help(self) -> None:
        if not isinstance(self.screen, (HelpScreen, TooSmallScreen)):
            self.push_screen(HelpScreen(self.setup.mode))
