"""The capability catalogue: where a model is confident and correct, which candidates explain it, what is left
grouped by simple features, and what one model gets that another does not (the TinyStories seed's method)."""

from __future__ import annotations

import bisect
import dataclasses
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from engine.bigram import START, Bigram
from engine.cache import cache_key
from engine.corpus import Document
from engine.errors import LmgameError
from engine.models import LoadedModel, tokenizer_fingerprint
from engine.scan import DocumentScan, chars_for_tokens, limit_texts, scan_corpus
from engine.tokens import token_text, visible
from games.candidates import Candidate
from games.matches import FINDER_TIME_LIMIT, find_matches
from games.names import is_name
from games.patterns import Proposal, propose_for_rows
from games.results import CompareReport, GroupRecord, ScanExample, ScanReport
from games.review import ModelVerdict, ReviewRow

# the order that decides the one group a position is shown under; a position with none of these goes under its
# token or its previous token, whichever group is the larger
PRECEDENCE = ("earlier-name", "formula", "induction", "closing")
CLOSING = set("\"')]}.,!?;:”’")
FORMULAS = ("Once upon a time", "One day", "From that day on", "happily ever after", "The end", "Once upon a",
            "lived happily", "There once was", "Long ago")
FORMULA = re.compile("|".join(re.escape(f) for f in sorted(FORMULAS, key=len, reverse=True)))
EXAMPLE_CONTEXT = 60
MAX_GROUPS = 30


@dataclass
class ScanOptions:
    threshold: float = 0.5
    max_tokens: int | None = None
    max_context: int | None = None
    regex_timeout: float = FINDER_TIME_LIMIT
    examples: int = 5

    def __post_init__(self) -> None:
        """LmgameError, naming the command's option, for a value no scan can use."""
        if not 0 < self.threshold <= 1:
            raise LmgameError("--threshold must be more than 0 and at most 1")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise LmgameError("--max-tokens must be at least 1")
        if self.max_context is not None and self.max_context < 2:
            raise LmgameError("--max-context must be at least 2 tokens")


@dataclass
class ModelScan:
    lm: LoadedModel
    documents: list[Document]  # as scanned (the last one may be cut at --max-tokens)
    scans: list[DocumentScan]

    def confident_correct(self, threshold: float) -> list[torch.Tensor]:
        """Per document, a bool mask: the model's top token is the text's, with probability >= threshold."""
        return [(s.rank == 1) & (s.logprob.float() >= math.log(threshold)) for s in self.scans]

    @property
    def tokens(self) -> int:
        return int(sum(int((s.rank > 0).sum()) for s in self.scans))

    def token(self, document: int, index: int) -> str:
        """The text of a scanned token, as the model's tokenizer writes it."""
        return token_text(self.lm.tokenizer, int(self.scans[document].ids[index]))


def corpus_chars(lm: LoadedModel, max_tokens: int) -> int:
    """How many characters of a corpus to read at most for a scan cut at `max_tokens` tokens by `lm`."""
    return chars_for_tokens(lm, max_tokens)


def limit_documents(lm: LoadedModel, documents: Sequence[Document], max_tokens: int | None) -> list[Document]:
    """The documents that hold the first `max_tokens` tokens under this model's tokenizer (the last one cut):
    cut once, by the first model, so that compared models scan the very same texts."""
    texts = limit_texts(lm, [d.text for d in documents], max_tokens)
    return [Document(d.id, text, d.title) for d, text in zip(documents, texts, strict=False)]  # texts stop early


def scan_key(lm: LoadedModel, options: ScanOptions) -> str:
    """What a model's stored scan chunks depend on besides their texts."""
    return cache_key("scan", lm.identity.as_dict(), tokenizer_fingerprint(lm.tokenizer), options.max_context)


def kept_sizes(shard_sizes: Sequence[int] | None, kept: int) -> list[int] | None:
    """The shards' sizes once the corpus is cut to its first `kept` documents."""
    if shard_sizes is None:
        return None
    sizes: list[int] = []
    for size in shard_sizes:
        if kept <= 0:
            break
        sizes.append(min(size, kept))
        kept -= sizes[-1]
    return sizes


