"""Occlusion speed: `lmgame explain`'s batched ablations against one forward pass per ablation, same run.

    python benchmarks/explain_speed.py [--tokens 200] [--model gpt2-shape|default] [--dtype float32]

The context is the first `--tokens` tokens of an OpenWebText document (../shared/data), the answer the token the
text has next. Ways:
- engine: engine.attribution.occlusion: all ablations in batched forward passes, each batch from the cached keys
  and values of the prefix its ablations share, logits only for the answer's rows;
- one pass per ablation: a plain forward pass over each shortened sequence (BOS, the context without one token),
  as a user would write it, every logit computed.
The engine runs before and after the one-pass way, and its time is the mean of the two, so that a machine whose
load drifts during the run (this one is shared) weighs on both ways alike. Wall and CPU seconds are both shown.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts

from engine.attribution import Question, measure, occlusion, prepare
from engine.models import LoadedModel, load_model


def question_of(lm: LoadedModel, tokens: int) -> Question:
    """The first OpenWebText document with more than `tokens` tokens, cut after its first `tokens`; the answer is
    the token it has next."""
    for text in read_jsonl_texts(SHARED / "openwebtext" / "sample.jsonl"):
        encoded = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        offsets = encoded["offset_mapping"]
        if len(offsets) > tokens + 1:
            cut, end = offsets[tokens][0], offsets[tokens + 1][0]
            return prepare(lm, text[:cut], text[cut:end])
    raise SystemExit(f"no document of more than {tokens} tokens")


def one_pass_per_ablation(lm: LoadedModel, question: Question) -> list[float]:
    import torch

    first, sequence, values = len(question.bos), question.sequence, []
    with torch.inference_mode():
        for i in range(len(question.context)):
            ids = torch.tensor([sequence[: first + i] + sequence[first + i + 1 :]], device=lm.device)
            logits = lm.model(input_ids=ids).logits[:, -question.rows :]
            values.append(float(measure(logits, question)[0]))
    return values


def timed(work: Callable[[], list[float]]) -> tuple[float, float, list[float]]:
    """(wall seconds, CPU seconds of this process, the result)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=200, help="context tokens (default 200)")
    parser.add_argument("--model", default="gpt2-shape", help="gpt2-shape (default), default, or a model folder")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--batch-tokens", type=int, help="tokens in a batch of ablations (default: the engine's)")
    args = parser.parse_args()
    name = {"gpt2-shape": str(gpt2_small_shape_dir()), "default": None}.get(args.model, args.model)
    lm = load_model(name, dtype=args.dtype)
    question = question_of(lm, args.tokens)
    count = len(question.context)
    print(f"model {args.model} ({lm.identity.architecture}, {lm.identity.dtype}, {lm.device}), {count} context "
          f"tokens (BOS first: {bool(question.bos)}), answer {question.scored_answer!r}")

    fed = [0]

    def engine() -> list[float]:
        result = occlusion(lm, question, batch_tokens=args.batch_tokens)
        fed[0] = result.tokens_fed
        return result.without or []

    engine()  # warm-up: the first pass pays for allocations
    before = timed(engine)
    naive = timed(lambda: one_pass_per_ablation(lm, question))
    after = timed(engine)
    wall, cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    difference = max(abs(a - b) for a, b in zip(before[2], naive[2], strict=True))
    print(f"engine (batched, shared prefix): {wall:7.2f} s wall ({before[0]:.2f}, {after[0]:.2f}), {cpu:7.2f} s CPU, "
          f"{count / wall:6.1f} ablations/s")
    print(f"one pass per ablation:           {naive[0]:7.2f} s wall, {naive[1]:7.2f} s CPU, "
          f"{count / naive[0]:6.1f} ablations/s")
    print(f"tokens fed: engine {fed[0]:,} with logits for {question.rows * (count + 1)} rows, one pass per ablation "
          f"{count * (len(question.sequence) - 1):,} with logits for every row")
    print(f"ratio: {naive[0] / wall:.1f}x wall, {naive[1] / cpu:.1f}x CPU; largest |difference| {difference:.2e}")


if __name__ == "__main__":
    main()
