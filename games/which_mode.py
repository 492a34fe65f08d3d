"""Which-one mode, the second game of Redwood's language-modelling study: two candidate next tokens, the true
one and one drawn from the model's distribution, in random order; the player says how likely the first is.

Scoring is log loss in bits. The player's perplexity is estimated as that study did, by importance sampling:
the alternative x is drawn from the model's distribution q without the true token t, so for a player with
distribution p, 1/p(t) = 1 + sum_{x != t} p(x)/p(t) = 1 + E_x[(p(x)/p(t)) / q'(x)], with q'(x) = q(x)/(1-q(t)),
and the player's answer s (for the true token) gives p(x)/p(t) = (1-s)/s. Each position contributes
log(1 + (1-s)/s / q'(x)); the estimate is exp of their mean, shown beside the model's own perplexity,
exp(mean -ln q(t)), on the same positions.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import torch

from engine.tokens import token_text
from games.board import Board, ModelView
from games.log import GuessRecord, ModelRecord

ANSWER_KEYS = {str(k): k / 10 for k in range(1, 10)}  # key 1..9 -> 10%..90% that the first is the true one


@dataclass(frozen=True)
class WhichQuestion:
    position: int
    first: str
    second: str
    first_id: int
    second_id: int
    true_is_first: bool
    view: ModelView

    @property
    def alternative_id(self) -> int:
        return self.second_id if self.true_is_first else self.first_id


@dataclass(frozen=True)
class WhichOutcome:
    question: WhichQuestion
    player_first: float  # the player's probability that the first is the true one
    model_first: float  # the model's, from its two probabilities
    player_bits: float
    model_bits: float
    player_log_inverse: float  # this position's term of the player's perplexity estimate
    model_nats: float  # -ln q(t)
    elapsed_s: float


def _bits(p_first: float, true_is_first: bool) -> float:
    p_true = p_first if true_is_first else 1.0 - p_first
    return -math.log2(max(p_true, 1e-12))


@dataclass
class WhichGame:
    board: Board
    top_k: int = 10
    seed: int = 0
    position: int = 0
    scores: list[tuple[float, float, float, float]] = field(default_factory=list)  # numbers only: no tensors kept
    ranks: dict[int, int] = field(default_factory=dict)
    _question: WhichQuestion | None = field(default=None, init=False)

    mode = "which"

    def __post_init__(self) -> None:
        self.position = max(self.position, self.board.first_position)
        self.rng = random.Random(self.seed)
        self.generator = torch.Generator().manual_seed(self.seed)

    @property
    def finished(self) -> bool:
        return self.position >= len(self.board)

    def context(self) -> str:
        return self.board.context(self.position)

    def question(self) -> WhichQuestion:
        """The question at the current position, drawn from the first model."""
        if self._question is not None and self._question.position == self.position:
            return self._question
        if self.finished:
            raise IndexError("the text is finished")
        view = self.board.first_view(self.position, self.top_k)
        tokenizer = self.board.tracks[0].lm.tokenizer
        alternative = view.distribution.sample(self.generator, exclude=view.true.id)
        true_first = self.rng.random() < 0.5
        first_id, second_id = (view.true.id, alternative) if true_first else (alternative, view.true.id)
        self._question = WhichQuestion(self.position, token_text(tokenizer, first_id), token_text(tokenizer, second_id),
                                       first_id, second_id, true_first, view)
        return self._question

    def answer(self, player_first: float, elapsed_s: float = 0.0) -> WhichOutcome:
        if not 0.0 < player_first < 1.0:
            raise ValueError("the player's probability must be strictly between 0 and 1")
        q = self.question()
        dist = q.view.distribution
        p1, p2 = dist.prob(q.first_id), dist.prob(q.second_id)
        model_first = p1 / (p1 + p2) if p1 + p2 > 0 else 0.5
        s = player_first if q.true_is_first else 1.0 - player_first
        q_true = dist.prob(q.view.true.id)
        q_alt = dist.prob(q.alternative_id) / max(1.0 - q_true, 1e-12)
        outcome = WhichOutcome(
            q, player_first, model_first, _bits(player_first, q.true_is_first), _bits(model_first, q.true_is_first),
            math.log1p((1.0 - s) / s / max(q_alt, 1e-12)), -dist.logprob(q.view.true.id), elapsed_s,
        )
        self.scores.append((outcome.player_bits, outcome.model_bits, outcome.player_log_inverse, outcome.model_nats))
        self.ranks[self.position] = q.view.true.rank
        self.position += 1
        return outcome

    def skip(self, count: int = 1) -> int:
        skipped = 0
        while skipped < count and not self.finished:
            self.ranks[self.position] = self.board.first_view(self.position, 1).true.rank
            self.position += 1
            skipped += 1
        return skipped

    # the scoreboard
    @property
    def answered(self) -> int:
        return len(self.scores)

    def _mean(self, column: int) -> float:
        return sum(score[column] for score in self.scores) / max(1, self.answered)

    def player_mean_bits(self) -> float:
        return self._mean(0)

    def model_mean_bits(self) -> float:
        return self._mean(1)

    def player_perplexity(self) -> float:
        return math.exp(self._mean(2))

    def model_perplexity(self) -> float:
        return math.exp(self._mean(3))

    def record(self, outcome: WhichOutcome, session: str) -> GuessRecord:
        q, view = outcome.question, outcome.question.view
        return GuessRecord(
            session=session, mode=self.mode, text_id=self.board.document.id,
            offset=self.board.positions[q.position], context=self.board.context(q.position),
            guess=f"{outcome.player_first:.1f}", true_token=self.board.true_text(q.position),
            # an even-odds answer leans neither way, so it is never counted right
            player_correct=outcome.player_first != 0.5 and (outcome.player_first > 0.5) == q.true_is_first,
            elapsed_s=outcome.elapsed_s,
            models=[ModelRecord(
                identity=view.identity,
                top_k=[t.as_dict() for t in view.top_k],
                true_id=view.true.id, true_prob=view.true.prob, true_rank=view.true.rank,
            )],
            extra={"first": q.first, "second": q.second, "true_is_first": q.true_is_first,
                   "player_first": outcome.player_first, "model_first": outcome.model_first,
                   "player_bits": outcome.player_bits, "model_bits": outcome.model_bits},
        )
