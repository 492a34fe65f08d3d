"""Guess mode: the player types the next token, then each model's top-k and the truth are revealed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from engine.tokens import continuation_ids, token_text
from games.board import Board, Judgement, ModelView
from games.log import GuessRecord, ModelRecord
from games.rules import normalize_guess


@dataclass(frozen=True)
class ModelOutcome:
    view: ModelView

    @property
    def model_correct(self) -> bool:
        return self.view.correct

    @property
    def guess_tokens(self) -> list[str]:
        return self.view.guess.tokens if self.view.guess else []

    @property
    def guess_first(self) -> Judgement | None:
        return self.view.guess.first if self.view.guess else None

    @property
    def guess_logprob(self) -> float | None:
        return self.view.guess.logprob if self.view.guess else None


@dataclass(frozen=True)
class GuessOutcome:
    position: int
    offset: int
    context: str
    guess: str  # as judged, after normalize_guess
    true_text: str
    player_correct: bool
    elapsed_s: float
    models: list[ModelOutcome | None]  # None where that model has no token boundary here


@dataclass
class Tally:
    """One model against the player, on the positions where both were judged."""

    positions: int = 0
    model_correct: int = 0
    player_correct: int = 0

    @property
    def model_accuracy(self) -> float:
        return self.model_correct / self.positions if self.positions else 0.0

    @property
    def player_accuracy(self) -> float:
        return self.player_correct / self.positions if self.positions else 0.0

    def add(self, model_correct: bool, player_correct: bool) -> None:
        self.positions += 1
        self.model_correct += model_correct
        self.player_correct += player_correct


@dataclass
class GuessGame:
    board: Board
    top_k: int = 10
    position: int = 0
    ranks: dict[int, int] = field(default_factory=dict)  # position -> first model's rank of the true token
    # per model over the session: pass the previous text's game's to carry them on (new ones by default)
    session_tallies: list[Tally] = field(default_factory=list)
    tallies: list[Tally] = field(init=False)  # per model on this text

    mode: ClassVar[str] = "guess"  # as games/modes.py registers it

    def __post_init__(self) -> None:
        self.tallies = [Tally() for _ in self.board.tracks]
        if len(self.session_tallies) != len(self.board.tracks):
            self.session_tallies = [Tally() for _ in self.board.tracks]
        self.position = max(self.position, self.board.first_position)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.board)

    def context(self) -> str:
        return self.board.context(self.position)

    def preview(self, raw: str) -> tuple[str, list[str]]:
        """The guess as it will be judged and its tokens in the first model's tokenization (for live display)."""
        guess = normalize_guess(self.context(), raw)
        tokenizer = self.board.tracks[0].lm.tokenizer
        ids = continuation_ids(tokenizer, self.context(), guess)
        return guess, [token_text(tokenizer, i) for i in ids]

    def look_ahead(self) -> None:
        """Compute every model's distribution at the current position before the player guesses (call it from
        a background thread), so that the reveal costs only the guess's own tokens."""
        if not self.finished:
            self.board.views(self.position, self.top_k)

    def reveal(self, raw: str, elapsed_s: float = 0.0) -> GuessOutcome:
        if self.finished:
            raise IndexError("the text is finished")
        context = self.context()
        guess = normalize_guess(context, raw)
        views = self.board.views(self.position, self.top_k, guess)
        outcomes = [ModelOutcome(view) if view is not None else None for view in views]
        primary = outcomes[0]
        player_correct = bool(primary and primary.guess_first and primary.guess_first.id == primary.view.true.id)
        for text_tally, session_tally, outcome in zip(self.tallies, self.session_tallies, outcomes, strict=True):
            if outcome is not None:
                text_tally.add(outcome.model_correct, player_correct)
                session_tally.add(outcome.model_correct, player_correct)
        result = GuessOutcome(self.position, self.board.positions[self.position], context, guess,
                              self.board.true_text(self.position), player_correct, elapsed_s, outcomes)
        self._advance(views)
        return result

    def skip(self, count: int = 1) -> int:
        """Move ahead `count` tokens without guessing (the skipped tokens are still coloured by rank)."""
        skipped = 0
        while skipped < count and not self.finished:
            self._advance(self.board.views(self.position, 1))
            skipped += 1
        return skipped

    def text_before(self, count: int) -> str:
        """The text of the `count` tokens before the current position (what a skip passed over)."""
        start = max(self.board.first_position, self.position - count)
        if start >= self.position:
            return ""
        return self.board.text[self.board.positions[start] : self.board.ends[self.position - 1]]

    def _advance(self, views: list[ModelView | None]) -> None:
        if views and views[0] is not None:
            self.ranks[self.position] = views[0].true.rank
        self.position += 1

    def record(self, outcome: GuessOutcome, session: str) -> GuessRecord:
        models = []
        for outcome_m in outcome.models:
            if outcome_m is None:
                continue
            view, first = outcome_m.view, outcome_m.guess_first
            models.append(ModelRecord(
                identity=view.identity,
                top_k=[t.as_dict() for t in view.top_k],
                true_id=view.true.id, true_prob=view.true.prob, true_rank=view.true.rank,
                guess_prob=first.prob if first else None, guess_rank=first.rank if first else None,
                guess_logprob=outcome_m.guess_logprob,
            ))
        return GuessRecord(
            session=session, mode=self.mode, text_id=self.board.document.id, offset=outcome.offset,
            context=outcome.context, guess=outcome.guess, true_token=outcome.true_text,
            player_correct=outcome.player_correct, elapsed_s=outcome.elapsed_s, models=models,
            extra={"guess_tokens": outcome.models[0].guess_tokens if outcome.models[0] else []},
        )
