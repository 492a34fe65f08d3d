"""The `lmgame` command: a thin face over engine/ and games/. Textual is imported only to play."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from engine.errors import LmgameError
from games.display import printable
from games.modes import MODES
from tui.cli_explain import add_parser as add_explain_parser
from tui.cli_explain import run_explain
from tui.cli_scan import add_parser as add_scan_parser
from tui.cli_scan import run_scan
from tui.cli_scoring import add_parsers as add_scoring_parsers
from tui.cli_scoring import run_candidates, run_import, run_score, run_share, run_variants
from tui.cli_study import add_parsers as add_study_parsers
from tui.cli_study import run_review, run_workbench

SUBCOMMANDS = ("play", "predict", "models", "log", "score", "candidates", "variants", "share", "import", "scan",
               "review", "workbench", "explain")
MAX_MODELS = 3


class ArgumentProblem(LmgameError):
    """What is wrong with the command line itself (argparse's findings among it), said on one line by `main`."""


class Parser(argparse.ArgumentParser):
    """argparse, with each problem raised as an ArgumentProblem instead of printing usage and exiting."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("lmgame").strip()
        raise ArgumentProblem(f"{command}: {message}" if command else message)


class LenientParser(Parser):
    """The same commands with nothing required: parsing with it finds the options nobody knows before
    argparse would complain about a missing one. Its -h only takes the place of the strict parser's, which prints
    the help."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "add_help": False})
        self.add_argument("-h", "--help", action="store_true")

    def add_argument(self, *names: Any, **options: Any) -> argparse.Action:
        if names and not names[0].startswith("-"):
            options["nargs"] = {None: "?", "+": "*"}.get(options.get("nargs"), options.get("nargs"))
        elif options.get("required"):
            options["required"] = False
        return super().add_argument(*names, **options)

    def add_mutually_exclusive_group(self, *, required: bool = False) -> Any:
        return super().add_mutually_exclusive_group(required=False)

    def add_subparsers(self, **options: Any) -> Any:
        return super().add_subparsers(**{**options, "required": False})


def _add_model_options(parser: argparse.ArgumentParser, repeatable: bool, dtype_default: str = "auto") -> None:
    if repeatable:
        parser.add_argument("--model", action="append", metavar="M",
                            help="hub id or local directory (repeatable); default: the embedded model")
    else:
        parser.add_argument("--model", metavar="M", help="hub id or local directory; default: the embedded model")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default: auto)")
    parser.add_argument("--dtype", default=dtype_default,
                        help="auto (float32), fast (bfloat16 where the hardware has it, else float32), float32, "
                             f"bfloat16 or float16 (default: {dtype_default})")


