"""`lmgame review` and `lmgame workbench`: the app opened on the guess log, or on the candidate library."""

from __future__ import annotations

import argparse
from typing import Any

from engine.errors import LmgameError


def add_parsers(commands: Any, add_model_options: Any) -> None:
    review = commands.add_parser(
        "review", help="review the guess log: disagreements, their patterns, promote one to a candidate")
    add_model_options(review, repeatable=True)
    workbench = commands.add_parser(
        "workbench", help="the candidate library: score candidates, plot the results, drill into instances")
    add_model_options(workbench, repeatable=True, dtype_default="fast")
    corpus = workbench.add_mutually_exclusive_group()
    corpus.add_argument("--corpus", metavar="PATH",
                        help='score on a .txt file, or a .jsonl file with a "text" field (default: the demo texts)')
    corpus.add_argument("--examples", action="store_true", help="score each candidate on its own examples")


def _run_app(args: argparse.Namespace, load_models: Any, start: str) -> int:
    from games.documents import source_documents

    documents, source = source_documents(file=getattr(args, "corpus", None))
    models = load_models(args.model, args.device, args.dtype)
    from tui.app import PlaySetup, run_app

    setup = PlaySetup(models=models, documents=documents, source=source, start=start,  # type: ignore[arg-type]
                      score_on_examples=bool(getattr(args, "examples", False)))
    return run_app(setup)


def run_review(args: argparse.Namespace, load_models: Any) -> int:
    return _run_app(args, load_models, "review")


def run_workbench(args: argparse.Namespace, load_models: Any) -> int:
    if args.corpus is not None and not args.corpus.strip():
        raise LmgameError("--corpus is empty: give a file")
    return _run_app(args, load_models, "workbench")
