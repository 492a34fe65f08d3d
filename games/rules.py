"""Rules shared by the game modes: how a typed guess is read, and GLTR's rank buckets."""

from __future__ import annotations

GLUE = "+"
NEWLINE = "\\n"  # what a player types for a line break (an input line cannot hold one)
_NO_SPACE_BEFORE = set(".,!?;:)]}'%…-/”’=_>@")
_NO_SPACE_AFTER = set("([{'/-@#$“‘=_<")


def _quote_open(context: str) -> bool:
    """Whether a straight double quote is open in the context's last paragraph."""
    return context[context.rfind("\n") + 1 :].count('"') % 2 == 1


def normalize_guess(context: str, raw: str) -> str:
    """The continuation a typed guess stands for.

    A guess that starts with a space is taken as typed, and one that starts with "+" is glued to the text
    (to continue a word: "+ovsky"). Otherwise a word gets the space words have after a word in running text;
    punctuation does not, nor does anything after a space, a newline or an opening bracket or quote. A straight
    quote opens (with a space) or closes (without) by how many the paragraph has so far. Digits after "0." or
    "10:", and a lower-case word after an address's dot ("x@mail." then "com"), go on without a space.
    "\\n" is a line break.
    """
    raw = raw.replace(NEWLINE, "\n")
    if not raw:
        return ""
    if raw.startswith(GLUE) and len(raw) > 1:
        return raw[1:]
    if raw[0].isspace() or not context or context[-1].isspace():
        return raw
    last, dash = context[-1], context[-2:] in (" -", " /")  # a spaced dash is followed by a space
    if last in _NO_SPACE_AFTER and not dash:
        return raw
    if last in ".:," and context[-2:-1].isdigit() and raw[0].isdigit():  # 0.5, 10:30, 1,200
        return raw
    word = context[-80:].split()[-1]  # the context ends in a non-space here, so there is a last word
    if last == "." and raw[0].islower() and any(c in word[:-1] for c in "@./_"):  # felix.orlowe@mail.com
        return raw
    if raw[0] == '"':
        return raw if _quote_open(context) else " " + raw
    if raw[0] in _NO_SPACE_BEFORE:
        return raw
    if last == '"':
        return raw if _quote_open(context) else " " + raw
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
