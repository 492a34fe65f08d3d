"""Induction: having seen "A B" earlier, predict B after A again.

The predictors look back at most LOOKBACK characters (about what a 1,024-token window holds), which also
keeps them cheap on long documents: one str.rfind scan per instance, never a regex over the whole text. Each
names its source, the word after the earlier occurrence that it copies: where an induction head looks.
"""

from __future__ import annotations

import random

import regex

from games.candidates import Candidate, Example, Match, Sourced, candidate
from games.variants import Planted, Variant
from games.word_lists import WORDS

LOOKBACK = 4000
WORD = regex.compile(r"[A-Za-z]+")
NAME = regex.compile(r"[A-Z][a-z]+")
LOWER = regex.compile(r"[a-z]+")


def word_after_previous(context: str, key: str, word: regex.Pattern[str], least: int = 1) -> Sourced | None:
    """The `word` (of at least `least` characters) that follows the latest earlier occurrence of `key` at a
    word start, before the one that ends the context, with where it is; None when there is none."""
    start = max(0, len(context) - LOOKBACK)
    at = context.rfind(key, start, len(context) - 1)
    while at >= 0:
        if at == 0 or not context[at - 1].isalnum():
            found = word.match(context, at + len(key))
            if found and len(found.group()) >= least:
                return Sourced(found.group(), found.start())
        at = context.rfind(key, start, at + len(key) - 1)
    return None


@candidate(
    name="induction",
    description="A capitalised word A followed by a word: predict the word that followed A at its latest "
                "earlier occurrence (within the last 4,000 characters); abstains when A was not seen followed "
                "by a word.",
    tags=["redwood", "gpt2", "induction"],
    finder=r"\b(?P<a>[A-Z][a-z]+) (?=(?P<answer>[A-Za-z]+))",
    examples=[
        ("The Eiffel Tower is tall. Tourists love the Eiffel ", "Tower"),
        ("Harry Potter went to school. Later Harry ", "Potter"),
        ("Mr Dursley left for Grunnings early. Mr ", "Dursley"),
    ],
)
def induction(match: Match, context: str) -> Sourced | None:
    return word_after_previous(context, match["a"] + " ", WORD)


@candidate(
    name="induction-full-name",
    description="Two capitalised words in a row (a first name and a surname): after the first, predict the "
                "capitalised word that followed it at its latest earlier occurrence; abstains when it was never "
                "followed by a capitalised word.",
    tags=["redwood", "gpt2", "induction"],
    finder=r"\b(?P<first>[A-Z][a-z]+) (?=(?P<answer>[A-Z][a-z]+))",
    examples=[
        ("The composer Pyotr Tchaikovsky wrote ballets. Critics say Pyotr ", "Tchaikovsky"),
        ("Hillary Clinton spoke first, then Donald Trump replied. Later Donald ", "Trump"),
    ],
)
def induction_full_name(match: Match, context: str) -> Sourced | None:
    return word_after_previous(context, match["first"] + " ", NAME)


@candidate(
    name="induction-long-word",
    description="A long capitalised word (8+ letters) seen earlier: given its first three letters, predict the "
                "rest of the latest earlier word of 8+ letters that starts with them (T|cha|ik|ovsky ... Tch ->"
                " aikovsky); abstains when there is none.",
    tags=["redwood", "gpt2", "induction"],
    finder=r"\b(?P<prefix>[A-Z][a-z]{2})(?=(?P<answer>[a-z]{5,})\b)",
    examples=[
        ("Pyotr Tchaikovsky wrote ballets, and today Tch", "aikovsky"),
        ("The Mississippi is long. A boat on the Mis", "sissippi"),
    ],
)
def induction_long_word(match: Match, context: str) -> Sourced | None:
    return word_after_previous(context, match["prefix"], LOWER, least=5)


RANDOM_WORDS = 20  # words in a sequence; the text shows it twice


def random_words_twice(rng: random.Random) -> Variant:
    """A sequence of RANDOM_WORDS different common words, shown twice: an instance at every word but the very
    first, labelled with its copy and its place in the copy."""
    words = rng.sample(WORDS, RANDOM_WORDS)
    text, instances = "", []
    for copy in ("first", "second"):
        for place, word in enumerate(words, start=1):
            if text:
                text += " "
                instances.append(Planted(len(text), word, slots={"copy": copy, "position": f"{copy} {place:02d}",
                                                                 "word": word}))
            text += word
    return Variant(text, tuple(instances))


def the_word_itself(match: Match, context: str) -> str | Sourced:
    """The text's own word (a probe), its source the word after the previous word's earlier occurrence, where
    the previous word occurred before: on the second copy, the same word in the first."""
    previous = context[:-1].rsplit(" ", 1)[-1]
    earlier = word_after_previous(context, previous + " ", LOWER)
    answer: str = match["answer"]
    return answer if earlier is None else Sourced(answer, earlier.source)


repeated_random_words = Candidate(
    name="random-words-twice",
    description="A probe for the standard induction test, not a heuristic: each word of a text that starts as a "
                "run of lower-case words (up to 100), with the text's own word as the answer, so that answer_prob "
                "is the model's probability of each word (mean_logprob minus its loss). Its variants show "
                f"{RANDOM_WORDS} different common words twice; slices by copy and position give the loss per "
                "position on the first copy and on the second. Words rather than token ids, so that it works on "
                "any tokenizer: each word is one GPT-2 token after a space; elsewhere a word may take several "
                "tokens, and its figures are the whole word's.",
    tags=("induction", "probe"),
    finder=r"(?<=\A(?:[a-z]+ ){1,100})(?P<answer>[a-z]+)",
    predictor=the_word_itself,
    examples=(Example("river table green river table ", "green"), Example("cold sea cold ", "sea")),
    variants=random_words_twice,
)
