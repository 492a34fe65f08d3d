"""`explain`'s result: an attribution (engine/attribution.py) as the JSON the command prints and its table reads.

Every key is there for every method, null (or an empty list) where the method has no such figure, so that a
reader of several methods' output reads one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypedDict

from engine.errors import LmgameError
from engine.tokens import token_text

if TYPE_CHECKING:
    from engine.attribution import Attribution
    from engine.models import LoadedModel

# engine.attribution.METHODS, named here too so that parsing a command line does not load torch (a test holds them
# equal)
METHODS = ("occlusion", "gradient", "attention")
TOP_HEADS = 3  # per token, in the table and the JSON
CHOSEN_HEADS = 10  # for the chosen token


class Head(TypedDict):
    layer: int
    head: int
    weight: float


class TokenRecord(TypedDict):
    index: int  # among the context tokens, BOS not counted
    id: int
    token: str
    start: int  # character offset in TEXT
    score: float
    without: float | None  # occlusion: the measure with this token removed
    weights: list[list[float]] | None  # attention: [layer][head]
    top_heads: list[Head]  # attention: the heads that attend most to this token


class Chosen(TypedDict):
    index: int
    token: str
    heads: list[Head]


class Explanation(TypedDict):
    model: dict[str, str]
    method: str
    measure: str  # answer_logprob, or logit_diff with a foil
    text: str
    answer: str
    foil: str | None
    scored_answer: str
    answer_tokens: list[str]
    foil_token: str | None
    bos: bool
    value: float
    layers: int | None
    heads: int | None
    bos_weights: list[list[float]] | None
    chosen: Chosen | None
    tokens: list[TokenRecord]


def _heads(weights: list[list[float]], most: int) -> list[Head]:
    ranked = sorted(((w, layer, head) for layer, row in enumerate(weights) for head, w in enumerate(row)),
                    key=lambda item: -item[0])
    return [{"layer": layer, "head": head, "weight": w} for w, layer, head in ranked[:most]]


def choose_token(texts: list[str], scores: list[float], token: int | None, source: str | None) -> int:
    """The context token whose heads are listed: `token` by index (negative counts from the end), else the first
    whose text is `source` (surrounding white space aside), else the first containing it; by default the token
    with the highest score."""
    count = len(texts)
    if token is not None:
        if not -count <= token < count:
            raise LmgameError(f"--token {token} is outside the context's {count} tokens (0 to {count - 1})")
        return token % count
    if source is not None:
        wanted = source.strip()
        if not wanted:
            raise LmgameError("--source is empty: give the text of a context token")
        for found in ([i for i, t in enumerate(texts) if t.strip() == wanted],
                      [i for i, t in enumerate(texts) if wanted in t]):
            if found:
                return found[0]
        raise LmgameError(f"no context token reads {source!r} (--token INDEX chooses one by its number)")
    return max(range(count), key=lambda i: scores[i])


def explanation(lm: LoadedModel, text: str, answer: str, foil: str | None = None, method: str = "occlusion",
                max_tokens: int | None = None, token: int | None = None, source: str | None = None,
                progress: Callable[[int, int], None] | None = None) -> Explanation:
    """One model's explanation of an answer after `text` (see engine.attribution), as the JSON `explain` prints."""
    from engine.attribution import explain, prepare

    if method not in METHODS:
        raise LmgameError(f"unknown method {method!r}: use {', '.join(METHODS)}")
    if method != "attention" and (token is not None or source is not None):
        raise LmgameError("--token and --source choose the token whose attention heads are listed: "
                          "use them with --method attention")
    question = prepare(lm, text, answer, foil, max_tokens)
    result = explain(lm, question, method, progress)
    return _record(lm, result, answer, foil, token, source)


def _record(lm: LoadedModel, result: Attribution, answer: str, foil: str | None, token: int | None,
            source: str | None) -> Explanation:
    question, tokenizer = result.question, lm.tokenizer
    texts = [token_text(tokenizer, i) for i in question.context]
    per_token = result.weights.tolist() if result.weights is not None else None  # [layer][head][token]
    records: list[TokenRecord] = []
    for index, (token_id, shown) in enumerate(zip(question.context, texts, strict=True)):
        weights = [[row[index] for row in layer] for layer in per_token] if per_token is not None else None
        records.append({
            "index": index, "id": token_id, "token": shown, "start": question.starts[index],
            "score": result.scores[index],
            "without": result.without[index] if result.without is not None else None,
            "weights": weights, "top_heads": _heads(weights, TOP_HEADS) if weights is not None else [],
        })
    chosen: Chosen | None = None
    if per_token is not None:
        index = choose_token(texts, result.scores, token, source)
        weights = records[index]["weights"] or []
        chosen = {"index": index, "token": texts[index], "heads": _heads(weights, CHOSEN_HEADS)}
    shape = result.weights.shape if result.weights is not None else None
    return {
        "model": lm.identity.as_dict(),
        "method": result.method,
        "measure": question.measure,
        "text": question.text,
        "answer": answer,
        "foil": foil,
        "scored_answer": question.scored_answer,
        "answer_tokens": [token_text(tokenizer, i) for i in question.answer],
        "foil_token": token_text(tokenizer, question.foil_id) if question.foil_id is not None else None,
        "bos": bool(question.bos),
        "value": result.value,
        "layers": int(shape[0]) if shape is not None else None,
        "heads": int(shape[1]) if shape is not None else None,
        "bos_weights": result.bos_weights.tolist() if result.bos_weights is not None else None,
        "chosen": chosen,
        "tokens": records,
    }
