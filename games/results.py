"""What scoring and scanning produce, typed: an instance row and a candidate's summary on one model, each written
to the JSON keys the README documents and read back from them (the cache, the score history); the scan's report
as typed dictionaries; and COLUMNS, the one list of a summary's figures (key, heading, how it is written) that the
score tables, the workbench, a shared finding, the promote editor and the plot all read.

A new mean over the instances is one entry in COLUMNS (its `per_instance` and the views that show it). Where it
needs a figure the rows do not hold yet, that is a field of InstanceRow, its value in `games.scoring._row`, and
RESULTS_VERSION one up (cached rows lack it).
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, TypedDict, TypeVar

from games.numbers import probability

RESULTS_VERSION = 5  # in the score cache's keys: bump when what a result stores changes shape (2: typed rows,
# 3: one span for every model of a run, whole-answer and text-answer figures, 4: slot values and named groups,
# 5: the source and the attention to it per head)
MIN_INTERVAL_N = 10  # fewer instances (or paired instances) than this: no interval, a dash

# where a column shows: `lmgame score` as a table and as CSV, the workbench's results and a shared finding,
# the promote editor's one line per model, the workbench's plot
TABLE, CSV, WORKBENCH, BRIEF, PLOT = "table", "csv", "workbench", "brief", "plot"

_Row = TypeVar("_Row")


class NotAResult(ValueError):
    """JSON that is not the result it should be: a damaged cache entry or history line, a hand-edited file."""


def _is(value: Any, hint: Any) -> bool:
    """Whether JSON `value` is of the annotated type (an int passes for a float; a bool never for a number)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_is(value, option) for option in typing.get_args(hint))
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint in (int, float):
        return isinstance(value, (int, float) if hint is float else int) and not isinstance(value, bool)
    if origin is dict:
        keys, values = typing.get_args(hint)
        return isinstance(value, dict) and all(_is(k, keys) and _is(v, values) for k, v in value.items())
    if origin is list:
        (items,) = typing.get_args(hint)
        return isinstance(value, list) and all(_is(item, items) for item in value)
    return isinstance(value, hint)


def _from_json(cls: type[_Row], data: Any) -> _Row:
    """The dataclass `cls` from its JSON keys; NotAResult where a key it needs is missing or of another type."""
    if not isinstance(data, dict):
        raise NotAResult(f"not a {cls.__name__}: {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values = {}
    for item in fields(cls):  # type: ignore[arg-type]  # cls is a dataclass
        if item.name not in data:
            if item.default is MISSING and item.default_factory is MISSING:
                raise NotAResult(f"a {cls.__name__} without {item.name}")
            continue
        if not _is(data[item.name], hints[item.name]):
            raise NotAResult(f"a {cls.__name__} whose {item.name} is a {type(data[item.name]).__name__}")
        values[item.name] = data[item.name]
    return cls(**values)


def _scored(written_with: str) -> Any:
    """A figure of a scored instance, written only where `written_with` has a value."""
    return field(default=None, metadata={"written_with": written_with})


@dataclass
class InstanceRow:
    """One instance of a candidate on one model: where it is, what the text and the heuristic say, and, once the
    model has scored it without error, what the model does there (and the bigram baseline, where one was fitted).
    Its JSON is a line of instances.jsonl; the figures of an unscored instance are absent from it."""

    candidate: str
    model: str
    document: str
    offset: int
    context: str
    answer: str
    predicted: str | None
    foil: str | None
    heuristic_right: bool
    error: str | None = None
    span_start: int | None = _scored("prob")  # where the scored span starts: the same for every model of a run
    answer_tokens: int | None = _scored("prob")
    prob: float | None = _scored("prob")  # the answer's first token's
    rank: int | None = _scored("prob")  # the answer's first token's
    logprob: float | None = _scored("prob")  # the whole answer's (scored_answer), teacher-forced
    answer_top1: bool | None = _scored("prob")  # every token of the answer is the model's top token (greedy)
    text_answer_logprob: float | None = _scored("prob")  # the same for what the text says on the same span
    text_answer_top1: bool | None = _scored("prob")
    logit_diff: float | None = _scored("prob")  # first-token logit of the answer minus the foil's; None: no foil
    model_top1: str | None = _scored("prob")
    text_token: str | None = _scored("prob")  # the text's own next token (None at the end of the text)
    text_prob: float | None = _scored("prob")
    model_right: bool | None = _scored("prob")  # the model's top token is the text's (first token)
    scored_answer: str | None = _scored("prob")  # text[span_start:offset] + predicted
    context_tokens: int | None = _scored("prob")
    baseline_prob: float | None = _scored("baseline_prob")
    baseline_top1: bool | None = _scored("baseline_prob")
    slots: dict[str, str] | None = _scored("slots")  # a variant's: the slot values it was made with
    groups: dict[str, str] | None = _scored("groups")  # the finder's other named groups (games.candidates.Found)
    source_offset: int | None = _scored("source_offset")  # where the answer's source starts (Found.source)
    source_token: str | None = _scored("head_attention")  # the model's token holding its first character
    head_attention: list[list[float]] | None = _scored("head_attention")  # [layer][head]: the attention from the
    # position predicting the answer's first token to the source token, in the window scored (games.best_head)

    @property
    def scored(self) -> bool:
        return self.prob is not None and not self.error

    def as_json(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self)
                if "written_with" not in item.metadata or getattr(self, item.metadata["written_with"]) is not None}

    @classmethod
    def from_json(cls, data: Any) -> InstanceRow:
        return _from_json(cls, data)


