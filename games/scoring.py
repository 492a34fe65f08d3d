"""Scoring candidates: turn a candidate and a corpus into instances, have the engine score them per model,
and summarise how much each model implements the heuristic.

Per candidate and model: n instances, how often the heuristic is right about the text, the model's
probability, log-probability, rank and logit difference on the heuristic's answer, the model against the
heuristic (both judged against the text), and a bigram baseline fitted on the same corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from engine.bigram import Bigram
from engine.cache import ResultCache, cache_key, text_hash
from engine.corpus import Document
from engine.errors import LmgameError
from engine.metrics import Bootstrap, mean, median, wilson
from engine.models import LoadedModel, tokenizer_fingerprint
from engine.scoring import SCORING_VERSION, BatchScorer, Request, Score, Target, common_starts
from engine.steps import drive, mapped
from engine.tokens import token_text
from games.best_head import attention_steps, best_head
from games.candidates import Candidate, Found
from games.matches import FINDER_TIME_LIMIT, MAX_REGEX_TIMEOUT, find_matches
from games.results import (
    MIN_INTERVAL_N,
    RESULTS_VERSION,
    Column,
    InstanceRow,
    NotAResult,
    ScoreSummary,
    mean_columns,
)
from games.variants import Planted, make_variants

StageProgress = Callable[[str, int, int], None]  # (what, done, total)
CONTEXT_SHOWN = 300  # characters of context kept in each instance row


@dataclass(frozen=True)
class StageStep:
    """How far a scoring run is: `done` of `total` in the stage it is in (each stage counts the whole run)."""

    stage: str
    done: int
    total: int


@dataclass
class ScoreOptions:
    limit: int | None = None  # instances per candidate, the first ones in corpus order
    max_context: int | None = None  # tokens of context
    regex_timeout: float = FINDER_TIME_LIMIT  # seconds per document
    batch_tokens: int | None = None  # the engine's default for the device

    def __post_init__(self) -> None:
        """LmgameError, naming the command's option, for a value no run can use."""
        if self.limit is not None and self.limit < 1:
            raise LmgameError("--limit must be at least 1")
        if self.max_context is not None and self.max_context < 2:
            raise LmgameError("--max-context must be at least 2 tokens")
        if not 0 < self.regex_timeout <= MAX_REGEX_TIMEOUT:  # nan fails both comparisons, inf the second
            raise LmgameError(f"--regex-timeout must be more than 0 and at most {MAX_REGEX_TIMEOUT} seconds")

    def key(self) -> dict[str, Any]:
        return {"limit": self.limit, "max_context": self.max_context, "regex_timeout": self.regex_timeout}


@dataclass
class FindStats:
    documents: int = 0
    chars: int = 0
    matches: int = 0
    abstained: int = 0  # the predictor returned None: the heuristic does not apply
    predictor_errors: int = 0
    skipped_documents: int = 0  # the finder ran past its time limit
    first_error: str | None = None
    not_found: int = 0  # instances an example or a variant was made to hold that the finder did not find there


@dataclass
class Corpus:
    label: str
    documents: list[Document]
    only_at: dict[int, tuple[str, tuple[Planted, ...]]] = field(default_factory=dict)
    # a document made for one candidate (its examples, its variants) -> (that candidate, the instances kept there)
    _hashes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def fingerprint(self, candidate: str) -> str:
        """The content one candidate's result depends on: with examples or variants, only that candidate's own.
        Hashed once (a corpus's documents are not changed once it is made), not for each candidate and model of a
        run."""
        key = candidate if self.only_at else ""
        if key not in self._hashes:
            if not self.only_at:
                self._hashes[key] = text_hash([d.text for d in self.documents])
            else:
                owned = [(n, planted) for n, (owner, planted) in sorted(self.only_at.items()) if owner == candidate]
                self._hashes[key] = text_hash([f"{self.documents[n].text}\0{_planted_key(planted)}"
                                               for n, planted in owned])
        return self._hashes[key]

    def slots_at(self, number: int, offset: int) -> dict[str, str] | None:
        """The slot values of the variant instance at `offset` of document `number`; None where it has none."""
        for planted in self.only_at.get(number, ("", ()))[1]:
            if planted.offset == offset:
                return dict(planted.slots) or None
        return None

    @property
    def chars(self) -> int:
        return sum(len(d.text) for d in self.documents)


def _planted_key(planted: tuple[Planted, ...]) -> str:
    return json.dumps([[p.offset, p.foil, dict(p.slots)] for p in planted], sort_keys=True, ensure_ascii=False)


