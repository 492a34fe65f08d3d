"""`lmgame score --engine ray`: each shard (a corpus file) scored by an actor with every candidate on every model
(the local scoring code, handed the bigram baselines fitted on the whole corpus), its rows stored as one cache
entry; then each candidate's result on each model merged from the shards in corpus order (with --limit, cut where
the local run stops), stored under the local run's own key and summarised by the local code."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from engine.bigram import Bigram
from engine.cache import ResultCache, cache_key, text_hash
from engine.corpus import Document, Shards, file_documents
from engine.errors import LmgameError
from engine.models import LoadedModel, tokenizer_fingerprint
from engine.scoring import SCORING_VERSION
from engine.steps import drive
from games.candidates import Candidate
from games.library import load_library
from games.ray_engine import ModelSpec, RayReport, RaySettings, ShardProgress, each_shard, first_line, run_shards
from games.results import RESULTS_VERSION, InstanceRow
from games.scoring import (
    Baselines,
    CandidateResult,
    Corpus,
    FindStats,
    ScoreOptions,
    StageStep,
    cached_result,
    find_instances,
    in_run_order,
    run_conditions,
    score_all,
    span_tokenizers,
    stored_form,
)

ShardRows = tuple[list[InstanceRow], FindStats]  # one candidate on one model, on one shard


@dataclasses.dataclass(frozen=True)
class LibrarySpec:
    """Where an actor loads the candidates from: the --candidates paths and the user's folder, absolute."""

    paths: tuple[str, ...]
    user_dir: str

    def load(self, names: Sequence[str]) -> list[Candidate]:
        return load_library(self.paths, user_dir=Path(self.user_dir)).select(names)


def shard_key(whole: str, shard: Sequence[Document], candidates: Sequence[Candidate],
              models: Sequence[LoadedModel], options: ScoreOptions) -> str:
    """What one shard's rows depend on: its documents, the whole corpus (`whole`, its fingerprint: the bigram
    baselines are fitted on it), the candidates, the models, the options and the tokenizers the spans are aligned
    to."""
    return cache_key("ray-score-shard", SCORING_VERSION, RESULTS_VERSION, whole,
                     text_hash([f"{d.id}\0{d.text}" for d in shard]), [c.fingerprint for c in candidates],
                     [[lm.identity.as_dict(), tokenizer_fingerprint(lm.tokenizer)] for lm in models], options.key(),
                     span_tokenizers(models))


class ScoreWorker:
    """A Ray actor: the run's models and candidates, loaded once; scores the shards it is handed and stores each
    shard's rows as one cache entry."""

    def __init__(self, spec: ModelSpec, library: LibrarySpec, names: list[str], options: ScoreOptions,
                 label: str, whole: str, fitted: dict[str, Bigram], folder: str) -> None:
        self.options, self.label, self.whole, self.fitted = options, label, whole, fitted
        self.cache = ResultCache(Path(folder))
        self.problem = ""  # why this actor cannot score, said for each shard it is handed
        try:
            self.models = spec.load()
            self.candidates = library.load(names)
        except Exception as error:  # noqa: BLE001 - the one line is the user's to read
            self.problem = f"a Ray actor could not load the models or the candidates: {first_line(error)}"

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        return each_shard(batch, self.problem, self._score)

    def _score(self, unit: dict[str, Any]) -> int:
        """Score one shard with every candidate on every model and store its rows; the rows made."""
        documents = file_documents(Path(unit["path"]), name=str(unit["name"]))
        if shard_key(self.whole, documents, self.candidates, self.models, self.options) != unit["key"]:
            raise ValueError("a Ray worker read other documents, candidates or models than this machine did under "
                             "the same names")
        results = score_all(self.candidates, self.models, Corpus(self.label, documents), self.options,
                            ResultCache(None), fitted=self.fitted)
        self.cache.put(str(unit["key"]), {"results": [
            {"candidate": r.candidate.name, "model": self.models.index(r.lm), **stored_form(r)} for r in results]})
        return sum(len(r.rows) for r in results)


def _shard_rows(stored: Any, candidates: Sequence[Candidate], models: int) -> dict[tuple[str, int], ShardRows] | None:
    """A shard's stored entry as rows by (candidate, model index); None where it is missing or not whole."""
    if not isinstance(stored, dict) or not isinstance(stored.get("results"), list):
        return None
    found: dict[tuple[str, int], ShardRows] = {}
    try:
        for entry in stored["results"]:
            found[entry["candidate"], entry["model"]] = ([InstanceRow.from_json(row) for row in entry["rows"]],
                                                        FindStats(**entry["stats"]))
    except (TypeError, KeyError, ValueError):
        return None
    whole = all((c.name, m) in found for c in candidates for m in range(models))
    return found if whole else None


