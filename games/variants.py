"""Synthetic variants of a candidate: texts made to hold an instance, from a generator the candidate carries.

A data generator (a TOML candidate's [variants] table, or the same table as a Python dict) is templates with
{slot} fields, the values of each slot (a list, a named built-in list, or a range of whole numbers),
constraints between slots ("a != b"), and the answer and foil as templates over the slots:

    [variants]
    templates = ["When {io} and {s} went to the {place}, {s} gave a drink to "]
    answer = "{io}"
    foil = "{s}"
    constraints = ["io != s"]
    slots = {io = "names", s = "names", place = ["store", "park"]}

A template may also be a table with its own answer, foil and slots: {context = "...", answer = "...", slots =
{...}} (its slots replace the shared ones of the same name, and label its variants even where no template uses
them: slots = {order = ["BABA"]}). A variant's text is the context then the answer;
its instance is the answer, at the end of the context, with the slot values that made it. Values are literal
text: a value is never read as a template itself. A Python candidate may give a function of a random.Random
instead, returning a Variant (which may hold several instances); it can be sampled, not expanded whole.

Everything is bounded: list sizes, template sizes, and how many variants one expansion makes.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import regex

from engine.errors import LmgameError
from games import word_lists
from games.candidate_code import PREDICTOR_TIMEOUT, call_with_deadline
from games.display import shortened
from games.templates import FILTERS, template_parts

MAX_VARIANTS = 100_000  # variants one sample or one whole expansion may make
MAX_VALUES = 10_000  # values of one slot (a list or a range)
MAX_VALUE_CHARS = 500
MAX_TEMPLATES = 1_000
MAX_TEMPLATE_CHARS = 2_000
MAX_SLOTS = 100
MAX_CONSTRAINTS = 100
SAMPLE_TRIES = 50  # draws per variant wanted before a sample gives up on constraints that rule out nearly all
SAMPLE_CHECK, MIN_ACCEPTED = 10_000, 0.01  # every SAMPLE_CHECK draws, give up below this share of them kept

BUILTIN_LISTS: dict[str, tuple[str, ...]] = {
    "names": word_lists.NAMES_FEMALE + word_lists.NAMES_MALE,
    "names.female": word_lists.NAMES_FEMALE,
    "names.male": word_lists.NAMES_MALE,
    "objects": word_lists.OBJECTS,
    "places": word_lists.PLACES,
    "nouns.singular": word_lists.NOUNS_SINGULAR,
    "nouns.plural": word_lists.NOUNS_PLURAL,
    "words": word_lists.WORDS,
    "words.capitalised": word_lists.WORDS_CAPITALISED,
}
TABLE_KEYS = {"templates", "answer", "foil", "slots", "constraints"}
TEMPLATE_KEYS = {"context", "answer", "foil", "slots"}
CONSTRAINT = regex.compile(r"\s*([A-Za-z_]\w*)\s*(!=|==)\s*([A-Za-z_]\w*)\s*")
Parts = list[tuple[str, "str | None", list[str]]]


@dataclass(frozen=True)
class Planted:
    """An instance a variant's text was made to hold: the answer at `offset`, the foil, the slot values."""

    offset: int
    answer: str
    foil: str | None = None
    slots: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Variant:
    text: str
    instances: tuple[Planted, ...]


def _problem(message: str) -> LmgameError:
    return LmgameError(f"variants: {message}")


