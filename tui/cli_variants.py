"""`lmgame variants`: a candidate's synthetic variants, and the slices `lmgame score` shows and writes."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine.errors import LmgameError
from games.results import COLUMN

SLICES_SHOWN = 10  # slices per candidate and model in `score`'s table; --format json has them all


def add_parser(commands: Any) -> None:
    variants = commands.add_parser("variants", help="a candidate's synthetic variants: a seeded sample, or all")
    variants.add_argument("name", metavar="CANDIDATE")
    variants.add_argument("--n", type=int, default=20, metavar="N", help="how many to draw (default 20)")
    variants.add_argument("--seed", type=int, default=0, help="the seed of the draw (default 0)")
    variants.add_argument("--all", action="store_true", help="every combination instead of a sample")
    variants.add_argument("--format", choices=("jsonl", "table"), default="table")
    variants.add_argument("--candidates", action="append", default=[], metavar="PATH")


def variants_count(text: str | None) -> int | None:
    """`score --variants`'s value: a number of variants, or None for 'all'; LmgameError for anything else."""
    from games.variants import MAX_VARIANTS

    if text == "all":
        return None
    try:
        count = int(text or "")
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_VARIANTS:
        raise LmgameError(f"--variants takes a number from 1 to {MAX_VARIANTS:,}, or 'all'")
    return count


def instance_records(variants: list[Any]) -> list[dict[str, Any]]:
    """One record per instance of each variant, numbered from 1 as `score` numbers their documents."""
    return [{"variant": number, "offset": planted.offset, "context": variant.text[: planted.offset],
             "answer": planted.answer, "foil": planted.foil, "slots": dict(planted.slots)}
            for number, variant in enumerate(variants, start=1) for planted in variant.instances]


def run_variants(args: argparse.Namespace) -> int:
    from games.display import printable, printable_json, visible
    from games.variants import MAX_VARIANTS, VariantGenerator, make_variants
    from tui.cli_scoring import load_library_warning

    if not args.all and not 1 <= args.n <= MAX_VARIANTS:
        raise LmgameError(f"--n must be between 1 and {MAX_VARIANTS:,}")
    (candidate,) = load_library_warning(args.candidates).select([args.name])
    if candidate.variants is None:
        raise LmgameError(f"{candidate.name} has no variant generator: give it a [variants] table (see the README)")
    variants = make_variants(candidate.variants, None if args.all else args.n, args.seed,
                             candidate.source == "built-in")
    records = instance_records(variants)
    if args.format == "jsonl":
        sys.stdout.write("".join(printable_json(record) + "\n" for record in records))
    else:
        for record in records:
            slots = " ".join(f"{key}={value}" for key, value in record["slots"].items())
            foil = f"  foil {visible(record['foil'])}" if record["foil"] else ""
            line = f"{record['variant']:>5}  …{visible(record['context'][-60:])}⟨{visible(record['answer'])}⟩{foil}"
            print(printable(f"{line}  {slots}"))
    made = f"{len(variants):,} variant{'s' * (len(variants) != 1)} ({len(records):,} instances)"
    how = "every combination" if args.all else f"seed {args.seed}"
    if isinstance(candidate.variants, VariantGenerator):
        how += f"; its templates make {candidate.variants.count:,} before constraints"
    print(f"lmgame: {made} of {candidate.name}, {how}", file=sys.stderr)
    return 0


def slices_table(slices: list[Any], most: int = SLICES_SHOWN) -> str:
    """The worst `most` slices by slot value of each candidate on each model, of those with an interval
    (MIN_INTERVAL_N instances or more), as lines of a table."""
    from games.display import printable
    from games.results import MIN_INTERVAL_N
    from games.slices import SLOT

    results: dict[tuple[str, str], list[Any]] = {}
    for item in slices:
        results.setdefault((item.candidate, item.model), [])
        if item.by == SLOT and item.n >= MIN_INTERVAL_N:
            results[(item.candidate, item.model)].append(item)
    if not results:
        return ""
    keys = ("answer_prob", "answer_top1", "mean_logit_diff")
    widths = [max(10, len(COLUMN[key].heading)) for key in keys]
    lines = [f"slices by slot value, worst first (of {MIN_INTERVAL_N} instances or more; --format json has every "
             "slice, by finder group too):"]
    for (candidate, model), items in results.items():
        lines.append(printable(f"  {candidate} on {model}:"))
        if not items:
            lines.append(f"    none of {MIN_INTERVAL_N} instances or more: draw more variants")
            continue
        width = min(40, max(len(printable(item.label)) for item in items[:most]))
        heading = "".join(f"  {COLUMN[key].heading:>{w}}" for key, w in zip(keys, widths, strict=True))
        lines.append(f"    {'slice':<{width}}  {'n':>6}{heading}  {COLUMN['ci'].heading} of answer p")
        for item in items[:most]:
            figures = "".join(f"  {COLUMN[key].write(item.means[key]) if key in item.means else '-':>{w}}"
                              for key, w in zip(keys, widths, strict=True))
            bounds = item.ci.get("answer_prob")
            ci = COLUMN["ci"].write(bounds) if bounds else "-"
            label = printable(item.label)
            label = label if len(label) <= width else label[: width - 1] + "…"
            lines.append(f"    {label:<{width}}  {item.n:>6}{figures}  {ci}")
        if len(items) > most:
            lines.append(f"    ... {len(items) - most} more")
    return "\n".join(lines) + "\n"