def scan_model(lm: LoadedModel, documents: Sequence[Document], options: ScanOptions, folder: Any,
               progress: Callable[[int, int], None] | None = None,
               shard_sizes: Sequence[int] | None = None) -> ModelScan:
    """One model's scan, stored in chunks per shard (`shard_sizes`: documents per corpus file; None: one file)."""
    kept = limit_documents(lm, documents, options.max_tokens)
    texts = [d.text for d in kept]
    return ModelScan(lm, kept, scan_corpus(lm, texts, folder, scan_key(lm, options), options.max_context, progress,
                                           kept_sizes(shard_sizes, len(kept))))


def scan_models(models: Sequence[LoadedModel], documents: Sequence[Document], options: ScanOptions, folder: Any,
                progress: Callable[[str, int, int], None] | None = None,
                shard_sizes: Sequence[int] | None = None) -> list[ModelScan]:
    """Each model's scan of the very same texts: cut to `options.max_tokens` once, by the first model;
    `progress` hears (what, done, total) per model."""
    kept = limit_documents(models[0], documents, options.max_tokens)
    cut = dataclasses.replace(options, max_tokens=None)
    sizes = kept_sizes(shard_sizes, len(kept))

    def scanning_with(name: str) -> Callable[[int, int], None]:
        return lambda done, total: progress(f"scanning with {name}", done, total) if progress else None

    return [scan_model(lm, kept, cut, folder, scanning_with(lm.identity.name), sizes) for lm in models]


def explained_positions(candidates: Sequence[Candidate], scan: ModelScan, timeout: float
                        ) -> list[dict[int, str]]:
    """Per document, token index -> the first candidate whose instance there predicts what the text says."""
    explained: list[dict[int, str]] = [{} for _ in scan.documents]
    for candidate in candidates:
        for searched in find_matches(candidate, scan.documents, timeout):
            starts = scan.scans[searched.number].starts.tolist()
            for found in searched.found:  # where the finder timed out, what it found before explains as well
                if found.predicted is None or found.predicted != found.answer or not starts:
                    continue
                index = bisect.bisect_right(starts, found.offset) - 1
                explained[searched.number].setdefault(index, candidate.name)
    return explained


@dataclass
class Group:
    feature: str  # token | previous-token | induction | earlier-name | closing | formula
    key: str
    positions: list[tuple[int, int]] = field(default_factory=list)  # (document, token index)
    ngram: int = 0  # positions where the bigram's top token is the text's as well

    @property
    def count(self) -> int:
        return len(self.positions)


class Features:
    """The simple features of a position in one model's scan."""

    def __init__(self, scan: ModelScan) -> None:
        self.scan = scan
        self.tokenizer = scan.lm.tokenizer
        self.formula_spans = [[m.span() for m in FORMULA.finditer(d.text)] for d in scan.documents]
        self.names: dict[tuple[int, str], bool] = {}

    def text(self, token_id: int) -> str:
        return token_text(self.tokenizer, token_id)

    def of(self, document: int, index: int) -> list[tuple[str, str]]:
        result = self.scan.scans[document]
        ids = result.ids
        token = int(ids[index])
        text = self.text(token)
        features = [("token", visible(text))]
        if index > 0:
            features.append(("previous-token", visible(self.text(int(ids[index - 1])))))
            previous = int(ids[index - 1])
            earlier = (ids[: index - 1] == previous).nonzero().flatten()
            if any(int(ids[j + 1]) == token for j in earlier.tolist()):
                features.append(("induction", "copies what followed the previous token before"))
        start = int(result.starts[index])
        word = text.strip()
        full = self.scan.documents[document].text
        if self.is_name(document, word) and re.compile(rf"\b{re.escape(word)}\b").search(full, 0, start):
            features.append(("earlier-name", "a name seen earlier"))
        if word and word in CLOSING and not text[:1].isspace():  # ␣" opens a quote, it does not close one
            features.append(("closing", visible(word)))
        word_start = start + len(text) - len(text.lstrip())  # past the token's own leading space
        for begin, end in self.formula_spans[document]:
            if begin < word_start < end:  # inside a formula, not its first word
                features.append(("formula", full[begin:end]))
                break
        return features

    def is_name(self, document: int, word: str) -> bool:
        """games.names' rule, remembered per document and word: it may search the whole document."""
        if (document, word) not in self.names:
            self.names[document, word] = is_name(word, self.scan.documents[document].text)
        return self.names[document, word]