def examples_corpus(candidates: Sequence[Candidate]) -> Corpus:
    """Each candidate's hand-written examples as a corpus (an instance only at each example's answer)."""
    documents: list[Document] = []
    only_at: dict[int, tuple[str, tuple[Planted, ...]]] = {}
    for item in candidates:
        for number, example in enumerate(item.examples, start=1):
            only_at[len(documents)] = (item.name, (Planted(len(example.context), example.answer),))
            documents.append(Document(f"{item.name}:example:{number}", example.context + example.answer))
    return Corpus("examples", documents, only_at)


def variants_corpus(candidates: Sequence[Candidate], n: int | None, seed: int = 0) -> Corpus:
    """Each candidate's synthetic variants as a corpus (games.variants): `n` drawn with `seed`, or with `n` None
    every one there is; an instance only where a variant was made to hold one, with the generator's foil where
    it gives one and its slot values. LmgameError for a candidate without a generator."""
    documents: list[Document] = []
    only_at: dict[int, tuple[str, tuple[Planted, ...]]] = {}
    for item in candidates:
        if item.variants is None:
            raise LmgameError(f"{item.name} has no variant generator (lmgame variants explains how to give one)")
        for number, variant in enumerate(make_variants(item.variants, n, seed, item.source == "built-in"), 1):
            only_at[len(documents)] = (item.name, variant.instances)
            documents.append(Document(f"{item.name}:variant:{number}", variant.text))
    label = "variants" if n is None else f"variants (n={n}, seed={seed})"
    return Corpus(label, documents, only_at)


def _as_planted(found: Found, planted: Planted) -> Found:
    """A found instance with the foil its variant was made with, where it was made with one."""
    return replace(found, foil=planted.foil) if planted.foil and not found.error else found


def find_steps(
    candidate: Candidate, corpus: Corpus, options: ScoreOptions
) -> Generator[int, None, tuple[list[tuple[int, Found]], list[tuple[int, Found]], FindStats]]:
    """(instances with a prediction, instances whose predictor failed, statistics), in corpus order; yields how
    many documents have been searched, after each."""
    instances: list[tuple[int, Found]] = []
    failed: list[tuple[int, Found]] = []
    stats = FindStats()
    mine: tuple[str, tuple[Planted, ...] | None] = (candidate.name, None)  # a document of no candidate's own,
    # searched whole
    owned = [n for n in range(len(corpus.documents)) if corpus.only_at.get(n, mine)[0] == candidate.name]
    for searched in find_matches(candidate, [corpus.documents[n] for n in owned], options.regex_timeout):
        number = owned[searched.number]
        planted = corpus.only_at.get(number, mine)[1]
        kept = None if planted is None else {p.offset: p for p in planted}
        stats.documents += 1
        stats.chars += len(searched.document.text)
        if searched.timed_out:
            stats.skipped_documents += 1
            continue  # none of a skipped document's instances: a partial document would bias the counts
        for found in searched.found:
            if kept is not None:
                if found.offset not in kept:
                    continue
                found = _as_planted(found, kept.pop(found.offset))
            stats.matches += 1
            if found.error:
                stats.predictor_errors += 1
                stats.first_error = stats.first_error or f"{searched.document.id}: {found.error}"
                failed.append((number, found))
            elif found.predicted is None:
                stats.abstained += 1
            elif options.limit is None or len(instances) < options.limit:
                instances.append((number, found))
        stats.not_found += len(kept or {})
        yield number + 1
        if options.limit is not None and len(instances) >= options.limit:
            break
    return instances, failed, stats


def find_instances(
    candidate: Candidate, corpus: Corpus, options: ScoreOptions, documents_done: Callable[[int], None] | None = None
) -> tuple[list[tuple[int, Found]], list[tuple[int, Found]], FindStats]:
    """`find_steps` run to the end; `documents_done` hears how many documents have been searched."""
    return drive(find_steps(candidate, corpus, options), documents_done)


