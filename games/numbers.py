"""How a probability is written for people, the same on every screen and in every shared finding."""

from __future__ import annotations

SMALL = 0.001  # below this, three decimals would say 0.000


def probability(value: float | None) -> str:
    """Three decimals, or two significant digits below 0.001 (9.6e-05), so that small values neither read as
    zero nor tie; "-" for no value."""
    if value is None:
        return "-"
    return f"{value:.3f}" if value >= SMALL else f"{value:.1e}"


PROBABILITY_CELLS = len(probability(9.6e-05))  # the widest a probability is written

