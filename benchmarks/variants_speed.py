"""Variants scored per minute: the built-in IOI generator through the whole scoring pipeline, as `lmgame score ioi
--variants N` runs it (no cache).

    python benchmarks/variants_speed.py [--n 10000] [--models default,gpt2-shape] [--dtype float32] [--threads 1]

Per model: the time to draw the variants, then each stage of the run (finding the instances, aligning their spans,
fitting the bigram baseline, scoring), the variants per minute over the whole run, and the engine's share of the
scoring stage (its forward passes) against the pipeline's own work around it. The load average is printed too:
on a shared machine other processes take the cores, and the figures with them (`--threads 1` keeps torch's
threads from waiting on each other there).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from common import gpt2_small_shape_dir

if TYPE_CHECKING:
    from engine.models import LoadedModel


def run(lm: LoadedModel, n: int, seed: int) -> None:
    from engine.cache import ResultCache
    from games.library import load_library
    from games.scoring import CandidateResult, ScoreOptions, StageStep, score_steps, variants_corpus

    ioi = load_library().candidates["ioi"]
    started = time.perf_counter()
    corpus = variants_corpus([ioi], n, seed)
    drawn = time.perf_counter() - started
    stages: dict[str, float] = {}
    stage, since = "", time.perf_counter()
    result = None
    start = time.perf_counter()
    for step in score_steps([ioi], [lm], corpus, ScoreOptions(), ResultCache(None)):
        now = time.perf_counter()
        if isinstance(step, CandidateResult):
            result = step
        elif isinstance(step, StageStep) and step.stage != stage:
            if stage:
                stages[stage] = stages.get(stage, 0.0) + now - since
            stage, since = step.stage, now
    end = time.perf_counter()
    stages[stage] = stages.get(stage, 0.0) + end - since
    total = end - start
    if result is None:
        raise SystemExit("the run gave no result")
    summary = result.summary()
    print(f"  drawing {n:,} variants: {drawn:.2f} s")
    for name, seconds in stages.items():
        print(f"  {name}: {seconds:.2f} s")
    print(f"  whole run: {total:.1f} s for {summary.n:,} scored -> {summary.n / total * 60:,.0f} variants/min "
          f"({(summary.n / (total + drawn)) * 60:,.0f}/min with the drawing)")
    print(f"  answer_prob {summary.means.get('answer_prob', float('nan')):.3g}, "
          f"mean_logit_diff {summary.means.get('mean_logit_diff', float('nan')):.3f}")


def engine_only(lm: LoadedModel, n: int, seed: int) -> None:
    """The same variants through the engine alone (one request per variant): what the model's passes cost."""
    from engine.scoring import BatchScorer, Request, Target
    from games.library import load_library
    from games.scoring import variants_corpus

    corpus = variants_corpus([load_library().candidates["ioi"]], n, seed)
    requests = [Request(document.text, tuple(Target(p.offset, p.answer, p.foil) for p in corpus.only_at[k][1]))
                for k, document in enumerate(corpus.documents)]
    scorer = BatchScorer(lm)
    start = time.perf_counter()
    scorer.score(requests)
    seconds = time.perf_counter() - start
    print(f"  engine alone: {seconds:.1f} s -> {n / seconds * 60:,.0f} variants/min, {scorer.tokens_fed:,} tokens fed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--models", default="default")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--threads", type=int, help="torch's threads (default: torch's own choice)")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    from engine.models import load_model

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    folders: dict[str, Callable[[], str | None]] = {"gpt2-shape": lambda: str(gpt2_small_shape_dir()),
                                                    "default": lambda: None}
    for name in args.models.split(","):
        lm = load_model(folders[name](), dtype=args.dtype)
        print(f"\n{name} ({lm.identity.label}, {lm.model.dtype}, {lm.device}), IOI variants, seed {args.seed}:")
        run(lm, min(100, args.n), args.seed + 1)  # warm up
        run(lm, args.n, args.seed)
        engine_only(lm, args.n, args.seed)
        print(f"  load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
