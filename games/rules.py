"""Rules shared by the game modes: how a typed guess is read, and GLTR's rank buckets."""

from __future__ import annotations

GLUE = "+"
_NO_SPACE_BEFORE = set(".,!?;:)]}'\"%…-/")
_NO_SPACE_AFTER = set("([{\"'/-@#$")


def normalize_guess(context: str, raw: str) -> str:
    """The continuation a typed guess stands for.

    A guess that starts with a space is taken as typed. A guess that starts with "+" is glued to the text
    with no space (to continue a word: "+ovsky"). Otherwise a word gets the space that words have after
    a word in running text, and punctuation, or anything after a space, newline or opening bracket, does not.
    """
    if not raw:
        return ""
    if raw.startswith(GLUE) and len(raw) > 1:
        return raw[1:]
    if raw[0].isspace() or raw[0] in _NO_SPACE_BEFORE:
        return raw
    if not context or context[-1].isspace() or context[-1] in _NO_SPACE_AFTER:
        return raw
    return " " + raw


RANK_BUCKETS = ("top1", "top10", "top100", "rest")


def rank_bucket(rank: int) -> str:
    """GLTR's colouring of a token by the rank its model gave it."""
    if rank <= 1:
        return "top1"
    if rank <= 10:
        return "top10"
    if rank <= 100:
        return "top100"
    return "rest"