def group_positions(scan: ModelScan, positions: list[tuple[int, int]], bigram: Bigram | None,
                    most: int | None = MAX_GROUPS) -> list[Group]:
    """Each position under one group (see PRECEDENCE), so the counts add up to the positions; largest first."""
    features = Features(scan)
    found = [dict(features.of(document, index)) for document, index in positions]
    generic = Counter((feature, key) for by_feature in found for feature, key in by_feature.items()
                      if feature in ("token", "previous-token"))
    groups: dict[tuple[str, str], Group] = {}
    for (document, index), by_feature in zip(positions, found, strict=True):
        ids = scan.scans[document].ids
        by_bigram = bigram is not None and bigram.top1(int(ids[index - 1]) if index > 0 else START) == int(ids[index])
        chosen = next(((f, by_feature[f]) for f in PRECEDENCE if f in by_feature), None)
        if chosen is None:
            options = [(f, by_feature[f]) for f in ("token", "previous-token") if f in by_feature]
            chosen = max(options, key=lambda option: generic[option])  # a tie goes to the token
        group = groups.setdefault(chosen, Group(*chosen))
        group.positions.append((document, index))
        group.ngram += by_bigram
    return sorted(groups.values(), key=lambda g: (-g.count, g.feature, g.key))[:most]


def example(scan: ModelScan, document: int, index: int) -> ScanExample:
    result = scan.scans[document]
    start = int(result.starts[index])
    token = token_text(scan.lm.tokenizer, int(result.ids[index]))
    text = scan.documents[document].text
    return {"document": scan.documents[document].id, "index": index, "offset": start,
            "context": text[max(0, start - EXAMPLE_CONTEXT) : start], "token": token,
            "prob": float(result.logprob[index].float().exp()), "rank": int(result.rank[index])}


def group_records(scan: ModelScan, groups: list[Group], examples: int) -> list[GroupRecord]:
    return [{"feature": g.feature, "key": g.key, "count": g.count, "ngram_share": g.ngram / g.count,
             "ngram_explains": g.ngram * 2 >= g.count,
             "examples": [example(scan, d, i) for d, i in g.positions[:examples]]} for g in groups]


def fit_bigram(scan: ModelScan) -> Bigram:
    return Bigram([s.ids.tolist() for s in scan.scans], len(scan.lm.tokenizer))


@dataclass
class Coverage:
    correct: list[tuple[int, int]]  # confident-correct (document, token index)
    explained: list[dict[int, str]]  # per document: token index -> the candidate explaining it
    covered: list[tuple[int, int]]
    left: list[tuple[int, int]]  # confident-correct and unexplained


def coverage(scan: ModelScan, candidates: Sequence[Candidate], options: ScanOptions) -> Coverage:
    masks = scan.confident_correct(options.threshold)
    explained = explained_positions(candidates, scan, options.regex_timeout)
    correct = [(d, i) for d, mask in enumerate(masks) for i in mask.nonzero().flatten().tolist()]
    return Coverage(correct, explained, [(d, i) for d, i in correct if i in explained[d]],
                    [(d, i) for d, i in correct if i not in explained[d]])


def catalogue(scan: ModelScan, candidates: Sequence[Candidate], options: ScanOptions,
              found: Coverage | None = None, groups: list[Group] | None = None) -> ScanReport:
    """The issue's JSON: model, tokens, confident_correct, explained, coverage, groups (and more); `found` and
    `groups` where they are computed already."""
    found = found or coverage(scan, candidates, options)
    correct, covered, left, explained = found.correct, found.covered, found.left, found.explained
    if groups is None:
        groups = group_positions(scan, left, fit_bigram(scan))
    total_bytes = sum(s.bytes for s in scan.scans)
    tokens = scan.tokens
    return {
        "model": scan.lm.identity.label,
        "model_identity": scan.lm.identity.as_dict(),
        "documents": len(scan.documents),
        "tokens": tokens,
        "threshold": options.threshold,
        "confident_correct": len(correct),
        "explained": len(covered),
        "coverage": len(covered) / len(correct) if correct else 0.0,
        "explained_by": dict(Counter(explained[d][i] for d, i in covered).most_common()),
        "mean_logprob": float(torch.cat([s.logprob.float()[s.rank > 0] for s in scan.scans]).mean())
        if tokens else None,
        "bytes_per_token": total_bytes / max(1, sum(len(s.ids) for s in scan.scans)),
        "groups": group_records(scan, groups, options.examples),
    }