class Baselines:
    """One bigram model per tokenizer, fitted on the whole corpus the first time a model needs it (`fitted`: those
    fitted already, by tokenizer fingerprint: a Ray actor scoring one shard is handed the whole corpus's)."""

    def __init__(self, corpus: Corpus, fitted: dict[str, Bigram] | None = None) -> None:
        self.corpus = corpus
        self.models: dict[str, Bigram] = dict(fitted or {})

    def fit_steps(self, lm: LoadedModel) -> Generator[StageStep, None, Bigram]:
        """The model's bigram baseline, fitted the first time; yields progress while it is being fitted."""
        fingerprint = tokenizer_fingerprint(lm.tokenizer)
        if fingerprint not in self.models:
            texts = [d.text for d in self.corpus.documents]
            encoded: list[list[int]] = []
            for first in range(0, len(texts), 256):  # in slices, so that progress (and a cancel) gets a word in
                encoded += lm.tokenizer(texts[first : first + 256], add_special_tokens=False)["input_ids"]
                yield StageStep("fitting the bigram baseline", len(encoded), len(texts))
            self.models[fingerprint] = Bigram(encoded, len(lm.tokenizer))
        return self.models[fingerprint]


def _row(candidate: Candidate, lm: LoadedModel, document: Document, found: Found, span_start: int,
         scores: tuple[Score, Score] | None, bigram: Bigram | None, slots: dict[str, str] | None = None
         ) -> InstanceRow:
    """An instance on one model; `scores` (on the heuristic's answer, on the text's), both from `span_start`;
    `slots`: the values of the variant it was made as."""
    row = InstanceRow(
        candidate=candidate.name, model=lm.identity.label, document=document.id, offset=found.offset,
        context=document.text[max(0, found.offset - CONTEXT_SHOWN) : found.offset], answer=found.answer,
        predicted=found.predicted, foil=found.foil, heuristic_right=found.predicted == found.answer, error=found.error,
        slots=slots, groups=dict(found.groups) if found.groups else None, source_offset=found.source)
    if scores is None:
        return row
    score, on_text = scores
    if score.error or on_text.error:
        row.error = score.error or f"the text's answer: {on_text.error}"
        return row
    tokenizer = lm.tokenizer
    row.span_start = span_start
    row.answer_tokens, row.prob, row.rank = score.answer_tokens, score.prob, score.rank
    row.logprob, row.logit_diff, row.answer_top1 = score.answer_logprob, score.logit_diff, score.answer_top1
    row.text_answer_logprob, row.text_answer_top1 = on_text.answer_logprob, on_text.answer_top1
    row.model_top1 = token_text(tokenizer, score.top1_id)
    row.text_token = token_text(tokenizer, score.text_id) if score.text_id >= 0 else None
    row.text_prob = score.text_prob if score.text_id >= 0 else None
    row.model_right, row.scored_answer = score.top1_is_text, score.scored_answer
    row.context_tokens = score.context_tokens
    if bigram is not None:
        row.baseline_prob = bigram.prob(score.prev_id, score.answer_id)
        row.baseline_top1 = bigram.top1(score.prev_id) == score.answer_id
    return row


@dataclass
class CandidateResult:
    candidate: Candidate
    lm: LoadedModel
    corpus: Corpus
    rows: list[InstanceRow]
    stats: FindStats
    conditions: str  # see ScoreSummary.conditions
    cached: bool = False

    def summary(self, seed: int = 0) -> ScoreSummary:
        return summarize(self.candidate.name, self.lm, self.rows, self.stats, self.corpus, seed, self.cached,
                         self.conditions)


def summarize(name: str, lm: LoadedModel, rows: list[InstanceRow], stats: FindStats, corpus: Corpus,
              seed: int = 0, cached: bool = False, conditions: str = "") -> ScoreSummary:
    """One candidate on one model: each mean of games.results' COLUMNS that applies to every scored instance, with
    its interval (from MIN_INTERVAL_N instances on: a mean's bootstrapped by document, a rate's Wilson); counts;
    the median rank and the confusion."""
    scored = [r for r in rows if r.scored]
    summary = ScoreSummary(
        candidate=name, model=lm.identity.label, model_identity=lm.identity.as_dict(), corpus=corpus.label,
        n=len(scored), documents=stats.documents,
        instances_per_million_chars=len(scored) / stats.chars * 1e6 if stats.chars else 0.0,
        abstained=stats.abstained, errors=sum(1 for r in rows if r.error), skipped_documents=stats.skipped_documents,
        not_found=stats.not_found, cached=cached, conditions=conditions)
    if not scored:
        return summary
    summary.means, summary.ci = mean_figures(scored, mean_columns(), seed)
    summary.median_rank = median([r.rank for r in scored if r.rank is not None])
    summary.best_head = best_head(scored, seed)
    # the model right: greedy decoding gives what the text says on the span; the heuristic right: it predicts that
    summary.confusion = {
        f"model_{m}_heuristic_{h}": sum(
            1 for r in scored if r.text_answer_top1 == (m == "right") and r.heuristic_right == (h == "right"))
        for m in ("right", "wrong") for h in ("right", "wrong")
    }
    return summary


