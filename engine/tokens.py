"""Tokenization as a player sees it: token text with visible spaces, and continuations in context."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

VISIBLE = {" ": "␣", "\n": "⏎", "\t": "⇥"}


def visible(text: str) -> str:
    """Make whitespace visible, so that " cat" and "cat" look different on screen."""
    return "".join(VISIBLE.get(char, char) for char in text)


def token_text(tokenizer: PreTrainedTokenizerBase, token_id: int) -> str:
    """The text of one token, with byte-level or SentencePiece markers turned back into characters."""
    text = cast(str, tokenizer.decode([token_id], clean_up_tokenization_spaces=False))  # one sequence: one string
    piece = tokenizer.convert_ids_to_tokens(token_id)
    if isinstance(piece, str) and piece.startswith("▁") and not text.startswith(" "):
        text = " " + text  # SentencePiece decoders drop a word's space when the token stands alone
    return text


def encode(tokenizer: PreTrainedTokenizerBase, text: str) -> list[int]:
    return list(tokenizer.encode(text, add_special_tokens=False))


def encode_with_offsets(tokenizer: PreTrainedTokenizerBase, text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Token ids of a whole text and each token's (start, end) character span."""
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    return list(encoded["input_ids"]), [tuple(span) for span in encoded["offset_mapping"]]


CONTEXT_TAIL = 256  # characters of context that decide how a continuation tokenizes


def attached_ids(tokenizer: PreTrainedTokenizerBase, context: str, continuation: str) -> list[int] | None:
    """How `continuation` tokenizes when it follows `context` in the same text, or None where its first
    characters merge with the end of the context into one token (GPT-2 writes '."' as one token)."""
    if not continuation:
        return []
    if len(context) > CONTEXT_TAIL:
        # only the end of the context touches the continuation: cut at a space, where tokens break anyway,
        # so that a keystroke near the end of a long text does not re-encode all of it
        cut = context.rfind(" ", 0, len(context) - CONTEXT_TAIL)
        context = context[cut:] if cut > 0 else context
    context_ids = encode(tokenizer, context)
    full = encode(tokenizer, context + continuation)
    return full[len(context_ids) :] if full[: len(context_ids)] == context_ids else None


def continuation_ids(tokenizer: PreTrainedTokenizerBase, context: str, continuation: str) -> list[int]:
    """How `continuation` tokenizes when it follows `context`; where it merges with the context's end, the
    piece as it tokenizes alone."""
    return attached_ids(tokenizer, context, continuation) or encode(tokenizer, continuation)


def token_starts(offsets: list[tuple[int, int]]) -> list[int]:
    """Where each token starts, counting a gap before it (a space some tokenizers trim from offsets) as its
    own; the byte pieces of one character share that character's start."""
    starts, previous_end = [], 0
    for start, end in offsets:
        starts.append(min(start, previous_end))
        previous_end = max(previous_end, end)
    return starts