@dataclass
class BestHead:
    """The head (layer.head, both from 0) with the highest mean attention from the answer's position to the source
    token over the instances that have one in view (n), its mean and 95% interval (bootstrapped by document;
    None below MIN_INTERVAL_N instances)."""

    head: str
    mean: float
    ci: list[float] | None
    n: int

    def text(self) -> str:
        """In words, for a table or a finding:
        "best head 2.5: mean attention to the source 0.412 [0.390, 0.433] (n=300)"."""
        bounds = "" if self.ci is None else interval(decimals(3))(self.ci)
        said = f"n={self.n}" + (", no interval" if self.ci is None else "")
        return (f"best head {self.head}: mean attention to the source {self.mean:.3f}"
                f"{' ' + bounds if bounds not in ('', '-') else ''} ({said})")

    @classmethod
    def from_json(cls, data: Any) -> BestHead:
        best = _from_json(cls, data)
        if best.ci is not None and len(best.ci) != 2:
            raise NotAResult("a best head whose interval is not [low, high]")
        return best


@dataclass
class ScoreSummary:
    """A candidate on one model: counts, then each COLUMNS mean over the scored instances with its 95% bootstrap
    interval, the median rank and the model-against-heuristic confusion; the figures are absent (None, or not in
    `means`) where they do not apply: no instances, or no foil, or no baseline."""

    candidate: str
    model: str
    model_identity: dict[str, Any] = field(default_factory=dict)
    corpus: str = ""
    n: int = 0
    documents: int = 0
    instances_per_million_chars: float = 0.0
    abstained: int = 0
    errors: int = 0
    skipped_documents: int = 0
    not_found: int = 0  # instances an example or a variant was made to hold that the finder did not find there
    cached: bool = False
    conditions: str = ""  # a hash of what the figures depend on besides the model: the corpus's content, the
    # options, and the tokenizers every span was aligned to; results compare only under the same conditions
    means: dict[str, float] = field(default_factory=dict)  # by column key, in COLUMNS order
    ci: dict[str, list[float]] = field(default_factory=dict)  # by column key: [low, high]; absent below
    # MIN_INTERVAL_N instances; means bootstrapped by document, rates (Column.rate) Wilson intervals
    median_rank: float | None = None
    confusion: dict[str, int] | None = None
    best_head: BestHead | None = None  # None: the candidate names no source, or none was in view

    def as_json(self) -> dict[str, Any]:
        """The README's keys: the means at the top level, beside `ci`; none of the figures without instances."""
        data = {item.name: getattr(self, item.name) for item in fields(self)
                if item.name not in ("means", "ci", "median_rank", "confusion", "best_head")}
        if self.n:
            data.update({"ci": self.ci, **self.means, "median_rank": self.median_rank, "confusion": self.confusion})
        data["best_head"] = None if self.best_head is None else vars(self.best_head).copy()
        return data

    @classmethod
    def from_json(cls, data: Any) -> ScoreSummary:
        """NotAResult where `data` is not a summary (a damaged history line, a hand-edited finding)."""
        if not isinstance(data, dict):
            raise NotAResult(f"not a summary: {type(data).__name__}")
        summary = _from_json(cls, {key: value for key, value in data.items() if key not in ("means", "best_head")})
        if data.get("best_head") is not None:
            summary.best_head = BestHead.from_json(data["best_head"])
        if any(len(bounds) != 2 for bounds in summary.ci.values()):
            raise NotAResult("a summary with an interval that is not [low, high]")
        for column in mean_columns():
            value = data.get(column.key)
            if value is not None:
                if not _is(value, float):
                    raise NotAResult(f"a summary whose {column.key} is a {type(value).__name__}")
                summary.means[column.key] = value
        return summary


# writers: how a figure is put for people ("-" stands for a missing one, see Column.cell)

def decimals(places: int) -> Callable[[Any], str]:
    return lambda value: f"{value:.{places}f}"


