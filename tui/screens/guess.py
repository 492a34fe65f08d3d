"""Guess mode: type the next token, then see each model's predictions beside the truth."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, Input
from textual.worker import get_current_worker

from games.board import Board
from games.guess_mode import GuessGame, GuessOutcome
from games.models import top_k_after
from tui.literal import token_shown
from tui.messages import NextShown, PreviewShown, Revealed, Skipped, TextLoaded
from tui.model_lock import MODELS
from tui.screens.attribution import AttributionScreen
from tui.screens.attribution import Question as ExplainQuestion
from tui.screens.base import GameScreen, start_position
from tui.screens.counterfactual import CounterfactualScreen, Position
from tui.setup import PlaySetup
from tui.widgets.guess_input import GuessInput
from tui.widgets.predictions import RevealArea
from tui.widgets.preview import HINT, TokenPreview
from tui.widgets.reading import ReadingPane
from tui.widgets.scoreboard import GuessScoreboard

FINISHED = "The text is finished: press Ctrl+T for the next text."
AFTER_THE_TEXT = "The text is finished: below, what each model predicts after its last character. Ctrl+T: next text."
SKIPPED_CHARS = 200  # of the skipped text shown, its end
PREVIEW_WAIT = 0.05  # seconds between a waiting preview's looks at whether a newer one has replaced it

GUESS_HELP = """\
[b]Guess mode[/b]: type what you think the next token is, then see what the models predicted.

[b]Keys[/b]
  Enter     reveal: judge your guess and show each model's top predictions
  Ctrl+N    skip 1 token without guessing (the panel shows the text skipped)
  Ctrl+F    skip 10 tokens without guessing
  Ctrl+T    next text
  Ctrl+O    explain the last reveal: the context coloured by how much each token
            moves each model's probability of the true token, and the top heads
  Ctrl+R    red-team: edit the context before this token (swap names, delete an
            earlier occurrence) and see each model's prediction move; Esc comes back
  F1        this help
  Ctrl+Q    quit

[b]How a guess is read[/b]
  ␣cat      a leading space is taken as typed
  +ovsky    "+" glues the guess to the previous word, with no space
  cat       otherwise a word gets its space after a word; punctuation, and anything
            after a space, a newline or an opening bracket, gets none
  "         a straight quote opens with a space, or closes without one
  \\n        a line break
  The line under the input shows the guess as judged and its tokens (␣ space, ⏎ newline).
  You are right when your guess's first token is the true token.

[b]The reveal[/b], per model
  the true token's probability and rank, and your guess's first token's;
  the whole guess's log-probability in nats (teacher-forced over all its tokens);
  the top-k next tokens with bars (◀ true, ◀ you, ◀ both).
  A model whose tokens do not start where the game's do is not judged there.

[b]Score[/b]: your top-1 accuracy beside each model's on the same positions, on this text
  and over the session.

[b]Colours[/b]: each token read so far is coloured by the rank the first model gave it
  (top 1 green, top 10 yellow, top 100 red, beyond purple), as GLTR does.
