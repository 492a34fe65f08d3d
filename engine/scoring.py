"""Batch scoring of plain instances: how much probability a model puts on an answer after a context.

The unit of work is a text with targets in it (`Request`): each target names a character offset, the answer
to score there, and optionally a foil. The context of a target is the text before it. Speed comes from:
- one forward pass per stretch of text for all its targets whose answer is what the text says (teacher
  forcing along the text itself), with the output projection applied only to the rows that are scored;
- answers that differ from the text over more than one token teacher-forced in a second batched pass;
- passes sorted by length into padded batches, results restored to the input order.

A model predicts only at token boundaries, so a target is scored from the start of a token: where its offset
falls inside a token, or its answer would merge with the text before it into one token, the scorer starts at
that token and the text in between joins the answer. Context "a girl named " and answer "Lily" are scored as
"a girl named" and " Lily"; on GPT-2, context 'said, "Hi.' and answer '"' as 'said, "Hi' and '."' (GPT-2 has
'."' as one token). `Score.scored_answer` is the answer as scored.

Every target gets as much context as the window allows: a window that ends at its answer's last token, BOS
first when the model has one (also mid-document), then the text tokens before the answer, as many as fit.
Targets in a text that fits in one window share one pass; past that, targets needing the same window start
share one. `Score.context_tokens` is the number of text tokens before the answer in its window.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch

from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.steps import drive
from engine.tokens import attached_ids, continuation_ids, token_starts

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

Progress = Callable[[int, int], None]  # (targets done, targets in all); may raise to cancel
SCORING_VERSION = 2  # in cache keys: bump when a Score's figures change meaning (2: full windows, merges)
MAX_STEPS_BACK = 8  # tokens an answer may merge back into (a run of punctuation or digits)


@dataclass(frozen=True)
class Target:
    offset: int  # where the answer starts in the text; the context is everything before it
    answer: str
    foil: str | None = None


@dataclass(frozen=True)
class Request:
    """A text and the targets to score in it (all of a document's instances, scored together)."""

    text: str
    targets: tuple[Target, ...]


@dataclass
class Score:
    """The model at one target; `prob`, `rank` are the answer's first token's, `answer_logprob` the whole
    answer's (teacher-forced); `text_*` concern the token the text has at that point."""

    answer_tokens: int = 0
    prob: float = math.nan
    logprob: float = math.nan
    answer_logprob: float = math.nan
    rank: int = 0
    answer_top1: bool = False  # every answer token is the model's top token after the ones before it (greedy)
    logit_diff: float | None = None  # answer's first-token logit minus the foil's
    top1_id: int = -1
    text_id: int = -1  # the text's own next token (-1 at the end of the text)
    text_prob: float = math.nan
    prev_id: int = -1  # the context's last token (-1 when the context is empty): for n-gram baselines
    answer_id: int = -1  # the answer's first token
    scored_answer: str = ""  # the answer as scored: from the token boundary it starts at (see the module docstring)
    context_tokens: int = 0  # text tokens before the answer in its window (BOS not counted)
    error: str | None = None

    @property
    def top1_is_text(self) -> bool:
        return self.top1_id == self.text_id


@dataclass
class _Pass:
    """One sequence for the model, and the rows of it that targets read."""

    ids: list[int]
    start: int  # the first text token in it
    reads: list[tuple[int, int, list[int], int | None]] = field(default_factory=list)
    # (score index, row predicting the answer's first token, answer ids, foil's first id)


def _begin(text: str, starts: list[int], index: int) -> int:
    """Where token `index` starts in the text (the end of the text after the last token)."""
    return starts[index] if index < len(starts) else len(text)


def attach(tokenizer: PreTrainedTokenizerBase, text: str, ids: list[int], starts: list[int], offset: int, answer: str
           ) -> tuple[int, list[int]]:
    """Where an answer at `offset` in a text (tokenized as `ids`, `starts`) is scored: (the token it is scored
    from, the answer's ids there, with the text between that token's start and `offset` put in front). That
    is the token holding `offset`, or an earlier one where the answer would merge with the text before it into
    one token (GPT-2 writes '."' as one): a model predicts only at token boundaries, and its own tokenization
    is the only one it was trained on."""
    first = len(ids) if not ids or offset >= len(text) else bisect.bisect_right(starts, offset) - 1
    index = first
    for _ in range(MAX_STEPS_BACK):
        if index < len(ids):
            index = bisect.bisect_left(starts, starts[index])  # the first of the tokens sharing a start
        begin = _begin(text, starts, index)
        attached = attached_ids(tokenizer, text[:begin], text[begin:offset] + answer)
        if attached is not None:
            return index, attached
        if index == 0:
            break
        index -= 1
    begin = _begin(text, starts, first)  # it merges all the way back: the piece as it tokenizes alone
    return first, continuation_ids(tokenizer, text[:begin], text[begin:offset] + answer)


def scored_from(tokenizer: PreTrainedTokenizerBase, text: str, ids: list[int], starts: list[int], offset: int,
                answer: str) -> int:
    """The character offset an answer at `offset` is scored from (see `attach`)."""
    index, _ = attach(tokenizer, text, ids, starts, offset, answer)
    return _begin(text, starts, index)


def common_starts(tokenizers: Sequence[PreTrainedTokenizerBase], text: str,
                  targets: Sequence[tuple[int, Sequence[str]]]) -> list[int]:
    """For each (offset, answers) in a text: the latest character offset at or before `offset` that every
    tokenizer scores each answer from (the text between it and `offset` put in front of the answer), so that
    models with different tokenizers are judged on the same characters. Each tokenizer moves the start back to
    its own boundary in turn until none moves it further."""
    tokenized = []
    for tokenizer in tokenizers:
        encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        tokenized.append((tokenizer, list(encoded["input_ids"]), token_starts(encoded["offset_mapping"])))
    result = []
    for offset, answers in targets:
        start = offset
        while True:
            earliest = min((scored_from(tokenizer, text, ids, starts, start, text[start:offset] + answer)
                            for tokenizer, ids, starts in tokenized for answer in answers), default=start)
            if earliest >= start:
                break
            start = earliest
        result.append(start)
    return result


def batch_settings(lm: LoadedModel, max_context: int | None, batch_tokens: int | None
                   ) -> tuple[list[int], int, int, int]:
    """(BOS ids to put first, room for text tokens in a window, tokens in a padded batch, the padding id)."""
    bos = [lm.bos_id] if lm.bos_id is not None else []
    room = lm.max_positions - len(bos)
    room = min(room, max_context) if max_context else room
    if room < 2:
        raise LmgameError(f"a context of {room} tokens is too short to work in")
    # on a CPU a small batch stays in cache (measured: 2,048 tokens beat 8,192 by 15-50%); a GPU wants more
    batch = batch_tokens or (2048 if lm.device.type == "cpu" else 32768)
    # right padding needs no attention mask (a causal model never looks at the pads behind a token), so any id does
    return bos, room, batch, lm.tokenizer.pad_token_id or lm.tokenizer.eos_token_id or 0


class ScoringHead:
    """Final hidden states for a padded batch, then the output projection on chosen rows only. Checked once
    against the model's own logits; a model whose head does more (logit scaling, soft-capping) falls back to
    its full forward pass."""

    def __init__(self, lm: LoadedModel) -> None:
        self.model = lm.model
        self.body: torch.nn.Module | None = getattr(lm.model, "base_model", None)
        self.head: torch.nn.Module | None = (lm.model.get_output_embeddings()
                                             if hasattr(lm.model, "get_output_embeddings") else None)
        self.split = self.body is not None and self.head is not None and self.body is not lm.model
        if self.split and not self._agrees(lm):
            self.split = False

    @torch.inference_mode()
    def _agrees(self, lm: LoadedModel) -> bool:
        if self.body is None or self.head is None:
            return False
        ids = torch.arange(1, 9, device=lm.device).unsqueeze(0) % lm.model.config.vocab_size
        try:
            full = self.model(input_ids=ids).logits[0].float()
            mine = self.head(self.body(input_ids=ids).last_hidden_state[0]).float()
        except Exception:  # noqa: BLE001 - whatever fails here, the model's own forward pass is the answer
            return False
        return mine.shape == full.shape and bool(torch.allclose(mine, full, atol=1e-3, rtol=1e-3))

    @torch.inference_mode()
    def logits(self, batch: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
        """batch [B, T] token ids, rows [N, 2] (sequence, position) -> logits [N, vocab] in float32."""
        if self.split and self.body is not None and self.head is not None:
            hidden = self.body(input_ids=batch, use_cache=False).last_hidden_state  # [B, T, H]
            projected: torch.Tensor = self.head(hidden[rows[:, 0], rows[:, 1]]).float()
            return projected
        full: torch.Tensor = self.model(input_ids=batch, use_cache=False).logits[rows[:, 0], rows[:, 1]].float()
        return full


Steps = Generator[tuple[int, int], None, list[list[Score]]]  # yields (targets done, targets in all)


class BatchScorer:
    """Scores requests with one model. `max_context` caps the tokens of context a target sees;
    `batch_tokens` caps a padded batch's size (sequences x longest sequence)."""

    def __init__(self, lm: LoadedModel, max_context: int | None = None, batch_tokens: int | None = None) -> None:
        self.lm = lm
        self.bos, self.room, self.batch_tokens, self.pad_id = batch_settings(lm, max_context, batch_tokens)
        self.head = ScoringHead(lm)
        self.tokens_fed = 0  # tokens through the model so far, padding left out: what benchmarks report

    def _plan(self, requests: Sequence[Request], scores: list[Score], passes: list[_Pass]
              ) -> Iterator[tuple[int, int]]:
        targets = sum(len(r.targets) for r in requests)
        for number, request in enumerate(requests):
            if number % 32 == 31:
                yield 0, targets  # nothing scored yet, but a caller can stop while texts are tokenized
            encoded = self.lm.tokenizer(request.text, add_special_tokens=False, return_offsets_mapping=True)
            ids: list[int] = list(encoded["input_ids"])
            starts = token_starts(encoded["offset_mapping"])
            by_start: dict[int, _Pass] = {}
            for target in request.targets:
                score = Score()
                scores.append(score)
                if not 0 <= target.offset <= len(request.text):
                    score.error = f"offset {target.offset} is outside the text"
                    continue
                index, answer = attach(self.lm.tokenizer, request.text, ids, starts, target.offset,
                                       target.answer)
                self._plan_target(request.text, ids, starts, index, answer, target, score, len(scores) - 1,
                                  by_start, passes)

    def _plan_target(self, text: str, ids: list[int], starts: list[int], index: int, answer: list[int],
                     target: Target, score: Score, score_index: int, by_start: dict[int, _Pass],
                     passes: list[_Pass]) -> None:
        if not answer:
            score.error = "the answer tokenizes to nothing"
            return
        if index == 0 and not self.bos:
            score.error = "this model has no BOS token, so it predicts nothing before the first token"
            return
        if len(answer) > self.room - 1:
            score.error = f"the answer's {len(answer)} tokens do not fit in the {self.room}-token context"
            return
        begin = _begin(text, starts, index)
        foil_id = None
        if target.foil:
            foil = continuation_ids(self.lm.tokenizer, text[:begin], text[begin : target.offset] + target.foil)
            foil_id = foil[0] if foil else None
        along_text = ids[index : index + len(answer)] == answer
        start = max(0, index + len(answer) - 1 - self.room)  # the window ends at the answer's last token
        score.scored_answer = text[begin : target.offset] + target.answer
        score.text_id = ids[index] if index < len(ids) else -1
        score.prev_id = ids[index - 1] if index > 0 else -1
        score.answer_id = answer[0]
        score.answer_tokens = len(answer)
        score.context_tokens = index - start
        row = len(self.bos) + index - start - 1  # the row that predicts the answer's first token
        read = (score_index, row, answer, foil_id)
        if along_text or len(answer) == 1:
            chunk = by_start.get(start)
            if chunk is None:
                chunk = by_start[start] = _Pass(list(self.bos), start)
                passes.append(chunk)
            chunk.reads.append(read)
            have = chunk.start + len(chunk.ids) - len(self.bos)  # text tokens [start, have) are in the pass
            need = index + len(answer) - 1  # the last answer token is predicted, never fed
            if need > have:
                chunk.ids.extend(ids[have:need])
        else:  # an answer the text does not have: teacher-forced in a pass of its own
            passes.append(_Pass(self.bos + ids[start:index] + answer[:-1], start, [read]))

    def score(self, requests: Sequence[Request], progress: Progress | None = None) -> list[list[Score]]:
        """A Score for every target of every request, in the order given."""
        return drive(self.steps(requests), None if progress is None else lambda step: progress(*step))

    def steps(self, requests: Sequence[Request]) -> Steps:
        """`score` as a generator: yields (targets done, targets in all) after each batch, returns the Scores."""
        scores: list[Score] = []
        passes: list[_Pass] = []
        yield from self._plan(requests, scores, passes)
        total = sum(len(p.reads) for p in passes)
        done = 0
        for batch in self._batches(passes):
            self._run(batch, scores)
            self.tokens_fed += sum(len(p.ids) for p in batch)
            done += sum(len(p.reads) for p in batch)
            yield done, total
        result, position = [], 0
        for request in requests:
            result.append(scores[position : position + len(request.targets)])
            position += len(request.targets)
        return result

    def _batches(self, passes: list[_Pass]) -> list[list[_Pass]]:
        ordered = sorted((p for p in passes if p.reads), key=lambda p: len(p.ids), reverse=True)
        batches: list[list[_Pass]] = []
        for item in ordered:
            if batches and len(batches[-1][0].ids) * (len(batches[-1]) + 1) <= self.batch_tokens:
                batches[-1].append(item)  # the first pass of a batch is its longest
            else:
                batches.append([item])
        return batches

    def _run(self, batch: list[_Pass], scores: list[Score]) -> None:
        width = len(batch[0].ids)
        # right padding needs no attention mask: a causal model never looks at the pads behind a token
        tokens = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        rows: list[tuple[int, int]] = []
        for b, item in enumerate(batch):
            tokens[b, : len(item.ids)] = torch.tensor(item.ids)
            for _, row, answer, _ in item.reads:
                rows.extend((b, row + k) for k in range(len(answer)))
        logits = self.head.logits(tokens.to(self.lm.device), torch.tensor(rows, device=self.lm.device))
        logprobs = torch.log_softmax(logits, dim=-1)  # [N, vocab]
        tops = logits.argmax(dim=-1).tolist()
        cursor = 0
        for item in batch:
            for index, _, answer, foil_id in item.reads:
                score = scores[index]
                first_logits, first = logits[cursor], logprobs[cursor]
                steps = logprobs[cursor + torch.arange(len(answer)), torch.tensor(answer)]
                cursor += len(answer)
                score.logprob = float(first[answer[0]])
                score.prob = math.exp(score.logprob)
                score.answer_logprob = float(steps.sum())
                score.rank = 1 + int((first_logits > first_logits[answer[0]]).sum())
                score.answer_top1 = tops[cursor - len(answer) : cursor] == answer
                score.top1_id = tops[cursor - len(answer)]
                if score.text_id >= 0:
                    score.text_prob = float(first[score.text_id].exp())
                if foil_id is not None:
                    score.logit_diff = float(first_logits[answer[0]] - first_logits[foil_id])


def score_requests(
    lm: LoadedModel,
    requests: Sequence[Request],
    max_context: int | None = None,
    progress: Progress | None = None,
    batch_tokens: int | None = None,
) -> list[list[Score]]:
    return BatchScorer(lm, max_context, batch_tokens).score(requests, progress)
