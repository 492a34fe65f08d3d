"""Models compared on one candidate: the same instances, the same characters (a run aligns every span to every
model's tokenizer), so that a difference of whole-answer log-probabilities is about the models alone."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

from engine.metrics import Bootstrap, mean, sign_flip_p
from games.results import MIN_INTERVAL_N, Comparison, InstanceRow, PairedInstance
from games.scoring import CandidateResult

MOST_DIFFERENT = 10  # pairs listed per comparison
CONTEXT_SHOWN = 80  # characters of text before the span in a listed pair


def paired(rows_a: Sequence[InstanceRow], rows_b: Sequence[InstanceRow]) -> list[tuple[InstanceRow, InstanceRow]]:
    """The instances both models scored, matched by document and offset, in corpus order. Their spans agree by
    construction; a pair whose spans differ (results from two runs) is left out rather than compared."""
    by_place = {(row.document, row.offset): row for row in rows_b if row.scored}
    pairs = []
    for row in rows_a:
        other = by_place.get((row.document, row.offset))
        if row.scored and other is not None and (row.span_start, row.scored_answer) == (
                other.span_start, other.scored_answer):
            pairs.append((row, other))
    return pairs


def compare(candidate: str, model_a: str, rows_a: Sequence[InstanceRow], model_b: str,
            rows_b: Sequence[InstanceRow], seed: int = 0) -> Comparison:
    """`model_a` against `model_b` on a candidate's paired instances (see Comparison)."""
    comparison = Comparison(candidate, model_a, model_b)
    pairs = paired(rows_a, rows_b)
    if not pairs:
        return comparison
    diffs = [_logprob(a) - _logprob(b) for a, b in pairs]
    documents = [a.document for a, _ in pairs]
    comparison.n_paired = len(pairs)
    comparison.mean_diff = mean(diffs)
    comparison.share_ahead = sum(1 for diff in diffs if diff > 0) / len(diffs)
    comparison.p_value = sign_flip_p(diffs, documents, seed=seed)
    if len(pairs) >= MIN_INTERVAL_N:
        interval = Bootstrap(documents, seed=seed).mean_ci(diffs)
        comparison.ci = None if interval is None else [interval[0], interval[1]]
    ranked = sorted(range(len(pairs)), key=lambda k: -abs(diffs[k]))[:MOST_DIFFERENT]
    comparison.most_different = [_paired_instance(*pairs[k]) for k in ranked if diffs[k] != 0]
    return comparison


def _logprob(row: InstanceRow) -> float:
    if row.logprob is None:
        raise ValueError("a paired instance that was not scored")
    return row.logprob


def _paired_instance(a: InstanceRow, b: InstanceRow) -> PairedInstance:
    span_start = a.span_start if a.span_start is not None else a.offset
    before = a.context[: max(0, len(a.context) - (a.offset - span_start))]
    return PairedInstance(a.document, a.offset, span_start, before[-CONTEXT_SHOWN:], a.scored_answer or "",
                          _logprob(a), _logprob(b))


def comparisons(results: Sequence[CandidateResult], seed: int = 0) -> list[Comparison]:
    """Each pair of models (in the order they come) on each candidate that both scored, candidate by candidate."""
    by_candidate: dict[str, list[CandidateResult]] = {}
    for result in results:
        by_candidate.setdefault(result.candidate.name, []).append(result)
    return [compare(name, a.lm.identity.label, a.rows, b.lm.identity.label, b.rows, seed)
            for name, group in by_candidate.items() for a, b in combinations(group, 2)
            if a.conditions == b.conditions]
