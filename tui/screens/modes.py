"""Each game mode's screen, by the mode's name in games.modes: the app opens the one its setup names, and the
help modal shows that screen's HELP."""

from __future__ import annotations

from games.modes import MODES
from tui.screens.base import GameScreen
from tui.screens.guess import GuessScreen
from tui.screens.which import WhichScreen

GAME_SCREENS: dict[str, type[GameScreen]] = {}


def register_screen(screen: type[GameScreen]) -> None:
    """Open `screen` for its game's mode, which games.modes must have registered with that game."""
    name = screen.GAME.mode
    if name not in MODES:
        raise ValueError(f"{screen.__name__} plays mode {name!r}, which games.modes does not register")
    if MODES[name].game_class() is not screen.GAME:
        raise ValueError(f"{screen.__name__} plays {screen.GAME.__name__}, not mode {name!r}'s {MODES[name].game}")
    if name in GAME_SCREENS:
        raise ValueError(f"mode {name!r} has a screen already: {GAME_SCREENS[name].__name__}")
    GAME_SCREENS[name] = screen


register_screen(GuessScreen)
register_screen(WhichScreen)
