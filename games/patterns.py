"""Recurring patterns in the logged disagreements, each with a proposed candidate to edit and save.

Features of a guess (a guess can show several): the same true token; the same two words before it; the true
word copies what followed an earlier occurrence of the word before it (induction-like); the true word is a
name seen earlier in the context; closing punctuation or a quote; a number one more than the last number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.tokens import visible
from games.candidates import Candidate, Example
from games.review import DISAGREEMENTS, ReviewRow

WORD = re.compile(r"[A-Za-z0-9']+")
NAME = re.compile(r"\b[A-Z][a-z]+\b")
NUMBER = re.compile(r"\b\d+\b")
CLOSING = set("\"')]}.,!?;:”’")
EXAMPLE_TAILS = (200, 600, 2000)  # characters of context an example keeps: the shortest its finder needs


@dataclass
class Proposal:
    """A data-only candidate, pre-filled from a group, for the player to edit."""

    name: str
    description: str
    finder: str
    predictor: str
    foil: str | None = None
    examples: list[tuple[str, str]] = field(default_factory=list)

    def to_candidate(self) -> Candidate:
        """The candidate these fields define; LmgameError (one line) for a bad regex, template or name."""
        return Candidate(name=self.name, finder=self.finder, predictor=self.predictor, foil=self.foil or None,
                         description=self.description, tags=("promoted",), examples=tuple(self.examples),
                         kind="toml")


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


def _with_examples(proposal: Proposal, rows: list[ReviewRow], most: int = 3) -> Proposal:
    """Examples from the group's own guesses that the proposal finds and predicts right (none if it cannot)."""
    try:
        candidate = proposal.to_candidate()
    except Exception:  # noqa: BLE001 - a proposal that does not compile just gets no examples
        return proposal
    for row in rows:
        if len(proposal.examples) >= most:
            break
        answer = _answer(row)
        for tail in EXAMPLE_TAILS:
            example = Example(row.context[-tail:] + _gap(row), answer)
            try:
                found = candidate.find_example(example)
            except Exception:  # noqa: BLE001 - a finder that times out on an example is no example
                break
            if found is not None and found.predicted == answer:
                proposal.examples.append((example.context, example.answer))
                break
    return proposal


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
        description=f"After '{phrase}', predict '{answer}' (promoted from {len(rows)} logged guesses).",
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
    return bool(NAME.fullmatch(answer)) and answer in NAME.findall(row.context)


def _is_number_sequence(row: ReviewRow) -> bool:
    answer = _answer(row)
    numbers = NUMBER.findall(row.context)
    return answer.isdigit() and bool(numbers) and int(numbers[-1]) + 1 == int(answer)


def _is_closing(row: ReviewRow) -> bool:
    return _answer(row) in CLOSING and not row.true_token[:1].isspace()  # ␣" opens a quote


def _induction_proposal(rows: list[ReviewRow]) -> Proposal:
    return Proposal(
        name="induction-promoted",
        description="Having seen 'A B' earlier, after A again predict B (promoted from logged guesses).",
        finder=r"\b(?P<a>[A-Za-z]+) (?P<b>[A-Za-z]+)\b(?s:.{1,2000}?)\b(?P=a) (?P<answer>[A-Za-z]+)",
        predictor="{b}",
    )


def _name_proposal(rows: list[ReviewRow]) -> Proposal:
    if sum("named " in row.context for row in rows) * 2 >= len(rows):
        finder = r"\bnamed (?P<name>[A-Z][a-z]+)\b(?s:.{0,300}?)[.!?]\"? (?P<answer>[A-Z][a-z]+)"
        description = "A character introduced as 'named X' starts a later sentence: predict X."
    else:
        finder = r"\b(?P<name>[A-Z][a-z]+)\b[^.!?\n]{0,200}[.!?] (?P<answer>[A-Z][a-z]+)"
        description = "A name in one sentence starts the next one: predict the name."
    return Proposal(name="earlier-name-promoted", description=description + " (promoted from logged guesses)",
                    finder=finder, predictor="{name}", foil="She")


