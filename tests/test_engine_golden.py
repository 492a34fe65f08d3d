"""The engine on a real model nobody here trained: stories260K from ../shared, converted to Hugging Face."""

from __future__ import annotations

import torch

from engine.llama2c import BOS_ID
from engine.nexttoken import Stepper
from engine.tokens import encode

KNOWN = "there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball."


def test_greedy_continuation_reproduces_llama2c(stories260k) -> None:
    tokenizer = stories260k.tokenizer
    ids = encode(tokenizer, "Once upon a time,")
    prompt = len(ids)
    stepper = Stepper(stories260k)
    assert stories260k.bos_id == BOS_ID
    while len(tokenizer.decode(ids[prompt:])) < len(KNOWN):
        ids.append(stepper.distribution(ids).top_k(1)[0].id)
    assert tokenizer.decode(ids[prompt:]).strip().startswith(KNOWN)


def test_top_k_equals_plain_forward_pass(stories260k) -> None:
    tokenizer, model = stories260k.tokenizer, stories260k.model
    ids = encode(tokenizer, "Once upon a time, there was a little dog named Max. Max liked to")
    stepper = Stepper(stories260k)
    for cut in (3, 9, len(ids)):  # step forward through the cache, as play does
        dist = stepper.distribution(ids[:cut])
        with torch.no_grad():
            logits = model(torch.tensor([[BOS_ID] + ids[:cut]])).logits[0, -1]
        reference = torch.softmax(logits.float(), -1)
        top = dist.top_k(10)
        assert [t.id for t in top] == torch.topk(reference, 10).indices.tolist()
        for entry in top:
            assert abs(entry.prob - float(reference[entry.id])) < 1e-5
            assert dist.rank(entry.id) == 1 + int((reference > reference[entry.id]).sum())


def test_stepping_back_and_forth_matches_fresh_passes(stories260k) -> None:
    ids = encode(stories260k.tokenizer, "Lily and Ben went to the park. Lily saw a bird. Ben saw a dog.")
    stepper = Stepper(stories260k)
    order = [5, 12, 7, 7, 20, 3, len(ids)]
    for cut in order:
        fresh = Stepper(stories260k).distribution(ids[:cut])
        assert torch.allclose(stepper.distribution(ids[:cut]).logprobs, fresh.logprobs, atol=1e-5)


def test_continuation_logprobs_teacher_forced(stories260k) -> None:
    ids = encode(stories260k.tokenizer, "One day, a little girl named Sue went to the shop.")
    stepper = Stepper(stories260k)
    _, got = stepper.distribution_and_continuation(ids[:6], ids[6:10])
    with torch.no_grad():
        logits = stories260k.model(torch.tensor([[BOS_ID] + ids[:10]])).logits[0].float()
    expected = [float(torch.log_softmax(logits[6 + i], -1)[ids[6 + i]]) for i in range(4)]
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) < 1e-4
    # the cache was left holding the context only: the next distribution is still right
    assert stepper.cached == [BOS_ID] + ids[:6]


def test_context_longer_than_the_window_keeps_its_last_window_minus_one_tokens(stories260k) -> None:
    ids = encode(stories260k.tokenizer, "Tom has a red ball. Sue has a blue cup. " * 60)
    window = stories260k.max_positions
    assert len(ids) > window
    stepper = Stepper(stories260k)
    for cut in (len(ids) - 7, len(ids)):
        dist = stepper.distribution(ids[:cut])
        assert stepper.cached == [BOS_ID] + ids[cut - (window - 1) : cut]
        with torch.no_grad():
            logits = stories260k.model(torch.tensor([stepper.cached])).logits[0, -1]
        assert torch.allclose(dist.logprobs, torch.log_softmax(logits.float(), -1), atol=1e-5)
