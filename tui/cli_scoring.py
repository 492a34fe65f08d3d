"""`lmgame score` and `lmgame candidates`: the candidate library and the batch scoring engine, from the shell."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from games.display import printable
from games.matches import MAX_REGEX_TIMEOUT
from games.results import COLUMN, CSV, MIN_INTERVAL_N, TABLE, Comparison, ScoreSummary, shown_in
from tui.cli_engine import add_engine_options, ray_settings, say_report
from tui.cli_variants import add_parser as add_variants_parser
from tui.cli_variants import run_variants as run_variants
from tui.cli_variants import slices_table, variants_count
from tui.model_table import CANDIDATE_MIN, GAP, WIDTH, clip, model_table, table_text, wrapped

MAX_SCORE_MODELS = 8


def add_parsers(commands: Any, add_model_options: Any) -> None:
    score = commands.add_parser("score", help="score heuristic candidates over a corpus, per model")
    score.add_argument("names", nargs="*", metavar="CANDIDATE", help="candidates to score (default: all)")
    add_model_options(score, repeatable=True, dtype_default="fast")
    source = score.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", metavar="PATH", help='a .txt file, or a .jsonl file with a "text" field')
    source.add_argument("--dataset", metavar="NAME", help="a Hugging Face dataset (where reachable)")
    source.add_argument("--examples", action="store_true", help="each candidate's own hand-written examples")
    source.add_argument("--variants", metavar="N", help="N of each candidate's synthetic variants, drawn with --seed "
                                                        "(or 'all'): lmgame variants shows them")
    score.add_argument("--candidates", action="append", default=[], metavar="PATH",
                       help="a candidate file or folder to load besides the library (repeatable)")
    score.add_argument("--limit", type=int, metavar="N", help="score at most N instances per candidate")
    score.add_argument("--max-context", type=int, metavar="TOKENS", help="cap each instance's context")
    score.add_argument("--format", choices=("table", "json", "csv"), default="table")
    score.add_argument("--out", metavar="DIR", help="write results.json and instances.jsonl (every instance) here")
    score.add_argument("--no-cache", action="store_true", help="recompute even what is cached")
    score.add_argument("--regex-timeout", type=float, default=2.0, metavar="S",
                       help="seconds a finder may run on one document before it is skipped (default 2, at most "
                            f"{MAX_REGEX_TIMEOUT})")
    score.add_argument("--seed", type=int, default=0, help="seed of the bootstrap intervals and of --variants")
    add_engine_options(score)
    add_variants_parser(commands)

    candidates = commands.add_parser("candidates", help="the heuristic candidate library")
    actions = candidates.add_subparsers(dest="candidates_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="every candidate: built-in, yours, and --candidates files")
    listing.add_argument("--candidates", action="append", default=[], metavar="PATH")
    listing.add_argument("--json", action="store_true")
    show = actions.add_parser("show", help="a candidate's definition and its first matches in a corpus")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--candidates", action="append", default=[], metavar="PATH")
    show.add_argument("--corpus", metavar="PATH", help="where to look for matches (default: the demo texts)")
    show.add_argument("--limit", type=int, default=10, metavar="N", help="matches to show (default 10)")
    show.add_argument("--json", action="store_true")
    check = actions.add_parser("check", help="validate candidate files: every problem with its location")
    check.add_argument("files", nargs="+", metavar="PATH", help="a candidate file, or a folder of them")
    actions.add_parser("path", help="print the folder your own candidates load from")

    share = commands.add_parser("share", help="write a finding: a candidate, its scores and instances (.md, .json)")
    share.add_argument("name", metavar="CANDIDATE")
    add_model_options(share, repeatable=True, dtype_default="fast")
    where = share.add_mutually_exclusive_group()
    where.add_argument("--corpus", metavar="PATH", help="score on this corpus (default: the demo texts)")
    where.add_argument("--examples", action="store_true", help="score on the candidate's own examples")
    share.add_argument("--candidates", action="append", default=[], metavar="PATH")
    share.add_argument("--limit", type=int, metavar="N", help="score at most N instances")
    share.add_argument("--out", metavar="FILE", help="where to write FILE.md and FILE.json "
                                                     "(default: CANDIDATE.finding in this folder)")

    imports = commands.add_parser("import", help="add a shared finding's candidate to your library (never runs code)")
    imports.add_argument("file", metavar="FILE")
    imports.add_argument("--force", action="store_true", help="replace your candidate of the same name")


def load_library_warning(paths: list[str]) -> Any:
    """The candidate library, each file that did not load said on stderr."""
    from games.library import load_library

    library = load_library(paths)
    for warning in library.warnings:
        print(f"lmgame: warning: {warning}", file=sys.stderr)
    return library


def _predictor_text(predictor: Any) -> str | None:
    if predictor is None or isinstance(predictor, str):
        return predictor
    return f"python: {getattr(predictor, '__name__', 'function')}()"


def candidate_record(candidate: Any) -> dict[str, Any]:
    return {
        "name": candidate.name,
        "kind": candidate.kind,
        "source": candidate.source,
        "tags": list(candidate.tags),
        "description": candidate.description,
        "finder": candidate.finder,
        "predictor": _predictor_text(candidate.predictor),
        "foil": _predictor_text(candidate.foil),
        "overlapped": candidate.overlapped,
        "examples": [{"context": e.context, "answer": e.answer} for e in candidate.examples],
    }


def run_candidates(args: argparse.Namespace) -> int:
    from games.display import printable, printable_json

    if args.candidates_command == "check":
        return _check(args.files)
    if args.candidates_command == "path":
        from games.paths import user_candidates_dir

        print(printable(str(user_candidates_dir())))
        return 0
    library = load_library_warning(args.candidates)
    if args.candidates_command == "list":
        records = [candidate_record(c) for c in library.candidates.values()]
        if args.json:
            print(printable_json({"candidates": records}))
            return 0
        width = max((len(r["name"]) for r in records), default=4)
        for record in records:
            source = printable(record["source"])
            source = source if len(source) <= 30 else "…" + source[-29:]
            tags = printable(",".join(record["tags"]))
            print(f"{record['name']:<{width}}  {record['kind']:<6}  {source:<30}  {tags}")
        return 0
    (candidate,) = library.select([args.name])
    return _show(candidate, args)


def _check_paths(paths: list[str]) -> list[tuple[Path, str | None]]:
    """Each file to check: the files named, and the candidate files of each folder named; (folder, problem)
    for a folder that holds none."""
    from games.library import files_in

    files: list[tuple[Path, str | None]] = []
    for name in paths:
        path = Path(name)
        inside = files_in(path) if path.is_dir() else [path]
        files += [(file, None) for file in inside] or [(path, f"{path}: no candidate files (.toml or .py) here")]
    return files


def _check(paths: list[str]) -> int:
    from games.candidate_files import check_file
    from games.display import printable

    failed = False
    for file, empty in _check_paths(paths):
        candidates, problems = check_file(file) if empty is None else ([], [empty])
        for problem in problems:
            print(printable(problem))
        for item in candidates:
            if not item.examples:
                print(printable(f"{file} ({item.name}): note: no examples (optional; one checks what it predicts)"))
        if problems:
            failed = True
        else:
            names = ", ".join(c.name for c in candidates)
            print(printable(f"{file}: ok ({len(candidates)} candidate{'s' * (len(candidates) != 1)}: {names})"))
    return 1 if failed else 0


def _show(candidate: Any, args: argparse.Namespace) -> int:
    from games.display import printable, printable_json, visible
    from games.documents import source_documents
    from games.matches import first_matches

    documents, _ = source_documents(file=args.corpus or None)
    matches: list[dict[str, Any]] = [
        {"document": document.id, "offset": found.offset,
         "context": document.text[max(0, found.offset - 80) : found.offset], "answer": found.answer,
         "predicted": found.predicted, "foil": found.foil, "error": found.error}
        for document, found in first_matches(candidate, documents, args.limit)]
    record = candidate_record(candidate)
    if args.json:
        print(printable_json({"candidate": record, "matches": matches}))
        return 0
    for key in ("name", "kind", "source", "tags", "description", "finder", "predictor", "foil"):
        if record[key] not in (None, "", []):
            print(f"{key + ':':<13}{printable(', '.join(record[key]) if key == 'tags' else record[key])}")
    for example in candidate.examples:
        context, answer = printable(visible(example.context[-60:])), printable(visible(example.answer))
        print(f"{'example:':<13}…{context} → {answer}")
    print(f"\nfirst matches in {printable(args.corpus or 'the demo texts')}:")
    for match in matches:
        mark = "✓" if match["predicted"] == match["answer"] else ("!" if match["error"] else "✗")
        said = match["error"] or f"predicts {match['predicted']!r}, text says {match['answer']!r}"
        context, answer = visible(match["context"][-50:]), visible(match["answer"])
        print(printable(f"  {mark} …{context}⟨{answer}⟩  {said}"))
    if not matches:
        print("  (none)")
    return 0


def _corpus(args: argparse.Namespace, candidates: list[Any]) -> Any:
    from games.documents import source_documents
    from games.scoring import Corpus, examples_corpus, variants_corpus

    if args.variants is not None:
        return variants_corpus(candidates, variants_count(args.variants), args.seed)
    if args.examples:
        corpus = examples_corpus(candidates)
        if not corpus.documents:
            raise LmgameError("none of these candidates has examples to score")
        return corpus
    documents, label = source_documents(file=args.corpus, dataset=args.dataset)
    return Corpus(label, documents)


def run_score(args: argparse.Namespace, load_models: Any) -> int:
    from games.comparisons import comparisons
    from games.score_cache import score_cache
    from games.score_history import record_scores
    from games.scoring import ScoreOptions, score_all
    from games.slices import run_slices
    from tui.progress import StderrProgress

    options = ScoreOptions(limit=args.limit, max_context=args.max_context, regex_timeout=args.regex_timeout)
    settings = ray_settings(args)
    if args.model and len(args.model) > MAX_SCORE_MODELS:
        raise LmgameError(f"at most {MAX_SCORE_MODELS} models in one run")
    candidates = load_library_warning(args.candidates).select(args.names)
    if args.variants is not None and not args.names:  # all candidates: those that have variants
        candidates = [candidate for candidate in candidates if candidate.variants is not None]
    if not candidates:
        raise LmgameError("no candidates to score")
    corpus = _corpus(args, candidates)
    out = _prepare_out(args.out)
    models = load_models(args.model, args.device, args.dtype, limit=MAX_SCORE_MODELS)
    cache = score_cache(kept=not args.no_cache)
    progress = StderrProgress()
    try:
        if settings is None:
            results = score_all(candidates, models, corpus, options, cache, progress)
        else:
            results = _ray_score(args, settings, candidates, models, options, cache, progress)
    finally:
        progress.close()
    summaries = [r.summary(args.seed) for r in results]
    compared = comparisons(results, args.seed)
    sliced = run_slices(results, args.seed)
    record_scores(summaries)
    if out is not None:
        _write_out(out, summaries, compared, results, sliced)
    if args.format == "json":
        print(json.dumps(results_json(summaries, compared) | {"slices": [s.as_json() for s in sliced]},
                         ensure_ascii=False))
    else:
        print(format_results(summaries, compared, args.format), end="")
    if args.format == "table" and args.variants is not None:
        print(slices_table(sliced), end="")
    for summary in summaries:
        if summary.not_found:
            print(f"lmgame: note: {summary.candidate}: its finder did not find {summary.not_found} of the instances "
                  f"its {'variants' if args.variants is not None else 'examples'} were made to hold", file=sys.stderr)
        if summary.skipped_documents:
            print(f"lmgame: note: {summary.candidate}: {summary.skipped_documents} documents skipped "
                  f"(the finder ran past {args.regex_timeout} s)", file=sys.stderr)
    return 0


def _ray_score(args: argparse.Namespace, settings: Any, candidates: list[Any], models: list[Any], options: Any,
               cache: Any, progress: Any) -> list[Any]:
    """score_all's results, the shards of --corpus scored by Ray actors."""
    from games.documents import source_shards
    from games.paths import user_candidates_dir
    from games.ray_engine import ModelSpec, model_names
    from games.ray_score import LibrarySpec, ray_score_all

    spec = ModelSpec(model_names(args.model or [None]), args.device, args.dtype)
    library = LibrarySpec(tuple(str(Path(path).resolve()) for path in args.candidates), str(user_candidates_dir()))
    results, report = ray_score_all(candidates, models, spec, library, source_shards(args.corpus), args.corpus,
                                    options, cache, settings, progress)
    say_report(report)
    return results


