"""Scan throughput: lmgame's scanner against a plain transformers forward loop over the same text, same run.

    python benchmarks/scan_throughput.py [--tokens 20000] [--models gpt2-shape,default]

Both compute, for every token of the first documents of ../shared/data/tinystories (about `--tokens` tokens in
the model's tokenizer), the log-probability and rank of the token the text has, the entropy and the top token.
The plain loop feeds one document at a time (BOS + its tokens, cut to the model's window); the scanner batches
windows by length. Figures: tokens/s per way, float32 and bfloat16, the largest |difference| in
log-probability from the plain float32 loop, and the bytes the scanner stores per token.
"""

from __future__ import annotations

import argparse
import time

from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts


def plain_loop(lm, texts: list[str]) -> tuple[float, list[float]]:
    import torch

    logprobs: list[float] = []
    bos = [lm.bos_id] if lm.bos_id is not None else []
    start = time.perf_counter()
    with torch.inference_mode():
        for text in texts:
            ids = lm.tokenizer(text, add_special_tokens=False)["input_ids"][: lm.max_positions - len(bos)]
            logits = lm.model(input_ids=torch.tensor([bos + ids])).logits[0, len(bos) - 1 : -1].float()
            steps = logits.log_softmax(-1)
            target = torch.tensor(ids)[:, None]
            chosen = steps.gather(1, target)[:, 0]
            (logits > logits.gather(1, target)).sum(1)  # rank
            (-(steps.exp() * steps).sum(1))  # entropy
            logits.argmax(1)  # top token
            logprobs.extend(chosen.tolist())
    return time.perf_counter() - start, logprobs


def scanner_run(lm, texts: list[str]) -> tuple[float, list[float], float]:
    from engine.scan import Scanner

    scanner = Scanner(lm)
    start = time.perf_counter()
    results = scanner.scan(texts)
    seconds = time.perf_counter() - start
    stored = sum(r.bytes for r in results) / sum(len(r.ids) for r in results)
    return seconds, [float(x) for r in results for x in r.logprob.float().tolist()], stored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--models", default="gpt2-shape,default")
    args = parser.parse_args()

    import torch

    from engine.models import load_model

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    stories = read_jsonl_texts(SHARED / "tinystories" / "stories.jsonl", limit=2000)
    folders = {"gpt2-shape": lambda: str(gpt2_small_shape_dir()), "default": lambda: None}
    for name in args.models.split(","):
        folder = folders[name]()
        lm = load_model(folder, dtype="float32")
        if lm.bos_id is None:
            raise SystemExit(f"{name} has no BOS token: the plain loop here predicts the first token from BOS")
        room = lm.max_positions - (1 if lm.bos_id is not None else 0)
        texts, count = [], 0
        for text in stories:  # whole stories that fit one window, so both ways see the same context
            n = len(lm.tokenizer(text, add_special_tokens=False)["input_ids"])
            if n <= room:
                texts.append(text)
                count += n
            if count >= args.tokens:
                break
        plain_loop(lm, texts[:2])
        scanner_run(lm, texts[:2])  # warm up both
        base_s, base = plain_loop(lm, texts)
        print(f"\n{name}: {len(texts)} stories, {count} tokens")
        print(f"  {'way':<28}{'tokens/s':>10}{'speed x':>8}{'max |dlogp|':>13}{'bytes/token':>13}")
        print(f"  {'plain loop float32':<28}{count / base_s:>10.0f}{1.0:>8.1f}{0.0:>13.2e}{'':>13}")
        for dtype in ("float32", "bfloat16"):
            model = lm if dtype == "float32" else load_model(folder, dtype=dtype)
            seconds, got, stored = scanner_run(model, texts)
            diff = max(abs(a - b) for a, b in zip(got, base, strict=True))
            print(f"  {'scanner ' + dtype:<28}{count / seconds:>10.0f}{base_s / seconds:>8.1f}{diff:>13.2e}"
                  f"{stored:>13.1f}")
            if dtype == "bfloat16":
                plain_s, _ = plain_loop(model, texts)
                print(f"  {'plain loop bfloat16':<28}{count / plain_s:>10.0f}{base_s / plain_s:>8.1f}")


if __name__ == "__main__":
    main()