Pair = tuple[int, int, int]  # (document, token index in a, token index in b)


def whole_token_spans(scan: DocumentScan, text_length: int) -> dict[tuple[int, int], int]:
    """(start, end) -> index of the tokens the model predicts that stand alone on their characters. Tokens that
    share a start are left out: the byte pieces of one character (each but the last covers no character, the
    last only some of its bytes, so two with the same span need not predict the same bytes), and a token that
    covers nothing (a leading space a tokenizer adds) with the one after it, whose text costs both."""
    starts = scan.starts.tolist()
    ends = starts[1:] + [text_length]
    return {(start, end): index for index, (start, end) in enumerate(zip(starts, ends, strict=True))
            if scan.rank[index] > 0 and end > start and (index == 0 or starts[index - 1] != start)}


def aligned_in_document(a: DocumentScan, b: DocumentScan, text_length: int) -> list[tuple[int, int]]:
    """(index in a, index in b) of the tokens both models predict that cover the same whole characters."""
    by_span = whole_token_spans(b, text_length)
    return [(i, by_span[span]) for span, i in whole_token_spans(a, text_length).items() if span in by_span]


def _aligned(a: ModelScan, b: ModelScan) -> list[Pair]:
    """(document, index in a, index in b) where both models predict the same piece of text."""
    if [d.text for d in a.documents] != [d.text for d in b.documents]:
        raise ValueError("compare scans of the same texts (cut them once, by the first model)")
    return [(document, i, j) for document, (sa, sb) in enumerate(zip(a.scans, b.scans, strict=True))
            for i, j in aligned_in_document(sa, sb, len(a.documents[document].text))]


def aligned_characters(a: ModelScan, pairs: Sequence[Pair]) -> int:
    """How many characters of the texts the aligned tokens cover (each token owns the gap before it)."""
    total = 0
    for d, i, _ in pairs:
        starts = a.scans[d].starts
        end = int(starts[i + 1]) if i + 1 < len(starts) else len(a.documents[d].text)
        total += end - int(starts[i])
    return total


def compare_positions(a: ModelScan, b: ModelScan, options: ScanOptions
                      ) -> tuple[list[Pair], list[Pair], list[Pair], int]:
    """(aligned pairs, confident-correct in a only, in b only, in both: a count)."""
    pairs = _aligned(a, b)
    mask_a, mask_b = a.confident_correct(options.threshold), b.confident_correct(options.threshold)
    a_only = [(d, i, j) for d, i, j in pairs if mask_a[d][i] and not mask_b[d][j]]
    b_only = [(d, i, j) for d, i, j in pairs if mask_b[d][j] and not mask_a[d][i]]
    return pairs, a_only, b_only, sum(1 for d, i, j in pairs if mask_a[d][i] and mask_b[d][j])


def compare(a: ModelScan, b: ModelScan, options: ScanOptions,
            positions: tuple[list[Pair], list[Pair], list[Pair], int] | None = None,
            a_groups: list[Group] | None = None) -> CompareReport:
    """Where one model is confident and correct and the other is not, both ways, grouped the same way, and the
    distribution of the log-probability difference (a minus b) on the pieces of text both predict; `positions`
    (compare_positions') and `a_groups` (of what only a gets) where they are computed already."""
    pairs, a_only_pairs, b_only_pairs, both = positions or compare_positions(a, b, options)
    a_only = [(d, i) for d, i, _ in a_only_pairs]
    if a_groups is None:
        a_groups = group_positions(a, a_only, fit_bigram(a))
    b_only = [(d, j) for d, _, j in b_only_pairs]
    diffs = torch.tensor([float(a.scans[d].logprob[i]) - float(b.scans[d].logprob[j]) for d, i, j in pairs])
    quantiles = torch.quantile(diffs, torch.tensor([0.05, 0.25, 0.5, 0.75, 0.95])).tolist() if len(diffs) else []
    model_tokens, other_tokens = a.tokens, b.tokens
    characters = sum(len(d.text) for d in a.documents)
    return {
        "model": a.lm.identity.label,
        "other": b.lm.identity.label,
        "aligned": len(pairs),
        "model_tokens": model_tokens,
        "other_tokens": other_tokens,
        "aligned_share": len(pairs) / model_tokens if model_tokens else 0.0,
        "other_aligned_share": len(pairs) / other_tokens if other_tokens else 0.0,
        "aligned_chars_share": aligned_characters(a, pairs) / characters if characters else 0.0,
        "both": both,
        "model_only": len(a_only),
        "other_only": len(b_only),
        "logprob_diff": {"mean": float(diffs.mean()) if len(diffs) else None,
                         # no quantiles where no position is compared
                         **dict(zip(("p5", "p25", "p50", "p75", "p95"), quantiles, strict=False))},
        "model_only_groups": group_records(a, a_groups, options.examples),
        "other_only_groups": group_records(b, group_positions(b, b_only, fit_bigram(b)), options.examples),
    }


