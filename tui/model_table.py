"""Several models side by side, one row per candidate: each model's answer probability, whole-answer top-1 and
first-token logit difference, then each pair of models' whole-answer log-probability difference with its interval
and p-value. `model_table` lays out the cells (the workbench shows them in a DataTable), `table_text` writes them
for `lmgame score --format table` in at most 100 columns: candidate names wrap, numbers never do, and where the
pairs do not fit beside the models they go to a block of their own below (and the models to several blocks where
even they do not fit).

Models are named by letter (A, B, ...) in the order they come, with a legend of their full labels; a pair "A−B"
is A's figure minus B's.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations

from games.display import printable
from games.results import COLUMN, MIN_INTERVAL_N, Comparison, ScoreSummary

WIDTH = 100  # the most a line of `lmgame score --format table` takes
GAP = "  "  # between columns, and between groups of columns
INNER = " "  # between the columns of a group (a model's figures, a pair's)
CANDIDATE_MIN = 12  # the fewest cells a candidate's name wraps to
MINUS = "−"  # in a pair's name: A's figure minus B's
MODEL_FIGURES = ("answer_prob", "answer_top1", "mean_logit_diff")  # per model, COLUMNS keys
FIGURE_DROPS = {"answer_top1": 2, "mean_logit_diff": 3}  # on a narrow terminal, highest first
PAIR_DROPS = {"p": 1}
NOTE = (f"answer p: probability of the heuristic's whole answer, on the same characters for every model; top1: "
        f"share of instances where greedy decoding gives the whole answer; 1st-tok logit Δ: the answer's first "
        f"token's logit minus the foil's (- without a foil); Δ logp: whole-answer log-probability difference in "
        f"nats, the pair's first model minus its second; 95% CI: bootstrap by document (- below {MIN_INTERVAL_N} "
        f"pairs, or of no width); p: sign-flip permutation test.")


@dataclass(frozen=True)
class TableColumn:
    key: str
    heading: tuple[str, str]  # two lines, the first often empty
    group: str = ""  # the model's letter or the pair's name; "" for the candidate and n
    model: str | None = None  # whose figure it is: a drill-down opens this model's instances
    drop: int = 0  # on a narrow terminal: 0 always shown, otherwise left out highest first

    @property
    def width(self) -> int:
        return max(len(line) for line in self.heading)


@dataclass(frozen=True)
class Group:
    name: str  # "A", or "A−B"
    heading: str  # "A lmgame-default", or "A−B"
    keys: tuple[str, ...]  # its columns
    pair: bool


@dataclass
class ModelTable:
    models: list[str]  # labels, in the order of their letters
    columns: list[TableColumn]
    groups: list[Group]
    rows: list[dict[str, str]]  # one per candidate: its cells by column key, "candidate" among them
    legend: list[str]  # "A: label", one per model
    note: str
    best_heads: list[tuple[str, str, str]] = field(default_factory=list)  # (candidate, model's letter, in words)

    def column(self, key: str) -> TableColumn:
        return next(column for column in self.columns if column.key == key)


def letter(number: int) -> str:
    return chr(ord("A") + number) if number < 26 else f"M{number + 1}"


def short_labels(labels: Sequence[str]) -> list[str]:
    """Each label without its "@revision" where the names stay unique that way; otherwise the labels whole."""
    names = [label.split("@")[0] for label in labels]
    return names if len(set(names)) == len(names) else list(labels)


def _two_lines(heading: str) -> tuple[str, str]:
    """A heading on two lines: its first word over the rest ("1st-tok" over "logit Δ"); one word below."""
    first, _, rest = heading.partition(" ")
    return (first, rest) if rest else ("", first)


def signed(value: float) -> str:
    """A difference in nats: two decimals, or two significant digits where those would read as zero."""
    return f"{value:+.2f}" if value == 0 or abs(value) >= 0.005 else f"{value:+.1e}"


def p_value(p: float | None) -> str:
    return "-" if p is None else f"{p:.3f}" if p >= 0.001 else "<0.001"


def _pair_cells(comparison: Comparison | None) -> dict[str, str]:
    """n paired, the mean difference, its interval ("-" below MIN_INTERVAL_N pairs, and where its ends would be
    written alike: never a zero-width interval) and p."""
    if comparison is None or not comparison.n_paired or comparison.mean_diff is None:
        return {"n": "0" if comparison is not None else "-", "diff": "-", "ci": "-", "p": "-"}
    interval = "-"
    if comparison.ci is not None and comparison.n_paired >= MIN_INTERVAL_N:
        low, high = signed(comparison.ci[0]), signed(comparison.ci[1])
        interval = "-" if low == high else f"[{low}, {high}]"
    return {"n": str(comparison.n_paired), "diff": signed(comparison.mean_diff), "ci": interval,
            "p": p_value(comparison.p_value)}


def model_table(summaries: Sequence[ScoreSummary], compared: Sequence[Comparison],
                models: Sequence[str] | None = None) -> ModelTable:
    """The table of `summaries` (one per candidate and model) and `compared` (the pairs of models on each
    candidate), with `models` as its columns (default: the models of the summaries, in the order they come)."""
    labels = list(models) if models is not None else list(dict.fromkeys(s.model for s in summaries))
    letters = {label: letter(number) for number, label in enumerate(labels)}
    candidates = list(dict.fromkeys(s.candidate for s in summaries))
    by_place = {(s.candidate, s.model): s for s in summaries}
    by_pair = {(c.candidate, c.model_a, c.model_b): c for c in compared}
    pairs = list(combinations(labels, 2))

    rows: list[dict[str, str]] = []
    for candidate in candidates:
        mine = [by_place[candidate, label] for label in labels if (candidate, label) in by_place]
        ns = list(dict.fromkeys(str(s.n) for s in mine))
        row = {"candidate": candidate, "n": "/".join(ns) or "-"}
        for label in labels:
            summary = by_place.get((candidate, label))
            for key in MODEL_FIGURES:
                row[f"{letters[label]}:{key}"] = COLUMN[key].cell(summary) if summary is not None else "-"
        for a, b in pairs:
            comparison = by_pair.get((candidate, a, b))
            if comparison is None:  # compared the other way round: the difference turns over
                other = by_pair.get((candidate, b, a))
                comparison = None if other is None else _turned(other)
            name = f"{letters[a]}{MINUS}{letters[b]}"
            row.update({f"{name}:{key}": cell for key, cell in _pair_cells(comparison).items()})
        rows.append(row)

    columns = [TableColumn("candidate", ("", "candidate")), TableColumn("n", ("", "n"))]
    groups = []
    shown = short_labels(labels)
    for label, short in zip(labels, shown, strict=True):
        name = letters[label]
        keys = tuple(f"{name}:{key}" for key in MODEL_FIGURES)
        columns += [TableColumn(f"{name}:{key}", _two_lines(COLUMN[key].heading), name, label,
                                FIGURE_DROPS.get(key, 0)) for key in MODEL_FIGURES]
        groups.append(Group(name, f"{name} {short}", keys, pair=False))
    for a, b in pairs:
        name = f"{letters[a]}{MINUS}{letters[b]}"
        paired_n = any(row[f"{name}:n"] != row["n"] for row in rows)  # a column only where it says more
        headings = ([("n", ("", "n"))] if paired_n else []) + [
            ("diff", ("Δ logp", "nats")), ("ci", ("", "95% CI")), ("p", ("", "p"))]
        columns += [TableColumn(f"{name}:{key}", heading, name, a, PAIR_DROPS.get(key, 0))
                    for key, heading in headings]
        groups.append(Group(name, name, tuple(f"{name}:{key}" for key, _ in headings), pair=True))
    legend = [f"{letters[label]}: {label}" for label in labels]
    heads = [(candidate, letters[label], summary.best_head.text()) for candidate in candidates for label in labels
             if (summary := by_place.get((candidate, label))) is not None and summary.best_head is not None]
    return ModelTable(labels, columns, groups, rows, legend, NOTE, heads)


def _turned(comparison: Comparison) -> Comparison:
    """b against a, from a against b."""
    ci = None if comparison.ci is None else [-comparison.ci[1], -comparison.ci[0]]
    return Comparison(comparison.candidate, comparison.model_b, comparison.model_a, comparison.n_paired,
                      None if comparison.mean_diff is None else -comparison.mean_diff, ci,
                      None if comparison.share_ahead is None else 1 - comparison.share_ahead, comparison.p_value)


# the text of `lmgame score --format table`

def wrapped(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` characters, broken after a hyphen, dot, underscore or space where
    there is one, anywhere else where there is not."""
    lines = []
    while len(text) > width:
        breaks = [match.end() for match in re.finditer(r"[-._ ]", text[:width])]
        cut = breaks[-1] if breaks else width
        lines.append(text[:cut].rstrip(" "))
        text = text[cut:].lstrip(" ")
    return [*lines, text]


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _widths(table: ModelTable, keys: Sequence[str]) -> dict[str, int]:
    return {key: max([table.column(key).width, *(len(row[key]) for row in table.rows)]) for key in keys}