def _string(value: Any, what: str, most: int) -> str:
    if not isinstance(value, str):
        raise _problem(f"{what} must be a string, not {type(value).__name__}")
    if len(value) > most:
        raise _problem(f"{what} is over {most:,} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _problem(f"{what} is not valid Unicode text") from None
    return value


def slot_values(spec: Any, name: str) -> tuple[str, ...]:
    """The values a slot takes: a list of strings, the name of a built-in list, or {from = m, to = n}."""
    what = f"slot {name!r}"
    if isinstance(spec, str):
        if spec not in BUILTIN_LISTS:
            raise _problem(f"{what}: no built-in list {shortened(spec)!r} (lists: {', '.join(BUILTIN_LISTS)})")
        return BUILTIN_LISTS[spec]
    if isinstance(spec, dict):
        if set(spec) != {"from", "to"} or not all(type(spec[k]) is int for k in ("from", "to")):
            raise _problem(f"{what}: a range is {{from = M, to = N}}, two whole numbers")
        low, high = spec["from"], spec["to"]
        if not 0 < high - low + 1 <= MAX_VALUES:
            raise _problem(f"{what}: a range holds 1 to {MAX_VALUES:,} numbers, this one {high - low + 1:,}")
        return tuple(str(number) for number in range(low, high + 1))
    if isinstance(spec, (list, tuple)):  # a list in TOML; a Python candidate's table may hold tuples
        if not spec:
            raise _problem(f"{what} has no values")
        if len(spec) > MAX_VALUES:
            raise _problem(f"{what} has {len(spec):,} values, more than {MAX_VALUES:,}")
        return tuple(_string(value, f"{what}'s value {n}", MAX_VALUE_CHARS) for n, value in enumerate(spec, 1))
    raise _problem(f"{what} must be a list of strings, a built-in list's name or {{from = M, to = N}}")


def _parts(template: Any, what: str) -> Parts:
    text = _string(template, what, MAX_TEMPLATE_CHARS)
    try:
        return template_parts(text)
    except LmgameError as error:
        raise _problem(f"{what}: {error}") from None


def _fields(*parts: Parts | None) -> list[str]:
    return list(dict.fromkeys(name for piece in parts if piece for _, name, _ in piece if name is not None))


@dataclass(frozen=True)
class Template:
    """One way to make a variant: the context, answer and foil templates, and the values of each slot they use."""

    context: Parts
    answer: Parts
    foil: Parts | None
    names: tuple[str, ...]  # the slots it uses, in order of first use
    values: tuple[tuple[str, ...], ...]  # each one's values
    constraints: tuple[tuple[int, str, int], ...]  # (slot index, "!=" or "==", slot index)

    @property
    def count(self) -> int:
        return math.prod(len(v) for v in self.values)

    def allows(self, chosen: Sequence[str]) -> bool:
        return all((chosen[a] == chosen[b]) == (sign == "==") for a, sign, b in self.constraints)

    def variant(self, chosen: Sequence[str]) -> Variant:
        slots = dict(zip(self.names, chosen, strict=True))
        context, answer = _render(self.context, slots), _render(self.answer, slots)
        foil = _render(self.foil, slots) if self.foil is not None else None
        return Variant(context + answer, (Planted(len(context), answer, foil or None, slots),))


def _render(parts: Parts, slots: Mapping[str, str]) -> str:
    out = []
    for literal, name, filters in parts:
        out.append(literal)
        if name is None:
            continue
        value = slots[name]
        for filter_name in filters:
            try:
                value = FILTERS[filter_name](value)
            except ValueError:
                raise _problem(f"the filter {filter_name!r} cannot take {name} = {shortened(value)!r}") from None
        out.append(value)
    return "".join(out)


def _constraints(table: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    given = table.get("constraints", [])
    if not isinstance(given, (list, tuple)):
        raise _problem("'constraints' must be a list of strings such as \"a != b\"")
    if len(given) > MAX_CONSTRAINTS:
        raise _problem(f"more than {MAX_CONSTRAINTS} constraints")
    parsed = []
    for number, text in enumerate(given, start=1):
        found = CONSTRAINT.fullmatch(_string(text, f"constraint {number}", 200))
        if found is None:
            raise _problem(f"constraint {number} {shortened(text)!r}: write \"a != b\" or \"a == b\" over two slots")
        parsed.append((found[1], found[2], found[3]))
    return parsed


def _slot_table(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _problem(f"{what} must be a table of slot = values")
    if len(value) > MAX_SLOTS:
        raise _problem(f"{what} has more than {MAX_SLOTS} slots")
    for name in value:
        if not name.isidentifier():
            raise _problem(f"{what}: slot name {shortened(name)!r} is not a name (letters, digits, _)")
    return value


class VariantGenerator:
    """A data generator (see the module docstring), checked whole when it is made."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        if not isinstance(table, Mapping):
            raise _problem("must be a table")
        unknown = sorted(set(table) - TABLE_KEYS)
        if unknown:
            raise _problem(f"unknown key {shortened(unknown[0])!r} (known: {', '.join(sorted(TABLE_KEYS))})")
        templates = table.get("templates")
        if not isinstance(templates, (list, tuple)) or not templates:
            raise _problem("'templates' must be a non-empty list of strings or tables")
        if len(templates) > MAX_TEMPLATES:
            raise _problem(f"more than {MAX_TEMPLATES:,} templates")
        shared = _slot_table(table.get("slots", {}), "'slots'")
        constraints = _constraints(table)
        self.templates = tuple(self._template(t, n, table, shared, constraints)
                               for n, t in enumerate(templates, start=1))
        used = {name for template in self.templates for name in template.names}
        for left, _, right in constraints:
            for name in (left, right):
                if name not in used:
                    raise _problem(f"a constraint names {name!r}, which no template uses")
        self.table: dict[str, Any] = json.loads(json.dumps(dict(table)))  # as TOML reads it back: lists, not tuples

    @staticmethod
    def _template(given: Any, number: int, table: Mapping[str, Any], shared: dict[str, Any],
                  constraints: list[tuple[str, str, str]]) -> Template:
        what = f"template {number}"
        own: dict[str, Any] = {}
        if isinstance(given, dict):
            unknown = sorted(set(given) - TEMPLATE_KEYS)
            if unknown:
                known = ", ".join(sorted(TEMPLATE_KEYS))
                raise _problem(f"{what}: unknown key {shortened(unknown[0])!r} (known: {known})")
            own = _slot_table(given.get("slots", {}), f"{what}'s 'slots'")
            context_text, answer_text = given.get("context"), given.get("answer", table.get("answer"))
            foil_text = given.get("foil", table.get("foil"))
        else:
            context_text, answer_text, foil_text = given, table.get("answer"), table.get("foil")
        if answer_text is None:
            raise _problem(f"{what} has no answer: give 'answer' (for every template, or in the template's table)")
        context = _parts(context_text, f"{what}'s context")
        answer = _parts(answer_text, f"{what}'s answer")
        foil = None if foil_text is None else _parts(foil_text, f"{what}'s foil")
        names = list(dict.fromkeys([*_fields(context, answer, foil), *own]))  # its own slots label it, used or not
        slots = {**shared, **own}
        missing = [name for name in names if name not in slots]
        if missing:
            raise _problem(f"{what} uses {{{missing[0]}}}, which is no slot (slots: {', '.join(slots) or 'none'})")
        index = {name: n for n, name in enumerate(names)}
        return Template(
            context, answer, foil, tuple(names), tuple(slot_values(slots[name], name) for name in names),
            tuple((index[a], sign, index[b]) for a, sign, b in constraints if a in index and b in index))

    @property
    def count(self) -> int:
        """How many variants the templates make before constraints: what --all would have to go through."""
        return sum(template.count for template in self.templates)

    def every(self) -> Iterator[Variant]:
        """Every combination of every template that the constraints allow, in order; LmgameError past
        MAX_VARIANTS combinations, before making any."""
        if self.count > MAX_VARIANTS:
            raise LmgameError(f"--all would make {self.count:,} variants, more than {MAX_VARIANTS:,}: sample with --n")
        for template in self.templates:
            for chosen in itertools.product(*template.values):
                if template.allows(chosen):
                    yield template.variant(chosen)

    def sample(self, n: int, seed: int, trusted: bool = False) -> list[Variant]:
        """`n` different variants drawn with `seed` (a template at random, then each slot's value): the same
        seed, the same variants; all there are, in a random order, where there are fewer."""
        check_count(n)
        rng = random.Random(seed)
        if self.count <= 2 * n:  # a small space: draw from the whole of it
            every = [(t, chosen) for t, template in enumerate(self.templates)
                     for chosen in itertools.product(*template.values) if template.allows(chosen)]
            picked = rng.sample(every, min(n, len(every)))
            return [self.templates[t].variant(chosen) for t, chosen in picked]
        seen: set[tuple[int, tuple[str, ...]]] = set()
        variants: list[Variant] = []
        for draws in range(1, SAMPLE_TRIES * n + 1):
            if draws % SAMPLE_CHECK == 0 and len(variants) < draws * MIN_ACCEPTED:
                break  # constraints that rule out nearly every combination: say so now, not after millions of draws
            t = rng.randrange(len(self.templates))
            template = self.templates[t]
            chosen = tuple(values[rng.randrange(len(values))] for values in template.values)
            if (t, chosen) in seen or not template.allows(chosen):
                continue
            seen.add((t, chosen))
            variants.append(template.variant(chosen))
            if len(variants) == n:
                return variants
        raise LmgameError(f"variants: after {draws:,} draws only {len(variants):,} different variants met the "
                          "constraints: they rule out nearly every combination")


VariantFunction = Callable[[random.Random], Variant]


class FunctionGenerator:
    """A Python candidate's generator: a function of a random.Random returning a Variant, called once per
    variant; a user's function runs as a predictor does (its output to stderr, a deadline per call)."""

    def __init__(self, function: VariantFunction) -> None:
        self.function = function

    def every(self) -> Iterator[Variant]:
        raise LmgameError("a generator function makes variants at random: it has no --all (use --n)")

    def sample(self, n: int, seed: int, trusted: bool = False) -> list[Variant]:
        """`n` variants, the function called with one random.Random seeded with `seed`; `trusted` (built in):
        spared the deadline's tracing, which slows it down."""
        check_count(n)
        rng = random.Random(seed)
        return [self._call(rng, trusted) for _ in range(n)]

    def _call(self, rng: random.Random, trusted: bool) -> Variant:
        try:
            made = self.function(rng) if trusted else call_with_deadline(self.function, (rng,), PREDICTOR_TIMEOUT)
        except KeyboardInterrupt:
            raise
        except LmgameError:
            raise
        except BaseException as error:  # noqa: BLE001 - a user's function may raise anything, or run past its deadline
            raise _problem(f"the generator function raised {type(error).__name__}: {shortened(str(error))}") from None
        return checked_variant(made)


def checked_variant(made: Any) -> Variant:
    """`made` if it is a Variant whose instances each sit in its text, with string slots; LmgameError if not."""
    if not isinstance(made, Variant) or not isinstance(made.text, str) or not isinstance(made.instances, tuple):
        raise _problem(f"a generator function must return a Variant, not {type(made).__name__}")
    _string(made.text, "a variant's text", 100 * MAX_TEMPLATE_CHARS)
    if not made.instances:
        raise _problem("a variant holds no instance")
    for planted in made.instances:
        if not isinstance(planted, Planted) or not isinstance(planted.answer, str) or not planted.answer:
            raise _problem("each instance of a variant is a Planted with a non-empty answer")
        if not isinstance(planted.offset, int) or made.text[planted.offset : planted.offset + len(planted.answer)] \
                != planted.answer or planted.offset < 0:
            raise _problem(f"an instance's answer {shortened(planted.answer)!r} is not in the text at its offset")
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in dict(planted.slots).items()):
            raise _problem("an instance's slots must map names to strings")
    return made


VariantSource = VariantGenerator | FunctionGenerator


def variant_source(given: Any) -> VariantSource | None:
    """What a candidate's `variants` may be: nothing, a generator, its table (a dict), or a function."""
    if given is None or isinstance(given, (VariantGenerator, FunctionGenerator)):
        return given
    if isinstance(given, Mapping):
        return VariantGenerator(given)
    if callable(given):
        return FunctionGenerator(given)
    raise _problem("must be a table (the [variants] format) or a function of a random.Random")


def check_count(n: int) -> None:
    if not 1 <= n <= MAX_VARIANTS:
        raise LmgameError(f"the number of variants must be between 1 and {MAX_VARIANTS:,}")


def make_variants(source: VariantSource, n: int | None, seed: int, trusted: bool = False) -> list[Variant]:
    """`n` variants drawn with `seed`, or with `n` None every one there is; `trusted`: a built-in candidate's."""
    return list(source.every()) if n is None else source.sample(n, seed, trusted)
