"""Characters in TinyStories: who is named next, and which pronoun stands for them."""

from __future__ import annotations

import regex

from games.candidates import Match, Sourced, candidate

FEMALE = {"girl", "woman", "lady", "mom", "mommy", "mother", "princess", "queen", "sister", "grandma", "aunt",
          "daughter", "wife"}
MALE = {"boy", "man", "dad", "daddy", "father", "prince", "king", "brother", "grandpa", "uncle", "son", "husband"}
NAMED = regex.compile(r"\bnamed (?P<name>[A-Z][a-z]+)")
# who a character is, by the noun that introduces them, and a name of the same gender (the cue agrees) or of the
# other (it does not: the heuristic reads the noun)
PRONOUN_OPENINGS = ("Once upon a time, there was a little {noun} named {name}. ",
                    "There was a {noun} named {name} who lived in a small {place}. ",
                    "One day, a kind {noun} named {name} went to the {place}! ")
PRONOUN_NOUNS = {"She": ["girl", "woman", "lady", "princess", "queen", "mother", "sister", "grandma"],
                 "He": ["boy", "man", "prince", "king", "father", "brother", "grandpa", "uncle"]}
PRONOUN_VARIANTS = {
    "templates": [
        {"context": opening, "answer": pronoun, "foil": other,
         "slots": {"noun": PRONOUN_NOUNS[pronoun], "name": names, "name_gender": [agrees]}}
        for opening in PRONOUN_OPENINGS
        for pronoun, other in (("She", "He"), ("He", "She"))
        for agrees, names in (("agrees", "names.female" if pronoun == "She" else "names.male"),
                              ("disagrees", "names.male" if pronoun == "She" else "names.female"))
    ],
    "slots": {"place": "places"},
}


def pronoun(noun: str) -> str | None:
    if noun in FEMALE:
        return "She"
    return "He" if noun in MALE else None


def other_pronoun(match: Match, context: str) -> str | None:
    return {"She": "He", "He": "She"}.get(pronoun(match["noun"]) or "")


@candidate(
    name="pronoun-for-named",
    description="'a <noun> named X', then the next sentence starts with He or She: predict She for girl/woman/"
                "lady/mom/mommy/mother/princess/queen/sister/grandma/aunt/daughter/wife, He for boy/man/dad/daddy/"
                "father/prince/king/brother/grandpa/uncle/son/husband; the foil is the other; abstains for any "
                "other noun (a dog, a cat).",
    tags=["tinystories", "pronouns"],
    finder=r'\b(?P<noun>[a-z]+) named (?P<name>[A-Z][a-z]+)\b[^.!?\n"]{0,300}[.!?] (?P<answer>She|He)\b',
    foil=other_pronoun,
    examples=[
        ("Once upon a time, there was a little girl named Lily. ", "She"),
        ("There was a boy named Tim who lived in a small house. ", "He"),
        ("A kind old king named Bob ruled the land! ", "He"),
    ],
    variants=PRONOUN_VARIANTS,
)
def pronoun_for_named(match: Match, context: str) -> str | None:
    return pronoun(match["noun"])


@candidate(
    name="repeated-name",
    description="A capitalised word in the middle of a sentence (after a lower-case word or a comma, not after "
                "'named'), after someone was introduced as 'named X' in the last 4,000 characters: predict the "
                "latest such X; abstains when no one was.",
    tags=["tinystories", "names", "induction"],
    finder=r"(?<=[a-z,] )(?<!named )(?P<answer>[A-Z][a-z]+)\b",
    examples=[
        ("There was a girl named Lily. As they drove down the road, ", "Lily"),
        ("A little fish named Nemo lived in the sea. One day, ", "Nemo"),
        ("A mouse named Timmy lived in a cozy hole. He liked cheese, and ", "Timmy"),
    ],
)
def repeated_name(match: Match, context: str) -> Sourced | None:
    start = max(0, len(context) - 4000)
    at = context.rfind("named ", start)
    while at >= 0:
        found = NAMED.match(context, at)
        if found:
            return Sourced(found["name"], found.start("name"))  # the source: where the name was introduced
        at = context.rfind("named ", start, at)
    return None


@candidate(
    name="they-after-pair",
    description="A sentence whose subject is 'X and Y' (two capitalised names, maybe after 'So, '), then the "
                "next sentence starts with a subject pronoun (They/He/She/It/We): predict They.",
    tags=["tinystories", "pronouns"],
    finder=r'(?:^|(?<=[.!?]"? |\n))(?:[A-Z][a-z]+, )?(?P<a>[A-Z][a-z]+) and (?P<b>[A-Z][a-z]+) [^.!?\n"]{0,300}[.!?] '
           r"(?P<answer>They|He|She|It|We)\b",
    examples=[
        ("So, Mia and Tom played together. ", "They"),
        ("Lily and Ben went to the park. ", "They"),
    ],
)
def they_after_pair(match: Match, context: str) -> str | None:
    return "They"