def _block(table: ModelTable, groups: Sequence[Group], width: int) -> list[str]:
    """Candidate and n, then `groups`' columns: a heading line per group, two heading lines, a row per
    candidate (its name wrapped to the room the figures leave)."""
    keys = ["n", *(key for group in groups for key in group.keys)]
    widths = _widths(table, keys)
    group_widths = [sum(widths[key] for key in group.keys) + len(INNER) * (len(group.keys) - 1) for group in groups]
    fixed = widths["n"] + sum(len(GAP) + w for w in group_widths)
    longest = max([len("candidate"), *(len(row["candidate"]) for row in table.rows)])
    name_width = max(CANDIDATE_MIN, min(longest, width - len(GAP) - fixed))
    lead = " " * (name_width + len(GAP) + widths["n"])
    top = lead + "".join(GAP + _rule(group.heading, w) for group, w in zip(groups, group_widths, strict=True))
    lines = [top.rstrip()]

    def figures(cell: Callable[[str], str]) -> str:
        return GAP.join([cell("n").rjust(widths["n"])] + [
            INNER.join(cell(key).rjust(widths[key]) for key in group.keys) for group in groups])

    for line in (0, 1):
        lines.append(f"{table.column('candidate').heading[line].ljust(name_width)}{GAP}"
                     f"{figures(lambda key: table.column(key).heading[line])}".rstrip())  # noqa: B023  (called here)
    for row in table.rows:
        names = wrapped(row["candidate"], name_width)
        lines.append(f"{names[0].ljust(name_width)}{GAP}{figures(row.__getitem__)}")
        lines += names[1:]
    return lines


