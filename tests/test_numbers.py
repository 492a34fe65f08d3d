"""One way to write a probability, on the screens and in a shared finding: small values never read as 0.000."""

from __future__ import annotations

import math

import pytest

from games.numbers import probability
from games.share import finding_markdown


@pytest.mark.parametrize("value, written", [(0.5, "0.500"), (0.001, "0.001"), (9.6e-05, "9.6e-05"),
                                            (0.00099949, "1.0e-03"), (None, "-")])
def test_probability(value: float | None, written: str) -> None:
    assert probability(value) == written


def test_the_instances_screen_uses_the_same_function() -> None:
    from tui.screens import instances

    assert instances.probability is probability


def test_a_finding_with_small_probabilities_shows_them() -> None:
    row = {"document": "d", "offset": 3, "context": "abc", "answer": " x", "predicted": " x", "foil": None,
           "prob": 0.5, "rank": 812, "logprob": math.log(9.6e-05), "model_top1": " y"}
    data = {
        "candidate": {"kind": "toml", "table": {"name": "tiny", "finder": "(?P<answer>x)", "predictor": "x"}},
        "created": "2026-01-01T00:00:00+00:00", "corpus": "demo",
        "scores": [{"candidate": "tiny", "model": "m@1", "n": 1, "heuristic_accuracy": 1.0, "answer_prob": 9.6e-05,
                    "ci": {"answer_prob": [4.1e-05, 0.00021]}, "answer_top1": 0.25, "median_rank": 812,
                    "mean_logit_diff": None, "baseline_mean_prob": 2.5e-06}],
        "instances": {"m@1": {"best": [row], "worst": [row]}},
    }
    markdown = finding_markdown(data)
    assert "| 9.6e-05 |" in markdown and "| [4.1e-05, 2.1e-04] |" in markdown and "| 2.5e-06 |" in markdown
    assert markdown.count("- p=9.6e-05 (whole answer), first-token rank 812") == 2
    assert "[0.000, 0.000]" not in markdown and "p=0.000" not in markdown and "| 0.000 | [" not in markdown


def test_the_score_table_shows_small_probabilities() -> None:
    from games.results import ScoreSummary
    from tui.cli_scoring import format_results

    summary = ScoreSummary("tiny", "m@1", n=30, means={"answer_prob": 9.6e-05, "baseline_mean_prob": 0.25},
                           ci={"answer_prob": [4.1e-05, 0.00021]})
    table = format_results([summary], [], "table")
    assert table.splitlines()[1].split()[:3] == ["tiny", "30", "-"]
    assert "9.6e-05" in table.splitlines()[1] and "0.250" in table.splitlines()[1]
    assert table.splitlines()[2:] == ["model: m@1", "tiny: answer p 95% CI [4.1e-05, 2.1e-04]"]
