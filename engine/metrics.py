"""Summaries of per-instance values, with 95% bootstrap intervals."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

import torch

BOOTSTRAP_SAMPLES = 1000


class Bootstrap:
    """One set of resampled instance indices, shared by every statistic of a result so that their intervals
    come from the same resamples; seeded, so a result is reproducible."""

    def __init__(self, n: int, samples: int = BOOTSTRAP_SAMPLES, seed: int = 0) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.indices = torch.randint(n, (samples, n), generator=generator) if n else None

    def mean_ci(self, values: Sequence[float]) -> tuple[float, float] | None:
        if self.indices is None or len(values) != self.indices.shape[1]:
            return None
        data = torch.tensor(values, dtype=torch.float64)
        means = data[self.indices].mean(dim=1)
        low, high = torch.quantile(means, torch.tensor([0.025, 0.975], dtype=torch.float64)).tolist()
        return low, high


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else math.nan


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else math.nan