def _closing_proposal(key: str, rows: list[ReviewRow]) -> Proposal:
    if key in "\"”":
        finder = r"(?<=(?:^|\s)\"[^\"\n]{0,400})[.!?,] ?(?P<answer>\"|[A-Za-z]+)"
        description = "Inside a quotation, after a sentence's end mark, predict the closing quote."
    elif key in ")]}":
        opening = {")": r"\(", "]": r"\[", "}": r"\{"}[key]
        finder = opening + r"[^()\[\]{}\n]{1,80}?\w(?P<answer>[^\w\s])"
        description = f"Inside brackets, after a word, predict '{key}'."
    else:
        finder = r"\w(?P<answer>[^\w\s])"
        description = f"After a word, predict '{key}'."
    return Proposal(name=f"closing-{_slug(key) if _slug(key) != 'x' else 'mark'}", predictor=key.replace(
        "{", "{{").replace("}", "}}"), finder=finder, description=description + " (promoted from logged guesses)")


def _number_proposal(rows: list[ReviewRow]) -> Proposal:
    if sum(bool(re.search(r"\[\d+\]\D*$", row.context)) or row.context.endswith("[") for row in rows) * 2 >= len(rows):
        finder = r"\[(?P<n>\d+)\](?=[^\[\]]{1,400}\[(?P<answer>\d+))"
    else:
        finder = r"\b(?P<n>\d+)\b(?=\D{1,200}?\b(?P<answer>\d+)\b)"
    return Proposal(name="number-sequence-promoted", finder=finder, predictor="{n|inc}", foil="{n}",
                    description="A number one more than the last number seen (promoted from logged guesses).")


def _group(feature: str, key: str, title: str, rows: list[ReviewRow],
           make: Callable[[list[ReviewRow]], Proposal]) -> PatternGroup:
    return PatternGroup(feature, key, f"{title} ({len(rows)})", rows, _with_examples(make(rows), rows))


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
                                 lambda g, t=token, w=words: _constant_proposal("true-token", t, g, w)))
    for words, members in by_words.items():
        if len(members) >= min_count:
            exact = _common_suffix_words(members, 2) or list(words)
            groups.append(_group("previous-words", " ".join(words), f'after "{" ".join(words)}"', members,
                                 lambda g, w=exact: _constant_proposal("previous-words", " ".join(w), g, w)))
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
                                 lambda g, k=key: _closing_proposal(k, g)))
    return sorted(groups, key=lambda g: -g.count)


def propose_for_row(row: ReviewRow) -> Proposal:
    """A proposal from one guess: the most specific feature it shows, else the words before it."""
    if _is_number_sequence(row):
        return _with_examples(_number_proposal([row]), [row])
    if _is_induction(row):
        return _with_examples(_induction_proposal([row]), [row])
    if _is_earlier_name(row):
        return _with_examples(_name_proposal([row]), [row])
    if _is_closing(row):
        return _with_examples(_closing_proposal(_answer(row), [row]), [row])
    words = _words(row.context)[-2:] or [""]
    return _with_examples(_constant_proposal("previous-words", " ".join(words), [row], words), [row])


def propose_for_rows(feature: str, key: str, rows: list[ReviewRow]) -> Proposal:
    """A proposal for rows that share a feature (as scan groups do): the same makers the log's groups use."""
    makers: dict[str, Callable[[list[ReviewRow]], Proposal]] = {
        "induction": _induction_proposal,
        "earlier-name": _name_proposal,
        "number-sequence": _number_proposal,
        "closing": lambda group: _closing_proposal(key.strip() or _answer(group[0]), group),
    }
    if feature in makers:
        return _with_examples(makers[feature](rows), rows)
    words = _common_suffix_words(rows) or _words(rows[0].context)[-2:] or [""]
    return _with_examples(_constant_proposal("true-token" if feature == "token" else "previous-words",
                                             " ".join(words) if feature != "token" else key, rows, words), rows)
