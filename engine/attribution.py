"""How much each context token moves a model's answer: occlusion, gradient x input, attention.

The question is the one batch scoring asks (engine/scoring.py): an answer after a text, scored from the token
boundary it starts at (`attach`), in a context of BOS first when the model has one, then the text's tokens before
that boundary. The measure is the whole answer's log-probability, teacher-forced, or with a foil the logit of
the answer's first token minus the foil's first token's (as `Score.logit_diff`). Per context token:
- occlusion: the measure on the whole context minus the measure with that token deleted from the sequence (the
  tokens after it move back one position); BOS is never removed. Every ablation's tokens before the removed one
  are the whole context's, so each batch of ablations starts from the key-value cache of their common prefix and
  computes only what follows it, and the output projection runs only on the rows that predict the answer;
- gradient: gradient x input, the measure's gradient with respect to the token's input embedding dotted with
  that embedding, from one forward and one backward pass: a first-order estimate of the same removal;
- attention: the weight from the predicting position (the context's last token, which predicts the answer's
  first) to the token, for every layer and head, read from the model's own attention probabilities; a model
  whose attention does not return them (sdpa, flash) runs this one pass with eager attention, then is set back.
  `source_attention_steps` reads the same weights for many sequences at once, each at one source position:
  batch scoring's `best_head`.
Positive occlusion and gradient scores mean the token helps the answer (or the answer over the foil).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.scoring import ScoringHead, attach, batch_settings
from engine.steps import drive
from engine.tokens import continuation_ids, token_starts

METHODS = ("occlusion", "gradient", "attention")


@dataclass(frozen=True)
class Question:
    """An answer (and maybe a foil) after a text, tokenized for one model."""

    text: str
    context: list[int]  # the text's tokens before the answer's boundary (BOS not included)
    starts: list[int]  # where each context token starts in the text
    answer: list[int]
    foil_id: int | None  # the foil's first token
    scored_answer: str  # the answer as scored: the text from the boundary on, then the answer
    bos: list[int]  # [BOS id], or [] for a model without one

    @property
    def sequence(self) -> list[int]:
        """What the model is fed: BOS, the context, and the answer's tokens but its last (teacher forcing); with a
        foil only the first answer token is read, so none is fed."""
        fed = [] if self.foil_id is not None else self.answer[:-1]
        return self.bos + self.context + fed

    @property
    def rows(self) -> int:
        """How many of the sequence's last rows the measure reads (they predict the answer's tokens)."""
        return 1 if self.foil_id is not None else len(self.answer)

    @property
    def measure(self) -> str:
        return "logit_diff" if self.foil_id is not None else "answer_logprob"


@dataclass
class Attribution:
    """One method's scores for each context token of a question."""

    question: Question
    method: str
    value: float  # the measure on the whole context
    scores: list[float]  # per context token
    without: list[float] | None = None  # occlusion: the measure with each token removed
    weights: torch.Tensor | None = None  # attention: [layers, heads, context tokens], from the predicting position
    bos_weights: torch.Tensor | None = None  # attention: [layers, heads] to BOS (None without one)
    tokens_fed: int = 0  # tokens through the model, cached prefixes not counted: what benchmarks report