"""


class GuessScreen(GameScreen):
    GAME = GuessGame
    HELP = GUESS_HELP
    # No priority bindings: a priority Enter would run before the keys typed just ahead of it reach the Input.
    # Enter comes from the focused GuessInput as Input.Submitted, in order; the Input binds no ctrl+n/f/t.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "skip(1)", "Skip 1", id="skip-1", tooltip="skip 1 token without guessing"),
        Binding("ctrl+f", "skip(10)", "Skip 10", id="skip-10", tooltip="skip 10 tokens without guessing"),
        Binding("ctrl+t", "next_text", "Next text", id="next-text"),
        Binding("ctrl+r", "red_team", "Red-team", id="red-team", tooltip="edit the context and see each model's "
                "prediction move (Esc comes back here)"),
        Binding("ctrl+o", "explain", "Explain", id="explain", show=False, tooltip="after a reveal: which context "
                "drove each model's prediction of the true token (tokens coloured, top heads)"),
    ]

    game: GuessGame | None

    def __init__(self, setup: PlaySetup, start_offset: int | None = None) -> None:
        super().__init__(setup, start_offset)
        self.shown_at = time.monotonic()
        self.last_outcome: GuessOutcome | None = None  # the last reveal, for Ctrl+O

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield ReadingPane(self.setup.models[0].identity.name, id="reading")
        yield GuessInput(placeholder="your guess for the next token, then Enter", id="guess")
        yield TokenPreview(id="preview")
        yield RevealArea(self.setup.labels, id="reveal")
        yield GuessScoreboard(self.setup.labels, id="score")
        yield Footer()

    def on_mount(self) -> None:
        # Textual also runs GameScreen.on_mount (handlers run along the MRO): no super() call here
        self.query_one("#guess", Input).focus()

    def show_busy(self, busy: bool) -> None:
        if busy:
            self.query_one(TokenPreview).thinking()
        else:
            self._refresh_preview()

    def prepare(self, index: int, offset: int | None = None) -> TextLoaded:
        board = Board(self.setup.documents[index], self.models)
        position = start_position(board, offset) if offset is not None else 0
        session = self.game.session_tallies if isinstance(self.game, GuessGame) else []  # carried across texts
        return TextLoaded(GuessGame(board, top_k=self.setup.top_k, position=position, session_tallies=session),
                          index)

    def on_text_loaded(self, message: TextLoaded) -> None:
        self.accept_text(message)
        self.query_one(RevealArea).clear("Type your guess for the next token and press Enter.")
        if isinstance(self.game, GuessGame):
            self.query_one(GuessScoreboard).show(self.game.tallies, self.game.session_tallies)
        self.query_one("#guess", Input).clear()
        self._ready()

    def _ready(self) -> None:
        """The game is at a new position: draw it and wait for the player."""
        if self.game is None:  # no text is laid out yet
            return
        self.query_one(ReadingPane).show(self.game.board, self.game.ranks, self.game.position)
        self.update_title()
        self.set_busy(False)
        self.shown_at = time.monotonic()
        if self.game.finished:
            self._after_the_text(self.game)
        else:
            self._look_ahead(self.game)

    @work(thread=True, exclusive=True, group="after the text", exit_on_error=False)
    def _after_the_text(self, game: GuessGame) -> None:
        """The point of a prompt: what each model says after its last character (a --text ends where the
        question is)."""
        with MODELS:
            top_lists = [top_k_after(track.lm, game.board.text, game.top_k) for track in game.board.tracks]
        self.post_message(NextShown(game, top_lists))

    def on_next_shown(self, message: NextShown) -> None:
        if message.game is self.game:
            self.query_one(RevealArea).show_next(AFTER_THE_TEXT, message.top_lists)

    @work(thread=True, exclusive=True, group="look-ahead", exit_on_error=False)
    def _look_ahead(self, game: GuessGame) -> None:
        """While the player thinks, compute the models' predictions here, so that Enter reveals at once."""
        with MODELS:
            game.look_ahead()

    def _refresh_preview(self) -> None:
        preview = self.query_one(TokenPreview)
        raw = self.query_one("#guess", Input).value
        if self.game is None:
            preview.say(HINT)
        elif self.game.finished:
            preview.say(FINISHED)
        elif not raw:
            preview.show("", [])
        else:
            self._preview(self.game, raw)

    @work(thread=True, exclusive=True, group="preview", exit_on_error=False)
    def _preview(self, game: GuessGame, raw: str) -> None:
        """The guess as it will be judged and its tokens, off the UI thread: the look-ahead may hold the models
        for a forward pass, and the keys typed meanwhile must not wait for it (only this line does)."""
        worker = get_current_worker()
        while not MODELS.acquire(timeout=PREVIEW_WAIT):
            if worker.is_cancelled:
                return  # the next keystroke's preview has taken this one's place
        try:
            guess, tokens = game.preview(raw)
        finally:
            MODELS.release()
        self.post_message(PreviewShown(game, raw, guess, tokens))

    def on_preview_shown(self, message: PreviewShown) -> None:
        current = self.query_one("#guess", Input).value
        if message.game is self.game and message.raw == current and not self.busy:
            self.query_one(TokenPreview).show(message.guess, message.tokens)

    def on_input_changed(self, event: Input.Changed) -> None:
        # while a worker runs the game is moving: the preview waits for _ready
        if not self.busy:
            self._refresh_preview()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_reveal()

    def action_reveal(self) -> None:
        if self.busy or self.game is None:
            return
        if self.game.finished:
            self.query_one(TokenPreview).say(FINISHED)
            return
        raw = self.query_one("#guess", Input).value
        if not raw:
            self.query_one(TokenPreview).say("Type a guess first (or Ctrl+N to skip this token).")
            return
        self.set_busy(True)
        self._reveal(self.game, raw, time.monotonic() - self.shown_at)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _reveal(self, game: GuessGame, raw: str, elapsed_s: float) -> None:
        self.report(lambda: Revealed(game, game.reveal(raw, elapsed_s)))

    def on_revealed(self, message: Revealed) -> None:
        self.last_outcome = message.outcome
        self.write_log(message.game.record(message.outcome, self.session))
        self.query_one(RevealArea).show(message.outcome)
        self.query_one(GuessScoreboard).show(message.game.tallies, message.game.session_tallies)
        self.query_one("#guess", Input).clear()
        self._ready()

    def action_explain(self) -> None:
        outcome = self.last_outcome
        if outcome is None:
            self.query_one(TokenPreview).say("Ctrl+O explains the last reveal: guess first.")
            return
        self.app.push_screen(AttributionScreen(self.setup.models, ExplainQuestion(outcome.context,
                                                                                  outcome.true_text)))

    def action_red_team(self) -> None:
        if self.busy or self.game is None or not isinstance(self.game, GuessGame):
            return
        if self.game.finished:
            self.query_one(TokenPreview).say("The text is finished: red-team a position before its end.")
            return
        game = self.game
        position = Position(game.board.document, game.board.positions[game.position], game.context(),
                            game.board.true_text(game.position))
        self.app.push_screen(CounterfactualScreen(self.setup, position, self.write_edit, self.session))

    def action_skip(self, count: int) -> None:
        if self.busy or self.game is None or self.game.finished:
            return
        self.set_busy(True)
        self._skip(self.game, count)

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _skip(self, game: GuessGame, count: int) -> None:
        self.report(lambda: Skipped(game, game.skip(count)))

    def on_skipped(self, message: Skipped) -> None:
        if not isinstance(message.game, GuessGame):
            return
        skipped = token_shown(message.game.text_before(message.count))
        if len(skipped) > SKIPPED_CHARS:
            skipped = "…" + skipped[-SKIPPED_CHARS:]
        tokens = f"{message.count} token{'s' * (message.count != 1)}"
        self.query_one(RevealArea).clear(Text(f"skipped {tokens} without guessing: {skipped}"))
        self._ready()
