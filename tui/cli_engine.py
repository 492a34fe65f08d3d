"""`--engine local|ray` for `scan` and `score`: the options, and what they make of a run."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.errors import LmgameError


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help='where the models run: this process (default), or a Ray cluster (pip install '
                             '"lmgame[ray]"): one actor a shard, each shard\'s results stored as it finishes')
    parser.add_argument("--ray-address", metavar="ADDR",
                        help="the Ray cluster to use (default: start a local Ray instance for the run)")
    parser.add_argument("--ray-actors", type=int, metavar="N",
                        help="actors in the pool (default: one per GPU of the cluster, else one per CPU)")


def ray_settings(args: argparse.Namespace) -> Any:
    """The run's Ray settings, or None for the local engine; Ray options without --engine ray are refused."""
    if args.engine != "ray":
        if args.ray_address is not None or args.ray_actors is not None:
            raise LmgameError("--ray-address and --ray-actors go with --engine ray")
        return None
    if getattr(args, "no_cache", False):
        raise LmgameError("--engine ray keeps each shard's results in the cache (that is how a run resumes): drop "
                          "--no-cache")
    if args.corpus is None:
        raise LmgameError("--engine ray reads the shards of a --corpus (a file, a folder or a glob of .jsonl, "
                          ".jsonl.gz, .parquet or .txt files)")
    if getattr(args, "max_tokens", None) is not None:
        raise LmgameError("--max-tokens cuts a corpus on this machine: with --engine ray, scan whole shards")
    from games.ray_engine import RaySettings, import_ray

    import_ray()  # a missing extra is said before any model loads
    return RaySettings(address=args.ray_address, actors=args.ray_actors)


def say_report(report: Any) -> None:
    print(f"lmgame: note: {report.said()}", file=sys.stderr)
