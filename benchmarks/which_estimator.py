"""Bias of the which-one game's perplexity estimate, by simulation (no language model needed).

    python benchmarks/which_estimator.py [--positions 100000] [--vocab 300] [--seed 0]

"The model" q at each position is a Zipf-like distribution over a vocabulary, q(k) proportional to k^-a with a
drawn uniformly from [1, 3] (from a near-flat head to one near-certain token); the true token t is drawn from
q and the alternative x from q without t, as the game draws them. Model players have their own distribution
p = q at temperature T (0.7 over-confident, 1 calibrated, 1.5 under-confident) and answer their own odds
p(first) / (p(first) + p(second)), as they are or rounded to the nearest allowed answer; one more player
always answers 50% (p uniform). The bias of an estimate is estimate / truth - 1, with truth the player's
perplexity exp(mean -ln p(t)) on the same positions.

Two estimators, each from the same answers: "game", the game's (games.which_mode: the study's estimator with
one answer per position, the log of each position's importance weight averaged over positions), and "pooled",
the weights averaged over all positions before the log (ln of the mean of q(t) / p^(t), plus the model's mean
loss). Columns: estimator and the answers the players give (their exact odds, 10%-90%, or the game's 1%-99%).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from games.which_mode import ANSWERS, log_inverse_estimate, nearest_answer

TENTHS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)  # the answers the game allowed before (keys 1-9)
ANSWER_SETS: dict[str, tuple[float, ...] | None] = {"any odds": None, "10-90%": TENTHS, "1-99%": ANSWERS}
PLAYERS: dict[str, float | None] = {"T=0.7 (over-confident)": 0.7, "T=1 (calibrated)": 1.0,
                                    "T=1.5 (under-confident)": 1.5, "always 50%": None}
ZIPF_EXPONENTS = (1.0, 3.0)


@dataclass(frozen=True)
class Position:
    q_true: float
    q_drawn: float  # q'(x), the alternative's probability under q without t
    true_is_first: bool
    player_true: dict[str, float]  # p(t) per player
    player_alternative: dict[str, float]  # p(x) per player


@dataclass(frozen=True)
class Row:
    player: str
    truth: float
    bias: dict[tuple[str, str], float]  # (estimator, answer set) -> estimate / truth - 1


def synthetic_positions(positions: int, vocab: int, seed: int) -> list[Position]:
    generator = torch.Generator().manual_seed(seed)
    log_ranks = torch.arange(1, vocab + 1, dtype=torch.float64).log()
    chunk = max(1, 2_000_000 // vocab)
    out: list[Position] = []
    for start in range(0, positions, chunk):
        n = min(chunk, positions - start)
        low, high = ZIPF_EXPONENTS
        exponent = torch.rand(n, generator=generator, dtype=torch.float64) * (high - low) + low
        q = torch.softmax(-exponent[:, None] * log_ranks, dim=1)
        true = torch.multinomial(q, 1, generator=generator).squeeze(1)
        others = q.scatter(1, true[:, None], 0.0)
        drawn = torch.multinomial(others, 1, generator=generator).squeeze(1)
        rows = torch.arange(n)
        q_drawn = others[rows, drawn] / others.sum(1)
        players = {}
        for name, temperature in PLAYERS.items():
            logits = -exponent[:, None] * log_ranks / temperature if temperature else torch.zeros(n, vocab)
            p = torch.softmax(logits.double(), dim=1)
            players[name] = (p[rows, true].tolist(), p[rows, drawn].tolist())
        first = (torch.rand(n, generator=generator) < 0.5).tolist()
        for i, (q_true, drawn_share) in enumerate(zip(q[rows, true].tolist(), q_drawn.tolist(), strict=True)):
            out.append(Position(q_true, drawn_share, first[i], {name: p[0][i] for name, p in players.items()},
                                {name: p[1][i] for name, p in players.items()}))
    return out


def _true_answer(position: Position, player: str, answers: tuple[float, ...] | None) -> float:
    """The player's answer for the true token: its odds for the first candidate, rounded as it may answer."""
    p_true, p_alternative = position.player_true[player], position.player_alternative[player]
    p_first = (p_true if position.true_is_first else p_alternative) / (p_true + p_alternative)
    if answers is not None:
        p_first = nearest_answer(p_first, answers)
    p_first = min(max(p_first, 1e-12), 1 - 1e-12)
    return p_first if position.true_is_first else 1.0 - p_first


def estimates(positions: list[Position], player: str, answers: tuple[float, ...] | None) -> dict[str, float]:
    """The game's estimate ("game") and the weights pooled over all positions before the log ("pooled")."""
    terms = [log_inverse_estimate(_true_answer(pos, player, answers), pos.q_drawn) for pos in positions]
    model_nats = sum(-math.log(pos.q_true) for pos in positions) / len(positions)
    pooled = sum(pos.q_true * math.exp(term) for pos, term in zip(positions, terms, strict=True)) / len(positions)
    return {"game": math.exp(sum(terms) / len(terms)), "pooled": math.exp(model_nats) * pooled}


def simulate(positions: int = 100_000, vocab: int = 300, seed: int = 0) -> tuple[float, list[Row]]:
    """The model's perplexity on the positions, and each player's truth and biases."""
    world = synthetic_positions(positions, vocab, seed)
    model_perplexity = math.exp(sum(-math.log(pos.q_true) for pos in world) / len(world))
    rows = []
    for player in PLAYERS:
        truth = math.exp(sum(-math.log(pos.player_true[player]) for pos in world) / len(world))
        bias = {}
        for answer_set, answers in ANSWER_SETS.items():
            for estimator, value in estimates(world, player, answers).items():
                bias[estimator, answer_set] = value / truth - 1.0
        rows.append(Row(player, truth, bias))
    return model_perplexity, rows


def table(rows: list[Row]) -> str:
    columns = [(estimator, answer_set) for estimator in ("game", "pooled") for answer_set in ANSWER_SETS]
    header = "| player | true perplexity | " + " | ".join(f"{e}: {a}" for e, a in columns) + " |"
    lines = [header, "|" + " --- |" * (len(columns) + 2)]
    for row in rows:
        cells = " | ".join(f"{row.bias[column]:+.1%}" for column in columns)
        lines.append(f"| {row.player} | {row.truth:.2f} | {cells} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=100_000)
    parser.add_argument("--vocab", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model_perplexity, rows = simulate(args.positions, args.vocab, args.seed)
    print(f"{args.positions} positions, vocabulary {args.vocab}, seed {args.seed}; "
          f"the model's perplexity {model_perplexity:.2f}; bias = estimate / true perplexity - 1")
    print(table(rows))


if __name__ == "__main__":
    main()
