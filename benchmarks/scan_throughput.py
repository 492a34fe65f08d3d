"""Scan throughput: lmgame's scanner, packed and padded, against a plain transformers forward loop over the same
text, same run.

    python benchmarks/scan_throughput.py [--tokens 20000] [--models gpt2-shape,default] [--repeats 3] [--threads N]

All compute, for every token of the first documents of ../shared/data/tinystories (about `--tokens` tokens in
the model's tokenizer), the log-probability and rank of the token the text has, the entropy and the top token.
The plain loop feeds one document at a time (BOS + its tokens, cut to the model's window); the scanner takes
the documents in chunks of CHUNK_DOCUMENTS, as `scan_corpus` does, and feeds them packed (several documents to a
row, each seeing only itself) or padded (one to a row, batched by length). Packed and padded runs alternate,
`--repeats` times, and each way's best run counts: the machine is shared, so compare ratios within a run.
Figures: tokens/s per way, float32 and bfloat16, the share of fed positions that are padding, the largest
|difference| in log-probability from the plain float32 loop, and the bytes the scanner stores per token; then
the padding each layout would feed at a GPU's batch size (planned, not run).
"""

from __future__ import annotations

import argparse
import time

from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts

GPU_BATCH_TOKENS = 32768  # what engine.scoring.batch_settings gives a GPU


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


def chunks(texts: list[str]) -> list[list[str]]:
    from engine.scan import CHUNK_DOCUMENTS

    return [texts[i : i + CHUNK_DOCUMENTS] for i in range(0, len(texts), CHUNK_DOCUMENTS)]


def scanner_run(scanner, texts: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    results = [scan for chunk in chunks(texts) for scan in scanner.scan(chunk)]
    return time.perf_counter() - start, results


def padding_share(scanner, texts: list[str]) -> float:
    fed, padding = map(sum, zip(*(scanner.padding(chunk) for chunk in chunks(texts)), strict=True))
    return padding / fed


def compare_layouts(lm, texts: list[str], count: int, base_s: float, base: list[float], repeats: int,
                    dtype: str) -> None:
    from engine.scan import Scanner

    scanners = {layout: Scanner(lm, packed=layout == "packed") for layout in ("packed", "padded")}
    if not scanners["packed"].packed:
        print("  (this model failed the packing check: both ways below are padded)")
    for scanner in scanners.values():
        scanner_run(scanner, texts[:2])  # warm up
    best: dict[str, tuple[float, list]] = {}
    for _ in range(repeats):  # alternating, so both ways see the same load
        for layout, scanner in scanners.items():
            seconds, results = scanner_run(scanner, texts)
            if layout not in best or seconds < best[layout][0]:
                best[layout] = (seconds, results)
    for layout, (seconds, results) in best.items():
        got = [float(x) for r in results for x in r.logprob.tolist()]
        diff = max(abs(a - b) for a, b in zip(got, base, strict=True))
        stored = sum(r.bytes for r in results) / sum(len(r.ids) for r in results)
        share = padding_share(scanners[layout], texts)
        print(f"  {'scanner ' + layout + ' ' + dtype:<28}{count / seconds:>10.0f}{base_s / seconds:>8.1f}"
              f"{share:>9.1%}{diff:>13.2e}{stored:>13.1f}")
    packed, padded = best["packed"][1], best["padded"][1]
    agree = sum(int((a.rank == b.rank).sum()) for a, b in zip(packed, padded, strict=True))
    print(f"  packed / padded tokens/s: {best['padded'][0] / best['packed'][0]:.2f}x; ranks agree at "
          f"{agree} of {count} tokens")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=20000)
    parser.add_argument("--models", default="gpt2-shape,default")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    args = parser.parse_args()

    import torch

    from engine.models import load_model
    from engine.scan import Scanner

    if args.threads:
        torch.set_num_threads(args.threads)
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
        for text in stories:  # whole stories that fit one window, so every way sees the same context
            n = len(lm.tokenizer(text, add_special_tokens=False)["input_ids"])
            if n <= room:
                texts.append(text)
                count += n
            if count >= args.tokens:
                break
        plain_loop(lm, texts[:2])  # warm up
        base_s, base = plain_loop(lm, texts)
        print(f"\n{name}: {len(texts)} stories, {count} tokens, chunks of {len(chunks(texts)[0])} stories")
        print(f"  {'way':<28}{'tokens/s':>10}{'speed x':>8}{'padding':>9}{'max |dlogp|':>13}{'bytes/token':>13}")
        print(f"  {'plain loop float32':<28}{count / base_s:>10.0f}{1.0:>8.1f}{'':>9}{0.0:>13.2e}{'':>13}")
        for dtype in ("float32", "bfloat16"):
            model = lm if dtype == "float32" else load_model(folder, dtype=dtype)
            compare_layouts(model, texts, count, base_s, base, args.repeats, dtype)
        gpu = {layout: padding_share(Scanner(lm, batch_tokens=GPU_BATCH_TOKENS, packed=layout == "packed"), texts)
               for layout in ("packed", "padded")}
        print(f"  at a GPU's {GPU_BATCH_TOKENS:,}-token batches (planned, not run): padding {gpu['packed']:.1%} "
              f"packed, {gpu['padded']:.1%} padded; the scanner's default here: {Scanner(lm).layout}")


if __name__ == "__main__":
    main()
