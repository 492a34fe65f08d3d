"""The game modes: the Game protocol each mode's game follows, and the registry of modes by name.

A mode is registered once, here for the built-in ones, with a line that describes it and where its Game class
lives. The class is imported only when it is asked for, so that the command line lists the modes without
loading a model library. The user interface keeps its own registry of screens by mode name
(tui/screens/modes.py); the command's `--mode` choices, the setup's check and the app's screen read these."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

if TYPE_CHECKING:
    from games.board import Board
    from games.log import GuessRecord

Outcome = TypeVar("Outcome", contravariant=True)


class Game(Protocol[Outcome]):
    """One text played in one mode: what the screens and the guess log need of any mode. `Outcome` is what
    playing one position gives (a judged guess, a scored answer), which `record` turns into a log row."""

    mode: ClassVar[str]  # the name it is registered and logged under
    board: Board
    position: int  # the position to play next
    ranks: dict[int, int]  # position -> the first model's rank of the true token, for each position passed

    @property
    def finished(self) -> bool: ...

    def context(self) -> str:
        """The text before the current position."""

    def skip(self, count: int = 1) -> int:
        """Pass `count` tokens without playing them; returns how many were passed (fewer at the text's end)."""

    def record(self, outcome: Outcome, session: str) -> GuessRecord:
        """The guess log's row for one played position."""


@dataclass(frozen=True)
class Mode:
    name: str
    description: str  # one line, for `lmgame play --help`
    game: str  # where its Game class lives, as "module:Class"

    def game_class(self) -> type[Game[Any]]:
        module, _, name = self.game.partition(":")
        game: type[Game[Any]] = getattr(importlib.import_module(module), name)
        return game


MODES: dict[str, Mode] = {}


def register_mode(name: str, description: str, game: str) -> None:
    """Add a mode: its name (as `--mode` takes it), a line that describes it, its Game class as "module:Class"."""
    if name in MODES:
        raise ValueError(f"mode {name!r} is registered already")
    MODES[name] = Mode(name, description, game)


register_mode("guess", "type the next token, then see each model's top-k beside the truth",
              "games.guess_mode:GuessGame")
register_mode("which", "two candidates for the next token: say how likely the first is the true one",
              "games.which_mode:WhichGame")
