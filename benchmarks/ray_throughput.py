"""Scan throughput on this machine: the local engine against `--engine ray` with 1 and 2 actors, same run, same
corpus (the first documents of ../shared/data/tinystories split into shards), each way from an empty cache.

    python benchmarks/ray_throughput.py [--documents 400] [--shards 8] [--model default|gpt2-shape]

Figures: tokens/s per way (the whole command's time: reading, loading models in the actors, scanning, storing,
reading back and the catalogue), and each way's ratio to the local run (torch's own threads), with the local run
on one thread as well (a Ray actor of one CPU runs one). Ray's own start (a local instance) is timed apart.
Where a GPU is at hand, the actors take one each (`num_gpus=1`); this script says which it used.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from common import SHARED, gpt2_small_shape_dir, read_jsonl_texts


def write_shards(texts: list[str], shards: int) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="lmgame-shards-"))
    size = -(-len(texts) // shards)
    for number in range(shards):
        part = texts[number * size : (number + 1) * size]
        (folder / f"part-{number:03}.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in part))
    return folder


def timed_scan(corpus: Path, model: str | None, extra: list[str]) -> tuple[float, int]:
    """(seconds, tokens) of one `lmgame scan` in-process, from an empty cache."""
    import contextlib
    import io

    from tui.cli import main

    os.environ["LMGAME_HOME"] = tempfile.mkdtemp(prefix="lmgame-home-")
    args = ["scan", "--corpus", str(corpus), "--format", "json", *(["--model", model] if model else []), *extra]
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        if main(args) != 0:
            raise SystemExit(f"lmgame {' '.join(args)} failed")
    return time.perf_counter() - start, json.loads(out.getvalue())["tokens"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--model", choices=("default", "gpt2-shape"), default="default")
    args = parser.parse_args()
    import ray

    model = str(gpt2_small_shape_dir()) if args.model == "gpt2-shape" else None
    corpus = write_shards(read_jsonl_texts(SHARED / "tinystories" / "stories.jsonl", args.documents), args.shards)
    started = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False)
    resources = ray.cluster_resources()
    print(f"Ray local instance started in {time.perf_counter() - started:.1f} s: {resources.get('CPU', 0):.0f} CPUs, "
          f"{resources.get('GPU', 0):.0f} GPUs (the actors take {'a GPU' if resources.get('GPU') else 'a CPU'} each)")
    print(f"corpus: {args.documents} TinyStories documents in {args.shards} shards; model: {args.model}")
    import torch

    warm = write_shards(read_jsonl_texts(SHARED / "tinystories" / "stories.jsonl", 2), 1)
    timed_scan(warm, model, [])  # imports and the first model load are paid here, not by the first way timed
    threads = torch.get_num_threads()
    local_seconds, tokens = timed_scan(corpus, model, [])
    print(f"{f'local, {threads} threads':>18}: {tokens:,} tokens in {local_seconds:6.1f} s = "
          f"{tokens / local_seconds:7,.0f} tokens/s")
    torch.set_num_threads(1)  # as each Ray actor of one CPU runs (Ray sets OMP_NUM_THREADS to its CPUs)
    seconds, _ = timed_scan(corpus, model, [])
    print(f"{'local, 1 thread':>18}: {tokens:,} tokens in {seconds:6.1f} s = {tokens / seconds:7,.0f} tokens/s "
          f"({local_seconds / seconds:.2f}x local)")
    torch.set_num_threads(threads)
    for actors in (1, 2):
        seconds, counted = timed_scan(corpus, model, ["--engine", "ray", "--ray-actors", str(actors)])
        if counted != tokens:
            raise SystemExit(f"Ray scanned {counted} tokens, the local engine {tokens}")
        print(f"{f'ray, {actors} actor' + 's' * (actors > 1):>18}: {counted:,} tokens in {seconds:6.1f} s = "
              f"{counted / seconds:7,.0f} tokens/s ({local_seconds / seconds:.2f}x local)")
    ray.shutdown()


if __name__ == "__main__":
    main()