def whole(value: Any) -> str:
    return f"{value:d}"


def general(value: Any) -> str:
    return f"{value:g}"


def interval(write: Callable[[Any], str]) -> Callable[[Any], str]:
    """[low, high], each written as the figure it bounds; "-" where both ends write the same (an interval of no
    width says nothing the figure does not)."""
    def written(bounds: Any) -> str:
        low, high = write(bounds[0]), write(bounds[1])
        return "-" if low == high else f"[{low}, {high}]"

    return written


@dataclass(frozen=True)
class Column:
    """One figure of a summary, the same wherever it shows: its JSON key, its heading, how it is written."""

    key: str
    heading: str
    write: Callable[[Any], str]
    shown: frozenset[str]  # TABLE, CSV, WORKBENCH, BRIEF, PLOT
    value: Callable[[ScoreSummary], Any]
    per_instance: Callable[[InstanceRow], float | None] | None = None  # a mean over the scored instances, with its
    # interval; where one instance has None it does not apply to the result (no foil, no baseline)
    title: str = ""  # the plot's heading
    axis: tuple[float, float] | None = None  # the plot's fixed axis; None: fitted to the figures
    missing: str = "no instances"  # the plot's line where no result has it
    rate: bool = False  # a share of instances (0 or 1 each): a Wilson interval rather than a bootstrap

    def cell(self, summary: ScoreSummary) -> str:
        value = self.value(summary)
        return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else self.write(value)

    def interval(self, summary: ScoreSummary) -> tuple[float, float] | None:
        bounds = summary.ci.get(self.key)
        return (bounds[0], bounds[1]) if bounds else None


def _mean(key: str, heading: str, write: Callable[[Any], str], shown: set[str],
          per_instance: Callable[[InstanceRow], float | None], **plot: Any) -> Column:
    return Column(key, heading, write, frozenset(shown), lambda summary: summary.means.get(key), per_instance, **plot)


def _rate(key: str, heading: str, shown: set[str], per_instance: Callable[[InstanceRow], bool | None],
          **plot: Any) -> Column:
    return _mean(key, heading, decimals(3), shown, lambda row: _share(per_instance(row)), rate=True, **plot)


def _share(value: bool | None) -> float | None:
    return None if value is None else float(value)


def _answer_prob(row: InstanceRow) -> float | None:
    return None if row.logprob is None else math.exp(row.logprob)


def _per_char(row: InstanceRow) -> float | None:
    return None if row.logprob is None or not row.scored_answer else row.logprob / len(row.scored_answer)


def _text_answer_prob(row: InstanceRow) -> float | None:
    return None if row.text_answer_logprob is None else math.exp(row.text_answer_logprob)


COLUMNS: tuple[Column, ...] = (
    Column("candidate", "candidate", str, frozenset({CSV}), lambda s: s.candidate),
    Column("model", "model", str, frozenset({CSV}), lambda s: s.model),
    Column("corpus", "corpus", str, frozenset({CSV}), lambda s: s.corpus),
    Column("n", "n", whole, frozenset({TABLE, CSV, WORKBENCH, BRIEF}), lambda s: s.n),
    Column("documents", "documents", whole, frozenset({CSV}), lambda s: s.documents),
    Column("instances_per_million_chars", "per 1M chars", decimals(1), frozenset({CSV}),
           lambda s: s.instances_per_million_chars),
    Column("abstained", "abstained", whole, frozenset({CSV}), lambda s: s.abstained),
    Column("errors", "errors", whole, frozenset({CSV}), lambda s: s.errors),
    Column("skipped_documents", "skipped", whole, frozenset({CSV}), lambda s: s.skipped_documents),
    _rate("heuristic_accuracy", "heur.acc", {TABLE, CSV, WORKBENCH, BRIEF}, lambda row: row.heuristic_right),
    # tokenizer-fair: the whole answer, on the same characters for every model of a run
    _mean("answer_prob", "answer p", probability, {TABLE, CSV, WORKBENCH, BRIEF, PLOT}, _answer_prob,
          title="probability of the heuristic's whole answer", axis=(0.0, 1.0)),
    Column("ci", "95% CI", interval(probability), frozenset({WORKBENCH}), lambda s: s.ci.get("answer_prob")),
    _mean("answer_logprob_per_char", "logp/char", decimals(3), {TABLE, CSV}, _per_char),
    _mean("mean_logprob", "answer logp", decimals(2), {CSV}, lambda row: row.logprob),
    _mean("answer_tokens", "tokens", decimals(2), {CSV, WORKBENCH},
          lambda row: None if row.answer_tokens is None else float(row.answer_tokens)),
    _rate("answer_top1", "top1", {TABLE, CSV, WORKBENCH, BRIEF}, lambda row: row.answer_top1),
    # the model on what the text says, on the same span: where the heuristic is wrong, the figures above reward
    # agreeing with it
    _mean("text_answer_prob", "text p", probability, {TABLE, CSV}, _text_answer_prob),
    _rate("text_top1", "text top1", {CSV}, lambda row: row.text_answer_top1),
    # the answer's first token, the one rank and logit difference are about: not comparable across tokenizers
    _mean("mean_prob", "1st-tok p", probability, {CSV}, lambda row: row.prob),
    _rate("top1", "1st-tok top1", {CSV}, lambda row: None if row.rank is None else row.rank <= 1),
    Column("median_rank", "1st-tok rank", general, frozenset({CSV, WORKBENCH}), lambda s: s.median_rank),
    _rate("top10", "1st-tok top10", {CSV}, lambda row: None if row.rank is None else row.rank <= 10),
    _mean("mean_logit_diff", "1st-tok logit Δ", decimals(2), {TABLE, CSV, WORKBENCH, BRIEF, PLOT},
          lambda row: row.logit_diff, title="mean first-token logit difference, answer minus foil",
          missing="none: no candidate here has a foil, or none has instances"),
    _rate("logit_diff_positive", "diff>0", {CSV}, lambda row: None if row.logit_diff is None else row.logit_diff > 0),
    _mean("baseline_mean_prob", "bigram p", probability, {TABLE, CSV, WORKBENCH}, lambda row: row.baseline_prob),
    _rate("baseline_top1", "bigram top1", {CSV}, lambda row: row.baseline_top1),
)
COLUMN: Mapping[str, Column] = {column.key: column for column in COLUMNS}


