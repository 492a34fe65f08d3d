"""Indirect object identification: "When John and Mary went to the store, Mary gave a drink to" -> "John"."""

from __future__ import annotations

import regex

from games.candidates import Match, candidate

NAME = regex.compile(r"[A-Z][a-z]+")


@candidate(
    name="ioi",
    description="Two names joined as 'A and B', then (within 500 characters) a clause where one of them, S, "
                "does something 'to' a name: predict the other of the two; the foil is S.",
    tags=["redwood", "gpt2", "tinystories", "ioi"],
    finder=r"\b(?P<a>[A-Z][a-z]+) and (?P<b>[A-Z][a-z]+)\b(?s:.{0,500}?)\b(?P<s>(?P=a)|(?P=b)) [^.!?\n\"]{0,80}?"
           r"\bto (?P<answer>[A-Z][a-z]+)",
    foil="{s}",
    examples=[
        ("When John and Mary went to the store, Mary gave a drink to ", "John"),
        ("Lily and Ben found a ball in the park. Ben threw the ball to ", "Lily"),
        ("Anna and Tom were at home. Anna said to ", "Tom"),
    ],
)
def ioi(match: Match, context: str) -> str | None:
    if match["a"] == match["b"]:
        return None
    other: str = match["a"] if match["s"] == match["b"] else match["b"]
    return other


def listed_names(match: Match, context: str) -> tuple[list[str], list[str]]:
    """The listed names, and every capitalised word from the list to the end of the context."""
    return list(dict.fromkeys(NAME.findall(match["names"]))), NAME.findall(context, match.start("names"))


def least_mentioned(match: Match, context: str) -> str | None:
    names, words = listed_names(match, context)
    counts = {name: words.count(name) for name in names}
    fewest = [name for name in names if counts[name] == min(counts.values())]
    return fewest[0] if len(fewest) == 1 else None


def last_mentioned(match: Match, context: str) -> str | None:
    """The listed name mentioned last (usually the subject): the natural wrong answer."""
    names, words = listed_names(match, context)
    last = next(word for word in reversed(words) if word in names)
    return last if last != least_mentioned(match, context) else None


@candidate(
    name="ioi-extended",
    description="Three or more names listed as 'A, B and C', then the next ' to <Name>' (within 500 "
                "characters): predict the listed name mentioned fewest times from the list on (the one that "
                "appeared only once so far); abstains on a tie. The foil is the listed name mentioned last.",
    tags=["redwood", "gpt2", "tinystories", "ioi"],
    finder=r"\b(?!(?:So|Now|Then|But|And|Soon|Later|Suddenly|Finally|Together|Yes|No|Oh|Well)\b)"
           r"(?P<names>[A-Z][a-z]+(?:, [A-Z][a-z]+)+,? and [A-Z][a-z]+)\b(?s:.{0,500}?) to (?P<answer>[A-Z][a-z]+)",
    foil=last_mentioned,
    examples=[
        ("When John, Mary and Tom went to the store, Mary and Tom gave a drink to ", "John"),
        ("Sue, Max, and Ann played ball. Max kicked it and Ann ran, so Max passed the ball to ", "Sue"),
    ],
)
def ioi_extended(match: Match, context: str) -> str | None:
    return least_mentioned(match, context)
