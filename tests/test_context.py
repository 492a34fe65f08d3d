"""The context a model sees: score, predict and play give a position the same window (BOS, then as many text
tokens before it as fit, ending at the answer's last token), and an answer is scored from a token boundary."""

from __future__ import annotations

import json
import math

import pytest
import torch

from engine.corpus import Document
from engine.nexttoken import Stepper
from engine.predict import predict
from engine.scoring import BatchScorer, Request, Target, attach, score_requests
from engine.tokens import encode, encode_with_offsets, token_starts
from games.board import Board
from tests.conftest import shared


def long_story(lm, tokens: int) -> str:
    """Real TinyStories stories joined until the text is longer than `tokens` tokens."""
    text = ""
    with shared("tinystories", "stories.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            text += json.loads(line)["text"] + "\n"
            if len(encode(lm.tokenizer, text)) > tokens:
                return text
    raise AssertionError("too little text")


def word_positions(lm, text: str, ids: list[int], starts: list[int], near: list[int]) -> list[int]:
    """For each index in `near`, the first token at or after it that starts a word after a space and where
    the text cut there tokenizes as the whole text does (so that predict on the cut text sees the same ids)."""
    chosen = []
    for index in near:
        while not (text[starts[index]] == " " and text[starts[index] + 1 : starts[index] + 2].isalpha()
                   and encode(lm.tokenizer, text[: starts[index]]) == ids[:index]):
            index += 1
        chosen.append(index)
    return chosen


@torch.inference_mode()
def plain(lm, ids: list[int], index: int, answer: list[int]) -> tuple[float, float]:
    """First-token and whole-answer log-probability from one plain forward pass: BOS, then the last text
    tokens before the answer that fit in the window beside the answer's own."""
    bos = [lm.bos_id] if lm.bos_id is not None else []
    room = lm.max_positions - len(bos) - (len(answer) - 1)
    window = bos + ids[max(0, index - room) : index] + answer[:-1]
    assert len(window) <= lm.max_positions
    logprobs = lm.model(input_ids=torch.tensor([window])).logits[0].float().log_softmax(-1)
    first = len(window) - len(answer)
    steps = [float(logprobs[first + k, t]) for k, t in enumerate(answer)]
    return steps[0], sum(steps)


@pytest.mark.parametrize("which", ["default_lm", "stories260k"])
def test_score_predict_and_play_see_the_same_full_window(which: str, request: pytest.FixtureRequest) -> None:
    lm = request.getfixturevalue(which)
    window = lm.max_positions
    text = long_story(lm, window + 400)
    ids, offsets = encode_with_offsets(lm.tokenizer, text)
    starts = token_starts(offsets)
    positions = word_positions(lm, text, ids, starts, [60, window - 3, window + 40, window + 300])
    assert positions[-1] > window
    board = Board(Document("long", text), [lm])
    targets, expected, seen = [], [], []  # seen: (first-token, whole-answer log-probability) per way
    for index in positions:
        offset = starts[index]
        single = text[offset : starts[index + 1]]  # the text's next token
        several = text[offset : starts[index + 3]]  # and the two after it
        for answer in (single, several):
            _, answer_ids = attach(lm.tokenizer, text, ids, starts, offset, answer)
            targets.append(Target(offset, answer))
            expected.append(plain(lm, ids, index, answer_ids))
        answers = predict(lm, text[:offset], top_k=1, answers=(single, several))["answers"]
        board.views(index, 5)  # the look-ahead, as play computes it while the player types
        (view,) = board.views(index, 5, several)
        assert view.true.id == ids[index] and view.guess is not None
        play_single = view.distribution.logprob(view.true.id)
        seen.append({"predict": (math.log(answers[0]["prob"]), answers[0]["logprob"]),
                     "play": (play_single, play_single)})
        seen.append({"predict": (math.log(answers[1]["prob"]), answers[1]["logprob"]),
                     "play": (math.log(view.guess.first.prob), view.guess.logprob)})
    (together,) = score_requests(lm, [Request(text, tuple(targets))])
    for target, score, reference, ways in zip(targets, together, expected, seen, strict=True):
        (alone,) = score_requests(lm, [Request(text, (target,))])[0]
        assert score.error is None and alone.error is None
        ways |= {"score together": (score.logprob, score.answer_logprob),
                 "score alone": (alone.logprob, alone.answer_logprob)}
        for way, (first, whole) in ways.items():
            assert first == pytest.approx(reference[0], abs=1e-4), (way, target)
            assert whole == pytest.approx(reference[1], abs=1e-4), (way, target)
    for index, short, long in zip(positions, together[::2], together[1::2], strict=True):
        assert short.context_tokens == min(index, window - 1)  # BOS, then the text
        assert long.context_tokens == min(index, window - 1 - (long.answer_tokens - 1))  # and the answer's own


def test_a_text_that_fits_is_one_pass_and_a_long_one_a_window_per_target(default_lm) -> None:
    window = default_lm.max_positions
    text = long_story(default_lm, window + 200)
    ids, offsets = encode_with_offsets(default_lm.tokenizer, text)
    starts = token_starts(offsets)
    early = word_positions(default_lm, text, ids, starts, [5, 50, 300, 400])
    scorer = BatchScorer(default_lm)
    scorer.score([Request(text, tuple(Target(starts[i], text[starts[i] : starts[i + 1]]) for i in early))])
    assert scorer.tokens_fed == 1 + early[-1]  # one pass: BOS and the text up to the last target
    late = word_positions(default_lm, text, ids, starts, [window + 50, window + 150])
    targets = [Target(starts[i], text[starts[i] : starts[i + 1]]) for i in late]
    targets.append(Target(starts[late[0]], " the"))  # another answer at the same place: the same window
    scorer = BatchScorer(default_lm)
    scores = scorer.score([Request(text, tuple(targets))])[0]
    assert [s.context_tokens for s in scores] == [window - 1] * 3
    assert scorer.tokens_fed == 2 * window  # a full window ending at each place


def test_the_stepper_keeps_its_cache_while_the_text_fits_and_refreshes_the_window_past_it(stories260k) -> None:
    ids = encode(stories260k.tokenizer, long_story(stories260k, stories260k.max_positions + 50))
    stepper = Stepper(stories260k)
    fed: list[int] = []
    forward = stepper._forward

    def counting(new: list[int], rows: int) -> torch.Tensor:
        fed.append(len(new))
        return forward(new, rows)

    stepper._forward = counting  # type: ignore[method-assign]
    window = stories260k.max_positions
    for cut in range(window - 5, window + 5):
        dist = stepper.distribution(ids[:cut])
        expected = [stories260k.bos_id] + ids[max(0, cut - (window - 1)) : cut]
        assert stepper.cached == expected
        with torch.inference_mode():
            logits = stories260k.model(input_ids=torch.tensor([expected])).logits[0, -1].float()
        assert torch.allclose(dist.logprobs, logits.log_softmax(-1), atol=1e-5)
    first_step = window - 5  # a fresh stepper feeds the whole context once, then one token a step inside the window
    assert fed[: window - 1 - first_step + 1] == [first_step + 1] + [1] * (window - 1 - first_step)
    assert all(n == window - 1 for n in fed[window - first_step :])  # past it: everything after BOS, every step


# --- the answer is scored from a token boundary


QUOTES = ['Tom said, "I am here." Then he sat.', 'Tom said, "I am here. Then I will go."',
          'Sue asked, "Can we play?" Tom nodded.', '"Yes," said Tom.']


def scored(tokenizer, text: str, offset: int, answer: str) -> tuple[str, list[str]]:
    """(the context the answer is scored after, the answer's tokens there)."""
    ids, offsets = encode_with_offsets(tokenizer, text)
    starts = token_starts(offsets)
    index, answer_ids = attach(tokenizer, text, ids, starts, offset, answer)
    begin = starts[index] if index < len(ids) else len(text)
    return text[:begin], [tokenizer.decode([i]) for i in answer_ids]


def mark_offsets(text: str) -> list[int]:
    return [i + 1 for i, char in enumerate(text) if char in ".!?," and text.count('"', 0, i) % 2 == 1]


@pytest.mark.parametrize("tokenizer_of", ["default_lm", "gpt2"])
def test_a_quote_that_merges_with_its_mark_is_scored_as_the_merged_token(
        tokenizer_of: str, request: pytest.FixtureRequest) -> None:
    tokenizer = (request.getfixturevalue("gpt2_tokenizer") if tokenizer_of == "gpt2"
                 else request.getfixturevalue("default_lm").tokenizer)
    for text in QUOTES:
        for offset in mark_offsets(text):
            context, pieces = scored(tokenizer, text, offset, '"')
            mark = text[offset - 1]
            assert context == text[: offset - 1] and pieces == [mark + '"'], (text, offset)


def test_a_quote_after_its_mark_on_sentencepiece_keeps_the_mark_in_the_context(stories260k) -> None:
    for text in QUOTES:
        for offset in mark_offsets(text):
            context, pieces = scored(stories260k.tokenizer, text, offset, '"')
            assert context == text[:offset] and pieces == ['"'], (text, offset)


def test_close_quote_rows_say_what_was_scored(default_lm, stories260k) -> None:
    from engine.cache import ResultCache
    from engine.tokens import continuation_ids
    from games.library import load_library
    from games.scoring import Corpus, ScoreOptions, score_all

    quote = load_library().candidates["close-quote"]
    corpus = Corpus("quotes", [Document(str(n), text) for n, text in enumerate(QUOTES)])
    marks = [(n, offset) for n, text in enumerate(QUOTES) for offset in mark_offsets(text) if text[offset] in '" ']
    # alone, each model is asked for the quote where its own tokenizer starts it; in one run, both from the mark
    results = [score_all([quote], [lm], corpus, ScoreOptions(), ResultCache(None))[0]
               for lm in (default_lm, stories260k)]
    results += score_all([quote], [default_lm, stories260k], corpus, ScoreOptions(), ResultCache(None))
    expected = ((default_lm, True), (stories260k, False), (default_lm, True), (stories260k, True))
    for result, (lm, merged) in zip(results, expected, strict=True):
        assert result.lm is lm
        assert [(int(r.document), r.offset) for r in result.rows] == marks
        for row in result.rows:
            text, offset = QUOTES[int(row.document)], row.offset
            assert row.context.endswith(text[offset - 1]) and row.predicted == '"'
            assert row.answer == '"' or (row.answer[0] == " " and row.answer[1:].isalpha())
            assert row.scored_answer == (text[offset - 1] + '"' if merged else '"')
            context = text[: offset - 1] if merged else text[:offset]
            context_ids = encode(lm.tokenizer, context)
            assert row.context_tokens == len(context_ids)
            answer_id = continuation_ids(lm.tokenizer, context, row.scored_answer)[0]
            with torch.inference_mode():
                logits = lm.model(input_ids=torch.tensor([[lm.bos_id] + context_ids])).logits[0, -1].float()
            assert row.prob == pytest.approx(float(logits.softmax(-1)[answer_id]), abs=1e-5)