def mean_figures(scored: list[InstanceRow], columns: Sequence[Column], seed: int = 0
                 ) -> tuple[dict[str, float], dict[str, list[float]]]:
    """(means, intervals) by column key over scored rows: each column that applies to every row; its interval from
    MIN_INTERVAL_N rows on, a mean's bootstrapped by document, a rate's Wilson."""
    means: dict[str, float] = {}
    intervals: dict[str, list[float]] = {}
    bootstrap = Bootstrap([r.document for r in scored], seed=seed)
    for column in columns:
        values = [column.per_instance(r) for r in scored] if column.per_instance is not None else []
        figures = [value for value in values if value is not None]
        if not figures or len(figures) < len(scored):
            continue  # one that does not apply here: no foil, no baseline
        means[column.key] = mean(figures)
        if len(figures) < MIN_INTERVAL_N:
            continue
        interval = wilson(sum(figures), len(figures)) if column.rate else bootstrap.mean_ci(figures)
        if interval is not None:
            intervals[column.key] = [interval[0], interval[1]]
    return means, intervals


FindResult = tuple[list[tuple[int, Found]], list[tuple[int, Found]], FindStats]


def stored_form(result: CandidateResult) -> dict[str, Any]:
    """A result as the cache keeps it (`_stored_result` reads it back)."""
    return {"rows": [row.as_json() for row in result.rows], "stats": dict(result.stats.__dict__)}


def _stored_result(stored: Any) -> tuple[list[InstanceRow], FindStats] | None:
    """What score_each stored (rows, stats), or None where an entry is not of that shape: a miss."""
    rows, stats = (stored.get("rows"), stored.get("stats")) if isinstance(stored, dict) else (None, None)
    if not isinstance(rows, list) or not isinstance(stats, dict):
        return None
    try:
        return [InstanceRow.from_json(row) for row in rows], FindStats(**stats)
    except (TypeError, NotAResult):
        return None


def span_tokenizers(models: Sequence[LoadedModel]) -> list[str]:
    """The tokenizers a run's spans are aligned to (each once, in a stable order)."""
    return sorted({tokenizer_fingerprint(lm.tokenizer) for lm in models})


def run_conditions(candidate: Candidate, models: Sequence[LoadedModel], corpus: Corpus,
                   options: ScoreOptions) -> str:
    """What a candidate's figures depend on besides the model (ScoreSummary.conditions): the corpus, the options
    and the tokenizers of every model of the run, which decide the spans."""
    return cache_key("conditions", corpus.fingerprint(candidate.name), options.key(), span_tokenizers(models))[:16]


def cached_result(candidate: Candidate, lm: LoadedModel, models: Sequence[LoadedModel], corpus: Corpus,
                  options: ScoreOptions, cache: ResultCache) -> tuple[str, CandidateResult | None]:
    """(the cache key of one candidate on one model of a run of `models`, its stored result or None)."""
    key = cache_key("score", SCORING_VERSION, RESULTS_VERSION, lm.identity.as_dict(),
                    tokenizer_fingerprint(lm.tokenizer), candidate.fingerprint, corpus.fingerprint(candidate.name),
                    options.key(), span_tokenizers(models))
    stored = _stored_result(cache.get(key))
    if stored is not None:
        conditions = run_conditions(candidate, models, corpus, options)
        return key, CandidateResult(candidate, lm, corpus, *stored, conditions=conditions, cached=True)
    return key, None


def align_steps(found: FindResult, corpus: Corpus, models: Sequence[LoadedModel]) -> Generator[int, None, list[int]]:
    """Where each instance's scored span starts (engine.scoring.common_starts): the same characters, the
    heuristic's answer and the text's, for every model of the run; yields documents done."""
    instances = found[0]
    tokenizers = list({tokenizer_fingerprint(lm.tokenizer): lm.tokenizer for lm in models}.values())
    starts = [0] * len(instances)
    by_document = _by_document(instances)
    for done, (number, positions) in enumerate(by_document.items(), start=1):
        targets = [(instances[i][1].offset, _answers(instances[i][1])) for i in positions]
        for position, start in zip(positions, common_starts(tokenizers, corpus.documents[number].text, targets),
                                   strict=True):
            starts[position] = start
        yield done
    return starts


