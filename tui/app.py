"""The lmgame Textual app: a game screen (or the review screen and the candidates workbench, each in its own
mode, or the scan screen) and a help modal; each screen carries its own guard against a terminal too small."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.screens.candidates import CandidatesScreen
from tui.screens.help import HelpScreen
from tui.screens.lmgame_screen import LmgameScreen
from tui.screens.modes import GAME_SCREENS
from tui.screens.review import ReviewScreen
from tui.screens.scan import ScanScreen
from tui.screens.too_small import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from tui.setup import PlaySetup

__all__ = ["LmgameApp", "PlaySetup", "run_app"]


class BlankScreen(LmgameScreen[None]):
    """The screen under the review and workbench modes, never shown."""


class LmgameApp(App[None]):
    CSS_PATH = "lmgame.tcss"
    TITLE = "lmgame"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
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

    def get_default_screen(self) -> Screen:
        """The game or the scan is the first screen itself, with nothing under it to lay out on each resize."""
        if self.setup.start == "play":
            return GAME_SCREENS[self.setup.mode](self.setup)
        if self.setup.start == "scan":
            return ScanScreen(self.setup, self.setup.scan)
        return BlankScreen()

    def on_mount(self) -> None:
        if self.setup.start in ("review", "workbench"):
            self.switch_mode(self.setup.start)

    def action_open(self, mode: str) -> None:
        """Switch to the review screen or the workbench (where the app was started on one of them)."""
        if isinstance(self.screen, HelpScreen):
            return
        if self.setup.start in ("review", "workbench"):
            self.switch_mode(mode)
        else:
            self.notify(f"the {mode} opens with lmgame {mode}", severity="warning")

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            # the review, promote, workbench and instances screens name their own help ("review", ...)
            self.push_screen(HelpScreen(getattr(self.screen, "HELP_MODE", self.setup.mode),
                                        getattr(self.screen, "BINDINGS", [])))


def run_app(setup: PlaySetup) -> int:
    """Open the app on `setup` until it quits: its return code (0 unless it set one)."""
    app = LmgameApp(setup)
    app.run()
    return app.return_code or 0