def _rule(heading: str, width: int) -> str:
    """A group's heading over its columns: "A lmgame-default ────", cut to their width."""
    heading = clip(heading, width)
    return heading + (" " + "─" * (width - len(heading) - 1) if width - len(heading) > 1 else "")


def _fits(table: ModelTable, groups: Sequence[Group], width: int) -> bool:
    widths = _widths(table, ["n", *(key for group in groups for key in group.keys)])
    return CANDIDATE_MIN + len(GAP) + widths["n"] + sum(
        len(GAP) + sum(widths[key] for key in group.keys) + len(INNER) * (len(group.keys) - 1)
        for group in groups) <= width


def _pair_block(table: ModelTable, width: int) -> list[str]:
    """A row per candidate and pair: for pairs that do not fit beside the models."""
    pairs = [group for group in table.groups if group.pair]
    keys = ["n", "diff", "ci", "p"]
    headings = {"n": ("", "n"), "diff": ("Δ logp", "nats"), "ci": ("", "95% CI"), "p": ("", "p")}
    cells = [[row["candidate"], pair.name, row[f"{pair.name}:n"], *(row[f"{pair.name}:{key}"] for key in keys[1:])]
             for row in table.rows for pair in pairs]
    figure_widths = [max([len(headings[key][1]), len(headings[key][0]), *(len(c[2 + i]) for c in cells)])
                     for i, key in enumerate(keys)]
    pair_width = max([len("pair"), *(len(pair.name) for pair in pairs)])
    fixed = len(GAP) + pair_width + sum(len(GAP) + w for w in figure_widths)
    longest = max([len("candidate"), *(len(c[0]) for c in cells)])
    name_width = max(CANDIDATE_MIN, min(longest, width - fixed))
    lines = []
    for line in (0, 1):
        heading = ["candidate" if line else "", "pair" if line else ""]
        lines.append(GAP.join([heading[0].ljust(name_width), heading[1].ljust(pair_width)] + [
            headings[key][line].rjust(w) for key, w in zip(keys, figure_widths, strict=True)]).rstrip())
    previous = None
    for candidate, pair, *figures in cells:
        names = wrapped(candidate, name_width) if candidate != previous else [""]
        previous = candidate
        lines.append(GAP.join([names[0].ljust(name_width), pair.ljust(pair_width)] + [
            figure.rjust(w) for figure, w in zip(figures, figure_widths, strict=True)]))
        lines += names[1:]
    return lines


def table_text(table: ModelTable, width: int = WIDTH) -> str:
    """The table in lines of at most `width` characters: the models and pairs in one block where they fit;
    otherwise the models in as few blocks as fit and the pairs below, a row per candidate and pair; then each
    model's best head on each candidate that names a source, the legend and what the figures are. Names and labels
    are written printable (a model's folder may be named anything)."""
    table = replace(table, rows=[{**row, "candidate": printable(row["candidate"])} for row in table.rows],
                    groups=[replace(group, heading=printable(group.heading)) for group in table.groups],
                    legend=[printable(entry) for entry in table.legend])
    models = [group for group in table.groups if not group.pair]
    if _fits(table, table.groups, width):
        blocks = [_block(table, table.groups, width)]
    else:
        blocks = []
        start = 0
        while start < len(models):
            end = start + 1
            while end < len(models) and _fits(table, models[start : end + 1], width):
                end += 1
            blocks.append(_block(table, models[start:end], width))
            start = end
        if len(table.groups) > len(models):
            blocks.append(_pair_block(table, width))
    lines = [line for block in blocks for line in [*block, ""]]
    for candidate, name, said in table.best_heads:  # the name shortens, never a figure
        said = f" ({name}): {said}"
        lines.append(clip(printable(candidate), width - len(said)) + said)
    lines += [""] if table.best_heads else []
    for entry in table.legend:
        lines += textwrap.wrap(entry, width, subsequent_indent="   ", break_on_hyphens=False) or [entry]
    lines += textwrap.wrap(table.note, width)
    return "\n".join(line.rstrip() for line in lines) + "\n"
