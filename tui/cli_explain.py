"""`lmgame explain`: how much each context token moves a model's answer (occlusion, gradient x input, attention)."""

from __future__ import annotations

import argparse
from typing import Any

from games.display import printable, printable_json, shortened, visible
from games.explain import METHODS, Explanation

BAR_WIDTH = 20
TOKEN_WIDTH = 16

METHODS_HELP = ("occlusion (default): the measure minus the measure with the token deleted from the sequence (the "
                "tokens after it move back a position; BOS is never removed), all ablations in batched passes; "
                "gradient: gradient x input, a one-pass estimate of the same; attention: the weight from the "
                "predicting position to the token for every layer and head (the score: their mean)")


def add_parser(commands: Any, add_model_options: Any) -> None:
    explain = commands.add_parser(
        "explain", help="how much each token of TEXT moves the answer's log-probability (or answer-minus-foil)",
        description="For each context token: how much it moves the answer's log-probability (whole answer, "
                    "teacher-forced), or with --foil the logit difference of the answer's and the foil's first "
                    "tokens. Occlusion removes a token by deleting it from the sequence: the tokens after it move "
                    "back one position. BOS is never removed.")
    explain.add_argument("text", metavar="TEXT")
    explain.add_argument("--answer", required=True, metavar="STR",
                         help="the answer as it would follow TEXT (include its leading space)")
    explain.add_argument("--foil", metavar="STR", help="a wrong answer: explain the answer-minus-foil logit difference")
    add_model_options(explain, repeatable=True)
    explain.add_argument("--method", choices=METHODS, default="occlusion", help=METHODS_HELP)
    explain.add_argument("--max-tokens", type=int, metavar="N",
                         help="refuse a TEXT of more than N tokens (default: what fits in the model's window)")
    which = explain.add_mutually_exclusive_group()
    which.add_argument("--token", type=int, metavar="INDEX",
                       help="attention: list the heads that attend most to context token INDEX (as numbered in the "
                            "table; negative counts from the end; default: the token with the most attention)")
    which.add_argument("--source", metavar="STR",
                       help="attention: list the heads that attend most to the first context token that reads STR")
    explain.add_argument("--json", action="store_true",
                         help="print one JSON object (a list of them, one per model, with several --model)")


def run_explain(args: argparse.Namespace, load_models: Any) -> int:
    from functools import partial

    from games.explain import explanation
    from tui.progress import StderrProgress

    models = load_models(args.model, args.device, args.dtype)
    results: list[Explanation] = []
    progress = StderrProgress()
    try:
        for lm in models:
            results.append(explanation(lm, args.text, args.answer, args.foil, args.method, args.max_tokens,
                                       args.token, args.source, partial(progress, f"occlusion, {lm.identity.name}")))
    finally:
        progress.close()
    if args.json:
        print(printable_json(results[0] if len(results) == 1 else results))
        return 0
    print("\n\n".join(table(result) for result in results))
    return 0


def shown(text: str) -> str:
    """A token or an answer as the table shows it: white space visible, control characters escaped."""
    return printable(visible(text))


def _bar(score: float, largest: float) -> str:
    """Positive scores in full blocks, negative ones in light shade, scaled to the largest |score|."""
    length = round(abs(score) / largest * BAR_WIDTH) if largest > 0 else 0
    return ("█" if score >= 0 else "░") * length


def _heads(heads: list[Any]) -> str:
    return "  ".join(f"{h['layer']}.{h['head']} ({h['weight']:.2f})" for h in heads)


def _headline(result: Explanation) -> list[str]:
    model = result["model"]
    name = f"{model['name']}@{model['revision'][:10]}"
    count = len(result["answer_tokens"])
    answer = f"answer {shown(result['scored_answer'])} ({count} token{'s' if count > 1 else ''}: "
    answer += " | ".join(shown(t) for t in result["answer_tokens"]) + ")"
    if result["measure"] == "logit_diff":
        measure = "the answer-minus-foil logit difference"
        answer += f", foil {shown(result['foil'] or '')} (first token {shown(result['foil_token'] or '')})"
        value = f"logit difference {result['value']:.3f}"
    else:
        measure = "the answer's log-probability"
        value = f"log p {result['value']:.3f}"
    lines = [f"model {name}: {answer}; {value} on the whole context"]
    if result["method"] == "occlusion":
        lines.append(f"score: {measure} minus the same with the token removed (positive: the token helps)")
    elif result["method"] == "gradient":
        lines.append(f"score: gradient x input of {measure} (positive: the token helps)")
    else:
        lines.append(f"score: attention from the predicting position, mean of {result['layers']} layers x "
                     f"{result['heads']} heads; top heads as layer.head (weight)")
    return lines


def table(result: Explanation) -> str:
    """One model's block: a headline, then one line per context token (number, token, score, bar, top heads)."""
    lines = _headline(result)
    tokens = result["tokens"]
    largest = max((abs(t["score"]) for t in tokens), default=0.0)
    attention = result["method"] == "attention"
    if attention and result["bos_weights"] is not None:
        weights = [w for layer in result["bos_weights"] for w in layer]
        lines.append(f"{'BOS':>5}  {'(never removed)':<{TOKEN_WIDTH}} {sum(weights) / len(weights):>9.4f}")
    for token in tokens:
        text = shortened(shown(token["token"]), TOKEN_WIDTH - 1)
        score = f"{token['score']:>9.4f}" if attention else f"{token['score']:>+9.4f}"
        line = f"{token['index']:>5}  {text:<{TOKEN_WIDTH}} {score}  {_bar(token['score'], largest):<{BAR_WIDTH}}"
        if attention:
            line += f"  {_heads(token['top_heads'])}"
        lines.append(line.rstrip())
    chosen = result["chosen"]
    if chosen is not None:
        lines.append(f"heads attending most to token {chosen['index']} ({shown(chosen['token'])}): "
                     f"{_heads(chosen['heads'])}")
    return "\n".join(lines)
