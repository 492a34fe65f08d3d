"""Counterfactual play: the context before a position, edited by the player (names swapped, an earlier
occurrence deleted, a pronoun changed), read by each model beside the original: its top-k, and where the text's
own next token and the heuristic's answer stand before and after the edit.

The heuristic is each library candidate that applies at the position: its finder finds an instance whose answer
starts there. On an edit, the finder runs on the edited context followed by the rest of the original text, and the
candidate applies where it finds an instance starting where the edited context ends."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.corpus import Document
from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.predict import predict
from games.candidates import Candidate
from games.matches import find_matches

MAX_EDIT_CHARS = 100_000  # an edited context longer than this is refused (a paste gone wrong)
HEURISTIC_TIME_LIMIT = 0.5  # seconds a finder may take on an edit
REST_CHARS = 200  # of the text after the position, what a finder reads (its lookahead), not the whole rest


@dataclass(frozen=True)
class Standing:
    """Where an answer stands after a context: its first token's probability and rank, the whole answer's
    log-probability (teacher-forced)."""

    text: str
    prob: float
    rank: int
    logprob: float


@dataclass(frozen=True)
class Reading:
    """One model after one context."""

    label: str
    top_k: list[dict[str, Any]]  # {token, id, prob, logit}
    true: Standing | None  # the original text's next token
    heuristic: Standing | None  # the heuristic's answer on this context, where a candidate applies


@dataclass(frozen=True)
class HeuristicAnswer:
    candidate: str
    answer: str


@dataclass
class Variant:
    """A context and each model's reading of it; number 0 is the original."""

    number: int
    context: str
    heuristic: HeuristicAnswer | None
    readings: list[Reading] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "context": self.context,
            "heuristic": None if self.heuristic is None else vars(self.heuristic),
            "models": [{"label": r.label, "top_k": r.top_k,
                        "true": None if r.true is None else vars(r.true),
                        "heuristic": None if r.heuristic is None else vars(r.heuristic)} for r in self.readings],
        }


def heuristic_at(candidates: Sequence[Candidate], context: str, rest: str, token_chars: int
                 ) -> HeuristicAnswer | None:
    """The first candidate (in library order) whose finder finds an instance, with an answer, in the next token:
    starting where `context` ends in `context + rest`, or within the `token_chars` characters after (IOI's answer
    `Mary` in the token `␣Mary`: the characters in between join the answer, as scoring does). None where none
    applies or every finder runs out of time."""
    document = Document("counterfactual", context + rest[:REST_CHARS])
    end = len(context)
    for candidate in candidates:
        for searched in find_matches(candidate, [document], HEURISTIC_TIME_LIMIT):
            for found in searched.found:
                if end <= found.offset < end + max(1, token_chars) and found.predicted and not found.error:
                    return HeuristicAnswer(candidate.name, document.text[end : found.offset] + found.predicted)
    return None


def _standing(answer: dict[str, Any]) -> Standing:
    return Standing(answer["text"], answer["prob"], answer["rank"], answer["logprob"])


def read(models: Sequence[LoadedModel], number: int, context: str, true_text: str,
         heuristic: HeuristicAnswer | None, top_k: int) -> Variant:
    """Each model after `context`: its top-k, the original's next token and the heuristic's answer."""
    if len(context) > MAX_EDIT_CHARS:
        raise LmgameError(f"the edited context is over {MAX_EDIT_CHARS:,} characters")
    variant = Variant(number, context, heuristic)
    answers = tuple(a for a in (true_text, heuristic.answer if heuristic else "") if a)
    for lm in models:
        if not context and lm.bos_id is None:
            variant.readings.append(Reading(lm.identity.label, [], None, None))
            continue
        result = predict(lm, context, top_k, answers)
        by_text = {a["text"]: _standing(a) for a in result["answers"]}
        variant.readings.append(Reading(lm.identity.label, result["top_k"], by_text.get(true_text),
                                        by_text.get(heuristic.answer) if heuristic else None))
    return variant


def change(before: Standing | None, after: Standing | None) -> str:
    """'41.2% rank 1 → 3.1% rank 7 (-38.1 points)' for the same answer, or the two standings as they are."""
    def said(standing: Standing | None) -> str:
        return "-" if standing is None else f"{percent(standing.prob)} rank {standing.rank}"

    text = f"{said(before)} → {said(after)}"
    if before is not None and after is not None and before.text == after.text:
        text += f" ({(after.prob - before.prob) * 100:+.1f} points)"
    return text


def percent(prob: float) -> str:
    """41.2%, or 2.1e-04 where a percentage would read as 0.0%."""
    return f"{prob:.1%}" if prob >= 0.001 or prob == 0 or math.isnan(prob) else f"{prob:.1e}"


def edit_summary(before: str, after: str, most: int = 40) -> str:
    """What an edit changed, as 'Mary John → John Mary': the stretch between the first and the last character
    that differ, before and after (each clipped to `most` characters); 'no change' where they are equal."""
    if before == after:
        return "no change"
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while end < min(len(before), len(after)) - start and before[-1 - end] == after[-1 - end]:
        end += 1

    def clip(text: str) -> str:
        return text if len(text) <= most else text[: most - 1] + "…"

    removed, added = before[start : len(before) - end], after[start : len(after) - end]
    return f"{clip(removed) or '∅'} → {clip(added) or '∅'}"
