"""What comparing models fairly changes, and what it costs: the embedded model (4,096-token BPE) against the real
stories260K (512-token SentencePiece) on ../shared TinyStories.

    python benchmarks/fair_comparison.py [--limit 300] [--candidates induction-long-word,once-upon-a-time,...]

Each model is scored alone (each on the span its own tokenizer starts the answer at, as before issue 11) and
then both in one run (every span aligned to both tokenizers). Printed per candidate and model: the first-token
probability (`mean_prob`, what the table showed before), the whole-answer probability alone and in the run, the
answer's tokens, and the paired difference of the run; then the time of each way and of the alignment stage.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import SHARED


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--candidates", default="induction-long-word,once-upon-a-time,pronoun-for-named,close-quote")
    args = parser.parse_args()

    from engine.cache import ResultCache
    from engine.corpus import read_documents
    from engine.llama2c import convert_llama2c
    from engine.models import load_model
    from games.comparisons import comparisons
    from games.library import load_library
    from games.scoring import Corpus, ScoreOptions, score_all

    folder = convert_llama2c(SHARED / "stories260K" / "stories260K.bin", SHARED / "stories260K" / "tok512.model",
                             Path(tempfile.mkdtemp(prefix="lmgame-stories260K-")))
    models = [load_model("lmgame-default", dtype="float32"), load_model(str(folder), dtype="float32")]
    candidates = load_library([]).select(args.candidates.split(","))
    corpus = Corpus("tinystories", read_documents(SHARED / "tinystories" / "stories.jsonl"))
    options = ScoreOptions(limit=args.limit)

    started = time.perf_counter()
    alone = [result for lm in models for result in score_all(candidates, [lm], corpus, options, ResultCache(None))]
    alone_seconds = time.perf_counter() - started
    stages: dict[str, float] = {}
    last = [time.perf_counter()]

    def timed(stage: str, done: int, total: int) -> None:
        now = time.perf_counter()
        stages[stage.split(" ")[0]] = stages.get(stage.split(" ")[0], 0.0) + now - last[0]
        last[0] = now

    started = time.perf_counter()
    together = score_all(candidates, models, corpus, options, ResultCache(None), timed)
    together_seconds = time.perf_counter() - started

    print(f"{args.limit} instances at most per candidate; models: {', '.join(lm.identity.label for lm in models)}")
    print(f"\n{'candidate':<22}{'model':<16}{'n':>5}{'1st-tok p':>11}{'answer p alone':>16}{'answer p run':>14}"
          f"{'tokens':>8}{'moved':>7}")
    for run in together:
        mine = next(r for r in alone if r.candidate is run.candidate and r.lm is run.lm)
        solo, fair = mine.summary(), run.summary()
        moved = sum(1 for a, b in zip(mine.rows, run.rows, strict=True) if a.span_start != b.span_start)
        print(f"{run.candidate.name:<22}{run.lm.identity.name[:15]:<16}{fair.n:>5}{solo.means['mean_prob']:>11.3f}"
              f"{solo.means['answer_prob']:>16.3f}{fair.means['answer_prob']:>14.3f}"
              f"{fair.means['answer_tokens']:>8.2f}{moved:>7}")
    print("\npaired, whole-answer log-probability, first model minus second (nats):")
    for comparison in comparisons(together):
        interval = comparison.ci or [float("nan")] * 2
        print(f"  {comparison.candidate:<22} n {comparison.n_paired:>4}  diff {comparison.mean_diff:+.3f} "
              f"[{interval[0]:+.3f}, {interval[1]:+.3f}]  ahead {comparison.share_ahead:.2f}  "
              f"p {comparison.p_value:.4f}")
    print(f"\neach model alone: {alone_seconds:.1f} s; one aligned run: {together_seconds:.1f} s "
          f"(x{together_seconds / alone_seconds:.2f})")
    print("  stages of the run: " + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in stages.items()))


if __name__ == "__main__":
    main()
