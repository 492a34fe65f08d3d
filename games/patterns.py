"""Recurring patterns in the logged disagreements, each with a proposed candidate to edit and save.

Features of a guess (a guess can show several): the same true token; the same two words before it; the true
word copies what followed an earlier occurrence of the word before it (induction-like); the true word is a
name seen earlier in the context; closing punctuation or a quote; a number one more than the last number.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from engine.corpus import Document
from engine.tokens import visible
from games.candidate_files import load_toml
from games.candidates import Candidate, DocumentTimeout, Example
from games.matches import find_matches
from games.names import is_name
from games.paths import builtin_candidates_dir
from games.review import DISAGREEMENTS, ReviewRow

WORD = re.compile(r"[A-Za-z0-9']+")
NAME = re.compile(r"\b[A-Z][a-z]+\b")
NUMBER = re.compile(r"\b\d+\b")
SPACE = re.compile(r"\s+")
CLOSING = set("\"')]}.,!?;:”’")
EXAMPLE_TAILS = (200, 600, 2000)  # characters of context an example keeps: the shortest its finder needs
MOST_EXAMPLES = 3
LOOKED_AT = 200  # instances in the texts looked at for examples, at most (as many as the editor previews)
NOTE = re.compile(r"\(promoted from [^()]*\)\.?$")  # the note a proposal's description ends with


@dataclass
class Proposal:
    """A data-only candidate, pre-filled from a group, for the player to edit."""

    name: str
    description: str
    finder: str
    predictor: str
    foil: str | None = None
    examples: list[tuple[str, str]] = field(default_factory=list)
    origin: str = "logged guesses"  # what it was promoted from, as its description's note says

    def to_candidate(self) -> Candidate:
        """The candidate these fields define; LmgameError (one line) for a bad regex, template or name."""
        return Candidate(name=self.name, finder=self.finder, predictor=self.predictor, foil=self.foil or None,
                         description=self.description, tags=("promoted",), kind="toml",
                         examples=tuple(Example(*e) for e in self.examples))


@dataclass
class PatternGroup:
    feature: str  # true-token | previous-words | induction | earlier-name | closing | number-sequence
    key: str
    title: str
    rows: list[ReviewRow]
    proposal: Proposal | None = None

    @property
    def count(self) -> int:
        return len(self.rows)


def _answer(row: ReviewRow) -> str:
    return row.true_token.strip()


def _words(text: str) -> list[str]:
    return WORD.findall(text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:30] or "x"


def _answer_pattern(answers: list[str]) -> str:
    """A group that takes whatever the text has where these answers stand: a word, a number or a mark."""
    if all(a.isdigit() for a in answers):
        return r"(?P<answer>\d+)"
    if all(WORD.fullmatch(a) for a in answers):
        return r"(?P<answer>[\w']+)"
    return r"(?P<answer>[^\w\s])"


def _gap(row: ReviewRow) -> str:
    """The white space the true token starts with: it goes to the example's context, not its answer."""
    return row.true_token[: len(row.true_token) - len(row.true_token.lstrip())]


def example_context(context: str, chars: int) -> str | None:
    """The end of a context, at most `chars` characters, starting after white space (never inside a word): the
    whole context when it is that short; None when its last `chars` characters have no white space to start
    after."""
    if len(context) <= chars:
        return context
    space = SPACE.search(context, len(context) - chars - 1)
    if space is None or space.end() == len(context):
        return None
    return context[space.end() :]


def _passes(candidate: Candidate, example: Example) -> bool:
    """The candidate's own check on one example: found with its answer right after the context, and predicted."""
    try:
        found = candidate.find_example(example)
    except DocumentTimeout:
        return False
    return found is not None and not found.error and found.predicted == example.answer


def _shortest_passing(candidate: Candidate, context: str, answer: str) -> tuple[str, str] | None:
    for chars in EXAMPLE_TAILS:
        cut = example_context(context, chars)
        if cut is not None and _passes(candidate, Example(cut, answer)):
            return cut, answer
        if cut == context:
            return None  # longer tails are the same context
    return None


