"""The lmgame Textual app: a game screen (or the review screen and the candidates workbench, each in its own
mode), a help modal, and a guard against terminals too small for it."""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.geometry import Size

from tui.screens.candidates import CandidatesScreen
from tui.screens.guess import GuessScreen
from tui.screens.help import HelpScreen
from tui.screens.review import ReviewScreen
from tui.screens.scan import ScanScreen
from tui.screens.too_small import TooSmallScreen
from tui.screens.which import WhichScreen
from tui.setup import PlaySetup

__all__ = ["MIN_SIZE", "LmgameApp", "PlaySetup"]

MIN_SIZE = Size(80, 24)


class LmgameApp(App[None]):
    CSS_PATH = "lmgame.tcss"
    TITLE = "lmgame"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
    ]

    def __init__(self, setup: PlaySetup) -> None:
        super().__init__()
        self.setup = setup
        if setup.start in ("review", "workbench"):
            # F2 and F3 switch between them, each keeping its own stack of screens
            self.add_mode("review", lambda: ReviewScreen(setup))
            self.add_mode("workbench", lambda: CandidatesScreen(setup))

    def on_mount(self) -> None:
        if self.setup.start == "play":
            self.push_screen(GuessScreen(self.setup) if self.setup.mode == "guess" else WhichScreen(self.setup))
        elif self.setup.start == "scan":
            self.push_screen(ScanScreen(self.setup, self.setup.scan))
        else:
            self.switch_mode(self.setup.start)
        self._fit(self.size)

    def action_open(self, mode: str) -> None:
        """Switch to the review screen or the workbench (where the app was started on one of them)."""
        if isinstance(self.screen, (HelpScreen, TooSmallScreen)):
            return
        if self.setup.start in ("review", "workbench"):
            self.switch_mode(mode)
        else:
            self.notify(f"the {mode} opens with lmgame {mode}", severity="warning")

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
            # the review, promote, workbench and instances screens name their own help ("review", ...)
            self.push_screen(HelpScreen(getattr(self.screen, "HELP_MODE", self.setup.mode),
                                        getattr(self.screen, "BINDINGS", [])))
