"""What a finder may compile to, measured before it is compiled.

Compiling a regular expression writes each counted repeat out: `a{4294967294}` or `((a{1000}){1000}){1000}`
takes gigabytes from a pattern of a few bytes. So a finder is measured first, on the parse tree of the
`regex` package's own parser (the first step of `regex.compile`, which writes nothing out; a parser of our
own would read verbose mode, comments and V1 nested sets differently from it, and could be fooled), and
refused when it is too large.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

from engine.errors import LmgameError

MAX_FINDER_CHARS = 5_000  # the longest built-in finder has under 400
MAX_REPEAT = 10_000  # the largest count of a counted repeat {m,n}
MAX_WRITTEN_OUT = 100_000  # items of the pattern with every counted repeat written out (nested ones multiply)
FLAG_RETRIES = 10  # the parser starts again when it meets a global flag late in the pattern
# the parser is regex's private module, which its type stubs leave out: typed as what it is to us, unknown
_regex_core: Any = importlib.import_module("regex._regex_core")


def _parse(pattern: str) -> Any:
    """The parse tree regex.compile would build (regex.error for a syntax error, as compiling gives)."""
    flags = 0
    for _ in range(FLAG_RETRIES):
        source = _regex_core.Source(pattern)
        info = _regex_core.Info(flags, source.char_type, {})
        info.guess_encoding = _regex_core.UNICODE
        source.ignore_space = bool(info.flags & _regex_core.VERBOSE)
        try:
            return _regex_core._parse_pattern(source, info)
        except _regex_core._UnscopedFlagSet:
            flags = info.global_flags
    raise LmgameError("finder sets its global flags too many times")


def _children(node: Any) -> list[Any]:
    children = []
    for value in vars(node).values():
        if isinstance(value, _regex_core.RegexBase):
            children.append(value)
        elif isinstance(value, (list, tuple)):
            children += [item for item in value if isinstance(item, _regex_core.RegexBase)]
    return children


def _written_out(node: Any) -> int:
    """How many items `node` is with every counted repeat written out; LmgameError for a count over
    MAX_REPEAT."""
    if isinstance(node, _regex_core.GreedyRepeat):  # lazy and possessive repeats are kinds of it
        for count in (node.min_count, node.max_count):
            if count is not None and count > MAX_REPEAT:
                raise LmgameError(f"finder repeats something {count:,} times: a counted repeat {{m,n}} may be at "
                                  f"most {MAX_REPEAT:,}")
        times = node.max_count if node.max_count is not None else max(node.min_count, 1)
        return int(times) * _written_out(node.subpattern)
    return 1 + sum(_written_out(child) for child in _children(node))


@functools.lru_cache(maxsize=1024)  # a finder that passes once passes again (regex.compile caches too)
def check_finder_size(pattern: str) -> None:
    """LmgameError, in one line naming the limit, for a finder too large to compile safely."""
    if len(pattern) > MAX_FINDER_CHARS:
        raise LmgameError(f"finder is {len(pattern):,} characters long: at most {MAX_FINDER_CHARS:,}")
    try:
        size = _written_out(_parse(pattern))
    except RecursionError:
        raise LmgameError("finder is nested too deeply") from None
    except AttributeError as error:  # the parser is the regex package's own, not its public interface
        raise LmgameError(f"cannot measure finders with this version of the regex package: {error}") from None
    if size > MAX_WRITTEN_OUT:
        raise LmgameError(f"finder is {size:,} items with its counted repeats written out (nested repeats "
                          f"multiply): at most {MAX_WRITTEN_OUT:,}")