def passing_examples(candidate: Candidate, offered: Iterable[tuple[str, str]],
                     most: int = MOST_EXAMPLES) -> list[tuple[str, str]]:
    """Up to `most` distinct examples that the candidate's own check passes, from (context, answer) pairs in
    order, each cut to the shortest end of its context the finder needs (see `example_context`)."""
    kept: list[tuple[str, str]] = []
    for context, answer in offered:
        if len(kept) >= most:
            break
        example = _shortest_passing(candidate, context, answer)
        if example is not None and example not in kept:
            kept.append(example)
    return kept


def right_instances(candidate: Candidate, texts: Iterable[str], most: int = LOOKED_AT) -> Iterator[tuple[str, str]]:
    """(context, answer) of each instance in the texts where the heuristic is right, lazily, in order, among the
    first `most` instances found."""
    looked_at = 0
    documents = (Document(f"text {number}", text) for number, text in enumerate(texts, start=1))
    for searched in find_matches(candidate, documents, most=most):
        for found in searched.found:  # where the finder timed out, what it found before
            looked_at += 1
            if not found.error and found.predicted == found.answer:
                yield searched.document.text[: found.offset], found.answer
            if looked_at >= most:
                return


def _described(lead: str, origin: str) -> str:
    return f"{lead} (promoted from {origin})."


def saved_description(description: str, origin: str, examples: int) -> str:
    """The description with its promotion note saying what was saved; as it is if the note was edited out."""
    note = f"(promoted from {origin}; saved with {examples} example{'s' * (examples != 1)} that pass its check)."
    return NOTE.sub(lambda _: note, description.rstrip(), count=1)


def fitted(proposal: Proposal, texts: Iterable[str] = ()) -> Proposal:
    """The proposal as it is saved: only examples its own finder and predictor pass, each once, each starting
    at a word, topped up from where it is right in `texts`; its description's note says so. LmgameError when
    the fields are not a valid candidate."""
    candidate = proposal.to_candidate()
    most = max(MOST_EXAMPLES, len(proposal.examples))
    examples = passing_examples(candidate, chain(proposal.examples, right_instances(candidate, texts)), most)
    return dataclasses.replace(proposal, examples=examples,
                               description=saved_description(proposal.description, proposal.origin, len(examples)))


def _finished(proposal: Proposal, rows: list[ReviewRow], origin: str) -> Proposal:
    """A proposal made from `rows`: its description notes where it came from, and its examples are the rows'
    own guesses that it finds and predicts right."""
    offered = ((row.context + _gap(row), _answer(row)) for row in rows)
    proposal = dataclasses.replace(proposal, description=_described(proposal.description, origin), origin=origin)
    try:
        candidate = proposal.to_candidate()
    except Exception:  # noqa: BLE001 - a proposal that does not compile just gets no examples
        return proposal
    proposal.examples = passing_examples(candidate, offered)
    return proposal


def _guesses(count: int) -> str:
    return f"{count} logged guess{'es' * (count != 1)}"


def _common_suffix_words(rows: list[ReviewRow], most: int = 3) -> list[str]:
    tails = [_words(row.context)[-most:] for row in rows]
    common: list[str] = []
    for k in range(1, most + 1):
        ends = {tuple(t[-k:]) for t in tails if len(t) >= k}
        if len(ends) != 1 or any(len(t) < k for t in tails):
            break
        common = list(next(iter(ends)))
    return common


def _phrase_finder(words: list[str], answers: list[str]) -> str:
    return r"\b" + r"\W+".join(re.escape(w) for w in words) + r"\W*?" + _answer_pattern(answers)


def _wrong_guess(rows: list[ReviewRow], answer: str) -> str | None:
    guesses = Counter(row.guess.strip() for row in rows if row.guess.strip() and row.guess.strip() != answer)
    return guesses.most_common(1)[0][0] if guesses else None


def _constant_proposal(feature: str, key: str, rows: list[ReviewRow], words: list[str]) -> Proposal:
    answers = [_answer(row) for row in rows]
    answer = Counter(answers).most_common(1)[0][0]
    foil = _wrong_guess(rows, answer)
    phrase = " ".join(words)
    return Proposal(
        name=f"{feature}-{_slug(key)}",
        description=f"After '{phrase}', predict '{answer}'",
        finder=_phrase_finder(words, answers), predictor=answer.replace("{", "{{").replace("}", "}}"),
        foil=foil.replace("{", "{{").replace("}", "}}") if foil else None,
    )


