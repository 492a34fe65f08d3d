"""A text laid out for play against one or more models: where each model's tokens start, and what each
model predicts at a position. The first model's tokens are the positions of the game; another model is
judged at a position only where its own tokenization also has a token boundary there.

A board is not thread-safe: its models' KV caches move with each call, and a fast tokenizer must not encode
in two threads at once. Its callers take turns (the TUI holds its one model lock around every call)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.corpus import Document
from engine.models import LoadedModel
from engine.nexttoken import Distribution, Stepper, TokenProb
from engine.tokens import continuation_ids, encode_with_offsets, token_text


@dataclass(frozen=True)
class Judgement:
    """Where one token stands in a model's distribution."""

    id: int
    token: str
    prob: float
    rank: int

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "token": self.token, "prob": self.prob, "rank": self.rank}


@dataclass(frozen=True)
class GuessJudgement:
    """A guess in one model's tokenization: its tokens, its first token's standing, and the whole guess's
    teacher-forced log-probability."""

    ids: list[int]
    tokens: list[str]
    first: Judgement
    logprob: float


@dataclass(frozen=True)
class ModelView:
    """One model at one position: its top-k, where the true token stands, and where a guess stands."""

    identity: dict[str, str]
    top_k: list[TokenProb]
    true: Judgement
    distribution: Distribution
    context_ids: list[int]
    guess: GuessJudgement | None = None

    @property
    def correct(self) -> bool:
        return self.true.rank == 1


class ModelTrack:
    """One model's tokenization of the text and its KV-cache stepper."""

    def __init__(self, lm: LoadedModel, text: str) -> None:
        self.lm = lm
        self.text = text
        self.stepper = Stepper(lm)
        self.ids, self.offsets = encode_with_offsets(lm.tokenizer, text)
        self.index_at: dict[int, int] = {}
        for i, (start, _) in enumerate(self.offsets):
            self.index_at.setdefault(start, i)  # byte tokens of one character share a start: keep the first

    def view_at_offset(self, char_offset: int, top_k: int, guess: str = "") -> ModelView | None:
        """The view where this model has a token starting at `char_offset`, else None."""
        index = self.index_at.get(char_offset)
        return None if index is None or index < self.first_index else self.view(index, top_k, guess)

    @property
    def first_index(self) -> int:
        """The first token this model predicts: a model without a BOS token has no prediction for token 0."""
        return 0 if self.lm.bos_id is not None else 1

    def view(self, index: int, top_k: int, guess: str = "") -> ModelView:
        """This model before its token `index`, seeing what `lmgame predict` and `lmgame score` see there: the
        top-k and the true token from a window that ends at this position, a guess (the text it stands for)
        from a window that ends at its last token (the same window while the text fits, one forward pass)."""
        context = self.ids[:index]
        guess_ids = continuation_ids(self.lm.tokenizer, self.text[: self.offsets[index][0]], guess) if guess else []
        dist = self.stepper.distribution(context)
        true_id = self.ids[index]
        judged = None
        if guess_ids:
            guessed, logprobs = self.stepper.distribution_and_continuation(context, guess_ids)
            tokens = [token_text(self.lm.tokenizer, i) for i in guess_ids]
            first = Judgement(guess_ids[0], tokens[0], guessed.prob(guess_ids[0]), guessed.rank(guess_ids[0]))
            judged = GuessJudgement(guess_ids, tokens, first, sum(logprobs))
        true = Judgement(true_id, token_text(self.lm.tokenizer, true_id), dist.prob(true_id), dist.rank(true_id))
        return ModelView(self.lm.identity.as_dict(), dist.top_k(top_k), true, dist, context, judged)


class Board:
    """A document, the models playing it, and the positions of the game (the first model's tokens)."""

    def __init__(self, document: Document, models: list[LoadedModel]) -> None:
        if not models:
            raise ValueError("a board needs at least one model")
        self.document = document
        self.tracks = [ModelTrack(lm, document.text) for lm in models]
        self.positions = [start for start, _ in self.tracks[0].offsets]
        self.ends = [end for _, end in self.tracks[0].offsets]

    @property
    def text(self) -> str:
        return self.document.text

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def first_position(self) -> int:
        """Where play starts: after the first token when the first model has no BOS token to predict it from."""
        return min(self.tracks[0].first_index, len(self.positions))

    def context(self, position: int) -> str:
        return self.text[: self.positions[position]]

    def true_text(self, position: int) -> str:
        return self.text[self.positions[position] : self.ends[position]]

    def position_at_offset(self, char_offset: int) -> int:
        """The first position at or after a character offset (e.g. to resume a logged guess)."""
        for i, start in enumerate(self.positions):
            if start >= char_offset:
                return i
        return len(self.positions) - 1

    def first_view(self, position: int, top_k: int) -> ModelView:
        """The first model alone at a position (the which-one game draws from it)."""
        return self.tracks[0].view(position, top_k)

    def views(self, position: int, top_k: int, guess: str = "") -> list[ModelView | None]:
        """Each model at a position (None where its tokens do not start there), with a guess judged."""
        first, *others = self.tracks
        offset = self.positions[position]
        return [first.view(position, top_k, guess)] + [t.view_at_offset(offset, top_k, guess) for t in others]
