"""Next-token distributions over a growing context, stepped with the KV cache.

The context the model sees is the one batch scoring gives the same position (engine/scoring.py): BOS when
the model has one, then the last text tokens that fit in the window, the window ending at the token predicted
(at a continuation's last token, for a continuation judged in one pass). While the text fits in the window,
one step costs the new tokens only: the cache is cropped back to the longest common prefix of the old and new
contexts, so moving forward by a token, or trying a guess and taking it back, is cheap. Past the window every
position shifts, so each step is a fresh pass over the whole window.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import torch

from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.tokens import token_text

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


class KVCache(Protocol):
    """What the stepper needs of a model's key-value cache (a transformers DynamicCache, in 4 and 5 alike)."""

    def crop(self, max_length: int, /) -> None: ...


@dataclass(frozen=True)
class TokenProb:
    id: int
    token: str
    prob: float
    logit: float

    def as_dict(self) -> dict[str, object]:
        """The shape results and the guess log use: {token, id, prob, logit}."""
        return {"token": self.token, "id": self.id, "prob": self.prob, "logit": self.logit}


class Distribution:
    """The model's next-token distribution at one position."""

    def __init__(self, logits: torch.Tensor, tokenizer: PreTrainedTokenizerBase) -> None:
        self.logits = logits.float()  # [vocab]
        self.logprobs = torch.log_softmax(self.logits, dim=-1)  # [vocab]
        self.tokenizer = tokenizer

    def prob(self, token_id: int) -> float:
        return float(self.logprobs[token_id].exp())

    def logprob(self, token_id: int) -> float:
        return float(self.logprobs[token_id])

    def rank(self, token_id: int) -> int:
        """1 for the top token; ties share the better rank."""
        return 1 + int((self.logits > self.logits[token_id]).sum())

    def top_k(self, k: int) -> list[TokenProb]:
        values, ids = torch.topk(self.logits, min(k, self.logits.numel()))
        probs = self.logprobs[ids].exp()
        return [
            TokenProb(int(i), token_text(self.tokenizer, int(i)), float(p), float(v))
            for i, p, v in zip(ids, probs, values, strict=True)
        ]

    def sample(self, generator: torch.Generator, exclude: int | None = None) -> int:
        probs = self.logprobs.exp()
        if exclude is not None:
            probs = probs.clone()
            probs[exclude] = 0.0
            if float(probs.sum()) <= 0.0:
                probs = torch.ones_like(probs)
                probs[exclude] = 0.0
        return int(torch.multinomial(probs, 1, generator=generator))


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):  # up to the shorter one's end
        if x != y:
            break
        n += 1
    return n


class Stepper:
    """Keeps one model's KV cache in step with a context given as token ids (BOS is added here)."""

    def __init__(self, lm: LoadedModel) -> None:
        self.lm = lm
        self.window = lm.max_positions
        self.cached: list[int] = []  # the tokens whose keys and values are in the cache
        self.cache: KVCache | None = None
        self.last_logits: torch.Tensor | None = None  # after self.cached
        parameters = inspect.signature(lm.model.forward).parameters
        self.trims_logits = "logits_to_keep" in parameters
        # without logits_to_keep a model computes every row and _forward slices the ones asked for
        # transformers 5 renamed past_key_values to cache, and warns on every call that uses the old name
        self.cache_name = "cache" if "cache" in parameters else "past_key_values"

    def _windowed(self, ids: list[int], reserve: int = 0) -> list[int]:
        """BOS and as much of the context as fits in the window with `reserve` positions to spare."""
        bos = [self.lm.bos_id] if self.lm.bos_id is not None else []
        room = self.window - len(bos) - reserve
        if room < 1:
            raise LmgameError(f"{reserve + 1} tokens do not fit in this model's {self.window}-token context")
        return bos + ids[max(0, len(ids) - room) :]

    @torch.inference_mode()
    def _forward(self, new: list[int], rows: int) -> torch.Tensor:
        """Feed `new` through the model after the cache; logits for the last `rows` new tokens only (the
        output projection is a large share of a small model's cost)."""
        input_ids = torch.tensor([new], device=self.lm.device)
        extra = {"logits_to_keep": rows} if self.trims_logits else {}
        try:
            out = self.lm.model(input_ids=input_ids, use_cache=True, **{self.cache_name: self.cache}, **extra)
        except BaseException:
            self.cache, self.cached, self.last_logits = None, [], None  # a half-extended cache is not to be trusted
            raise
        self.cache = out.get(self.cache_name)
        if self.cache is None:
            self.cached, self.last_logits = [], None
            raise LmgameError(f"{self.lm.identity.name} returned no key-value cache to step with")
        self.cached = self.cached + new
        logits: torch.Tensor = out.logits[0, -rows:]  # [rows, vocab]
        return logits

    def _drop_last(self, remove: int) -> None:
        """Drop the last `remove` positions from the cache (a negative argument to crop means the same in
        transformers 4 and 5). No cache holds no positions: `cached` is empty whenever `cache` is None."""
        if remove > 0 and self.cache is not None:
            self.cache.crop(-remove)
            self.cached = self.cached[:-remove]

    def _sync(self, target: list[int], extra: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits after `target`, and after each token of `extra` fed behind it, in one forward pass; the
        cache is left holding `target`."""
        if not target:
            raise LmgameError("this model has no BOS token, so it predicts nothing before the first token")
        if target == self.cached and self.last_logits is not None:
            if not extra:
                return self.last_logits, self.last_logits[:0]
            rows = self._forward(extra, len(extra))
            after = self.last_logits
        else:
            keep = min(_common_prefix(self.cached, target), len(target) - 1)
            if keep == 0 or self.cache is None:
                self.cache, self.cached = None, []
            else:
                self._drop_last(len(self.cached) - keep)
            logits = self._forward(target[keep:] + extra, len(extra) + 1)
            after, rows = logits[0], logits[1:]
        if extra:
            self._drop_last(len(extra))
        self.last_logits = after
        return after, rows

    def distribution(self, ids: list[int]) -> Distribution:
        """The next-token distribution after the context `ids` (text tokens, without BOS)."""
        return Distribution(self._sync(self._windowed(ids), [])[0], self.lm.tokenizer)

    def distribution_and_continuation(
        self, ids: list[int], continuation: list[int]
    ) -> tuple[Distribution, list[float]]:
        """The teacher-forced log-probability of each continuation token after `ids`, from one window that ends
        at its last token, and the distribution its first token is judged in (the one `distribution` gives,
        unless the text is past the window: then it sees len(continuation) - 1 fewer tokens of context). The
        cache is left holding the context only."""
        extra = list(continuation[:-1])
        after, rows = self._sync(self._windowed(ids, reserve=len(extra)), extra)
        dist = Distribution(after, self.lm.tokenizer)
        if not continuation:
            return dist, []
        steps = torch.log_softmax(rows.float(), dim=-1)
        return dist, [dist.logprob(continuation[0])] + [float(steps[i, t]) for i, t in enumerate(continuation[1:])]