def compared_share(c: CompareReport, model: str | None = None, other: str | None = None) -> str:
    """The comparison's coverage in words: how many positions it compares and what share of each model's tokens
    (and of the text) they are; the models called by their labels unless named."""
    model, other = model or c["model"], other or c["other"]
    return (f"compared on the {c['aligned']:,} positions both tokenizers split alike: {c['aligned_share']:.1%} of "
            f"{model}'s {c['model_tokens']:,} tokens, {c['other_aligned_share']:.1%} of {other}'s "
            f"{c['other_tokens']:,}, {c['aligned_chars_share']:.1%} of the text's characters (the rest is not "
            f"compared)")


@dataclass
class ScanView:
    """What the scan screen browses: the scans (one or two models) and the groups of positions."""

    scans: list[ModelScan]
    groups: list[Group]  # of the first model's unexplained confident-correct positions
    compare_groups: list[tuple[str, list[Group]]]  # ("only <model>", groups) with a second model
    summary: str
    compared: str = ""  # with a second model: which share of each model's tokens the comparison covers


@dataclass
class ScanCatalogue:
    """A scan's catalogue with each piece computed once: the command's JSON (`result`) and the scan screen's
    groups (`view`) read the same coverage, bigram and comparison."""

    scans: list[ModelScan]
    candidates: int  # in the library that explains positions
    result: ScanReport  # `catalogue`'s JSON, with `compare`'s under "compare" for a second model
    groups: list[Group]  # of the first model's unexplained confident-correct positions
    bigram: Bigram  # fitted on the first model's scan
    only_first: list[Group] = field(default_factory=list)  # two models: groups of what only the first gets
    only_second: list[Pair] = field(default_factory=list)  # two models: the positions only the second gets

    def view(self) -> ScanView:
        """The groups to browse: the first model's unexplained confident-correct positions, and with two models
        the positions only one of them gets (located in the first model's tokens, on text both split alike)."""
        main, result = self.scans[0], self.result
        compared: list[tuple[str, list[Group]]] = []
        if len(self.scans) > 1:
            only_second = group_positions(main, [(d, i) for d, i, _ in self.only_second], self.bigram)
            compared = [(f"only {main.lm.identity.name}", self.only_first),
                        (f"only {self.scans[1].lm.identity.name}", only_second)]
        summary = (f"{result['tokens']} tokens · {result['confident_correct']} confident and correct (p ≥ "
                   f"{result['threshold']}) · coverage {result['coverage']:.1%} by {self.candidates} candidates")
        shares = ""
        if "compare" in result:  # by name, not label: the screen's title gives the labels
            shares = compared_share(result["compare"], main.lm.identity.name, self.scans[1].lm.identity.name)
        return ScanView(self.scans, self.groups, compared, summary, shares)


def scan_catalogue(scans: list[ModelScan], candidates: Sequence[Candidate], options: ScanOptions) -> ScanCatalogue:
    """The catalogue of the first scan, compared with the second where there are two."""
    main = scans[0]
    found = coverage(main, candidates, options)
    bigram = fit_bigram(main)
    groups = group_positions(main, found.left, bigram)
    result = catalogue(main, candidates, options, found, groups)
    only_first: list[Group] = []
    only_second: list[Pair] = []
    if len(scans) > 1:
        positions = compare_positions(main, scans[1], options)
        _, first_pairs, only_second, _ = positions
        only_first = group_positions(main, [(d, i) for d, i, _ in first_pairs], bigram)
        result["compare"] = compare(main, scans[1], options, positions, only_first)
    return ScanCatalogue(scans, len(candidates), result, groups, bigram, only_first, only_second)


