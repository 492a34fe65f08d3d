"""What counts as a name when a pattern or a scan asks "a name seen earlier": a capitalised word that is not
one of the words that start sentences without being names, unless the text capitalises it mid-sentence too."""

from __future__ import annotations

import re

NAME = re.compile(r"[A-Z][a-z]+")
# capitalised words that start sentences without being names; one of them still counts as a name where the text
# also has it capitalised mid-sentence ("Will went home. She saw Will.")
_FUNCTION_WORDS = """
He She It They We You Him Her His Its Their Them Our Us My Me Your The An This That These Those There Here Then
When Where What Who Why How Which And But Or So Because If As At In On Of For From To With By After Before
Once One Two Some All Every Each No Not Yes Suddenly Finally Soon Later Now Today Tomorrow Yesterday Let
Please Thank Thanks Oh Wow Hello Hi Look Can Could Will Would Should Do Does Did Is Are Was Were Be Have Has
Had Everyone Everything Nobody Someone Something Maybe While Until Just Also Even Still Again Together
"""
FUNCTION_WORDS = frozenset(_FUNCTION_WORDS.split())


def capitalised_mid_sentence(word: str, text: str) -> bool:
    """The text has `word` after a lower-case letter or a comma, semicolon or colon and a space."""
    return re.search(rf"[a-z,;:] {re.escape(word)}\b", text) is not None


def is_name(word: str, text: str) -> bool:
    """`word` reads as a name in `text`."""
    if not NAME.fullmatch(word):
        return False
    return word not in FUNCTION_WORDS or capitalised_mid_sentence(word, text)
