"""Incrementing citation numbers: "conductors [1]. However, this is not always the case [" -> "2"."""

from __future__ import annotations

from games.candidates import Match, candidate


@candidate(
    name="citation",
    description="A bracketed citation number [n] followed, within 2,000 characters and no other bracket, by "
                "'[' and a number: predict n+1; the foil is n (citing the same source again).",
    tags=["redwood", "gpt2"],
    # the answer sits in a lookahead, so a match consumes only "[n]" and consecutive citations all count
    finder=r"\[(?P<n>\d{1,3})\](?=[^\[\]]{0,2000}\[(?P<answer>\d+))",
    foil="{n}",
    examples=[
        ("Most metals are excellent conductors [1]. However, this is not always the case [", "2"),
        ("As shown before [9][", "10"),
        ("Early work [3] and later work [4] agree; a review [", "5"),
    ],
)
def citation(match: Match, context: str) -> str | None:
    return str(int(match["n"]) + 1)
