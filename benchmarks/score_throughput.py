"""Batch scoring throughput: the engine against the naive way and lm-evaluation-harness, same instances, same run.

    python benchmarks/score_throughput.py [--docs 40] [--per-doc 6] [--no-lm-eval] [--models gpt2-shape,default]

Instances: `--per-doc` word starts spread over the first 480 tokens of each of the first `--docs` documents
(the answer is the word the text has there), so every context fits in 512 tokens and all three ways see the
same context. Ways:
- engine: lmgame's BatchScorer, one forward pass per document, logits only at the scored rows (float32, then
  bfloat16 for its speed and its largest |difference| in log-probability);
- naive: one forward pass per instance over BOS + context + answer, every logit computed;
- lm-eval: lm-evaluation-harness's HFLM(...).loglikelihood on the same (context, continuation) pairs, with the
  same BOS in front. A benchmark-only dependency: pip install lm-eval accelerate.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass

from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts

CORPORA = {"openwebtext": SHARED / "openwebtext" / "sample.jsonl",
           "tinystories": SHARED / "tinystories" / "stories.jsonl"}
WORD = re.compile(r" \w+")


@dataclass
class Way:
    name: str
    seconds: float
    logprobs: list[float]
    tokens_fed: int  # tokens through the model (BOS included, padding not)


def instances(lm, texts: list[str], per_doc: int, tokens: int) -> list[tuple[int, int, str]]:
    """(document, offset, answer): `per_doc` words spread evenly over the first `tokens` tokens of each document
    (in this model's tokenizer), so that every way sees the whole context."""
    from engine.tokens import encode_with_offsets

    chosen = []
    for number, text in enumerate(texts):
        _, offsets = encode_with_offsets(lm.tokenizer, text)
        chars = offsets[tokens][0] if len(offsets) > tokens else len(text)
        words = [m for m in WORD.finditer(text[:chars]) if m.start() > 40]
        if len(words) < per_doc:
            continue
        for k in range(per_doc):
            match = words[(k * len(words)) // per_doc]
            chosen.append((number, match.start(), match.group()))
    return chosen


def run_engine(lm, texts, chosen, repeats: int = 3) -> Way:
    from engine.scoring import BatchScorer, Request, Target

    by_doc: dict[int, list[tuple[int, str]]] = {}
    for number, offset, answer in chosen:
        by_doc.setdefault(number, []).append((offset, answer))
    requests = [Request(texts[n], tuple(Target(o, a) for o, a in items)) for n, items in by_doc.items()]
    times = []
    for _ in range(repeats):  # the fastest way is timed a few times: one run of it is short and noisy
        scorer = BatchScorer(lm, max_context=512)
        start = time.perf_counter()
        scores = scorer.score(requests)
        times.append(time.perf_counter() - start)
    return Way("engine", statistics.median(times), [s.answer_logprob for doc in scores for s in doc],
               scorer.tokens_fed)


def run_naive(lm, texts, chosen) -> Way:
    import torch

    from engine.tokens import continuation_ids, encode

    bos = [lm.bos_id] if lm.bos_id is not None else []
    logprobs, fed = [], 0
    start = time.perf_counter()
    with torch.inference_mode():
        for number, offset, answer in chosen:
            context = texts[number][:offset]
            context_ids, answer_ids = encode(lm.tokenizer, context), continuation_ids(lm.tokenizer, context, answer)
            ids = torch.tensor([bos + context_ids + answer_ids])
            fed += ids.shape[1]
            out = lm.model(input_ids=ids).logits[0].float().log_softmax(-1)
            first = len(bos) + len(context_ids) - 1
            logprobs.append(sum(float(out[first + k, t]) for k, t in enumerate(answer_ids)))
    return Way("naive", time.perf_counter() - start, logprobs, fed)


def run_lm_eval(lm, texts, chosen, batch_size: int) -> Way:
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    harness = HFLM(pretrained=lm.model, tokenizer=lm.tokenizer, batch_size=batch_size, max_length=512,
                   device=str(lm.device))
    # the same BOS in front as the engine: its text, which the tokenizer reads back as the special token
    bos = lm.tokenizer.bos_token if lm.bos_id is not None else ""
    requests = [Instance("loglikelihood", {}, (bos + texts[n][:o], a), i) for i, (n, o, a) in enumerate(chosen)]
    start = time.perf_counter()
    results = harness.loglikelihood(requests, disable_tqdm=True)
    # lm-eval feeds context + continuation minus its last token, per request
    fed = sum(len(lm.tokenizer(c + a)["input_ids"]) - 1 for (c, a) in (r.arguments for r in requests))
    return Way("lm-eval", time.perf_counter() - start, [logprob for logprob, _ in results], fed)


def context_tokens(lm, texts, chosen) -> int:
    from engine.tokens import encode

    return sum(len(encode(lm.tokenizer, texts[n][:o])) for n, o, _ in chosen)


def report(label: str, ways: list[Way], n: int, tokens: int) -> None:
    """inst/s; ctx tok/s: the instances' context tokens per second (the same work for every way); fed: tokens
    through the model; fed tok/s: how fast the model runs on them; time x: seconds against the engine's."""
    engine = next(w for w in ways if w.name == "engine")
    print(f"\n{label}: {n} instances, {tokens} context tokens")
    print(f"  {'way':<16}{'inst/s':>8}{'ctx tok/s':>10}{'fed':>8}{'fed tok/s':>10}{'time x':>8}"
          f"{'max |dlogp| vs engine':>23}")
    for way in ways:
        diff = max(abs(a - b) for a, b in zip(way.logprobs, engine.logprobs, strict=True))
        print(f"  {way.name:<16}{n / way.seconds:>8.1f}{tokens / way.seconds:>10.0f}{way.tokens_fed:>8}"
              f"{way.tokens_fed / way.seconds:>10.0f}{way.seconds / engine.seconds:>8.1f}{diff:>23.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--per-doc", type=int, default=6)
    parser.add_argument("--corpora", default="openwebtext,tinystories")
    parser.add_argument("--models", default="gpt2-shape,default")
    parser.add_argument("--no-lm-eval", action="store_true")
    parser.add_argument("--lm-eval-batch", type=int, default=8)
    args = parser.parse_args()

    import torch

    from engine.models import load_model

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    folders = {"gpt2-shape": lambda: str(gpt2_small_shape_dir()), "default": lambda: None}
    for model_name in args.models.split(","):
        folder = folders[model_name]()
        lm = load_model(folder, dtype="float32")
        half = load_model(folder, dtype="bfloat16")
        for corpus in args.corpora.split(","):
            texts = read_jsonl_texts(CORPORA[corpus], limit=args.docs)
            chosen = instances(lm, texts, args.per_doc, 480)
            run_engine(lm, texts, chosen[: args.per_doc], repeats=1)  # warm up
            ways = [run_engine(lm, texts, chosen), run_naive(lm, texts, chosen)]
            if not args.no_lm_eval:
                ways.append(run_lm_eval(lm, texts, chosen, args.lm_eval_batch))
            bf16 = run_engine(half, texts, chosen)
            bf16.name = "engine bfloat16"
            ways.append(bf16)
            report(f"{model_name} on {corpus}", ways, len(chosen), context_tokens(lm, texts, chosen))


if __name__ == "__main__":
    main()