def _prepare_out(out: str | None) -> Path | None:
    if out is None:
        return None
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LmgameError(f"cannot write to --out {folder}: {error.strerror}") from None
    return folder


def results_json(summaries: list[ScoreSummary], compared: list[Comparison]) -> dict[str, Any]:
    """`--format json` and `--out`'s results.json: the summaries, and with two or more models their comparisons."""
    data: dict[str, Any] = {"results": [s.as_json() for s in summaries]}
    if len({s.model for s in summaries}) > 1:
        data["comparisons"] = [c.as_json() for c in compared]
    return data


def _write_out(folder: Path, summaries: list[ScoreSummary], compared: list[Comparison], results: list[Any],
               sliced: list[Any]) -> None:
    try:
        data = results_json(summaries, compared) | {"slices": [item.as_json() for item in sliced]}
        (folder / "results.json").write_text(json.dumps(data, ensure_ascii=False, indent=1))
        with (folder / "instances.jsonl").open("w", encoding="utf-8") as handle:
            for result in results:
                for row in result.rows:
                    handle.write(json.dumps(row.as_json(), ensure_ascii=False) + "\n")
    except OSError as error:
        raise LmgameError(f"cannot write to --out {folder}: {error.strerror}") from None


def format_results(summaries: list[ScoreSummary], compared: list[Comparison], form: str) -> str:
    if form == "json":
        return json.dumps(results_json(summaries, compared), ensure_ascii=False) + "\n"
    if form == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([column.key for column in shown_in(CSV)])
        writer.writerows([column.value(s) for column in shown_in(CSV)] for s in summaries)
        return buffer.getvalue()
    if len({s.model for s in summaries}) > 1:
        return table_text(model_table(summaries, compared))
    return one_model_table(summaries)