def prepare(lm: LoadedModel, text: str, answer: str, foil: str | None = None, max_tokens: int | None = None
            ) -> Question:
    """The question for one model; every input it cannot answer is an LmgameError of one line."""
    if not answer:
        raise LmgameError("the answer is empty: give the text that should follow TEXT (with its leading space)")
    if foil is not None and not foil:
        raise LmgameError("the foil is empty: give the wrong answer to compare with, or leave --foil out")
    if max_tokens is not None and max_tokens < 1:
        raise LmgameError("--max-tokens must be at least 1")
    tokenizer = lm.tokenizer
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids: list[int] = list(encoded["input_ids"])
    starts = token_starts(encoded["offset_mapping"])
    index, answer_ids = attach(tokenizer, text, ids, starts, len(text), answer)
    if not answer_ids:
        raise LmgameError(f"the answer {answer!r} tokenizes to nothing for {lm.identity.name}")
    begin = starts[index] if index < len(ids) else len(text)
    context = ids[:index]
    bos = [lm.bos_id] if lm.bos_id is not None else []
    if not context:
        raise LmgameError(f"no text before the answer to explain ({lm.identity.name} scores it from the start)")
    if not bos and len(context) < 2:
        raise LmgameError(f"{lm.identity.name} has no BOS token: removing the only token would leave nothing to "
                          "predict from, so give at least two tokens of text")
    if max_tokens is not None and len(context) > max_tokens:
        raise LmgameError(f"TEXT is {len(context)} tokens before the answer for {lm.identity.name}, more than "
                          f"--max-tokens {max_tokens}")
    foil_id = None
    if foil is not None:
        foil_ids = continuation_ids(tokenizer, text[:begin], text[begin:] + foil)
        if not foil_ids:
            raise LmgameError(f"the foil {foil!r} tokenizes to nothing for {lm.identity.name}")
        if foil_ids[0] == answer_ids[0]:
            raise LmgameError(f"the answer and the foil begin with the same token for {lm.identity.name}: "
                              "their logit difference is 0 whatever the context")
        foil_id = foil_ids[0]
    question = Question(text, context, starts[:index], answer_ids, foil_id, text[begin:] + answer, bos)
    if len(question.sequence) > lm.max_positions:
        raise LmgameError(f"TEXT ({len(context)} tokens before the answer) and the answer do not fit in "
                          f"{lm.identity.name}'s {lm.max_positions}-token window")
    return question


def measure(logits: torch.Tensor, question: Question) -> torch.Tensor:
    """logits [B, rows, vocab] of the rows predicting the answer -> the measure [B] (float32)."""
    logits = logits.float()
    if question.foil_id is not None:
        return logits[:, 0, question.answer[0]] - logits[:, 0, question.foil_id]
    answer = torch.tensor(question.answer, device=logits.device)
    logprobs = torch.log_softmax(logits, dim=-1)  # [B, rows, vocab]
    return logprobs[:, torch.arange(len(question.answer), device=logits.device), answer].sum(dim=-1)


class _LastRows:
    """Forward passes that return the logits of each sequence's last rows only, optionally after a key-value
    cache (the model's own forward pass where the scoring head does not agree with it)."""

    def __init__(self, lm: LoadedModel) -> None:
        self.lm = lm
        self.head = ScoringHead(lm)
        body = self.head.body if self.head.split else None
        self.body: torch.nn.Module = body if body is not None else lm.model
        self.cache_name = "cache" if "cache" in inspect.signature(self.body.forward).parameters else "past_key_values"

    def __call__(self, ids: torch.Tensor, rows: int, cache: Any = None, keep_cache: bool = False
                 ) -> tuple[torch.Tensor, Any]:
        """ids [B, T] -> (logits [B, rows, vocab] of the last `rows` positions, the cache when `keep_cache`)."""
        kwargs = {self.cache_name: cache} if cache is not None else {}
        out = self.body(input_ids=ids.to(self.lm.device), use_cache=keep_cache or cache is not None, **kwargs)
        new_cache = out.get(self.cache_name) if keep_cache else None
        if self.head.split and self.head.head is not None:
            logits: torch.Tensor = self.head.head(out.last_hidden_state[:, -rows:])
        else:
            logits = out.logits[:, -rows:]
        return logits.float(), new_cache


Steps = Generator[tuple[int, int], None, Attribution]  # yields (ablations done, ablations in all)


def _shares_prefix(cache: Any) -> bool:
    return cache is not None and all(hasattr(cache, name) for name in ("crop", "batch_repeat_interleave",
                                                                          "get_seq_length"))


