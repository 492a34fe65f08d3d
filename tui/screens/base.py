"""What every game screen shares: the texts, the guess log, the busy state, the title, worker reporting."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, ClassVar

from textual import work
from textual.message import Message
from textual.worker import Worker

from engine.corpus import Document
from engine.errors import LmgameError
from engine.models import LoadedModel
from games.board import Board
from games.log import EditRecord, GuessLog, GuessRecord
from games.modes import Game
from games.paths import guess_log_path
from tui.literal import pictured
from tui.messages import TextLoaded
from tui.model_lock import MODELS
from tui.screens.lmgame_screen import LmgameScreen
from tui.setup import PlaySetup
from tui.widgets.reading import ReadingPane


def start_position(board: Board, offset: int) -> int:
    """The position whose token holds character `offset`: a logged guess's offset is a token's start; a
    candidate's answer may start inside a token (the answer `Max` inside the token `␣Max`)."""
    if not len(board):
        return 0
    position = board.position_at_offset(offset)
    if board.positions[position] > offset and position > 0:
        position -= 1
    return position


class GameScreen(LmgameScreen[None]):
    GAME: ClassVar[type[Game[Any]]]  # the game this screen plays (tui.screens.modes registers the screen)
    HELP: ClassVar[str]  # what F1 shows (markup)

    def __init__(self, setup: PlaySetup, start_offset: int | None = None) -> None:
        """`start_offset`: open the first text at the token holding this character offset, not at its start."""
        super().__init__()
        self.setup = setup
        self.start_offset = start_offset
        self.game: Game[Any] | None = None
        self.text_index = 0
        self.busy = False
        self.guess_log: GuessLog | None = None
        self.session = ""

    @property
    def models(self) -> list[LoadedModel]:
        """The models this mode plays against (which mode: the first only)."""
        return self.setup.models

    @property
    def document(self) -> Document:
        return self.setup.documents[self.text_index]

    def on_mount(self) -> None:
        self.title = pictured(f"{self.GAME.mode} · " + " | ".join(lm.identity.label for lm in self.models))
        self._open_log()
        self.set_busy(True)
        self._load_text(0, self.start_offset)

    def on_unmount(self) -> None:
        if self.guess_log is not None:
            self.guess_log.close()
            self.guess_log = None

    def _open_log(self) -> None:
        try:
            self.guess_log = GuessLog(guess_log_path())
            models = [lm.identity.as_dict() for lm in self.models]
            self.session = self.guess_log.start_session(self.GAME.mode, models, self.setup.source)
        except (LmgameError, sqlite3.Error) as error:
            self.guess_log = None
            self.notify(f"{error}; playing on without a log", title="guess log", severity="warning")

    def write_log(self, record: GuessRecord) -> None:
        """One committed write per guess, as soon as it is judged."""
        self._write(lambda log: log.add(record))

    def write_edit(self, record: EditRecord) -> None:
        """One committed write per red-team edit, as soon as the models have read it."""
        self._write(lambda log: log.add_edit(record))

    def _write(self, write: Callable[[GuessLog], object]) -> None:
        if self.guess_log is None:
            return
        try:
            write(self.guess_log)
        except sqlite3.Error as error:  # a full disk or a locked file must not end the game
            self.notify(f"could not write the guess log: {error}", title="guess log", severity="error")

    def set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.show_busy(busy)

    def show_busy(self, busy: bool) -> None:
        """Show or hide the "thinking…" indicator (each screen has its own place for it)."""

    def update_title(self) -> None:
        if self.game is None:
            return
        n, position = len(self.game.board), self.game.position
        where = f"finished, {n} tokens" if self.game.finished else f"token {position + 1}/{n}"
        texts = len(self.setup.documents)
        name = pictured(self.document.title or self.document.id)
        counter = f"{where} · text {self.text_index + 1}/{texts}"
        self.sub_title = f"{counter} · {name}"  # the counter first: a narrow header cuts the line's end
        # and on the text pane's border too, which no model label crowds
        self.query_one(ReadingPane).border_title = counter

    def action_next_text(self) -> None:
        if self.busy:
            return
        self.set_busy(True)
        self._load_text((self.text_index + 1) % len(self.setup.documents))

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _load_text(self, index: int, offset: int | None = None) -> None:
        self.report(lambda: self.prepare(index, offset))

    def prepare(self, index: int, offset: int | None = None) -> TextLoaded:
        """Lay out text `index` and start its game, at the token holding `offset` if given (runs in a worker
        thread)."""
        raise NotImplementedError

    def report(self, compute: Callable[[], Message]) -> None:
        """Run a model call (in a worker thread) and post its result to this screen; a failure propagates to
        work_failed, which frees the screen."""
        with MODELS:  # never beside a look-ahead, a preview, a scoring run or a scan's top-k
            message = compute()
        self.post_message(message)

    def accept_text(self, message: TextLoaded) -> None:
        self.game = message.game
        self.text_index = message.index

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        if worker.group == "model":  # a new text, a reveal, a skip or an answer: the screen is free again
            self.set_busy(False)
            self.notify(error, title="model call failed", severity="error", timeout=8)
        elif worker.group == "look-ahead":
            self.notify(f"{error} (the reveal tries again)", title="look-ahead failed", severity="warning",
                        timeout=8)
        else:
            super().work_failed(worker, error)