def build_parser(parser_class: type[Parser] = Parser) -> Parser:
    parser = parser_class(
        prog="lmgame",
        description="Play the language-modelling game against small language models. With no command: play.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    play = commands.add_parser("play", help="open the game (the default command)")
    _add_model_options(play, repeatable=True)
    source = play.add_mutually_exclusive_group()
    source.add_argument("--text", help="play on this text")
    source.add_argument("--file", metavar="PATH", help='play on a .txt file, or a .jsonl file with a "text" field')
    source.add_argument("--dataset", metavar="NAME", help="play on a Hugging Face dataset (where reachable)")
    play.add_argument("--top-k", type=int, default=10, help="how many predictions to reveal (default 10)")
    play.add_argument("--mode", choices=tuple(MODES), default="guess", help=_modes_help())
    play.add_argument("--seed", type=int, default=0, help="seed for the which-one mode's draws")

    predict = commands.add_parser("predict", help="top-k next tokens after TEXT, and where answers stand")
    predict.add_argument("text", metavar="TEXT")
    _add_model_options(predict, repeatable=True)
    predict.add_argument("--top-k", type=int, default=10)
    predict.add_argument("--answer", action="append", default=[], metavar="STR",
                         help="an answer to judge, as it would follow TEXT (include its leading space)")
    predict.add_argument("--json", action="store_true", help="print one JSON object")

    models = commands.add_parser("models", help="the embedded model and the models in the Hugging Face cache")
    models.add_argument("--json", action="store_true")

    log = commands.add_parser("log", help="the guess log")
    log_commands = log.add_subparsers(dest="log_command", metavar="ACTION", required=True)
    export = log_commands.add_parser("export", help="write the whole log to stdout")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--edits", action="store_true", help="the counterfactual edits (jsonl) instead of the guesses")
    log_commands.add_parser("path", help="print where the log is")
    add_scoring_parsers(commands, _add_model_options)
    add_study_parsers(commands, _add_model_options)
    add_scan_parser(commands, _add_model_options)
    add_explain_parser(commands, _add_model_options)
    return parser


def _modes_help() -> str:
    modes = "; ".join(f"{mode.name}: {mode.description}" for mode in MODES.values())
    return f"game mode (default guess). {modes}".replace("%", "%%")  # argparse formats help with %


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line, `play` when it names no command. Problems raise ArgumentProblem, an option nobody
    knows before a missing one."""
    argv = list(argv)
    _check_utf8(argv)
    if argv and not argv[0].startswith("-") and argv[0] not in SUBCOMMANDS:
        raise ArgumentProblem(f"unknown command {argv[0]!r} (commands: {', '.join(SUBCOMMANDS)})")
    if not argv or argv[0] not in (*SUBCOMMANDS, "-h", "--help"):
        argv = ["play", *argv]
    _, unknown = build_parser(LenientParser).parse_known_args(argv)
    if unknown:
        command = argv[0]
        raise ArgumentProblem(f"{command}: unrecognized arguments: {' '.join(unknown)} "
                              f"(lmgame {command} --help lists the options)")
    return build_parser().parse_args(argv)


def _check_utf8(argv: list[str]) -> None:
    """Arguments that are not UTF-8 reach Python as lone surrogates (surrogateescape), which the tokenizers,
    the JSON writers and the terminal all refuse later: refuse them here, naming the one."""
    for position, argument in enumerate(argv):
        try:
            argument.encode("utf-8")
        except UnicodeEncodeError as error:
            raw = argument.encode("utf-8", "surrogateescape")
            shown = raw.decode("utf-8", "backslashreplace")
            after = f" (after {argv[position - 1]})" if position and argv[position - 1].startswith("-") else ""
            byte = ord(argument[error.start]) - 0xDC00
            raise ArgumentProblem(f"argument '{shown}'{after} is not UTF-8 (byte 0x{byte:02x}): give text, names "
                                  "and paths in UTF-8") from None


def _load_models(names: list[str] | None, device: str, dtype: str, limit: int = MAX_MODELS) -> list[Any]:
    from games.models import load_models

    return load_models(names, device, dtype, limit,
                       loading=lambda name: print(f"lmgame: loading {name}...", file=sys.stderr, flush=True))


def run_play(args: argparse.Namespace) -> int:
    _check_top_k(args.top_k)
    if not 0 <= args.seed < 2**63:
        raise LmgameError("--seed must be between 0 and 2**63 - 1")
    from games.documents import PLAY_DATASET_DOCUMENTS, source_documents

    documents, source = source_documents(args.text, args.file or None, args.dataset or None,
                                         dataset_most=PLAY_DATASET_DOCUMENTS)
    models = _load_models(args.model, args.device, args.dtype)
    from tui.app import PlaySetup, run_app

    setup = PlaySetup(models=models, documents=documents, source=source, mode=args.mode, top_k=args.top_k,
                      seed=args.seed)
    return run_app(setup)


MAX_TOP_K = 1000


def _check_top_k(top_k: int) -> None:
    if not 1 <= top_k <= MAX_TOP_K:
        raise LmgameError(f"--top-k must be between 1 and {MAX_TOP_K}")


PREDICT_COLUMN = 30  # cells of one model's column when several are side by side


def run_predict(args: argparse.Namespace) -> int:
    from games.models import prediction

    _check_top_k(args.top_k)
    models = _load_models(args.model, args.device, args.dtype)
    results = [prediction(lm, args.text, args.top_k, tuple(args.answer)) for lm in models]
    if args.json:  # one model: its object, as always; several: a list of them
        print(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False))
        return 0
    if len(models) == 1:
        _print_prediction(models[0].identity.label, results[0])
    else:
        _print_side_by_side([lm.identity.label for lm in models], results)
    return 0


def _print_prediction(label: str, result: dict[str, Any]) -> None:
    from games.display import printable, visible

    print(printable(f"model: {label}"))
    for rank, entry in enumerate(result["top_k"], start=1):
        bar = "█" * round(entry["prob"] * 30)
        print(printable(f"{rank:>3}  {visible(entry['token']):<16} {entry['prob']:7.2%}  {bar}"))
    for answer in result["answers"]:
        print(printable(f"answer {visible(answer['text'])}: {_answer_words(answer)}"))


def _answer_words(answer: dict[str, Any]) -> str:
    from games.display import visible

    tokens = " | ".join(visible(t) for t in answer["tokens"])
    return (f"tokens [{tokens}], first token p={answer['prob']:.4f} rank {answer['rank']}, whole answer log "
            f"p={answer['logprob']:.3f}")


def _print_side_by_side(labels: list[str], results: list[dict[str, Any]]) -> None:
    """Each model's top-k in a column of its own, rank by rank; then each answer on each model, a line each."""
    from games.display import printable, visible

    def clip(text: str, cells: int) -> str:
        return text if len(text) <= cells else text[: cells - 1] + "…"

    token_cells = PREDICT_COLUMN - 10
    print("     " + "".join(f"{clip(label, PREDICT_COLUMN - 2):<{PREDICT_COLUMN}}" for label in labels).rstrip())
    for rank in range(max(len(result["top_k"]) for result in results)):
        cells = []
        for result in results:
            entry = result["top_k"][rank] if rank < len(result["top_k"]) else None
            cells.append("" if entry is None else
                         f"{clip(visible(entry['token']), token_cells):<{token_cells}} {entry['prob']:7.2%}  ")
        print(printable(f"{rank + 1:>3}  " + "".join(f"{cell:<{PREDICT_COLUMN}}" for cell in cells).rstrip()))
    for number, answer in enumerate(results[0]["answers"]):
        print(printable(f"answer {visible(answer['text'])}:"))
        for label, result in zip(labels, results, strict=True):
            print(printable(f"  {label}: {_answer_words(result['answers'][number])}"))


def run_models(args: argparse.Namespace) -> int:
    from games.models import models_at_hand

    entries = models_at_hand()
    if args.json:
        print(json.dumps({"models": entries}))
        return 0
    for entry in entries:
        print(f"{entry['name']:<40} {entry['kind']:<10} {entry['path']}")
    if len(entries) == 1:
        print("(no models in the local Hugging Face cache)")
    return 0


def run_log(args: argparse.Namespace) -> int:
    from games.log import GuessLog, export
    from games.paths import guess_log_path

    path = guess_log_path()
    if args.log_command == "path":
        print(path)
        return 0
    if not path.exists():
        return 0  # an empty log exports as nothing
    with GuessLog(path, read_only=True) as log:
        sys.stdout.write(export(log, args.format, edits=args.edits))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    runners = {"play": run_play, "predict": run_predict, "models": run_models, "log": run_log,
               "score": lambda a: run_score(a, _load_models), "candidates": run_candidates,
               "review": lambda a: run_review(a, _load_models),
               "workbench": lambda a: run_workbench(a, _load_models),
               "share": lambda a: run_share(a, _load_models), "import": run_import,
               "scan": lambda a: run_scan(a, _load_models), "variants": run_variants,
               "explain": lambda a: run_explain(a, _load_models)}
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
        return runners[args.command](args)
    except LmgameError as error:
        print(f"lmgame: error: {printable(str(error))}", file=sys.stderr)  # it may quote a file: no escapes
        return 2
    except KeyboardInterrupt:
        print("\nlmgame: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