def _chunks(count: int, length: Callable[[int], int], budget: int) -> Iterator[tuple[int, int]]:
    """[start, end) runs of ablations whose batch (end - start sequences of length(start) tokens) fits `budget`."""
    start = 0
    while start < count:
        size = max(1, budget // max(1, length(start)))
        yield start, min(count, start + size)
        start += size


def occlusion_steps(lm: LoadedModel, question: Question, batch_tokens: int | None = None) -> Steps:
    """Occlusion as a generator: yields (ablations done, ablations in all) after each batch."""
    # scoring's batch size: on the GPT-2-small shape over 200 tokens, 2,048 tokens a batch took 10% less CPU time
    # than 4,096 or 8,192
    _, _, budget, _ = batch_settings(lm, None, batch_tokens)
    forward = _LastRows(lm)
    sequence, rows, first = question.sequence, question.rows, len(question.bos)
    count = len(question.context)
    with torch.inference_mode():
        full_logits, full_cache = forward(torch.tensor([sequence]), rows, keep_cache=True)
        value = float(measure(full_logits, question)[0])
        shared = _shares_prefix(full_cache)
        without: list[float] = []
        fed = len(sequence)
        yield 0, count
        # ablation i removes sequence[first + i]; a batch of ablations [a, b) shares sequence[:first + a], all but
        # the rows the measure reads, which each ablation must compute (its last `rows` positions)
        most = len(sequence) - 1 - rows
        prefix = (lambda a: max(0, min(first + a, most))) if shared else (lambda a: 0)
        for a, b in _chunks(count, lambda a: len(sequence) - 1 - prefix(a), budget):
            keep = prefix(a)
            batch = torch.tensor([sequence[keep : first + i] + sequence[first + i + 1 :] for i in range(a, b)])
            cache = None
            if keep > 0:
                cache = copy.deepcopy(full_cache)
                if cache.get_seq_length() > keep:
                    cache.crop(keep - cache.get_seq_length())  # negative: remove that many (transformers 4 and 5)
                cache.batch_repeat_interleave(b - a)
            logits, _ = forward(batch, rows, cache)
            fed += batch.numel()
            without.extend(measure(logits, question).tolist())
            yield b, count
    scores = [value - w for w in without]
    return Attribution(question, "occlusion", value, scores, without=without, tokens_fed=fed)


def occlusion(lm: LoadedModel, question: Question, batch_tokens: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Attribution:
    """The measure with each context token removed in turn, all ablations in batched forward passes."""
    return drive(occlusion_steps(lm, question, batch_tokens), None if progress is None else lambda s: progress(*s))


def gradient_x_input(lm: LoadedModel, question: Question) -> Attribution:
    """Per context token: the measure's gradient with respect to its input embedding, dotted with the embedding."""
    model = lm.model
    ids = torch.tensor([question.sequence], device=lm.device)
    with torch.enable_grad():
        embeds = model.get_input_embeddings()(ids).detach().requires_grad_(True)  # [1, T, H]
        logits = model(inputs_embeds=embeds, use_cache=False).logits[:, -question.rows :]
        value = measure(logits, question)[0]
        (gradient,) = torch.autograd.grad(value, embeds)
    first = len(question.bos)
    per_token = (gradient[0] * embeds[0].detach()).float().sum(dim=-1)[first : first + len(question.context)]
    return Attribution(question, "gradient", float(value.detach()), per_token.tolist())


@contextmanager
def eager_attention(model: Any) -> Iterator[None]:
    """The model with eager attention (which returns its probabilities) inside, set back to what it had after;
    the weights stay where they are."""
    config = model.config
    before = getattr(config, "_attn_implementation", None)
    if before in (None, "eager"):
        yield
        return
    setter = getattr(model, "set_attn_implementation", None)
    try:
        if callable(setter):
            setter("eager")
        else:  # transformers before set_attn_implementation: its attention modules read the config at each call
            config._attn_implementation = "eager"
        yield
    finally:
        if callable(setter):
            setter(before)
        else:
            config._attn_implementation = before


def _attention_pass(lm: LoadedModel, ids: torch.Tensor, logits: bool = True) -> tuple[Any, list[torch.Tensor]]:
    """(the model's output, its attention probabilities per layer [B, heads, T, T]) for a batch of ids, from a plain
    forward pass with output_attentions=True and eager attention; without `logits`, through the model's body only
    where it has one (the output projection over every position is most of a small model's time)."""
    module = getattr(lm.model, "base_model", None) if not logits else None
    with eager_attention(lm.model), torch.inference_mode():
        out = (module or lm.model)(input_ids=ids.to(lm.device), use_cache=False, output_attentions=True)
    layers = [a for a in (out.attentions or ()) if a is not None]
    if not layers:
        raise LmgameError(f"{lm.identity.name} returns no attention weights, even with eager attention")
    return out, layers


def attention(lm: LoadedModel, question: Question) -> Attribution:
    """Per layer and head, the attention weight from the predicting position to each context token; a token's
    score is its weight averaged over every layer and head."""
    first, count = len(question.bos), len(question.context)
    out, layers = _attention_pass(lm, torch.tensor([question.sequence]))
    row = first + count - 1  # predicts the answer's first token
    weights = torch.stack([layer[0, :, row, : first + count] for layer in layers]).float()  # [L, H, first+count]
    value = float(measure(out.logits[:, -question.rows :], question)[0])
    scores = weights[:, :, first:].mean(dim=(0, 1)).tolist()
    bos_weights = weights[:, :, 0] if first else None
    return Attribution(question, "attention", value, scores, weights=weights[:, :, first:], bos_weights=bos_weights)


@dataclass(frozen=True)
class SourceQuery:
    """Which head looks at a source: a sequence, and the positions to read in it, each a (row, source) pair: the
    row predicts an answer, the source holds the token the answer comes from (source <= row). Rows of one sequence
    share its pass: a causal model's weights at a row are those of the sequence cut after that row."""

    sequence: list[int]
    reads: tuple[tuple[int, int], ...]


ATTENTION_BYTES = 1 << 28  # the most the attention probabilities of one batch may take (every layer's [B, H, T, T])


def source_attention_steps(lm: LoadedModel, queries: Sequence[SourceQuery], batch_tokens: int | None = None
                           ) -> Generator[int, None, list[torch.Tensor]]:
    """Per query, the attention weight from each read's row to its source for every layer and head ([reads,
    layers, heads], float32), as `attention` reads it; yields how many reads are done. Sequences are right-padded
    into batches sorted by length: a causal model never looks at the pads behind a position, so a batch gives each
    sequence's weights as a pass of its own would."""
    if any(not query.reads for query in queries) or any(
            not 0 <= source <= row < len(query.sequence) for query in queries for row, source in query.reads):
        raise ValueError("a query without reads, a read outside its sequence, or a source after its row")
    _, _, budget, pad_id = batch_settings(lm, None, batch_tokens)
    config = lm.model.config
    per_square = (getattr(config, "num_hidden_layers", 1) * getattr(config, "num_attention_heads", 1)
                  * max(4, torch.finfo(lm.model.dtype).bits // 8))  # bytes of attention per position pair
    order = sorted(range(len(queries)), key=lambda n: -len(queries[n].sequence))
    results: list[torch.Tensor] = [torch.empty(0)] * len(queries)
    done = reads = 0
    while done < len(order):
        width = len(queries[order[done]].sequence)  # the longest of the batch: it comes first
        size = max(1, min(budget // width, ATTENTION_BYTES // (per_square * width * width)))
        batch = order[done : done + size]
        ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
        for b, n in enumerate(batch):
            ids[b, : len(queries[n].sequence)] = torch.tensor(queries[n].sequence)
        _, layers = _attention_pass(lm, ids, logits=False)
        places = [(b, row, source) for b, n in enumerate(batch) for row, source in queries[n].reads]
        at, rows, sources = (torch.tensor(column) for column in zip(*places, strict=True))
        picked = torch.stack([layer[at, :, rows, sources] for layer in layers], dim=1).float().cpu()  # [reads, L, H]
        first = 0
        for n in batch:
            count = len(queries[n].reads)
            results[n] = picked[first : first + count]
            first += count
        done += len(batch)
        reads += len(places)
        yield reads
    return results


def explain(lm: LoadedModel, question: Question, method: str, progress: Callable[[int, int], None] | None = None,
            batch_tokens: int | None = None) -> Attribution:
    """One method's attribution for a prepared question."""
    if method == "occlusion":
        return occlusion(lm, question, batch_tokens, progress)
    if method == "gradient":
        return gradient_x_input(lm, question)
    if method == "attention":
        return attention(lm, question)
    raise LmgameError(f"unknown method {method!r}: use {', '.join(METHODS)}")
