"""The batch scoring engine against a direct transformers forward pass, batching against scoring alone, the
bigram baseline, the bootstrap and the result cache."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch

from engine.bigram import START, Bigram
from engine.cache import ResultCache, cache_key
from engine.scoring import Request, Target, score_requests
from engine.tokens import continuation_ids, encode

STORY = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
         "One day, Lily saw a big dog named Max. Max wanted to play with Lily. Lily and Max ran to the tree.")


def direct(lm, context: str, answer: str, foil: str | None = None, max_context: int | None = None) -> dict:
    """The plain way: one full forward pass over BOS + context + answer, every logit computed."""
    context_ids = encode(lm.tokenizer, context)
    if max_context is not None:
        context_ids = context_ids[-max_context:]
    answer_ids = continuation_ids(lm.tokenizer, context, answer)
    bos = [lm.bos_id] if lm.bos_id is not None else []
    ids = torch.tensor([bos + context_ids + answer_ids])
    with torch.no_grad():
        logits = lm.model(input_ids=ids).logits[0].float()
    logprobs = logits.log_softmax(-1)
    first = len(bos) + len(context_ids) - 1
    result = {
        "prob": float(logprobs[first, answer_ids[0]].exp()),
        "answer_logprob": sum(float(logprobs[first + k, t]) for k, t in enumerate(answer_ids)),
        "rank": 1 + int((logits[first] > logits[first, answer_ids[0]]).sum()),
    }
    if foil is not None:
        foil_id = continuation_ids(lm.tokenizer, context, foil)[0]
        result["logit_diff"] = float(logits[first, answer_ids[0]] - logits[first, foil_id])
    return result


def targets_in(text: str) -> list[tuple[Target, str]]:
    """Targets of every kind, each with the context the engine should score it after."""
    lily = text.index(" Lily saw")
    max_at = text.index(" Max wanted")
    tree = text.index(" the tree")
    return [
        (Target(lily, " Lily", " Max"), text[:lily]),  # one token, what the text says, with a foil
        (Target(max_at, " Max wanted to", None), text[:max_at]),  # several tokens along the text
        (Target(tree, " the big house", " a"), text[:tree]),  # several tokens the text does not have
        (Target(lily + 1, "Tom", "Max"), text[:lily]),  # inside a token: the space joins the answer
        (Target(0, "Once", None), ""),  # at the very start: predicted from BOS alone
    ]


@pytest.mark.parametrize("which", ["default_lm", "stories260k"])
def test_engine_equals_a_direct_forward_pass(which: str, request: pytest.FixtureRequest) -> None:
    lm = request.getfixturevalue(which)
    cases = targets_in(STORY)
    (scores,) = score_requests(lm, [Request(STORY, tuple(t for t, _ in cases))])
    for (target, context), score in zip(cases, scores, strict=True):
        answer = STORY[len(context) : target.offset] + target.answer
        foil = STORY[len(context) : target.offset] + target.foil if target.foil else None
        expected = direct(lm, context, answer, foil)
        assert score.error is None
        assert score.prob == pytest.approx(expected["prob"], abs=1e-4)
        assert score.answer_logprob == pytest.approx(expected["answer_logprob"], abs=1e-4)
        assert score.rank == expected["rank"]
        if foil is not None:
            assert score.logit_diff == pytest.approx(expected["logit_diff"], abs=1e-4)
        else:
            assert score.logit_diff is None


def test_many_instances_in_one_pass_equal_each_alone(default_lm) -> None:
    other = "Tom had a red ball. He threw the ball to Sam, and Sam threw the ball back to Tom. Tom laughed."
    requests = [
        Request(STORY, tuple(t for t, _ in targets_in(STORY))),
        Request(other, (Target(other.index(" Tom laughed"), " Tom", " Sam"), Target(other.index(" the ball back"),
                                                                                 " the ball back", None))),
    ]
    together = score_requests(default_lm, requests, batch_tokens=4096)
    for request, scores in zip(requests, together, strict=True):
        for target, score in zip(request.targets, scores, strict=True):
            (alone,) = score_requests(default_lm, [Request(request.text, (target,))])[0]
            assert score.answer_logprob == pytest.approx(alone.answer_logprob, abs=1e-4)
            assert score.rank == alone.rank and score.top1_id == alone.top1_id
            assert score.text_id == alone.text_id and score.context_tokens == alone.context_tokens


def test_long_texts_are_scored_in_windows_of_the_context_cap(default_lm) -> None:
    text = " ".join([STORY] * 4)
    offsets = [m for m in range(len(text)) if text.startswith(" Max", m)]
    (scores,) = score_requests(default_lm, [Request(text, tuple(Target(o, " Max") for o in offsets))], max_context=24)
    for offset, score in zip(offsets, scores, strict=True):
        assert score.context_tokens == min(24, len(encode(default_lm.tokenizer, text[:offset])))
        expected = direct(default_lm, text[:offset], " Max", max_context=score.context_tokens)
        assert score.prob == pytest.approx(expected["prob"], abs=1e-4)


def test_bad_targets_are_recorded_and_the_rest_scored(default_lm, stories260k) -> None:
    text = "Lily saw a dog."
    targets = (Target(4, ""), Target(99, " cat"), Target(4, " saw"))
    (scores,) = score_requests(default_lm, [Request(text, targets)])
    assert scores[0].error == "the answer tokenizes to nothing"
    assert "outside the text" in (scores[1].error or "")
    assert scores[2].error is None and scores[2].prob > 0
    no_bos = stories260k.tokenizer.bos_token_id
    stories260k.tokenizer.bos_token_id = None
    try:
        (scores,) = score_requests(stories260k, [Request(text, (Target(0, "Lily"), Target(4, " saw")))])
    finally:
        stories260k.tokenizer.bos_token_id = no_bos
    assert "no BOS" in (scores[0].error or "") and scores[1].error is None


def test_bigram_baseline_counts_by_hand() -> None:
    bigram = Bigram([[1, 2, 3, 1, 2, 4], [1, 2]], vocab_size=5)
    # after 1: token 2 three times out of three, one type; unigram of 2: (3 + 1) / (8 + 5)
    assert bigram.prob(1, 2) == pytest.approx((3 + 1 * 4 / 13) / (3 + 1))
    assert bigram.top1(1) == 2 and bigram.top1(2) in (3, 4) and bigram.top1(0) is None
    assert bigram.top1(START) == 1
    for prev in (START, 0, 1, 2, 3, 4):
        assert sum(bigram.prob(prev, t) for t in range(5)) == pytest.approx(1.0)


def test_result_cache_round_trip_and_corruption(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    key = cache_key("x", {"model": "m"}, 1)
    assert cache.get(key) is None
    cache.put(key, {"rows": [1, 2]})
    assert cache.get(key) == {"rows": [1, 2]}
    assert cache_key("x", {"model": "m"}, 2) != key
    next(tmp_path.rglob("*.json")).write_text("{not json")
    assert cache.get(key) is None
    assert ResultCache(None).get(key) is None


def test_bfloat16_scores_stay_close_to_float32(default_lm) -> None:
    from engine.models import load_model

    half = load_model(None, dtype="bfloat16")
    request = Request(STORY, tuple(t for t, _ in targets_in(STORY)))
    (exact,) = score_requests(default_lm, [request])
    (rough,) = score_requests(half, [request])
    for a, b in zip(exact, rough, strict=True):
        assert math.isfinite(b.answer_logprob)
        assert abs(a.answer_logprob - b.answer_logprob) < 0.5


def test_the_fast_head_path_is_used_and_the_fallback_agrees(default_lm, stories260k) -> None:
    from engine.scoring import BatchScorer

    request = Request(STORY, tuple(t for t, _ in targets_in(STORY)))
    for lm in (default_lm, stories260k):
        fast = BatchScorer(lm)
        assert fast.head.split, "GPT-2 and Llama expose a body and an output projection"
        slow = BatchScorer(lm)
        slow.head.split = False  # what a model with soft-capped or scaled logits gets
        for a, b in zip(fast.score([request])[0], slow.score([request])[0], strict=True):
            assert a.answer_logprob == pytest.approx(b.answer_logprob, abs=1e-4) and a.rank == b.rank


def test_targets_after_characters_split_into_byte_tokens(default_lm) -> None:
    """A curly quote or an emoji becomes several byte tokens: the target after it keeps its whole context."""
    for text, answer in (("\u201cHello,\u201d said the dog.", " said"), ("A \U0001F409 dragon flew.", " dragon"),
                         ("Caf\u00e9 au lait, \u00e9t\u00e9 and more", " and")):
        offset = text.index(answer)
        (score,) = score_requests(default_lm, [Request(text, (Target(offset, answer),))])[0]
        expected = direct(default_lm, text[:offset], answer)
        assert score.prob == pytest.approx(expected["prob"], abs=1e-5)
        assert score.context_tokens == len(encode(default_lm.tokenizer, text[:offset]))
        assert score.text_id == continuation_ids(default_lm.tokenizer, text[:offset], answer)[0]


def test_a_long_answer_in_a_small_window_keeps_context(default_lm) -> None:
    text = STORY + " " + STORY
    offset = text.rindex(" Max wanted")
    answer = text[offset:offset + 40]  # many tokens, along the text
    for max_context in (9, 12, 16, 24):
        (score,) = score_requests(default_lm, [Request(text, (Target(offset, answer),))], max_context=max_context)[0]
        if score.error:
            assert "do not fit" in score.error and score.answer_tokens == 0
            continue
        assert score.context_tokens + score.answer_tokens - 1 == max_context  # the window is full
        expected = direct(default_lm, text[:offset], answer, max_context=score.context_tokens)
        assert score.answer_logprob == pytest.approx(expected["answer_logprob"], abs=1e-4)
