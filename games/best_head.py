"""Which attention head looks at a candidate's source: for an instance whose finder names one (games.candidates:
induction's word after the earlier occurrence, IOI's indirect object), the attention from the position that
predicts the answer's first token to the token holding the source's first character, for every layer and head,
in the very window the instance was scored in (BOS, then the `context_tokens` text tokens before `span_start`:
with --max-context, a source cut off from view has none). The weights are the model's own, read from a plain
forward pass with eager attention (engine.attribution.source_attention_steps). A summary's `best_head` is the
head with the highest mean over the scored instances that have one, with that mean's interval.

Only instances with a source in view cost the extra forward pass, and the instances of a document that were scored
in the same window share one (as their scores did): a candidate without a source costs nothing.
"""

from __future__ import annotations

import bisect
from collections.abc import Generator, Sequence

import torch

from engine.metrics import Bootstrap, mean
from engine.models import LoadedModel
from engine.tokens import token_starts, token_text
from games.results import MIN_INTERVAL_N, BestHead, InstanceRow

DECIMALS = 6  # of a stored weight: within 5e-7 of the model's, a third of the JSON


def _window(ids: list[int], starts: list[int], text: str, row: InstanceRow) -> tuple[int, int, int] | None:
    """(the window's first text token, the token the answer is scored from, the source token) of a row as it was
    scored: its context is the `context_tokens` tokens before `span_start`; None where the source is not in that
    window or the row was not scored."""
    if not row.scored or row.source_offset is None or row.span_start is None or row.context_tokens is None:
        return None
    index = bisect.bisect_left(starts, row.span_start)  # the token the answer is scored from (engine.scoring.attach)
    if (starts[index] if index < len(starts) else len(text)) != row.span_start:
        return None  # not a boundary of this tokenizer: not a row this model scored
    first = index - row.context_tokens
    source = bisect.bisect_right(starts, row.source_offset) - 1
    return (first, index, source) if 0 <= first <= source < index else None


def attention_steps(lm: LoadedModel, documents: Sequence[tuple[str, list[InstanceRow]]],
                    batch_tokens: int | None = None) -> Generator[int, None, None]:
    """Set `head_attention` and `source_token` on each scored row (of one model) whose source is in view, rows
    given with their document's text; yields how many rows are done. The rows of a document whose windows start at
    the same token share one sequence (as their scores shared a pass), read at each row's predicting position."""
    from engine.attribution import SourceQuery, source_attention_steps

    bos = [lm.bos_id] if lm.bos_id is not None else []
    queries: list[SourceQuery] = []
    targets: list[list[tuple[InstanceRow, int]]] = []  # per query: each read's row and source token id
    for text, rows in documents:
        if not any(row.scored and row.source_offset is not None for row in rows):
            continue  # tokenize only where there is something to ask
        encoded = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids, starts = list(encoded["input_ids"]), token_starts(encoded["offset_mapping"])
        by_first: dict[int, list[tuple[InstanceRow, int, int]]] = {}
        for row in rows:
            window = _window(ids, starts, text, row)
            if window is not None:
                by_first.setdefault(window[0], []).append((row, window[1], window[2]))
        for first, windows in by_first.items():
            end = max(index for _, index, _ in windows)
            queries.append(SourceQuery(bos + ids[first:end], tuple(
                (len(bos) + index - first - 1, len(bos) + source - first) for _, index, source in windows)))
            targets.append([(row, ids[source]) for row, _, source in windows])
    if not queries:
        return
    weights = yield from source_attention_steps(lm, queries, batch_tokens)
    for reads, per_read in zip(targets, weights, strict=True):
        for (row, source_id), per_head in zip(reads, per_read.tolist(), strict=True):
            row.head_attention = [[round(w, DECIMALS) for w in layer] for layer in per_head]
            row.source_token = token_text(lm.tokenizer, source_id)


def best_head(scored: Sequence[InstanceRow], seed: int = 0) -> BestHead | None:
    """The head with the highest mean attention to the source over the rows that have it (the first such head
    where several tie), its mean and its interval; None where no row has one."""
    rows = [row for row in scored if row.head_attention]
    if not rows:
        return None
    weights = torch.tensor([row.head_attention for row in rows], dtype=torch.float64)  # [rows, layers, heads]
    layer, head = divmod(int(weights.mean(dim=0).flatten().argmax()), weights.shape[2])
    values = weights[:, layer, head].tolist()
    interval = Bootstrap([row.document for row in rows], seed=seed).mean_ci(values) \
        if len(values) >= MIN_INTERVAL_N else None
    return BestHead(f"{layer}.{head}", mean(values), None if interval is None else list(interval), len(values))
