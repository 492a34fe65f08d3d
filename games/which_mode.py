"""Which-one mode, the second game of Redwood's language-modelling study (Shlegeris, Roger, Chan, McLean,
"Language models are better than humans at next-token prediction", arXiv 2212.11281): two candidate next
tokens, the true one t and an alternative x drawn from the model's distribution q without t, in random order;
the player says how likely the first is the true one, choosing one of ANSWERS (1% to 99%, the study's range).

Log loss in bits on the two candidates: the player's, and the model's from its own two probabilities.

The player's perplexity on the answered positions, exp(mean_i -ln p(t_i)) for a player whose next-token
distribution is p, is estimated as the study's analysis does. There, at each position, every answer s given
for the true token yields an importance weight w = q(t) * ((1-s)/s) / q(x), whose mean over x ~ q is
q(t)/p(t) (since (1-s)/s = p(x)/p(t)); the weights of the answers at a position are averaged, the log taken,
and the logs averaged over positions, plus the model's mean loss on them:
ln perplexity = mean_i [ln mean_j w_ij] + mean_i -ln q(t_i). Drawing x from q' = q(x)/(1-q(t)) on x != t, as
this game does so that a question never shows one token twice, the weight with that mean is
w = q(t) * (1 + ((1-s)/s) / q'(x)). This game asks each position once, so each position's mean is its one
weight and the estimate is exp(mean_i ln(1 + ((1-s_i)/s_i) / q'(x_i))), each term the log of an unbiased
estimate of 1/p(t_i). Being the log of a one-answer estimate it is biased low (Jensen) as far as the player's
odds are not the model's (a player answering the model's own odds gets -ln q(t_i) at every position, exactly),
and answering in steps adds its own error; averaging the weights over all positions before the log instead
would estimate ln mean_i q(t_i)/p(t_i), which is not the perplexity. benchmarks/which_estimator.py measures
both by simulation (the figures are in the README).

The model's figures on the same positions: its perplexity exp(mean_i -ln q(t_i)), and the same estimator on
the model's own odds rounded to the nearest allowed answer, which is what a player exactly as good as the model
scores with these answers: the figure to compare the player's estimate with.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple

import torch

from engine.nexttoken import Distribution
from engine.tokens import token_text
from games.board import Board, ModelView
from games.log import GuessRecord, ModelRecord

# the probabilities a player may give that the first candidate is the true one: the study's 1%...99%, in steps
ANSWERS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def nearest_answer(probability: float, answers: tuple[float, ...] = ANSWERS) -> float:
    """The allowed answer a player who believes `probability` gives."""
    return min(answers, key=lambda answer: abs(answer - probability))


def log_inverse_estimate(true_answer: float, q_drawn: float) -> float:
    """This position's term of the perplexity estimate: ln(1 + ((1-s)/s) / q'(x)), the log of an unbiased
    estimate of 1/p(t), from the answer s given for the true token and q'(x), the probability with which the
    alternative was drawn (the model's, renormalized without the true token)."""
    return math.log1p((1.0 - true_answer) / true_answer / max(q_drawn, 1e-300))


def draw_probability(distribution: Distribution, true_id: int, alternative_id: int) -> float:
    """q'(x): the probability that the alternative is drawn, as Distribution.sample draws it with the true token
    excluded (uniform over the other tokens where the model leaves them nothing)."""
    probs = distribution.logprobs.exp().double()
    rest = float(probs.sum() - probs[true_id])
    return float(probs[alternative_id]) / rest if rest > 0.0 else 1.0 / (probs.numel() - 1)


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
    model_answer: float  # the allowed answer nearest model_first
    draw_probability: float  # q'(x): how likely the alternative was to be drawn
    player_bits: float
    model_bits: float
    player_log_inverse: float  # this position's term of the player's perplexity estimate
    model_answer_log_inverse: float  # the same term for model_answer
    model_nats: float  # -ln q(t)
    elapsed_s: float


class Score(NamedTuple):
    """One answered position's numbers (no tensors kept)."""

    player_bits: float
    model_bits: float
    player_log_inverse: float
    model_answer_log_inverse: float
    model_nats: float


def _bits(p_first: float, true_is_first: bool) -> float:
    return -math.log2(max(_true_answer(p_first, true_is_first), 1e-12))


def _true_answer(p_first: float, true_is_first: bool) -> float:
    return p_first if true_is_first else 1.0 - p_first


@dataclass
class WhichGame:
    board: Board
    top_k: int = 10
    seed: int = 0
    position: int = 0
    scores: list[Score] = field(default_factory=list)
    ranks: dict[int, int] = field(default_factory=dict)
    _question: WhichQuestion | None = field(default=None, init=False)

    mode: ClassVar[str] = "which"  # as games/modes.py registers it

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
        """Score an answer (any probability strictly between 0 and 1; the screen offers ANSWERS)."""
        if not 0.0 < player_first < 1.0:
            raise ValueError("the player's probability must be strictly between 0 and 1")
        q = self.question()
        dist = q.view.distribution
        p1, p2 = dist.prob(q.first_id), dist.prob(q.second_id)
        model_first = p1 / (p1 + p2) if p1 + p2 > 0 else 0.5
        model_answer = nearest_answer(model_first)
        q_drawn = draw_probability(dist, q.view.true.id, q.alternative_id)
        outcome = WhichOutcome(
            q, player_first, model_first, model_answer, q_drawn,
            _bits(player_first, q.true_is_first), _bits(model_first, q.true_is_first),
            log_inverse_estimate(_true_answer(player_first, q.true_is_first), q_drawn),
            log_inverse_estimate(_true_answer(model_answer, q.true_is_first), q_drawn),
            -dist.logprob(q.view.true.id), elapsed_s,
        )
        self.scores.append(Score(outcome.player_bits, outcome.model_bits, outcome.player_log_inverse,
                                 outcome.model_answer_log_inverse, outcome.model_nats))
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

    def _mean(self, column: str) -> float:
        return float(sum(getattr(score, column) for score in self.scores)) / max(1, self.answered)

    def player_mean_bits(self) -> float:
        return self._mean("player_bits")

    def model_mean_bits(self) -> float:
        return self._mean("model_bits")

    def player_perplexity(self) -> float:
        """The estimate of the player's perplexity on the answered positions (see the module's docstring)."""
        return math.exp(self._mean("player_log_inverse"))

    def model_answer_perplexity(self) -> float:
        """The same estimate for the model answering its own odds rounded to the nearest allowed answer."""
        return math.exp(self._mean("model_answer_log_inverse"))

    def model_perplexity(self) -> float:
        """The model's perplexity on the answered positions, exp(mean -ln q(t))."""
        return math.exp(self._mean("model_nats"))

    def record(self, outcome: WhichOutcome, session: str) -> GuessRecord:
        q, view = outcome.question, outcome.question.view
        return GuessRecord(
            session=session, mode=self.mode, text_id=self.board.document.id,
            offset=self.board.positions[q.position], context=self.board.context(q.position),
            guess=f"{outcome.player_first:g}", true_token=self.board.true_text(q.position),
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
                   "player_bits": outcome.player_bits, "model_bits": outcome.model_bits,
                   "draw_probability": outcome.draw_probability},
        )
