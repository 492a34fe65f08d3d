"""Subject-verb agreement across a distractor noun: "The keys to the cabinet" -> "are", not "is"."""

from __future__ import annotations

from games.candidates import Match, candidate

IRREGULAR_PLURALS = {"people", "children", "men", "women", "feet", "teeth", "mice", "geese"}
PREPOSITIONS = "of|to|in|on|for|with|near|from|by|at|behind|under|beside|above|below|inside|outside|about|between"
DETERMINERS = "the|a|an|this|that|these|those|my|your|his|her|its|our|their|some|many|all"
PRONOUNS = "who|whom|whose|which|that|what|where|when|it|he|she|they|we|you|i|there|here"
# "The keys to the (old) cabinet": the head noun, one prepositional phrase, then the verb
PHRASE = (rf"\b[Tt]he (?:[a-z]+ )?(?P<subject>[a-z]+) (?:{PREPOSITIONS}) (?:(?:{DETERMINERS}) )?(?:[a-z]+ )?"
          rf"(?!(?:{PRONOUNS}) )(?P<distractor>[a-z]+) ")
AGREEMENT_PREPOSITIONS = ["of", "to", "in", "on", "near", "behind", "under", "beside", "above", "by", "for", "with",
                          "from"]


def agreement_variants(singular: str, plural: str) -> dict[str, object]:
    """A subject of one number and a distractor noun of the other, after a few openings: `singular` or `plural`
    agrees with the subject, the other form (the foil) with the distractor."""
    openings = ["The {subject} {prep} the {distractor} ", "I think the {subject} {prep} the {distractor} ",
                "Everyone knows that the {subject} {prep} the {distractor} "]
    numbers = (("singular", "nouns.singular", "nouns.plural", singular, plural),
               ("plural", "nouns.plural", "nouns.singular", plural, singular))
    return {
        "templates": [
            {"context": opening, "answer": answer, "foil": foil,
             "slots": {"subject": subjects, "distractor": distractors, "number": [number]}}
            for opening in openings for number, subjects, distractors, answer, foil in numbers
        ],
        "slots": {"prep": AGREEMENT_PREPOSITIONS},
    }


RULE = ("A noun is plural when it ends in 's' but not 'ss', 'us' or 'is', or is people/children/men/women/"
        "feet/teeth/mice/geese. Only where the subject and the distractor differ in number; abstains otherwise.")


def plural(noun: str) -> bool:
    return noun in IRREGULAR_PLURALS or (noun.endswith("s") and not noun.endswith(("ss", "us", "is")))


def agreeing(match: Match, forms: tuple[str, str], noun: str) -> str | None:
    """The form of `forms` (singular, plural) agreeing with the group `noun`; None when the subject and the
    distractor have the same number."""
    if plural(match["subject"]) == plural(match["distractor"]):
        return None
    return forms[plural(match[noun])]


def is_are_foil(match: Match, context: str) -> str | None:
    return agreeing(match, ("is", "are"), "distractor")


def was_were_foil(match: Match, context: str) -> str | None:
    return agreeing(match, ("was", "were"), "distractor")


@candidate(
    name="agreement-is-are",
    description="'The N1 <preposition> (the) N2' then is/are: predict the form agreeing with N1, not with the "
                "nearer N2 (the foil). " + RULE,
    tags=["redwood", "gpt2", "agreement"],
    finder=PHRASE + r"(?P<answer>is|are)\b",
    foil=is_are_foil,
    examples=[
        ("The keys to the cabinet ", "are"),
        ("The key to the cabinets ", "is"),
        ("We think the children of the old village ", "are"),
    ],
    variants=agreement_variants("is", "are"),
)
def agreement_is_are(match: Match, context: str) -> str | None:
    return agreeing(match, ("is", "are"), "subject")


@candidate(
    name="agreement-was-were",
    description="'The N1 <preposition> (the) N2' then was/were: predict the form agreeing with N1, not with the "
                "nearer N2 (the foil). " + RULE,
    tags=["redwood", "gpt2", "tinystories", "agreement"],
    finder=PHRASE + r"(?P<answer>was|were)\b",
    foil=was_were_foil,
    examples=[
        ("The toys in the box ", "were"),
        ("The box of toys ", "was"),
        ("The man with the big hats ", "was"),
    ],
    variants=agreement_variants("was", "were"),
)
def agreement_was_were(match: Match, context: str) -> str | None:
    return agreeing(match, ("was", "were"), "subject")
