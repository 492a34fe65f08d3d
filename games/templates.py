"""Templates: text with {slot} or {slot|filter} fields, the data-only way a TOML candidate writes its predictor
and foil over the finder's named groups, and a variant generator its texts over its slots. Filters are text in,
text out: no code from a file ever runs."""

from __future__ import annotations

import string
from collections.abc import Callable

import regex

from engine.errors import LmgameError


def _initials(text: str) -> str:
    return "".join(word[0] for word in regex.findall(r"\b[A-Z][\w'-]*", text))


# what a template may do to a group: text in, text out, no code from the file (a TOML candidate stays data)
FILTERS: dict[str, Callable[[str], str]] = {
    "lower": str.lower,
    "upper": str.upper,
    "title": str.title,
    "strip": str.strip,
    "nospace": lambda text: "".join(text.split()),
    "initials": _initials,  # the first letter of each capitalised word: an acronym
    "inc": lambda text: str(int(text) + 1),
    "dec": lambda text: str(int(text) - 1),
}


def _parse_field(template: str, field: str) -> tuple[str, list[str]]:
    name, *filters = [part.strip() for part in field.split("|")]
    if not name.isidentifier():
        raise LmgameError(f"template {template!r}: only {{group}} or {{group|filter}} fields are allowed, "
                          f"not {{{field}}}")
    unknown = [f for f in filters if f not in FILTERS]
    if unknown:
        raise LmgameError(f"template {template!r}: unknown filter {unknown[0]!r} (filters: {', '.join(FILTERS)})")
    return name, filters


def template_parts(template: str) -> list[tuple[str, str | None, list[str]]]:
    """(literal text, group or None, filters) pieces of a template; LmgameError for anything else."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise LmgameError(f"template {template!r}: {error}") from None
    pieces: list[tuple[str, str | None, list[str]]] = []
    for literal, field_text, spec, conversion in parts:
        if field_text is None:
            pieces.append((literal, None, []))
            continue
        if spec or conversion:
            raise LmgameError(f"template {template!r}: only {{group}} or {{group|filter}} fields are allowed")
        name, filters = _parse_field(template, field_text)
        pieces.append((literal, name, filters))
    return pieces


def template_fields(template: str) -> list[str]:
    """The group names a template uses; LmgameError for anything but {group} and {group|filter} fields."""
    return [name for _, name, _ in template_parts(template) if name is not None]
