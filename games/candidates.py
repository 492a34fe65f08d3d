"""Heuristic candidates: a behaviour named precisely, as a finder over text plus the heuristic's answer.

A candidate's finder is a regular expression whose named group `answer` marks the span the model is asked
to predict; the context is all the text before that span. Its predictor gives the heuristic's answer: a
template over the match's named groups ("{name}") or a Python function of the match and the context. An
optional foil gives the obvious wrong answer, for a logit difference.

A candidate may name its source, the earlier text the answer comes from (induction's word after the earlier
occurrence, IOI's indirect object): a finder group named `source`, or a Python predictor that returns
`Sourced(answer, offset)`. Scoring then reports the attention head that looks at it most (games.best_head).

Python candidates are written with the `candidate` decorator:

    from games.candidates import candidate

    @candidate(name="shout", finder=r"(?P<word>\\w+)! (?P<answer>\\w+)", examples=[("Go! ", "Go")])
    def shout(match, context):
        return match["word"]
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import regex

from engine.errors import LmgameError
from games.candidate_code import PREDICTOR_TIMEOUT, call_with_deadline
from games.display import shortened
from games.finder_limits import check_finder_size
from games.templates import FILTERS, template_fields, template_parts
from games.variants import make_variants, variant_source

ANSWER_GROUP = "answer"
SOURCE_GROUP = "source"  # optional: where the answer comes from (the token holding its first character)
NAME_RULE = regex.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a file name too: <name>.toml
EXAMPLE_TIMEOUT = 5.0  # seconds the finder may take on one example
VARIANTS_CHECKED = 20  # variants `check_variants` draws (seed 0)
PROBLEMS_SHOWN = 5  # problems `check_variants` lists at most: one broken template breaks many variants
MATCH_BATCH = 1_000  # matches a finder reads at a time, before predictors run on them: bounds memory
GROUP_CHARS = 80  # characters of a named group's value kept with an instance (for slicing results by it)
Match = Any  # a regex.Match: .group(), ["name"], .groupdict(), .start(), .end()
PredictFunction = Callable[[Match, str], "str | Sourced | None"]
Predictor = "str | PredictFunction"  # a template over named groups, or a function of (match, context)


@dataclass(frozen=True)
class Example:
    """A hand-written instance: the finder should match `context + answer` with its answer group at the
    end of the context, and the predictor should give `answer`."""

    context: str
    answer: str


@dataclass(frozen=True)
class Sourced:
    """A Python predictor's answer with its source: the character offset, in the context, of the earlier text the
    answer comes from (induction: the word after the earlier occurrence; IOI: the indirect object)."""

    answer: str
    source: int


@dataclass(frozen=True)
class Found:
    """One instance a finder produced in a text."""

    offset: int  # where the answer span starts; the context is text[:offset]
    answer: str  # what the text says there (the answer group)
    predicted: str | None  # the heuristic's answer; None when it abstains or fails
    foil: str | None = None
    error: str | None = None  # the predictor or foil raised: its message
    groups: Mapping[str, str] | None = None  # the finder's other named groups that took part (GROUP_CHARS each)
    source: int | None = None  # where the answer's source starts in the text (SOURCE_GROUP, or Sourced)


def render_template(template: str, match: Match) -> str | None:
    """The template filled from the match's named groups; None when a group it uses did not take part."""
    groups = match.groupdict()
    out = []
    for literal, name, filters in template_parts(template):
        out.append(literal)
        if name is None:
            continue
        value = groups.get(name)
        if value is None:
            return None
        for name_of_filter in filters:
            value = FILTERS[name_of_filter](value)
        out.append(value)
    return "".join(out)