def markdown(result: ScanReport) -> str:
    summary = (f"{result['tokens']} tokens in {result['documents']} documents; confident and correct (top 1, "
               f"p >= {result['threshold']}): {result['confident_correct']}; explained by the library: "
               f"{result['explained']} (coverage {result['coverage']:.1%}).")
    lines = [f"# Scan of {result['model']}", "", summary, ""]
    if result["explained_by"]:
        lines += ["| candidate | positions |", "| --- | --- |"]
        lines += [f"| {name} | {count} |" for name, count in result["explained_by"].items()] + [""]
    lines += _group_lines("Unexplained confident-correct positions", result["groups"])
    if "compare" in result:
        c = result["compare"]
        diff = c["logprob_diff"]
        shares = compared_share(c)
        counts = (f"{shares[:1].upper()}{shares[1:]}. Confident-correct in both {c['both']}, only "
                  f"{c['model']} {c['model_only']}, only {c['other']} {c['other_only']}.")
        spread = ", ".join(f"{k} {v:.2f}" for k, v in diff.items() if v is not None) or "none"
        lines += ["", f"## {c['model']} against {c['other']}", "", counts, "",
                  f"log p difference ({c['model']} minus {c['other']}): {spread}", ""]
        lines += _group_lines(f"Only {c['model']}", c["model_only_groups"])
        lines += _group_lines(f"Only {c['other']}", c["other_only_groups"])
    return "\n".join(lines) + "\n"


def _group_lines(title: str, groups: list[GroupRecord]) -> list[str]:
    lines = [f"## {title}", "", "| feature | key | count | bigram predicts it too | example |",
             "| --- | --- | --- | --- | --- |"]
    for g in groups:
        shown = g["examples"][0] if g["examples"] else None
        sample = f"…{visible(shown['context'][-30:])}⟨{visible(shown['token'])}⟩" if shown else ""
        lines.append(f"| {g['feature']} | {g['key']} | {g['count']} | {g['ngram_share']:.0%} | "
                     f"{sample.replace('|', '¦')} |")
    return lines + [""]


def group_rows(scan: ModelScan, positions: list[tuple[int, int]]) -> list[ReviewRow]:
    """Scan positions as review rows (the model right, no player), so that a group can be promoted with the
    proposals the guess log's groups use."""
    rows = []
    for number, (document, index) in enumerate(positions):
        result = scan.scans[document]
        start = int(result.starts[index])
        token = token_text(scan.lm.tokenizer, int(result.ids[index]))
        verdict = ModelVerdict(scan.lm.identity.label, scan.lm.identity.as_dict(), int(result.rank[index]),
                               float(result.logprob[index].float().exp()), [])
        rows.append(ReviewRow(id=number, session="scan", source="scan", text_id=scan.documents[document].id,
                              offset=start, context=scan.documents[document].text[:start], guess="",
                              true_token=token, player_correct=False, models=[verdict]))
    return rows


def promote_group(scan: ModelScan, group: Group) -> Proposal:
    return propose_for_rows(group.feature, group.key, group_rows(scan, group.positions),
                            f"a scan group of {group.count} positions")


def token_records(scan: ModelScan) -> Iterator[dict[str, Any]]:
    """Every scanned token as a record (`lmgame scan --out` writes them to tokens.jsonl)."""
    tokenizer = scan.lm.tokenizer
    for document, tokens in zip(scan.documents, scan.scans, strict=True):
        for index in range(len(tokens.ids)):
            yield {"document": document.id, "index": index, "offset": int(tokens.starts[index]),
                   "token": token_text(tokenizer, int(tokens.ids[index])),
                   "logprob": _finite(tokens.logprob[index]), "rank": int(tokens.rank[index]),
                   "entropy": _finite(tokens.entropy[index]),
                   "top1": token_text(tokenizer, int(tokens.top1[index])) if int(tokens.top1[index]) >= 0 else None}


def _finite(value: Any) -> float | None:
    """A stored number, or None (JSON null) where nothing was scored: the first token of a model without BOS."""
    number = float(value)
    return None if math.isnan(number) else number
