"""A game mode is one Game class and one screen, each registered once: this file adds a mode (the text revealed a
token at a time, with no guessing) without editing any other module, and the command, the setup and the app
take it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import pytest
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.pilot import Pilot
from textual.widgets import Footer, Header, Static

from engine.models import LoadedModel
from games.board import Board
from games.demo import demo_documents
from games.log import GuessRecord
from games.modes import MODES, register_mode
from tests.conftest import run, settle
from tests.test_tui import rows, sessions
from tui.app import LmgameApp, PlaySetup
from tui.cli import main, parse_args
from tui.messages import TextLoaded
from tui.screens.base import GameScreen
from tui.screens.help import HelpScreen
from tui.screens.modes import GAME_SCREENS, register_screen
from tui.widgets.reading import CURSOR, ReadingPane

ROOT = Path(__file__).resolve().parents[1]
DESCRIPTION = "the text a token at a time, nothing to guess"


@dataclass
class RevealGame:
    mode: ClassVar[str] = "reveal"
    board: Board
    position: int = 0
    ranks: dict[int, int] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.board)

    def context(self) -> str:
        return self.board.context(self.position)

    def skip(self, count: int = 1) -> int:
        skipped = min(count, len(self.board) - self.position)
        self.position += skipped
        return skipped

    def record(self, outcome: int, session: str) -> GuessRecord:
        """`outcome`: the position revealed."""
        return GuessRecord(session=session, mode=self.mode, text_id=self.board.document.id,
                           offset=self.board.positions[outcome], context=self.board.context(outcome), guess="",
                           true_token=self.board.true_text(outcome), player_correct=False, elapsed_s=0.0, models=[])


class RevealScreen(GameScreen):
    GAME = RevealGame
    HELP = "[b]Reveal mode[/b]: Space shows the next token."
    BINDINGS: ClassVar[list[BindingType]] = [Binding("space", "reveal", "Reveal", id="reveal")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield ReadingPane(self.setup.models[0].identity.name)
        yield Footer()

    def prepare(self, index: int, offset: int | None = None) -> TextLoaded:
        return TextLoaded(RevealGame(Board(self.setup.documents[index], self.models)), index)

    def on_text_loaded(self, message: TextLoaded) -> None:
        self.accept_text(message)
        self._show()

    def action_reveal(self) -> None:
        if self.busy or self.game is None or self.game.finished:
            return
        self.game.skip(1)
        self.write_log(self.game.record(self.game.position - 1, self.session))
        self._show()

    def _show(self) -> None:
        assert self.game is not None
        self.query_one(ReadingPane).show(self.game.board, self.game.ranks, self.game.position)
        self.update_title()
        self.set_busy(False)


@pytest.fixture
def reveal_mode() -> Iterator[None]:
    register_mode("reveal", DESCRIPTION, f"{__name__}:RevealGame")
    try:
        register_screen(RevealScreen)
        yield
    finally:
        MODES.pop("reveal")
        GAME_SCREENS.pop("reveal", None)


def test_the_command_lists_a_registered_mode_and_takes_it(reveal_mode: None, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["play", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the help
    assert exit_.value.code == 0
    assert "--mode {guess,which,reveal}" in out and f"reveal: {DESCRIPTION}" in out
    assert parse_args(["--mode", "reveal"]).mode == "reveal"


def test_the_app_opens_a_registered_mode_and_logs_it(reveal_mode: None, default_lm: LoadedModel, home: Path) -> None:
    document = demo_documents()[0]
    setup = PlaySetup(models=[default_lm], documents=[document], source="demo", mode="reveal")
    app = LmgameApp(setup)
    revealed: list[str] = []

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, RevealScreen) and screen.title.startswith("reveal · ")
        board, start = screen.game.board, screen.game.position
        await pilot.press("space", "space")
        assert screen.game.position == start + 2
        assert screen.query_one(ReadingPane).plain == document.text[: board.positions[start + 2]] + CURSOR
        revealed.extend(board.true_text(position) for position in (start, start + 1))
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "Reveal mode" in "\n".join(str(s.render()) for s in app.screen.query(Static))

    run(app, script)
    assert sessions(home) == [("reveal", [default_lm.identity.as_dict()], "demo")]
    assert [(row["mode"], row["true_token"]) for row in rows(home)] == [("reveal", token) for token in revealed]


def test_a_mode_is_refused_until_registered(default_lm: LoadedModel) -> None:
    with pytest.raises(ValueError, match="unknown mode 'reveal'"):
        PlaySetup(models=[default_lm], documents=demo_documents()[:1], source="demo", mode="reveal")
    with pytest.raises(ValueError, match="does not register"):
        register_screen(RevealScreen)
    assert "reveal" not in GAME_SCREENS


def test_each_registered_mode_has_its_game_and_a_screen_that_plays_it() -> None:
    assert list(MODES) == ["guess", "which"]
    for name, mode in MODES.items():
        assert mode.game_class().mode == name
        assert GAME_SCREENS[name].GAME is mode.game_class()


def test_the_command_lists_the_modes_without_loading_a_model_library() -> None:
    code = "import sys, tui.cli; print(sorted(m for m in ('torch', 'transformers', 'textual') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