def compile_finder(pattern: str) -> Any:
    """The compiled finder; LmgameError naming the position of a syntax error, the limit a finder too large
    to compile safely goes past (games.finder_limits), or a missing answer group."""
    try:
        check_finder_size(pattern)
        compiled = regex.compile(pattern)
    except regex.error as error:
        position, message = getattr(error, "pos", None), getattr(error, "msg", str(error))  # not in regex's stubs
        where = f"at position {position}" if position is not None else ""
        raise LmgameError(f"finder is not a valid regular expression: {message} {where}".strip()) from None
    except RecursionError:
        raise LmgameError("finder is nested too deeply") from None
    if ANSWER_GROUP not in compiled.groupindex:
        raise LmgameError("finder has no (?P<answer>...) group: it must mark the span to predict")
    return compiled


class DocumentTimeout(Exception):
    """The finder ran past its time limit on one text."""


def check_name(name: str) -> None:
    """LmgameError unless `name` can name a candidate: it names its file too (<name>.toml), so ASCII letters,
    digits, '.', '_' and '-', starting with a letter or digit (a file starting with '.' or '_' is not loaded),
    at most 100 characters."""
    if not isinstance(name, str) or not NAME_RULE.fullmatch(name):
        shown = shortened(name) if isinstance(name, str) else name
        raise LmgameError(f"candidate name {shown!r}: use up to 100 ASCII letters, digits, '.', '_' or '-', "
                          "starting with a letter or digit")


