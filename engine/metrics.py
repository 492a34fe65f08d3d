"""Summaries of per-instance values with 95% intervals: means bootstrapped by document (the instances of one
document move together, since they share its text), rates with Wilson intervals, and the paired comparison of two
models (a bootstrap of the mean difference by document, a sign-flip permutation test)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Hashable, Sequence

import torch

BOOTSTRAP_SAMPLES = 1000
PERMUTATIONS = 10_000  # random sign flips, where there are more ways to flip than this
Z95 = 1.959963984540054


class Bootstrap:
    """One set of resampled documents, shared by every statistic of a result so that their intervals come from
    the same resamples; seeded, so a result is reproducible. `groups` names each instance's document."""

    def __init__(self, groups: Sequence[Hashable], samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> None:
        numbers: dict[Hashable, int] = {}
        self.group = torch.tensor([numbers.setdefault(g, len(numbers)) for g in groups], dtype=torch.long)
        self.count = torch.bincount(self.group, minlength=len(numbers)).double() if numbers else None
        generator = torch.Generator().manual_seed(seed)
        self.draws = torch.randint(len(numbers), (samples, len(numbers)), generator=generator) if numbers else None

    def mean_ci(self, values: Sequence[float]) -> tuple[float, float] | None:
        """The 2.5% and 97.5% quantiles of the mean over resampled documents (each drawn document with all of its
        instances); None without instances."""
        if self.draws is None or self.count is None or len(values) != len(self.group):
            return None
        sums = torch.zeros(len(self.count), dtype=torch.float64).index_add_(
            0, self.group, torch.tensor(values, dtype=torch.float64))
        means = sums[self.draws].sum(dim=1) / self.count[self.draws].sum(dim=1)
        low, high = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
        return low, high


def wilson(successes: float, n: int) -> tuple[float, float] | None:
    """The Wilson score 95% interval of a rate: never [1, 1] for 10 of 10, as a bootstrap would be."""
    if n <= 0:
        return None
    rate = successes / n
    spread = Z95 * math.sqrt(rate * (1 - rate) / n + Z95**2 / (4 * n * n))
    center = rate + Z95**2 / (2 * n)
    scale = 1 + Z95**2 / n
    return max(0.0, (center - spread) / scale), min(1.0, (center + spread) / scale)


def sign_flip_p(diffs: Sequence[float], groups: Sequence[Hashable], samples: int = PERMUTATIONS, seed: int = 0
                ) -> float | None:
    """Two-sided p-value of a paired test that the mean difference is 0: the share of sign flips (one sign per
    document, whose instances move together) whose mean is at least as far from 0 as the observed one. Every
    flip where there are at most `samples` of them (exact); otherwise `samples` random ones, counted with the
    observed one, so that p is never 0."""
    if not diffs:
        return None
    sums: dict[Hashable, float] = {}
    for group, diff in zip(groups, diffs, strict=True):
        sums[group] = sums.get(group, 0.0) + diff
    totals = torch.tensor(list(sums.values()), dtype=torch.float64)
    observed = abs(float(totals.sum()))
    tolerance = 1e-9 * max(1.0, float(totals.abs().sum()))
    if 2 ** len(totals) <= samples:
        signs = torch.tensor(list(itertools.product((1.0, -1.0), repeat=len(totals))), dtype=torch.float64)
        extreme = int(((signs @ totals).abs() >= observed - tolerance).sum())
        return extreme / len(signs)
    generator = torch.Generator().manual_seed(seed)
    signs = torch.randint(2, (samples, len(totals)), generator=generator).double() * 2 - 1
    extreme = int(((signs @ totals).abs() >= observed - tolerance).sum())
    return (extreme + 1) / (samples + 1)


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan
