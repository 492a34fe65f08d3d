"""A bigram model over tokens, fitted on the corpus being scored: the baseline that shows which behaviours an
n-gram already explains. Witten-Bell smoothing, backing off to an add-one unigram."""

from __future__ import annotations

from collections.abc import Iterable

import torch

START = -1  # the "previous token" of a text's first token


class Bigram:
    def __init__(self, sequences: Iterable[list[int]], vocab_size: int) -> None:
        self.vocab = vocab_size
        prev_parts, next_parts = [], []
        for ids in sequences:
            if ids:
                prev_parts.append(torch.tensor([START, *ids[:-1]], dtype=torch.long) + 1)
                next_parts.append(torch.tensor(ids, dtype=torch.long))
        prev = torch.cat(prev_parts) if prev_parts else torch.zeros(0, dtype=torch.long)
        nxt = torch.cat(next_parts) if next_parts else torch.zeros(0, dtype=torch.long)
        self.keys, counts = torch.unique(prev * vocab_size + nxt, return_counts=True)  # sorted pair keys
        self.counts = counts
        self.total = int(nxt.numel())
        self.unigram = torch.bincount(nxt, minlength=vocab_size)
        key_prev = self.keys // vocab_size
        self.prev_total = torch.bincount(key_prev, weights=counts.double(), minlength=vocab_size + 1)
        self.prev_types = torch.bincount(key_prev, minlength=vocab_size + 1)
        # the most frequent follower of each previous token (the smallest id among ties)
        best = torch.zeros(vocab_size + 1, dtype=torch.long).scatter_reduce(0, key_prev, counts, "amax")
        is_best = counts == best[key_prev]
        follower = torch.full((vocab_size + 1,), vocab_size, dtype=torch.long)
        self.top = follower.scatter_reduce(0, key_prev[is_best], self.keys[is_best] % vocab_size, "amin")

    def _pair_count(self, prev: int, token: int) -> int:
        key = (prev + 1) * self.vocab + token
        at = int(torch.searchsorted(self.keys, torch.tensor(key)))
        return int(self.counts[at]) if at < self.keys.numel() and int(self.keys[at]) == key else 0

    def prob(self, prev: int, token: int) -> float:
        """P(token | prev); prev is START for a text's first token."""
        if not 0 <= token < self.vocab:
            return 0.0
        unigram = (int(self.unigram[token]) + 1) / (self.total + self.vocab)
        seen = float(self.prev_total[prev + 1])
        types = int(self.prev_types[prev + 1])
        if seen == 0:
            return unigram
        return (self._pair_count(prev, token) + types * unigram) / (seen + types)

    def top1(self, prev: int) -> int | None:
        """The token that most often follows `prev` in the corpus (None if `prev` was never seen)."""
        best = int(self.top[prev + 1])
        return None if best >= self.vocab else best
