"""The which-one game's perplexity estimate, checked by simulation with model players (no language model):
the same simulation as benchmarks/which_estimator.py, which prints the README's table, on fewer positions."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import pytest
import torch

from engine.nexttoken import Distribution
from games.which_mode import ANSWERS, draw_probability, log_inverse_estimate, nearest_answer

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "which_estimator.py"
GAME = "game"
POOLED = "pooled"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("which_estimator", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def simulated() -> dict[str, dict[tuple[str, str], float]]:
    _, rows = _benchmark().simulate(positions=10_000, vocab=300, seed=1)
    return {row.player: row.bias for row in rows}


def test_the_answers_run_from_1_to_99_percent_and_are_symmetric() -> None:
    assert ANSWERS[0] == 0.01 and ANSWERS[-1] == 0.99 and 0.5 in ANSWERS
    assert {0.05, 0.95} <= set(ANSWERS)
    assert all(1.0 - a == pytest.approx(b) for a, b in zip(ANSWERS, reversed(ANSWERS), strict=True))
    assert nearest_answer(0.999) == 0.99 and nearest_answer(0.04) == 0.05 and nearest_answer(0.66) == 0.7


def test_a_calibrated_player_answering_any_odds_is_estimated_exactly(simulated) -> None:
    """Its odds are the model's, so every term is exactly -ln q(t): bias 0 up to rounding error."""
    assert abs(simulated["T=1 (calibrated)"][GAME, "any odds"]) < 1e-9


def test_a_calibrated_player_answering_the_games_answers_is_estimated_within_10_percent(simulated) -> None:
    """With the odds rounded to the allowed answers the estimate measures the cost of answering in steps:
    +3.8% on 100,000 positions (seed 0), +3.5% to +4.7% over seeds at 20,000. 10% holds that with margin,
    while the 10%-90% answers the game had (+15% to +19%) and the weights averaged before the log (+90% and
    more) do not."""
    calibrated = simulated["T=1 (calibrated)"]
    assert abs(calibrated[GAME, "1-99%"]) < 0.10
    assert calibrated[GAME, "10-90%"] > 0.10
    assert calibrated[POOLED, "1-99%"] > 0.10


def test_a_miscalibrated_player_is_estimated_low_with_any_odds(simulated) -> None:
    """The log of a one-answer estimate is biased low (Jensen) when the player's odds are not the model's."""
    for player in ("T=0.7 (over-confident)", "T=1.5 (under-confident)"):
        assert -0.25 < simulated[player][GAME, "any odds"] < -0.02
        assert abs(simulated[player][GAME, "1-99%"]) < 0.25


def test_the_estimate_term_is_the_log_of_one_over_the_true_tokens_probability_for_the_models_odds() -> None:
    q = torch.tensor([0.5, 0.3, 0.15, 0.05], dtype=torch.float64)
    true, drawn = 1, 2
    q_drawn = float(q[drawn] / (1 - q[true]))
    model_answer = float(q[true] / (q[true] + q[drawn]))
    assert log_inverse_estimate(model_answer, q_drawn) == pytest.approx(-math.log(float(q[true])))


def test_draw_probability_is_how_the_alternative_is_drawn() -> None:
    distribution = Distribution(torch.tensor([2.0, 1.0, 0.0, -1.0]), tokenizer=None)
    generator = torch.Generator().manual_seed(0)
    draws = 20_000
    counts = torch.bincount(torch.tensor([distribution.sample(generator, exclude=0) for _ in range(draws)]),
                            minlength=4)
    assert counts[0] == 0
    for token in (1, 2, 3):
        share = draw_probability(distribution, 0, token)
        assert abs(int(counts[token]) / draws - share) < 4 * math.sqrt(share * (1 - share) / draws)


def test_draw_probability_where_the_model_leaves_the_other_tokens_nothing() -> None:
    """The sampler then draws uniformly from the other tokens, and the estimate must use that."""
    distribution = Distribution(torch.tensor([0.0, -1e4, -1e4, -1e4]), tokenizer=None)
    assert draw_probability(distribution, 0, 2) == pytest.approx(1 / 3)
