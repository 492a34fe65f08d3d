"""`lmgame scan`: the capability catalogue from the shell."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from games.results import ScanReport
from tui.cli_engine import add_engine_options, ray_settings, say_report


def add_parser(commands: Any, add_model_options: Any) -> None:
    scan = commands.add_parser("scan", help="where a model is confident and correct, and what explains it")
    add_model_options(scan, repeatable=False, dtype_default="fast")
    scan.add_argument("--compare", metavar="M2", help="a second model: what one gets that the other does not")
    source = scan.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", metavar="PATH", help='a .txt file, or a .jsonl file with a "text" field')
    source.add_argument("--dataset", metavar="NAME", help="a Hugging Face dataset (where reachable)")
    scan.add_argument("--max-tokens", type=int, metavar="N", help="scan the first N tokens of the corpus")
    scan.add_argument("--threshold", type=float, default=0.5, metavar="P",
                      help="confident: the top token with probability at least P (default 0.5)")
    scan.add_argument("--max-context", type=int, metavar="TOKENS", help="cap the context of each token")
    scan.add_argument("--candidates", action="append", default=[], metavar="PATH",
                      help="candidate files or folders besides the library")
    scan.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    scan.add_argument("--out", metavar="DIR", help="write scan.json, scan.md and tokens.jsonl (every token) here")
    scan.add_argument("--no-cache", action="store_true", help="scan again even what is stored")
    scan.add_argument("--open", action="store_true", help="then browse it in the scan screen")
    add_engine_options(scan)


def run_scan(args: argparse.Namespace, load_models: Any) -> int:
    from games.documents import source_shards
    from games.paths import score_cache_dir
    from games.scanning import ScanOptions, corpus_chars, markdown, scan_catalogue, scan_models
    from tui.cli_scoring import load_library_warning
    from tui.progress import StderrProgress

    options = ScanOptions(threshold=args.threshold, max_tokens=args.max_tokens, max_context=args.max_context)
    settings = ray_settings(args)
    library = load_library_warning(args.candidates)
    if args.corpus is not None:  # a file that cannot be read is said at once, before the models load
        source_shards(args.corpus, whole=False, most_chars=1)
    names = [args.model] + ([args.compare] if args.compare else [])  # None: the embedded model
    models = load_models(names, args.device, args.dtype, limit=2)
    # with --max-tokens, a document of any size is read, only as far as the first model's tokens can reach
    most_chars = None if args.max_tokens is None else corpus_chars(models[0], args.max_tokens)
    shards = source_shards(args.corpus, args.dataset, whole=args.max_tokens is None, most_chars=most_chars)
    folder = None if args.no_cache else score_cache_dir() / "scans"
    out = Path(args.out) if args.out else None
    progress = StderrProgress()
    try:
        if settings is None:
            scans = scan_models(models, shards.flat, options, folder, progress, shards.sizes)
        else:
            from games.ray_engine import ModelSpec, model_names
            from games.ray_scan import ray_scan_models

            spec = ModelSpec(model_names(names), args.device, args.dtype)
            scans, report = ray_scan_models(models, spec, shards, options, score_cache_dir() / "scans", settings,
                                            progress)
    finally:
        progress.close()
    if settings is not None:
        say_report(report)
    found = scan_catalogue(scans, list(library.candidates.values()), options)
    result = found.result
    if out is not None:
        _write_out(out, result, scans[0], markdown(result))
    if args.open:
        return _open(models, found.view())
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False))
    elif args.format == "markdown":
        print(markdown(result), end="")
    else:
        print(_table(result), end="")
    return 0


def _open(models: list[Any], view: Any) -> int:
    from tui.app import PlaySetup, run_app

    setup = PlaySetup(models=models, documents=view.scans[0].documents, source="scan", start="scan", scan=view)
    return run_app(setup)


def _write_out(folder: Path, result: ScanReport, scan: Any, report: str) -> None:
    from games.scanning import token_records

    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "scan.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        (folder / "scan.md").write_text(report, encoding="utf-8")
        with (folder / "tokens.jsonl").open("w", encoding="utf-8") as handle:
            for record in token_records(scan):
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as error:
        raise LmgameError(f"cannot write to --out {folder}: {error.strerror}") from None


def _table(result: ScanReport) -> str:
    from games.display import visible
    from games.scanning import compared_share

    headline = (f"model {result['model']}: {result['tokens']} tokens, {result['confident_correct']} confident "
                f"and correct (p >= {result['threshold']}), {result['explained']} explained by the library: "
                f"coverage {result['coverage']:.1%}")
    lines = [headline]
    for name, count in result["explained_by"].items():
        lines.append(f"  {count:>7}  {name}")
    lines.append("\nunexplained, by feature (count, bigram too, example):")
    for group in result["groups"][:20]:
        shown = group["examples"][0] if group["examples"] else {"context": "", "token": ""}
        lines.append(f"  {group['count']:>7}  {group['ngram_share']:>4.0%}  {group['feature']:<15} "
                     f"{group['key'][:24]:<24} …{visible(shown['context'][-30:])}⟨{visible(shown['token'])}⟩")
    if "compare" in result:
        c = result["compare"]
        lines.append(f"\n{c['model']} against {c['other']}, {compared_share(c)}")
        lines.append(f"only {c['model']}: {c['model_only']}, only {c['other']}: {c['other_only']}, "
                     f"both: {c['both']}")
        spread = ", ".join(f"{k} {v:.2f}" for k, v in c["logprob_diff"].items() if v is not None)
        lines.append(f"log p difference: {spread or 'none (no text both models split alike)'}")
    return "\n".join(lines) + "\n"