def one_model_table(summaries: list[ScoreSummary], width: int = WIDTH) -> str:
    """A row per candidate with the TABLE columns, its name wrapped to the room they leave; under it the model,
    and each answer p interval (or the n too small for one)."""
    shown = shown_in(TABLE)
    header = ["candidate"] + [column.heading for column in shown]
    lines = [[printable(s.candidate)] + [column.cell(s) for column in shown] for s in summaries]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(1, len(header))]
    longest = max(len(row[0]) for row in [header, *lines])
    name_width = max(CANDIDATE_MIN, min(longest, width - sum(len(GAP) + w for w in widths)))
    text = []
    for row in [header, *lines]:
        names = wrapped(row[0], name_width)
        text.append(GAP.join([names[0].ljust(name_width)] + [cell.rjust(w) for cell, w in
                                                              zip(row[1:], widths, strict=True)]))
        text += names[1:]
    if summaries:
        text += wrapped(f"model: {printable(summaries[0].model)}", width)
    answer_p = COLUMN["answer_prob"]
    for summary in summaries:
        bounds = answer_p.interval(summary)
        written = None if bounds is None else [answer_p.write(bound) for bound in bounds]
        if 0 < summary.n < MIN_INTERVAL_N:
            said = f"n={summary.n}, no interval"
        elif written is None or written[0] == written[1]:
            continue  # no instances, or an interval of no width (one document): nothing worth a line
        else:
            said = f"95% CI [{written[0]}, {written[1]}]"
        said = f": {answer_p.heading} {said}"
        text.append(clip(printable(summary.candidate), width - len(said)) + said)  # the name shortens, never a figure
    for summary in summaries:
        if summary.best_head is not None:
            said = f": {summary.best_head.text()}"
            text.append(clip(printable(summary.candidate), width - len(said)) + said)
    return "\n".join(line.rstrip() for line in text) + "\n"


