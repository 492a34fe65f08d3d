"""Acronym generation: "the Big Government Agency (" -> "BGA"."""

from __future__ import annotations

import regex

from games.candidates import Match, candidate

LINKS = {"of", "and", "for", "on", "in", "to", "at", "by", "&"}
ARTICLES = {"the", "a", "an"}
# the phrase ends at punctuation other than a hyphen or an apostrophe
PHRASE_BREAK = regex.compile(r"[^\w\s&'’-]")
# random capitalised phrases of two to five different words, after a lead that ends in "the"
PHRASE_WORDS = ("w1", "w2", "w3", "w4", "w5")
ACRONYM_VARIANTS = {
    "templates": [
        {"context": "{lead} the " + " ".join(f"{{{w}}}" for w in PHRASE_WORDS[:length]) + " (",
         "answer": "".join(f"{{{w}|initials}}" for w in PHRASE_WORDS[:length]), "slots": {"length": [str(length)]}}
        for length in range(2, 6)
    ],
    "constraints": [f"{a} != {b}" for n, a in enumerate(PHRASE_WORDS) for b in PHRASE_WORDS[n + 1 :]],
    "slots": {
        "lead": ["In a statement released by", "She joined", "He works for", "According to", "A report from",
                 "The mayor thanked"],
        **{w: "words.capitalised" for w in PHRASE_WORDS},
    },
}


@candidate(
    name="acronym",
    description="An upper-case abbreviation opened in parentheses after a phrase: predict the first letters of "
                "the capitalised words before '(' (a hyphen splits words), read backwards over of/and/for/on/in/to/"
                "at/by/& up to a lower-case word, a possessive (X's), punctuation, or an article not after "
                "of/for/and; abstains below two letters.",
    tags=["redwood", "gpt2"],
    finder=r"(?<=[A-Za-z] )\((?P<answer>[A-Z][A-Za-z]*[A-Z])\b",
    examples=[
        ("In a statement released by the Big Government Agency (", "BGA"),
        ("She joined the World Health Organization (", "WHO"),
        ("He works for the Department of Homeland Security (", "DHS"),
        ("He met members of Non-Governmental Organizations (", "NGO"),
        ("According to the Party of the Democratic Revolution (", "PDR"),
    ],
    variants=ACRONYM_VARIANTS,
)
def acronym(match: Match, context: str) -> str | None:
    phrase = PHRASE_BREAK.split(context[-200:-1])[-1]
    words = phrase.replace("-", " ").split()
    letters = []
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        lower = word.lower()
        if lower in LINKS:
            continue
        if lower in ARTICLES:
            # "Party of the Democratic Revolution" goes on; "according to the Agency" stops
            if index > 0 and words[index - 1].lower() in {"of", "for", "and", "&"}:
                continue
            break
        if not word[0].isupper() or word.endswith(("'s", "’s")):
            break
        letters.append(word[0])
    return "".join(reversed(letters)) if len(letters) >= 2 else None
