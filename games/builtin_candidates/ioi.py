"""Indirect object identification: "When John and Mary went to the store, Mary gave a drink to" -> "John".

Each predictor names its source, the indirect object's mention in the list of names: where a name-mover head
looks.
"""

from __future__ import annotations

import regex

from games.candidates import Match, Sourced, candidate

NAME = regex.compile(r"[A-Z][a-z]+")
# The sentence templates of Wang et al. (2022), "Interpretability in the wild", with {A} and {B} the two names:
# each is used in both orders of the pair (ABBA: the indirect object first; BABA: the subject first)
IOI_TEMPLATES = (
    "When {A} and {B} went to the {place}, {S} gave a {object} to ",
    "Then, {A} and {B} went to the {place}. {S} gave a {object} to ",
    "After {A} and {B} went to the {place}, {S} gave a {object} to ",
    "While {A} and {B} were working at the {place}, {S} gave a {object} to ",
    "When {A} and {B} got a {object} at the {place}, {S} decided to give it to ",
    "Friends {A} and {B} found a {object} at the {place}. {S} gave it to ",
    "{A} and {B} had a long day at the {place}. {S} gave a {object} to ",
)
IOI_VARIANTS = {
    "templates": [
        {"context": template.format(A=first, B=second, S="{s}", place="{place}", object="{object}"),
         "slots": {"order": [order], "template": [str(number)]}}
        for number, template in enumerate(IOI_TEMPLATES, start=1)
        for order, first, second in (("ABBA", "{io}", "{s}"), ("BABA", "{s}", "{io}"))
    ],
    "answer": "{io}",
    "foil": "{s}",
    "constraints": ["io != s"],
    "slots": {"io": "names", "s": "names", "place": "places", "object": "objects"},
}


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
    variants=IOI_VARIANTS,
)
def ioi(match: Match, context: str) -> Sourced | None:
    if match["a"] == match["b"]:
        return None
    other = "a" if match["s"] == match["b"] else "b"
    return Sourced(match[other], match.start(other))


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
def ioi_extended(match: Match, context: str) -> Sourced | None:
    name = least_mentioned(match, context)
    if name is None:
        return None
    listed = regex.search(rf"\b{name}\b", match["names"])  # a name of the list: it is there
    return Sourced(name, match.start("names") + (listed.start() if listed else 0))