def _is_induction(row: ReviewRow) -> bool:
    words = _words(row.context)
    answer = _answer(row)
    if len(words) < 3 or not answer or not WORD.fullmatch(answer):
        return False
    current = words[-1]
    return any(words[i] == current and words[i + 1].startswith(answer) for i in range(len(words) - 2))


def _is_earlier_name(row: ReviewRow) -> bool:
    answer = _answer(row)
    return is_name(answer, row.context) and answer in NAME.findall(row.context)


def _is_number_sequence(row: ReviewRow) -> bool:
    answer = _answer(row)
    numbers = NUMBER.findall(row.context)
    return answer.isdigit() and bool(numbers) and int(numbers[-1]) + 1 == int(answer)


def _is_closing(row: ReviewRow) -> bool:
    return _answer(row) in CLOSING and not row.true_token[:1].isspace()  # ␣" opens a quote


def _induction_proposal(rows: list[ReviewRow]) -> Proposal:
    return Proposal(
        name="induction-promoted",
        description="Having seen 'A B' earlier, after A again predict B",
        finder=r"\b(?P<a>[A-Za-z]+) (?P<b>[A-Za-z]+)\b(?s:.{1,2000}?)\b(?P=a) (?P<answer>[A-Za-z]+)",
        predictor="{b}",
    )


def _name_proposal(rows: list[ReviewRow]) -> Proposal:
    if sum("named " in row.context for row in rows) * 2 >= len(rows):
        finder = r"\bnamed (?P<name>[A-Z][a-z]+)\b(?s:.{0,300}?)[.!?]\"? (?P<answer>[A-Z][a-z]+)"
        description = "A character introduced as 'named X' starts a later sentence: predict X"
    else:
        finder = r"\b(?P<name>[A-Z][a-z]+)\b[^.!?\n]{0,200}[.!?] (?P<answer>[A-Z][a-z]+)"
        description = "A name in one sentence starts the next one: predict the name"
    return Proposal(name="earlier-name-promoted", description=description, finder=finder, predictor="{name}",
                    foil="She")


@functools.cache
def _close_quote_finder() -> str:
    """The built-in close-quote's finder, read from its file: the one rule for where a closing quote is scored
    (right after its mark, so that the model is never asked for the ' "' that would open a quote)."""
    (close_quote,) = (c for c in load_toml(builtin_candidates_dir() / "tinystories.toml") if c.name == "close-quote")
    return close_quote.finder


def _closing_proposal(key: str, rows: list[ReviewRow]) -> Proposal:
    if key in "\"”":
        finder = _close_quote_finder()
        description = "Inside a quotation, right after a '.', '!', '?' or ',', predict the closing quote"
    elif key in ")]}":
        opening = {")": r"\(", "]": r"\[", "}": r"\{"}[key]
        finder = opening + r"[^()\[\]{}\n]{1,80}?\w(?P<answer>[^\w\s])"
        description = f"Inside brackets, after a word, predict '{key}'"
    else:
        finder = r"\w(?P<answer>[^\w\s])"
        description = f"After a word, predict '{key}'"
    return Proposal(name=f"closing-{_slug(key) if _slug(key) != 'x' else 'mark'}", predictor=key.replace(
        "{", "{{").replace("}", "}}"), finder=finder, description=description)


def _number_proposal(rows: list[ReviewRow]) -> Proposal:
    if sum(bool(re.search(r"\[\d+\]\D*$", row.context)) or row.context.endswith("[") for row in rows) * 2 >= len(rows):
        finder = r"\[(?P<n>\d+)\](?=[^\[\]]{1,400}\[(?P<answer>\d+))"
    else:
        finder = r"\b(?P<n>\d+)\b(?=\D{1,200}?\b(?P<answer>\d+)\b)"
    return Proposal(name="number-sequence-promoted", finder=finder, predictor="{n|inc}", foil="{n}",
                    description="A number one more than the last number seen")


