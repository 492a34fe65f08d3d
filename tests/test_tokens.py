"""How a guess tokenizes in context, on the real GPT-2 tokenizer from ../shared."""

from __future__ import annotations

import pytest

from engine.tokens import continuation_ids, encode_with_offsets, token_text, visible
from games.rules import normalize_guess, rank_bucket


def _pieces(tokenizer, context: str, guess: str) -> list[str]:
    return [token_text(tokenizer, i) for i in continuation_ids(tokenizer, context, guess)]


def test_multi_token_name_in_context(gpt2_tokenizer) -> None:
    context = "My favourite composer is"
    guess = normalize_guess(context, "Tchaikovsky")
    assert guess == " Tchaikovsky"
    assert _pieces(gpt2_tokenizer, context, guess) == [" T", "cha", "ik", "ovsky"]


def test_leading_space_matters(gpt2_tokenizer) -> None:
    with_space = continuation_ids(gpt2_tokenizer, "The cat sat on the", " mat")
    glued = continuation_ids(gpt2_tokenizer, "The cat sat on the", "mat")
    assert with_space != glued
    assert visible(token_text(gpt2_tokenizer, with_space[0])) == "␣mat"


@pytest.mark.parametrize(
    "context, raw, judged",
    [
        ("The cat sat on the", "mat", " mat"),  # a word after a word gets its space
        ("The cat sat on the", " mat", " mat"),  # a typed space is kept
        ("He said hello", ".", "."),  # punctuation closes up
        ('She said, "I want to play', '"', '"'),  # a closing quote closes up
        ("Tchaik", "+ovsky", "ovsky"),  # "+" glues to the word before
        ("Once upon a time\n", "Lily", "Lily"),  # after a newline, no space
        ("(", "see", "see"),  # after an opening bracket, no space
        ("Thank you, Spot.", "polish", " polish"),  # a lower-case word after a sentence still gets its space
        ("write to felix.orlowe@pellowingardens.", "com", "com"),  # but not inside an address
        ("It weighs 0.", "5", "5"),
        ('He said, "Hi."', "Then", " Then"),  # after a closing quote, a space
        ("Lily said,", '"', ' "'),  # an opening quote after a word gets its space
        ("Write a line.", "\\n", "\n"),
        ("", "Once", "Once"),  # at the very start, no space
    ],
)
def test_normalize_guess(context: str, raw: str, judged: str) -> None:
    assert normalize_guess(context, raw) == judged


def test_punctuation_tokens(gpt2_tokenizer) -> None:
    assert _pieces(gpt2_tokenizer, 'She said, "I want to play', '."') == ['."']
    assert _pieces(gpt2_tokenizer, "Hello", ",") == [","]
    assert _pieces(gpt2_tokenizer, "It costs", " $5.") == [" $", "5", "."]


def test_offsets_cover_the_text(gpt2_tokenizer) -> None:
    text = 'Kitty smiled and replied, "Thank you, Spot."'
    ids, offsets = encode_with_offsets(gpt2_tokenizer, text)
    assert "".join(text[a:b] for a, b in offsets) == text
    assert [token_text(gpt2_tokenizer, i) for i in ids] == [text[a:b] for a, b in offsets]


def test_rank_buckets() -> None:
    assert [rank_bucket(r) for r in (1, 2, 10, 11, 100, 101, 50000)] == [
        "top1", "top10", "top10", "top100", "top100", "rest", "rest"
    ]


def test_sentencepiece_tokens_keep_their_space(stories260k) -> None:
    tokenizer = stories260k.tokenizer
    pieces = [token_text(tokenizer, i) for i in tokenizer.encode("Once upon a time", add_special_tokens=False)]
    assert "".join(pieces) == " Once upon a time"
    assert visible(pieces[1]).startswith("␣")


def _as_a_player_types(context: str, true: str) -> str:
    """What a player who knows the true token types, following the README: a word without its space, "+" to
    continue a word, punctuation as it is, "\\n" for a line break."""
    if true.startswith(" ") and true[1:2].isalnum():
        return true.lstrip(" ")
    if context and not context[-1].isspace() and true[:1].isalnum() and context[-1].isalnum():
        return "+" + true
    return true.replace("\n", "\\n")


def test_the_guess_rules_read_a_knowing_player_right_on_the_demo_texts(default_lm) -> None:
    from games.board import Board
    from games.demo import demo_documents

    total, wrong = 0, []
    for doc in demo_documents():
        board = Board(doc, [default_lm])
        for position in range(len(board)):
            context, true = board.context(position), board.true_text(position)
            total += 1
            if normalize_guess(context, _as_a_player_types(context, true)) != true:
                wrong.append((context[-20:], true))
    assert len(wrong) / total < 0.002, f"{len(wrong)} of {total} misread, e.g. {wrong[:8]}"


def test_continuation_in_a_long_context_tokenizes_as_in_the_whole_text(gpt2_tokenizer) -> None:
    context = "The composer Tchaikovsky wrote many works. " * 40 + "Later that year"
    for guess in (" Tchaikovsky", ",", " the", "'s"):
        whole = encode_with_offsets(gpt2_tokenizer, context + guess)[0]
        before = len(encode_with_offsets(gpt2_tokenizer, context)[0])
        assert continuation_ids(gpt2_tokenizer, context, guess) == whole[before:]
