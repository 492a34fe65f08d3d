"""Text from files (a shared finding, a candidate file, a corpus) made safe to print on a terminal.

A terminal obeys control characters: ESC starts sequences that clear the screen, set the window title or
write the clipboard (OSC 52); BEL, DEL and the C1 controls (U+0080-U+009F, 8-bit CSI among them) act too.
Bidirectional overrides reorder what is shown. Each such character is printed as an escape (`\\x1b`, `\\u202e`)
instead, so that what a file says is shown, never done.
"""

from __future__ import annotations

import json
from typing import Any

from engine.tokens import visible as visible  # the faces show white space with it, taken from here

BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_control(char: str) -> bool:
    """A character a terminal obeys or reorders by, rather than shows."""
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F or char in BIDI_CONTROLS


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character (C0 and newline included, DEL, C1, bidi controls) escaped:
    safe to print, and on one line."""
    if not any(is_control(char) for char in text):
        return text
    return "".join(_escaped(char) if is_control(char) else char for char in text)


def shortened(text: str, most: int = 60) -> str:
    """`text` cut to `most` characters, with an ellipsis where it was cut: for quoting a file in one line."""
    return text if len(text) <= most else text[:most] + "…"


def printable_json(data: Any) -> str:
    """JSON of `data` with non-ASCII text kept readable, and DEL and the C1 controls (which json leaves raw
    with ensure_ascii=False) written as \\u escapes: still the same JSON, safe on a terminal."""
    text = json.dumps(data, ensure_ascii=False)
    return "".join(f"\\u{ord(char):04x}" if is_control(char) else char for char in text)