def _group(feature: str, key: str, title: str, rows: list[ReviewRow],
           make: Callable[[list[ReviewRow]], Proposal]) -> PatternGroup:
    return PatternGroup(feature, key, f"{title} ({len(rows)})", rows,
                        _finished(make(rows), rows, _guesses(len(rows))))


def mine_patterns(rows: list[ReviewRow], model: str | None = None, min_count: int = 2) -> list[PatternGroup]:
    """The disagreements among `rows` (judged for `model`, default the first) grouped by feature, each group
    with at least `min_count` guesses and a proposal; largest first."""
    rows = [row for row in rows if row.kind(model) in DISAGREEMENTS]
    groups: list[PatternGroup] = []
    by_token: dict[str, list[ReviewRow]] = {}
    by_words: dict[tuple[str, ...], list[ReviewRow]] = {}
    for row in rows:
        by_token.setdefault(row.true_token, []).append(row)
        before = tuple(w.lower() for w in _words(row.context)[-2:])
        if len(before) == 2:
            by_words.setdefault(before, []).append(row)
    for token, members in by_token.items():
        if len(members) >= min_count and token.strip():
            last_words = Counter(_words(r.context)[-1] for r in members if _words(r.context)).most_common(1)
            words = _common_suffix_words(members) or ([last_words[0][0]] if last_words else [""])
            groups.append(_group("true-token", token, f'true token "{visible(token)}"', members,
                                 functools.partial(_constant_proposal, "true-token", token, words=words)))
    for before, members in by_words.items():
        if len(members) >= min_count:
            exact = _common_suffix_words(members, 2) or list(before)
            groups.append(_group("previous-words", " ".join(before), f'after "{" ".join(before)}"', members,
                                 functools.partial(_constant_proposal, "previous-words", " ".join(exact), words=exact)))
    kinds: list[tuple[str, str, Callable[[ReviewRow], bool], Callable[[list[ReviewRow]], Proposal]]] = [
        ("induction", "copies what followed the last word before", _is_induction, _induction_proposal),
        ("earlier-name", "a name seen earlier in the context", _is_earlier_name, _name_proposal),
        ("number-sequence", "one more than the last number", _is_number_sequence, _number_proposal),
    ]
    for feature, title, test, make in kinds:
        members = [row for row in rows if test(row)]
        if len(members) >= min_count:
            groups.append(_group(feature, feature, title, members, make))
    closing: dict[str, list[ReviewRow]] = {}
    for row in rows:
        if _is_closing(row):
            closing.setdefault(_answer(row), []).append(row)
    for key, members in closing.items():
        if len(members) >= min_count:
            groups.append(_group("closing", key, f'closing "{key}"', members,
                                 functools.partial(_closing_proposal, key)))
    return sorted(groups, key=lambda g: -g.count)


def propose_for_row(row: ReviewRow) -> Proposal:
    """A proposal from one guess: the most specific feature it shows, else the words before it."""
    if _is_number_sequence(row):
        proposal = _number_proposal([row])
    elif _is_induction(row):
        proposal = _induction_proposal([row])
    elif _is_earlier_name(row):
        proposal = _name_proposal([row])
    elif _is_closing(row):
        proposal = _closing_proposal(_answer(row), [row])
    else:
        words = _words(row.context)[-2:] or [""]
        proposal = _constant_proposal("previous-words", " ".join(words), [row], words)
    return _finished(proposal, [row], _guesses(1))


def propose_for_rows(feature: str, key: str, rows: list[ReviewRow], origin: str) -> Proposal:
    """A proposal for rows that share a feature (as scan groups do), promoted from `origin` (what the
    description's note names): the same makers the log's groups use."""
    makers: dict[str, Callable[[list[ReviewRow]], Proposal]] = {
        "induction": _induction_proposal,
        "earlier-name": _name_proposal,
        "number-sequence": _number_proposal,
        "closing": lambda group: _closing_proposal(key.strip() or _answer(group[0]), group),
    }
    if feature in makers:
        return _finished(makers[feature](rows), rows, origin)
    words = _common_suffix_words(rows) or _words(rows[0].context)[-2:] or [""]
    proposal = _constant_proposal("true-token" if feature == "token" else "previous-words",
                                  " ".join(words) if feature != "token" else key, rows, words)
    return _finished(proposal, rows, origin)