def add_stats(total: FindStats, more: FindStats) -> None:
    for field in dataclasses.fields(FindStats):
        if field.name == "first_error":
            total.first_error = total.first_error or more.first_error
        else:
            setattr(total, field.name, getattr(total, field.name) + getattr(more, field.name))


def merged_rows(candidate: Candidate, shards: Sequence[Sequence[Document]], label: str, per_shard: list[ShardRows],
                options: ScoreOptions) -> ShardRows:
    """One candidate's rows on one model over the shards in corpus order, with the statistics the local run counts:
    with a limit, up to the document where the local run stops (the finder run again on that shard alone, cut
    there: each shard was scored up to the limit on its own)."""
    rows: list[InstanceRow] = []
    stats = FindStats()
    taken = 0
    for documents, (shard_rows, shard_stats) in zip(shards, per_shard, strict=True):
        instances = len(shard_rows) - shard_stats.predictor_errors  # the other rows are predictor failures
        if options.limit is not None and taken + instances >= options.limit:
            left = dataclasses.replace(options, limit=options.limit - taken)
            kept_instances, failed, cut_stats = find_instances(candidate, Corpus(label, list(documents)), left)
            kept = {(documents[number].id, found.offset) for number, found in kept_instances + failed}
            rows += [row for row in shard_rows if (row.document, row.offset) in kept]
            add_stats(stats, cut_stats)
            break
        rows += shard_rows
        add_stats(stats, shard_stats)
        taken += instances
    return rows, stats


def ray_score_all(candidates: Sequence[Candidate], models: Sequence[LoadedModel], spec: ModelSpec,
                  library: LibrarySpec, corpus_shards: Shards, label: str, options: ScoreOptions, cache: ResultCache,
                  settings: RaySettings, progress: ShardProgress | None = None
                  ) -> tuple[list[CandidateResult], RayReport]:
    """Every candidate on every model, as `score_all` gives them: what the local run would read from the cache is
    read; the shards not stored are scored by Ray actors; the rest is merged and stored under the local keys."""
    shards = corpus_shards.documents
    corpus = Corpus(label, corpus_shards.flat)
    cached = [cached_result(c, lm, models, corpus, options, cache) for c in candidates for lm in models]
    report = RayReport(shards=len(shards), work="instances")
    if all(stored is not None for _, stored in cached):
        report.stored = len(shards)
        return in_run_order([stored for _, stored in cached if stored is not None], candidates, models), report
    baselines = Baselines(corpus)
    for lm in models:
        drive(baselines.fit_steps(lm), lambda step: progress(step.stage, step.done, step.total) if progress and
              isinstance(step, StageStep) else None)
    whole = corpus.fingerprint("")
    keys = [shard_key(whole, shard, candidates, models, options) for shard in shards]
    pending = [n for n, key in enumerate(keys) if _shard_rows(cache.get(key), candidates, len(models)) is None]
    report.stored = len(shards) - len(pending)
    arguments = {"spec": spec, "library": library, "names": [c.name for c in candidates], "options": options,
                 "label": label, "whole": whole, "fitted": baselines.models, "folder": str(cache.folder)}
    units = [{"shard": n, "path": str(corpus_shards.paths[n]), "name": corpus_shards.names[n], "key": keys[n]}
             for n in pending]
    for row in run_shards(ScoreWorker, arguments, units, settings, f"scoring {len(units)} shards", progress):
        report.computed += 1
        report.amount += int(row["amount"])
    stored = [_shard_rows(cache.get(key), candidates, len(models)) for key in keys]
    if any(entry is None for entry in stored):
        raise LmgameError(f"a shard's rows were not stored in {cache.folder}: the cache must be a folder every Ray "
                          "node can write (LMGAME_HOME)")
    results = []
    for (key, _), (candidate, lm) in zip(cached, ((c, lm) for c in candidates for lm in models), strict=True):
        per_shard = [entry[candidate.name, models.index(lm)] for entry in stored if entry is not None]
        rows, stats = merged_rows(candidate, shards, label, per_shard, options)
        result = CandidateResult(candidate, lm, corpus, rows, stats, run_conditions(candidate, models, corpus, options))
        cache.put(key, stored_form(result))
        results.append(result)
    return results, report
