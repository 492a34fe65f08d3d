"""Scoring candidates over a corpus: the summary by hand, the cache, failures that do not stop a run, the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from engine.cache import ResultCache
from engine.corpus import Document
from engine.scoring import Request, Target, score_requests
from games.candidates import Candidate
from games.library import load_library
from games.scoring import (
    CandidateResult,
    Corpus,
    ScoreOptions,
    StageStep,
    examples_corpus,
    score_all,
    score_each,
    score_steps,
)
from tui.cli import main

DOCS = [
    Document("a", "There was a dog named Max. Max liked to run. A cat was named Tom. Tom was sleepy."),
    Document("b", "A bird was named Pip. Then the sun came out. A frog was named Bo. Bo was shy."),
    Document("c", "Nothing here is named at all."),
]
# "named X. Y": the heuristic says Y is X. Right for Max, Tom, Bo; wrong for Pip ("Then").
DOG = Candidate(name="named-next", finder=r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)",
                predictor="{name}", foil="The")


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_summary_checked_by_hand(default_lm, tmp_path: Path) -> None:
    corpus = Corpus("docs", DOCS)
    (result,) = score_all([DOG], [default_lm], corpus, ScoreOptions(), ResultCache(None))
    summary = result.summary().as_json()  # the keys the README documents
    assert summary["n"] == 4 and summary["documents"] == 3
    assert summary["heuristic_accuracy"] == pytest.approx(3 / 4)
    assert summary["instances_per_million_chars"] == pytest.approx(4 / corpus.chars * 1e6)
    assert [r.predicted for r in result.rows] == ["Max", "Tom", "Pip", "Bo"]
    assert [r.answer for r in result.rows] == ["Max", "Tom", "Then", "Bo"]
    # each row's numbers are the engine's on that instance alone
    first = DOCS[0].text.index("Max liked")
    (alone,) = score_requests(default_lm, [Request(DOCS[0].text, (Target(first, "Max", "The"),))])[0]
    rows = [row.as_json() for row in result.rows]  # instances.jsonl's keys
    assert rows[0]["prob"] == pytest.approx(alone.prob, abs=1e-5)
    assert rows[0]["logit_diff"] == pytest.approx(alone.logit_diff, abs=1e-4)
    probs = [r["prob"] for r in rows]
    assert summary["mean_prob"] == pytest.approx(sum(probs) / 4)
    assert summary["top1"] == pytest.approx(sum(r["rank"] == 1 for r in rows) / 4)
    assert summary["logit_diff_positive"] == pytest.approx(sum(r["logit_diff"] > 0 for r in rows) / 4)
    assert sum(summary["confusion"].values()) == 4
    confusion = summary["confusion"]
    assert confusion["model_right_heuristic_wrong"] + confusion["model_wrong_heuristic_wrong"] == 1
    assert 0 < summary["baseline_mean_prob"] < 1
    assert summary["ci"] == {}  # 4 instances: too few for an interval
    assert summary["answer_prob"] == pytest.approx(sum(math.exp(r["logprob"]) for r in rows) / 4)
    assert summary["text_answer_prob"] == pytest.approx(sum(math.exp(r["text_answer_logprob"]) for r in rows) / 4)
    assert [r["text_answer_logprob"] == r["logprob"] for r in rows] == [True, True, False, True]  # wrong on Pip
    # the answer after ". " is scored with its space, the token it starts
    assert all(r["span_start"] == r["offset"] - 1 and r["scored_answer"] == " " + r["predicted"] for r in rows)


def test_keys_absent_where_they_do_not_apply(default_lm) -> None:
    no_foil = Candidate(name="no-foil", finder=DOG.finder, predictor="{name}")
    nothing = Candidate(name="nothing", finder=r"zebra (?P<answer>\w+)", predictor="x")
    first, empty = (r.summary().as_json() for r in score_all([no_foil, nothing], [default_lm], Corpus("d", DOCS),
                                                   ScoreOptions(), ResultCache(None)))
    assert "mean_logit_diff" not in first and "logit_diff_positive" not in first and first["n"] == 4
    assert empty["n"] == 0 and "mean_prob" not in empty and "ci" not in empty


def test_failures_are_counted_and_the_run_goes_on(default_lm) -> None:
    def picky(match, context: str) -> str | None:
        if match["name"] == "Tom":
            raise ValueError("no toms")
        return None if match["name"] == "Pip" else match["name"]

    candidate = Candidate(name="picky", finder=DOG.finder, predictor=picky)
    slow = Document("slow", "a" * 60 + "b")
    timed = Candidate(name="timed", finder=r"(?:(?:a|aa)+)+(?P<answer>$)|named (?P<answer>\w+)", predictor="x")
    picky_result, timed_result = score_all([candidate, timed], [default_lm], Corpus("d", [*DOCS, slow]),
                                           ScoreOptions(regex_timeout=0.2), ResultCache(None))
    summary = picky_result.summary()
    assert (summary.n, summary.errors, summary.abstained) == (2, 1, 1)
    (failed,) = [r.as_json() for r in picky_result.rows if r.error]
    assert "ValueError: no toms" in failed["error"] and "prob" not in failed
    timed_summary = timed_result.summary()
    assert timed_summary.skipped_documents == 1 and timed_summary.n == 5


def test_limit_keeps_the_first_instances(default_lm) -> None:
    (result,) = score_all([DOG], [default_lm], Corpus("d", DOCS), ScoreOptions(limit=2), ResultCache(None))
    assert [r.predicted for r in result.rows] == ["Max", "Tom"]


def test_cache_hits_and_rescoring_only_what_changed(default_lm, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    other = Candidate(name="other", finder=r"sat\. (?P<answer>\w+)", predictor="Tom")
    corpus = Corpus("d", DOCS)
    first = score_all([DOG, other], [default_lm], corpus, ScoreOptions(), cache)
    again = score_all([DOG, other], [default_lm], corpus, ScoreOptions(), cache)
    assert [r.cached for r in first] == [False, False] and [r.cached for r in again] == [True, True]
    assert [row.as_json() for row in again[0].rows] == json.loads(json.dumps([row.as_json() for row in first[0].rows]))
    edited = Candidate(name="named-next", finder=DOG.finder, predictor="{name}", foil="A")
    changed = score_all([edited, other], [default_lm], corpus, ScoreOptions(), cache)
    assert [r.cached for r in changed] == [False, True]
    assert changed[0].rows[0].logit_diff != first[0].rows[0].logit_diff
    more = Corpus("d", [*DOCS, Document("d", "A goat named Gus. Gus ate.")])
    assert [r.cached for r in score_all([DOG], [default_lm], more, ScoreOptions(), cache)] == [False]
    assert [r.cached for r in score_all([DOG], [default_lm], corpus, ScoreOptions(limit=1), cache)] == [False]


def test_cache_is_keyed_by_model_identity_and_dtype(default_lm, stories260k, tmp_path: Path) -> None:
    from engine.models import load_model

    cache = ResultCache(tmp_path / "cache")
    corpus = Corpus("d", DOCS)
    score_all([DOG], [default_lm], corpus, ScoreOptions(), cache)
    half = load_model(None, dtype="bfloat16")
    both = score_all([DOG], [half, stories260k], corpus, ScoreOptions(), cache)
    assert [r.cached for r in both] == [False, False]
    assert both[0].summary().model_identity["dtype"] == "bfloat16"
    # models with different tokenizers judge the same instances
    assert both[0].summary().n == both[1].summary().n == 4


def test_every_builtin_candidate_scores_on_its_examples(default_lm) -> None:
    candidates = list(load_library().candidates.values())
    results = score_all(candidates, [default_lm], examples_corpus(candidates), ScoreOptions(), ResultCache(None))
    for candidate, result in zip(candidates, results, strict=True):
        summary = result.summary()
        assert summary.n == len(candidate.examples), candidate.name
        assert summary.means["heuristic_accuracy"] == 1.0 and summary.errors == 0, candidate.name


# --- the command line


def test_score_json_csv_and_out(capsys, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": d.text}) + "\n" for d in DOCS))
    out = tmp_path / "out"
    code, printed, _ = run_cli(capsys, "score", "pronoun-for-named", "named-next-sentence", "--corpus", str(corpus),
                               "--format", "json", "--out", str(out), "--dtype", "float32")
    assert code == 0
    results = json.loads(printed)["results"]
    assert [r["candidate"] for r in results] == ["pronoun-for-named", "named-next-sentence"]
    assert {"n", "heuristic_accuracy", "mean_prob", "top1", "median_rank", "ci"} <= set(results[1])
    assert results[0]["model_identity"]["dtype"] == "float32"
    assert json.loads((out / "results.json").read_text())["results"] == results
    rows = [json.loads(line) for line in (out / "instances.jsonl").read_text().splitlines()]
    assert len(rows) == sum(r["n"] + r["errors"] for r in results)
    code, printed, _ = run_cli(capsys, "score", "repeated-name", "--corpus", str(corpus), "--format", "csv")
    header, *lines = printed.splitlines()
    assert code == 0 and header.startswith("candidate,model,corpus,n,") and len(lines) == 1
    code, printed, _ = run_cli(capsys, "score", "repeated-name", "--corpus", str(corpus))
    assert code == 0 and printed.splitlines()[0].split()[:3] == ["candidate", "n", "heur.acc"]


@pytest.mark.parametrize(("files", "argv", "expected"), [
    ({"bad.toml": "name = 'x'\nfinder = 'named (?P<answer>\\w+'\npredictor = 'y'\n"},
     ["--candidates", "bad.toml", "--examples"], "missing ) at position"),
    ({}, ["acronyms", "--examples"], "did you mean"),
    ({"c.txt": b"caf\xe9 named Bo. Bo"}, ["--corpus", "c.txt"], "not UTF-8 text (bad byte at line 1"),
    ({"c.jsonl": '{"text": "a"}\n{"text": \n'}, ["--corpus", "c.jsonl"], "c.jsonl:2: not valid JSON"),
    ({}, ["--examples", "--limit", "0"], "--limit must be at least 1"),
    ({}, ["--examples", "--max-context", "1"], "--max-context must be at least 2"),
    ({}, ["--examples", "--regex-timeout", "0"], "--regex-timeout must be more than 0"),
    ({}, ["--examples", "--regex-timeout", "inf"], "--regex-timeout must be more than 0 and at most 600 seconds"),
    ({}, ["--examples", "--regex-timeout", "nan"], "--regex-timeout must be more than 0 and at most 600 seconds"),
    ({}, ["--examples", "--regex-timeout", "1e400"], "--regex-timeout must be more than 0 and at most 600 seconds"),
    ({}, ["--examples", "--regex-timeout", "601"], "--regex-timeout must be more than 0 and at most 600 seconds"),
    ({}, ["--examples", "--model", str(Path("no-such-model-dir"))], "no-such-model-dir"),
])
def test_score_bad_input_is_one_line(capsys, tmp_path: Path, monkeypatch, files: dict, argv: list[str],
                                     expected: str) -> None:
    monkeypatch.chdir(tmp_path)
    for name, content in files.items():
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    code, _, err = run_cli(capsys, "score", *argv)
    message = [line for line in err.splitlines() if line.startswith("lmgame: error:")]
    assert code == 2 and len(message) == 1 and expected in message[0], err


def test_candidates_commands(capsys, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, "candidates", "list", "--json")
    names = {c["name"] for c in json.loads(out)["candidates"]}
    assert code == 0 and {"induction", "acronym", "ioi", "once-upon-a-time", "citation"} <= names
    code, out, _ = run_cli(capsys, "candidates", "show", "acronym")
    assert code == 0 and "finder:" in out and "✓" in out  # the demo texts have acronyms it gets right
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\nfinder = '(?P<answer>a)'\npredictor = '{missing}'\n")
    code, out, _ = run_cli(capsys, "candidates", "check", str(bad))
    assert code == 1 and "'missing', which is not a named group" in out
    good = tmp_path / "good.toml"
    good.write_text("name = 'x'\nfinder = 'a (?P<answer>b)'\npredictor = 'b'\n[[examples]]\ncontext = 'a '\n"
                    "answer = 'b'\n")
    code, out, _ = run_cli(capsys, "candidates", "check", str(good))
    assert code == 0 and "ok (1 candidate: x)" in out
    code, out, _ = run_cli(capsys, "candidates", "path")
    assert code == 0 and out.strip().endswith("candidates")


def test_examples_are_cached_per_candidate(default_lm, tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    dog = Candidate(name="dog", finder=DOG.finder, predictor="{name}", examples=[("A dog named Max. ", "Max")])
    cat = Candidate(name="cat", finder=r"cat (?P<answer>\w+)", predictor="sat", examples=[("The cat ", "sat")])
    owl = Candidate(name="owl", finder=r"owl (?P<answer>\w+)", predictor="hoots", examples=[("The owl ", "hoots")])
    first = score_all([dog, cat], [default_lm], examples_corpus([dog, cat]), ScoreOptions(), cache)
    again = score_all([dog, owl], [default_lm], examples_corpus([dog, owl]), ScoreOptions(), cache)
    assert [r.cached for r in first] == [False, False] and [r.cached for r in again] == [True, False]
    assert [r.summary().n for r in again] == [1, 1]


def test_one_progress_total_over_every_instance_of_every_candidate_and_model(default_lm, stories260k,
                                                                             tmp_path: Path) -> None:
    other = Candidate(name="was-after-name", finder=r"(?:Max|Tom|Bo)(?P<answer> was)", predictor=" was")
    cache = ResultCache(tmp_path / "cache")
    reports: list[tuple[str, int, int]] = []
    results = score_all([DOG, other], [default_lm, stories260k], Corpus("d", DOCS), ScoreOptions(), cache,
                        lambda stage, done, total: reports.append((stage, done, total)))
    stages = list(dict.fromkeys(stage for stage, _, _ in reports))
    assert stages == ["finding the instances of 2 candidates", "aligning the spans to 2 tokenizers",
                      "fitting the bigram baseline", "scoring 2 candidates on 2 models"]
    aligning = [(done, total) for stage, done, total in reports if stage == stages[1]]
    assert aligning[-1] == (4, 4)  # documents with instances: a and b, for each candidate
    finding = [(done, total) for stage, done, total in reports if stage == stages[0]]
    assert {total for _, total in finding} == {2 * len(DOCS)} and finding[-1] == (2 * len(DOCS), 2 * len(DOCS))
    scoring = [(done, total) for stage, done, total in reports if stage == stages[3]]
    instances = sum(r.summary().n for r in results)
    assert instances == 2 * (4 + 2)  # Max, Tom, Pip, Bo; Tom was, Bo was: on both models
    assert {total for _, total in scoring} == {instances}  # one total, the whole run's, from the first report
    assert scoring[0] == (0, instances) and scoring[-1] == (instances, instances)
    assert [done for done, _ in scoring] == sorted(done for done, _ in scoring)
    # what is cached is not counted again: the edited candidate alone, on both models
    edited = Candidate(name="named-next", finder=DOG.finder, predictor="{name}", foil="A")
    reports.clear()
    score_all([edited, other], [default_lm, stories260k], Corpus("d", DOCS), ScoreOptions(), cache,
              lambda stage, done, total: reports.append((stage, done, total)))
    assert reports[-1] == ("scoring 1 candidate on 2 models", 2 * 4, 2 * 4)
    assert {stage for stage, _, _ in reports if stage.startswith("finding")} == {"finding the instances of 1 candidate"}


def test_score_steps_yields_progress_between_results_and_stops_where_it_is_closed(default_lm, monkeypatch) -> None:
    from engine.scoring import BatchScorer

    other = Candidate(name="was-after-name", finder=r"(?:Max|Tom|Bo)(?P<answer> was)", predictor=" was")
    batches: list[int] = []
    run_batch = BatchScorer._run
    monkeypatch.setattr(BatchScorer, "_run", lambda self, batch, scores: (batches.append(len(batch)),
                                                                          run_batch(self, batch, scores))[1])
    steps = score_steps([DOG, other], [default_lm], Corpus("d", DOCS), ScoreOptions(batch_tokens=16),
                        ResultCache(None))
    seen: list[StageStep | CandidateResult] = []
    batches_for_the_first = 0
    for step in steps:
        seen.append(step)
        if isinstance(step, CandidateResult):
            batches_for_the_first = len(batches)
        if isinstance(step, StageStep) and step.stage.startswith("scoring") and step.done > 4:
            break  # as the workbench does once its worker is cancelled
    steps.close()
    assert [s.candidate.name for s in seen if isinstance(s, CandidateResult)] == ["named-next"]
    assert isinstance(seen[-1], StageStep) and seen[-1].done == 5 and seen[-1].total == 4 + 2
    assert len(batches) == batches_for_the_first + 1  # one instance a batch here: stopped after one more
    assert list(steps) == []  # closed: nothing more to run


def test_a_run_that_stops_keeps_the_results_it_finished(default_lm) -> None:
    other = Candidate(name="was-after-name", finder=r"(?:Max|Tom|Bo)(?P<answer> was)", predictor=" was")
    finished = []

    def stop_in_the_second(stage: str, done: int, total: int) -> None:
        if stage.startswith("scoring") and done > 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        for result in score_each([DOG, other], [default_lm], Corpus("d", DOCS), ScoreOptions(), ResultCache(None),
                                 stop_in_the_second):
            finished.append(result)
    assert [r.candidate.name for r in finished] == ["named-next"] and finished[0].summary().n == 4