def _check_text(what: str, text: str) -> None:
    """LmgameError for text that cannot be written to a file: a lone surrogate is no character."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise LmgameError(f"{what} is not valid Unicode text (a lone surrogate at position {error.start})") from None


def _judged(where: str, found: Found | None, answer: str, expects: str, context_end: str) -> str | None:
    """What is wrong with what the finder and predictor made of an example or a variant whose answer is
    `answer`; None where nothing is."""
    if found is None:
        return f"{where}: the finder does not match with its answer group at the end of {context_end}"
    if found.error:
        return f"{where}: {found.error}"
    if found.predicted != answer:
        return f"{where}: the predictor gives {found.predicted!r}, {expects} {answer!r}"
    return None


@dataclass
class Candidate:
    name: str
    finder: str
    predictor: Any  # Predictor
    foil: Any = None  # Predictor | None
    description: str = ""
    tags: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()
    overlapped: bool = False  # let matches overlap (for finders that look far ahead)
    source: str = ""  # "built-in", or the file it came from
    path: str = ""  # the file it came from
    kind: str = "python"  # "toml" (data only) or "python"
    definition: str = ""  # what the cache keys on: the TOML table, or the Python file's text
    variants: Any = None  # games.variants.VariantSource, or what makes one: its table (a dict) or a function
    compiled: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        check_name(self.name)
        self.tags = tuple(self.tags)
        self.examples = tuple(e if isinstance(e, Example) else Example(*e) for e in self.examples)
        self._check_texts()
        self.compiled = compile_finder(self.finder)
        for role, predictor in (("predictor", self.predictor), ("foil", self.foil)):
            if isinstance(predictor, str):
                unknown = [n for n in template_fields(predictor) if n not in self.compiled.groupindex]
                if unknown:
                    raise LmgameError(f"{role} template {predictor!r} uses {unknown[0]!r}, which is not a named "
                                      f"group of the finder (it has {', '.join(self.compiled.groupindex)})")
            elif predictor is not None and not callable(predictor):
                raise LmgameError(f"{role} must be a template string or a function of (match, context)")
        if self.predictor is None:
            raise LmgameError(f"candidate {self.name}: a predictor is required")
        self.variants = variant_source(self.variants)

    def _check_texts(self) -> None:
        texts = [("finder", self.finder), ("description", self.description), ("predictor", self.predictor),
                 ("foil", self.foil)] + [(f"tag {n}", tag) for n, tag in enumerate(self.tags, 1)]
        for number, example in enumerate(self.examples, start=1):
            texts += [(f"example {number}'s context", example.context), (f"example {number}'s answer", example.answer)]
        for what, text in texts:
            if isinstance(text, str):
                _check_text(what, text)

    @property
    def fingerprint(self) -> str:
        """Changes whenever the definition does: part of every cached result's key."""
        basis = self.definition or repr((self.finder, self.predictor, self.foil, self.overlapped))
        return hashlib.sha256(f"{self.name}\0{basis}".encode()).hexdigest()[:16]

    def _answer(self, predictor: Any, match: Match, context: str, seconds: float) -> tuple[str | None, int | None]:
        """(the answer, where in the context its source starts: a Sourced answer's, else None)."""
        if predictor is None:
            return None, None
        if isinstance(predictor, str):
            return render_template(predictor, match), None
        value: Any
        if self.source == "built-in":  # ours and tested: spared the deadline's tracing, which slows it down
            value = predictor(match, context)
        else:
            value = call_with_deadline(predictor, (match, context), seconds)
        source = None
        if isinstance(value, Sourced):
            value, source = value.answer, value.source
            if not isinstance(source, int) or isinstance(source, bool) or not 0 <= source < len(context):
                raise ValueError(f"returned a source at {shortened(repr(source))}, not a position in the context "
                                 f"(0 to {len(context) - 1})")
        if value is not None and not isinstance(value, str):
            raise TypeError(f"returned {type(value).__name__}, not a string or None")
        return value, source

    def find(self, text: str, timeout: float | None = None) -> Iterator[Found]:
        """Every instance in `text`, in order, lazily (taking the first few reads only that far into the text);
        DocumentTimeout when the finder runs past `timeout` seconds. The finder reads MATCH_BATCH matches at a
        time and predictors run between batches, so that a predictor's time is not the finder's: each call of a
        Python predictor gets `timeout` seconds of its own (PREDICTOR_TIMEOUT without one), and one that runs
        past it is that instance's error."""
        for match in self._matches(text, timeout):
            yield self._found(match, text, timeout or PREDICTOR_TIMEOUT)

    def _matches(self, text: str, timeout: float | None) -> Iterator[Match]:
        """The matches one search of the whole text gives, read in batches from a search resumed where the last
        batch ended, each given the finder's time left (the regex package counts CPU time from a search's start,
        so one search read slowly would count the predictors' time too)."""
        left, last = timeout, None
        while True:
            started = time.process_time()
            try:
                batch = self._batch(text, last, left)
            except TimeoutError:
                raise DocumentTimeout(f"finder ran past {timeout} s") from None
            if left is not None:
                left -= time.process_time() - started
            yield from batch
            if len(batch) < MATCH_BATCH or self.compiled.flags & regex.REVERSE:
                return  # a (?r) finder searches from the end: its one batch holds every match
            last = batch[-1]

    def _batch(self, text: str, last: Match | None, left: float | None) -> list[Match]:
        """The next MATCH_BATCH matches after `last`; TimeoutError past `left` seconds."""
        if left is not None and left <= 0:
            raise TimeoutError
        reverse = bool(self.compiled.flags & regex.REVERSE)
        # concurrent: let other threads run while a slow finder works (the TUI previews in a worker)
        matches = self.compiled.finditer(text, pos=self._resume_at(last), overlapped=self.overlapped, timeout=left,
                                         concurrent=True)
        batch = list(islice(matches, None if reverse else MATCH_BATCH))
        if batch and last is not None and last.start() == last.end() and batch[0].span() == last.span():
            del batch[0]  # the empty match the last batch ended with: the search it came from would not repeat it
            batch += islice(matches, 1)
        return batch

    def _resume_at(self, last: Match | None) -> int:
        """Where the search after `last` goes on: an overlapped one at the next position, another where the
        match ended (after an empty match too, which `_batch` then drops as the resumed search finds it again)."""
        if last is None:
            return 0
        return int(last.start() + 1 if self.overlapped else last.end())

    def _found(self, match: Match, text: str, predictor_seconds: float) -> Found:
        offset = match.start(ANSWER_GROUP)
        answer = match.group(ANSWER_GROUP)
        if offset < 0 or answer is None:
            return Found(max(offset, 0), "", None, error="the answer group did not take part in the match")
        context = text[:offset]
        groups = {name: shortened(value, GROUP_CHARS) for name, value in match.groupdict().items()
                  if value is not None and name != ANSWER_GROUP} or None
        source = match.start(SOURCE_GROUP) if SOURCE_GROUP in self.compiled.groupindex else -1
        try:
            predicted, sourced = self._answer(self.predictor, match, context, predictor_seconds)
            foil, _ = self._answer(self.foil, match, context, predictor_seconds)
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - a user's predictor may raise anything, even SystemExit,
            # or run past its deadline: record it, go on
            return Found(offset, answer, None, error=f"{type(error).__name__}: {error}", groups=groups)
        if predicted == "":
            return Found(offset, answer, None, foil, error="the predictor gave an empty answer", groups=groups)
        if sourced is not None:
            source = sourced
        return Found(offset, answer, predicted, foil or None, groups=groups,
                     source=source if 0 <= source < offset else None)

    def find_example(self, example: Example) -> Found | None:
        """The instance the finder produces at the example's answer, or None if it does not match there."""
        text = example.context + example.answer
        for match in self._matches(text, EXAMPLE_TIMEOUT):
            if max(match.start(ANSWER_GROUP), 0) == len(example.context):  # the predictor runs only here
                return self._found(match, text, EXAMPLE_TIMEOUT)
        return None

    def check_examples(self) -> list[str]:
        """Problems with the hand-written examples: each one must be found, and predicted."""
        problems = []
        for number, example in enumerate(self.examples, start=1):
            try:
                found = self.find_example(example)
            except DocumentTimeout:
                problems.append(f"example {number}: the finder ran past {EXAMPLE_TIMEOUT:g} s on it")
                continue
            problem = _judged(f"example {number}", found, example.answer, "the example expects",
                              f"the context ({example.context[-40:]!r})")
            if problem:
                problems.append(problem)
        return problems

    def check_variants(self, n: int = VARIANTS_CHECKED, seed: int = 0) -> list[str]:
        """Problems with the variant generator: each of `n` variants drawn with `seed` must hold each of its
        instances where the finder finds one, and the predictor must give the instance's answer there."""
        if self.variants is None:
            return []
        try:
            variants = make_variants(self.variants, n, seed, self.source == "built-in")
        except LmgameError as error:
            return [str(error)]
        problems = []
        for number, variant in enumerate(variants, start=1):
            try:
                found = {item.offset: item for item in self.find(variant.text, EXAMPLE_TIMEOUT)}
            except DocumentTimeout:
                problems.append(f"variant {number}: the finder ran past {EXAMPLE_TIMEOUT:g} s on it")
                continue
            for planted in variant.instances:
                where = f"variant {number} ({', '.join(f'{k}={v}' for k, v in planted.slots.items())})"
                problem = _judged(where, found.get(planted.offset), planted.answer, "the variant's answer is",
                                  repr(shortened(variant.text[: planted.offset][-40:])))
                if problem:
                    problems.append(problem)
        if len(problems) > PROBLEMS_SHOWN:
            problems[PROBLEMS_SHOWN:] = [f"... and {len(problems) - PROBLEMS_SHOWN} more problems with variants"]
        return problems


def candidate(
    *,
    name: str,
    finder: str,
    description: str = "",
    tags: Sequence[str] = (),
    foil: Any = None,
    examples: Sequence[tuple[str, str] | Example] = (),
    overlapped: bool = False,
    variants: Any = None,
) -> Callable[[PredictFunction], Candidate]:
    """Make a Python function of (match, context) the predictor of a candidate (see the module docstring)."""

    def wrap(function: PredictFunction) -> Candidate:
        return Candidate(
            name=name, finder=finder, predictor=function, foil=foil, description=description or
            (function.__doc__ or "").strip(), tags=tuple(tags), overlapped=overlapped,
            examples=tuple(e if isinstance(e, Example) else Example(*e) for e in examples), variants=variants,
        )

    return wrap