def run_share(args: argparse.Namespace, load_models: Any) -> int:
    from games.documents import source_documents
    from games.score_cache import score_cache
    from games.score_history import record_scores
    from games.scoring import Corpus, ScoreOptions, examples_corpus, score_all
    from games.share import finding, write_finding
    from tui.progress import StderrProgress

    options = ScoreOptions(limit=args.limit)
    (candidate,) = load_library_warning(args.candidates).select([args.name])
    if args.examples:
        corpus = examples_corpus([candidate])
    else:
        documents, label = source_documents(file=args.corpus or None)
        corpus = Corpus(label, documents)
    models = load_models(args.model, args.device, args.dtype, limit=MAX_SCORE_MODELS)
    progress = StderrProgress()
    try:
        results = score_all([candidate], models, corpus, options, score_cache(), progress)
    finally:
        progress.close()
    record_scores([r.summary() for r in results])
    markdown, data = write_finding(finding(candidate, results), Path(args.out or f"{candidate.name}.finding"))
    print(f"wrote {markdown} (for people) and {data} (lmgame import {data})")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from games.display import printable
    from games.paths import user_candidates_dir
    from games.share import import_finding

    candidate, path = import_finding(Path(args.file), user_candidates_dir(), overwrite=args.force)
    print(printable(f"imported {candidate.name} into {path}"))
    return 0
