"""Reviewing the guess log: each guess-mode guess with each model's verdict, filtered by kind, model, session
or true token. A model is right where the true token was its top-1; the player where the guess read as the
true token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from games.log import GuessLog
from games.rules import normalize_guess

KINDS = {
    "model-right-player-wrong": (True, False),
    "player-right-model-wrong": (False, True),
    "both-wrong": (False, False),
    "both-right": (True, True),
}
DISAGREEMENTS = ("model-right-player-wrong", "player-right-model-wrong", "both-wrong")


@dataclass(frozen=True)
class ModelVerdict:
    label: str  # name@revision, as results show models
    identity: dict[str, str]
    true_rank: int | None
    true_prob: float | None
    top_k: list[dict[str, Any]]  # [{token, id, prob, logit}]

    @property
    def right(self) -> bool:
        return self.true_rank == 1

    @property
    def top1(self) -> str | None:
        return self.top_k[0]["token"] if self.top_k else None


@dataclass(frozen=True)
class ReviewRow:
    id: int
    session: str
    source: str  # where the session's texts came from ("demo", a path, "--text", "dataset:...")
    text_id: str
    offset: int
    context: str  # all the text before the guessed token
    guess: str
    true_token: str
    player_correct: bool
    models: list[ModelVerdict] = field(default_factory=list)

    def verdict(self, model: str | None = None) -> ModelVerdict | None:
        """The named model's verdict (by label or name), or the first model's."""
        for verdict in self.models:
            if model is None or model in (verdict.label, verdict.identity.get("name")):
                return verdict
        return None

    def kind(self, model: str | None = None) -> str | None:
        verdict = self.verdict(model)
        if verdict is None:
            return None
        return next(k for k, v in KINDS.items() if v == (verdict.right, self.player_correct))


@dataclass
class ReviewFilter:
    kind: str | None = None  # one of KINDS, or "disagreements" for any of DISAGREEMENTS
    model: str | None = None  # a label or a model name; the kind is judged for this model (default: the first)
    session: str | None = None
    true_token: str | None = None  # as a player types a guess: "cat" finds "␣cat" after a word (see typed_token)

    def keeps(self, row: ReviewRow) -> bool:
        if self.session and row.session != self.session:
            return False
        if self.true_token is not None and not typed_token(row, self.true_token):
            return False
        if self.model and row.verdict(self.model) is None:
            return False
        if self.kind is None:
            return True
        kind = row.kind(self.model)
        return kind in DISAGREEMENTS if self.kind == "disagreements" else kind == self.kind


def typed_token(row: ReviewRow, typed: str) -> bool:
    """Whether `typed` is the row's true token: as typed, or as a guess typed so is read in the row's context
    (games.rules: a word after a word gets its space, "+" glues, a leading space is kept)."""
    return row.true_token in (typed, normalize_guess(row.context, typed))


def read_review(log: GuessLog, keep: ReviewFilter | None = None) -> list[ReviewRow]:
    """Every guess-mode guess in the log that `keep` keeps, oldest first."""
    sources = log.session_sources()
    rows = []
    for record in log.rows():
        if record["mode"] != "guess":
            continue
        row = ReviewRow(
            id=record["id"], session=record["session"], source=sources.get(record["session"], ""),
            text_id=record["text_id"], offset=record["offset"], context=record["context"], guess=record["guess"],
            true_token=record["true_token"], player_correct=record["player_correct"],
            models=[ModelVerdict(f"{m['identity'].get('name', m['model'])}@{m['revision'][:10]}", m["identity"],
                                 m["true_rank"], m["true_prob"], m["top_k"]) for m in record["models"]],
        )
        if keep is None or keep.keeps(row):
            rows.append(row)
    return rows


def sessions(rows: list[ReviewRow]) -> list[str]:
    return list(dict.fromkeys(row.session for row in rows))


def model_labels(rows: list[ReviewRow]) -> list[str]:
    return list(dict.fromkeys(v.label for row in rows for v in row.models))
