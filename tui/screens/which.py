"""Which-one mode: two candidate next tokens; say how likely the first is the true one."""

from __future__ import annotations

import time
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header

from engine.models import LoadedModel
from games.board import Board
from games.which_mode import WhichGame, WhichQuestion
from tui.messages import Answered, Skipped, TextLoaded
from tui.screens.base import GameScreen, start_position
from tui.setup import PlaySetup
from tui.widgets.reading import ReadingPane
from tui.widgets.scoreboard import WhichScoreboard
from tui.widgets.which import ANSWER_KEYS, AnswerCard, QuestionCard

WHICH_HELP = """\
[b]Which-one mode[/b]: two candidates for the next token, the true one and one drawn
from the model. Say how likely it is that the FIRST is the true next token.

[b]Keys[/b]
  q, w      1%, 5% that the first is the true token
  1 … 9     10% … 90%
  o, p      95%, 99%
  n, Space  skip this token
  Ctrl+T    next text
  F1, ?     this help
  Ctrl+Q    quit

After each answer: the model's odds, and its top-k (--top-k) with the true token marked ◀.

[b]Score[/b]: log loss in bits, yours beside the model's (from its own two probabilities).
Your perplexity is estimated by importance sampling: the other candidate is drawn from
the model, so your odds on it stand in for your whole distribution over next tokens.
Beside it, the model's: the same estimate from its own odds given as the nearest of the
same answers, and its exact perplexity. README gives the estimate's bias.
"""


def _next_question(game: WhichGame) -> WhichQuestion | None:
    return None if game.finished else game.question()


class WhichScreen(GameScreen):
    GAME = WhichGame
    HELP = WHICH_HELP
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "answer('1')", "Answer 1%…99%", key_display="q w 1-9 o p", id="answer"),
        *(Binding(key, f"answer('{key}')", f"{ANSWER_KEYS[key]:.0%} first", show=False)
          for key in ANSWER_KEYS if key != "1"),
        Binding("n,space", "skip", "Skip", key_display="n/space", id="skip"),
        Binding("ctrl+t", "next_text", "Next text", id="next-text"),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    game: WhichGame | None

    def __init__(self, setup: PlaySetup, start_offset: int | None = None) -> None:
        super().__init__(setup, start_offset)
        self.question: WhichQuestion | None = None
        self.shown_at = time.monotonic()

    @property
    def models(self) -> list[LoadedModel]:
        return self.setup.models[:1]  # the which-one game is played against the first model only

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ReadingPane(self.setup.models[0].identity.name, id="reading")
        yield QuestionCard(id="question")
        yield AnswerCard(id="answer")
        yield WhichScoreboard(id="score")
        yield Footer()

    def show_busy(self, busy: bool) -> None:
        self.query_one(QuestionCard).border_subtitle = "thinking…" if busy else ""

    def prepare(self, index: int, offset: int | None = None) -> TextLoaded:
        board = Board(self.setup.documents[index], self.models)
        position = start_position(board, offset) if offset is not None else 0
        game = WhichGame(board, top_k=self.setup.top_k, seed=self.setup.seed, position=position)
        return TextLoaded(game, index, _next_question(game))

    def on_text_loaded(self, message: TextLoaded) -> None:
        self.accept_text(message)
        self.query_one(AnswerCard).say("no answer yet")
        self.query_one(WhichScoreboard).show(self.game)
        self._ready(message.question)

    def _ready(self, question: WhichQuestion | None) -> None:
        if self.game is None:  # no text is laid out yet
            return
        self.question = question
        self.query_one(ReadingPane).show(self.game.board, self.game.ranks, self.game.position)
        self.query_one(QuestionCard).show(question)
        self.update_title()
        self.set_busy(False)
        self.shown_at = time.monotonic()

    def action_answer(self, key: str) -> None:
        if self.busy or self.game is None or self.question is None:
            return
        self.set_busy(True)
        self._answer(self.game, ANSWER_KEYS[key], time.monotonic() - self.shown_at)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _answer(self, game: WhichGame, player_first: float, elapsed_s: float) -> None:
        def compute() -> Answered:
            outcome = game.answer(player_first, elapsed_s)
            return Answered(game, outcome, _next_question(game))

        self.report(compute)

    def on_answered(self, message: Answered) -> None:
        self.write_log(message.game.record(message.outcome, self.session))
        self.query_one(AnswerCard).show(message.outcome)
        self.query_one(WhichScoreboard).show(message.game)
        self._ready(message.question)

    def action_skip(self) -> None:
        if self.busy or self.game is None or self.game.finished:
            return
        self.set_busy(True)
        self._skip(self.game)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _skip(self, game: WhichGame) -> None:
        self.report(lambda: Skipped(game, game.skip(1), _next_question(game)))

    def on_skipped(self, message: Skipped) -> None:
        self._ready(message.question)