def _by_document(instances: list[tuple[int, Found]]) -> dict[int, list[int]]:
    by_document: dict[int, list[int]] = {}
    for position, (number, _) in enumerate(instances):
        by_document.setdefault(number, []).append(position)
    return by_document


def _answers(found: Found) -> tuple[str, ...]:
    """The heuristic's answer and the text's, once where they are the same."""
    return tuple(dict.fromkeys((found.predicted or "", found.answer)))


def _targets(text: str, found: Found, start: int) -> tuple[Target, ...]:
    """The heuristic's answer (with its foil) and the text's, both from `start`; the one target where they are the
    same (the text's figures are then the heuristic's: a second target would score the same tokens again)."""
    before = text[start : found.offset]
    foil = before + found.foil if found.foil else None
    heuristic = Target(start, before + (found.predicted or ""), foil)
    return (heuristic,) if found.predicted == found.answer else (heuristic, Target(start, before + found.answer))


def score_found_steps(candidate: Candidate, lm: LoadedModel, corpus: Corpus, options: ScoreOptions,
                      found: FindResult, starts: list[int], bigram: Bigram | None, conditions: str = ""
                      ) -> Generator[int, None, CandidateResult]:
    """One candidate on one model, from the instances its finder found, each from its span's start (`starts`,
    from `align_steps`), then the attention to the source of those that name one (games.best_head); yields how
    much of its `work` is done so far."""
    instances, failed, stats = found
    by_document = _by_document(instances)
    requests = [
        Request(corpus.documents[number].text,
                tuple(target for i in positions
                      for target in _targets(corpus.documents[number].text, instances[i][1], starts[i])))
        for number, positions in by_document.items()
    ]
    pairs: list[tuple[Score, Score] | None] = [None] * len(instances)
    scorer = BatchScorer(lm, options.max_context, options.batch_tokens)
    scored = yield from mapped(scorer.steps(requests), lambda step: step[0] * len(instances) // max(1, step[1]))
    for positions, request_scores in zip(by_document.values(), scored, strict=True):
        at = 0
        for position in positions:
            two = instances[position][1].predicted != instances[position][1].answer
            pairs[position] = (request_scores[at], request_scores[at + two])
            at += 1 + two
    entries = [(number, found, start, pair)
               for (number, found), start, pair in zip(instances, starts, pairs, strict=True)]
    entries += [(number, found, found.offset, None) for number, found in failed]
    entries.sort(key=lambda entry: (entry[0], entry[1].offset))
    rows = [_row(candidate, lm, corpus.documents[number], found, start, pair, bigram,
                 corpus.slots_at(number, found.offset) if corpus.only_at else None)
            for number, found, start, pair in entries]
    by_text: dict[int, list[InstanceRow]] = {}
    for (number, *_), row in zip(entries, rows, strict=True):
        by_text.setdefault(number, []).append(row)
    yield from mapped(attention_steps(lm, [(corpus.documents[n].text, mine) for n, mine in by_text.items()],
                                      options.batch_tokens), lambda done: len(instances) + done)
    return CandidateResult(candidate, lm, corpus, rows, stats, conditions)


def work(found: FindResult) -> int:
    """What scoring a candidate's instances on one model counts as (`score_found_steps`' steps): each instance,
    and each again whose source asks for the attention pass."""
    return len(found[0]) + sum(1 for _, item in found[0] if item.source is not None)


def _counted(stage: str, base: int, total: int) -> Callable[[int], StageStep]:
    """A part of a stage counting its own work done, as steps of the whole stage (the part starts at `base`)."""
    return lambda done: StageStep(stage, base + done, total)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def score_steps(
    candidates: Sequence[Candidate],
    models: Sequence[LoadedModel],
    corpus: Corpus,
    options: ScoreOptions,
    cache: ResultCache,
    fitted: dict[str, Bigram] | None = None,
) -> Generator[StageStep | CandidateResult, None, None]:
    """Every candidate on every model, each result as soon as it is ready (the cached ones first, then the rest
    candidate by candidate), with the run's progress in between. A caller that stops (closes the generator)
    keeps the results it was given.

    Progress comes in stages that each count the whole run: finding the instances (documents, for every
    candidate not all cached), fitting the bigram baseline (per tokenizer), then scoring (every instance of
    every candidate on every model still to score): one bar with an honest total."""
    pending: list[tuple[Candidate, LoadedModel, str]] = []
    for candidate in candidates:
        for lm in models:
            key, stored = cached_result(candidate, lm, models, corpus, options, cache)
            if stored is None:
                pending.append((candidate, lm, key))
            else:
                yield stored
    if not pending:
        return
    unique = list({id(candidate): candidate for candidate, _, _ in pending}.values())
    found = yield from _find_all(unique, corpus, options)
    starts = yield from _align_all(unique, found, corpus, models)
    baselines = Baselines(corpus, fitted)
    bigrams: dict[int, Bigram] = {}
    for candidate, lm, _ in pending:
        if found[id(candidate)][0] and id(lm) not in bigrams:
            bigrams[id(lm)] = yield from baselines.fit_steps(lm)
    total = sum(work(found[id(candidate)]) for candidate, _, _ in pending)
    stage = (f"scoring {_plural(len(unique), 'candidate')} on "
             f"{_plural(len({id(lm) for _, lm, _ in pending}), 'model')}")
    done = 0
    yield StageStep(stage, done, total)
    for candidate, lm, key in pending:
        steps = score_found_steps(candidate, lm, corpus, options, found[id(candidate)], starts[id(candidate)],
                                  bigrams.get(id(lm)), run_conditions(candidate, models, corpus, options))
        result = yield from mapped(steps, _counted(stage, done, total))
        done += work(found[id(candidate)])
        yield StageStep(stage, done, total)
        cache.put(key, stored_form(result))
        yield result


def score_each(
    candidates: Sequence[Candidate],
    models: Sequence[LoadedModel],
    corpus: Corpus,
    options: ScoreOptions,
    cache: ResultCache,
    progress: StageProgress | None = None,
    fitted: dict[str, Bigram] | None = None,
) -> Iterator[CandidateResult]:
    """`score_steps` with its progress handed to a callback: each result as soon as it is ready. A caller that
    stops (a progress callback that raises) keeps what it was given."""
    for step in score_steps(candidates, models, corpus, options, cache, fitted):
        if isinstance(step, CandidateResult):
            yield step
        elif progress:
            progress(step.stage, step.done, step.total)


def _find_all(candidates: list[Candidate], corpus: Corpus, options: ScoreOptions
              ) -> Generator[StageStep, None, dict[int, FindResult]]:
    """Each candidate's instances, the stage counted over every candidate's pass through the corpus."""
    documents = len(corpus.documents)
    total = documents * len(candidates)
    stage = f"finding the instances of {_plural(len(candidates), 'candidate')}"
    found: dict[int, FindResult] = {}  # by id(candidate)
    for number, candidate in enumerate(candidates):
        steps = find_steps(candidate, corpus, options)
        found[id(candidate)] = yield from mapped(steps, _counted(stage, number * documents, total))
        yield StageStep(stage, (number + 1) * documents, total)
    return found


def _align_all(candidates: list[Candidate], found: dict[int, FindResult], corpus: Corpus,
               models: Sequence[LoadedModel]) -> Generator[StageStep, None, dict[int, list[int]]]:
    """Each candidate's span starts (`align_steps`), the stage counted in documents with instances."""
    total = sum(len(_by_document(found[id(candidate)][0])) for candidate in candidates)
    stage = f"aligning the spans to {_plural(len(span_tokenizers(models)), 'tokenizer')}"
    starts: dict[int, list[int]] = {}
    done = 0
    for candidate in candidates:
        steps = align_steps(found[id(candidate)], corpus, models)
        starts[id(candidate)] = yield from mapped(steps, _counted(stage, done, total))
        done += len(_by_document(found[id(candidate)][0]))
    return starts


def score_all(
    candidates: Sequence[Candidate],
    models: Sequence[LoadedModel],
    corpus: Corpus,
    options: ScoreOptions,
    cache: ResultCache,
    progress: StageProgress | None = None,
    fitted: dict[str, Bigram] | None = None,
) -> list[CandidateResult]:
    """Every candidate on every model, in that order (candidate by candidate, each on every model)."""
    return in_run_order(score_each(candidates, models, corpus, options, cache, progress, fitted), candidates, models)


def in_run_order(results: Iterable[CandidateResult], candidates: Sequence[Candidate],
                 models: Sequence[LoadedModel]) -> list[CandidateResult]:
    """Results (all of a run's, or those finished before it stopped) candidate by candidate, each on every model
    in the order given."""
    order = {(id(c), id(lm)): n for n, (c, lm) in enumerate((c, lm) for c in candidates for lm in models)}
    return sorted(results, key=lambda r: order[(id(r.candidate), id(r.lm))])