def shown_in(view: str) -> tuple[Column, ...]:
    """The columns a view shows, in COLUMNS order."""
    return tuple(column for column in COLUMNS if view in column.shown)


def mean_columns() -> tuple[Column, ...]:
    """The columns that are means over the instances, in COLUMNS order."""
    return tuple(column for column in COLUMNS if column.per_instance is not None)


@dataclass
class PairedInstance:
    """One instance as two models scored it, on the same span: for a comparison's instances that differ most."""

    document: str
    offset: int
    span_start: int
    context: str  # the end of the text before the span
    scored_answer: str
    logprob_a: float
    logprob_b: float

    @property
    def diff(self) -> float:
        return self.logprob_a - self.logprob_b


@dataclass
class Comparison:
    """Two models on one candidate's instances that both scored, on the same spans: the difference of the whole
    answer's log-probability (a's minus b's), its paired 95% bootstrap interval (documents resampled; None below
    MIN_INTERVAL_N pairs), the share of pairs where a is ahead, a sign-flip permutation p-value (two-sided, signs
    flipped per document), and the pairs that differ most."""

    candidate: str
    model_a: str
    model_b: str
    n_paired: int = 0
    mean_diff: float | None = None
    ci: list[float] | None = None
    share_ahead: float | None = None
    p_value: float | None = None
    most_different: list[PairedInstance] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = {item.name: getattr(self, item.name) for item in fields(self) if item.name != "most_different"}
        data["most_different"] = [{**vars(pair), "diff": pair.diff} for pair in self.most_different]
        return data


# the scan's report (`lmgame scan --format json`, scan.json): plain JSON, so typed dictionaries

class ScanExample(TypedDict):
    document: str
    index: int  # the token's index in its document
    offset: int
    context: str
    token: str
    prob: float
    rank: int


class GroupRecord(TypedDict):
    feature: str
    key: str
    count: int
    ngram_share: float
    ngram_explains: bool
    examples: list[ScanExample]


class CompareReport(TypedDict):
    model: str
    other: str
    aligned: int  # positions compared: tokens both models predict that cover the same characters
    model_tokens: int  # the tokens the model predicts in the scanned texts, compared or not
    other_tokens: int  # the same for the other model
    aligned_share: float  # aligned / model_tokens: the share of the model's tokens compared
    other_aligned_share: float  # aligned / other_tokens
    aligned_chars_share: float  # the share of the scanned texts' characters inside the compared tokens
    both: int
    model_only: int
    other_only: int
    logprob_diff: dict[str, float | None]  # mean, p5 ... p95
    model_only_groups: list[GroupRecord]
    other_only_groups: list[GroupRecord]


class _ScanCounts(TypedDict):
    model: str
    model_identity: dict[str, str]
    documents: int
    tokens: int
    threshold: float
    confident_correct: int
    explained: int
    coverage: float
    explained_by: dict[str, int]
    mean_logprob: float | None
    bytes_per_token: float
    groups: list[GroupRecord]


class ScanReport(_ScanCounts, total=False):
    compare: CompareReport  # with --compare
