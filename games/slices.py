"""Results broken down: a candidate's scored instances on one model grouped by a variant's slot value ("which
names fail?") or by the value of one of the finder's named groups, each slice with the summary's figures (the
same keys: `n`, `answer_prob`, `answer_top1`, `mean_logit_diff`, ... and `ci`), worst first.

`result_slices(result)` is what a screen calls for one candidate on one model; `run_slices(results)` does every
result of a run, for `lmgame score --format json`'s `slices`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from games.results import COLUMN, InstanceRow
from games.scoring import CandidateResult, mean_figures

SLICE_KEYS = ("heuristic_accuracy", "answer_prob", "mean_logprob", "answer_top1", "mean_logit_diff")
MAX_SLICE_VALUES = 1_000  # a slot or group with more different values than this is not sliced: each slice would
# hold an instance or two (a corpus's citation numbers), and the list would swamp the results
SLOT, GROUP = "slot", "group"


@dataclass
class Slice:
    """The instances of one candidate on one model whose slot (or finder group) `name` has `value`."""

    candidate: str
    model: str
    by: str  # SLOT or GROUP
    name: str
    value: str
    n: int
    means: dict[str, float] = field(default_factory=dict)  # by SLICE_KEYS key, where it applies to every instance
    ci: dict[str, list[float]] = field(default_factory=dict)  # from MIN_INTERVAL_N instances on, as a summary's

    def as_json(self) -> dict[str, Any]:
        return {"candidate": self.candidate, "model": self.model, "by": self.by, "name": self.name,
                "value": self.value, "n": self.n, **self.means, "ci": self.ci}

    @property
    def label(self) -> str:
        return f"{self.name}={self.value}" if self.by == SLOT else f"group {self.name}={self.value}"


def _worst_first(item: Slice) -> tuple[float, int, str, str, str]:
    """The lowest mean probability of the heuristic's answer first; among equals the larger slice."""
    prob = item.means.get("answer_prob", math.inf)
    return (prob if not math.isnan(prob) else math.inf, -item.n, item.by, item.name, item.value)


def slices(rows: Sequence[InstanceRow], candidate: str, model: str, seed: int = 0) -> list[Slice]:
    """Every slice of the scored rows by each slot and each finder group (a key with more than MAX_SLICE_VALUES
    values left out), worst first; intervals bootstrapped by document with `seed`, as the summary's."""
    scored = [row for row in rows if row.scored]
    grouped: dict[tuple[str, str], dict[str, list[InstanceRow]]] = {}
    for row in scored:
        for by, values in ((SLOT, row.slots), (GROUP, row.groups)):
            for name, value in (values or {}).items():
                grouped.setdefault((by, name), {}).setdefault(value, []).append(row)
    columns = [COLUMN[key] for key in SLICE_KEYS]
    made = []
    for (by, name), by_value in grouped.items():
        if len(by_value) > MAX_SLICE_VALUES:
            continue
        for value, members in by_value.items():
            means, intervals = mean_figures(members, columns, seed)
            made.append(Slice(candidate, model, by, name, value, len(members), means, intervals))
    return sorted(made, key=_worst_first)


def result_slices(result: CandidateResult, seed: int = 0) -> list[Slice]:
    """The slices of one candidate on one model (a screen's drill-down), worst first."""
    return slices(result.rows, result.candidate.name, result.lm.identity.label, seed)


def run_slices(results: Iterable[CandidateResult], seed: int = 0) -> list[Slice]:
    """Every result's slices, result by result in the order given, each result's worst first."""
    return [item for result in results for item in result_slices(result, seed)]
