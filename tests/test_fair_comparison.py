"""Models with different tokenizers compared fairly, on ../shared TinyStories: the embedded model (a 4,096-token
BPE) against the real stories260K (a 512-token SentencePiece vocabulary). Both score the same characters; the
paired figures equal a computation by hand from instances.jsonl; a model against itself differs by nothing."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from engine.cache import ResultCache
from engine.corpus import read_documents
from engine.scoring import scored_from
from games.comparisons import compare
from games.library import load_library
from games.scoring import Corpus, ScoreOptions, score_all
from tests.conftest import shared
from tui.cli import main

STORIES = shared("tinystories", "stories.jsonl")
CANDIDATES = ("induction-long-word", "pronoun-for-named", "close-quote")
LIMIT = 60


@pytest.fixture(scope="module")
def both(default_lm, stories260k):
    corpus = Corpus("stories", read_documents(STORIES))
    candidates = load_library([]).select(list(CANDIDATES))
    return corpus, score_all(candidates, [default_lm, stories260k], corpus, ScoreOptions(limit=LIMIT),
                             ResultCache(None))


def test_every_model_scores_the_same_characters(both, default_lm, stories260k) -> None:
    corpus, results = both
    texts = {d.id: d.text for d in corpus.documents}
    moved = 0
    for name in CANDIDATES:
        mine, theirs = (r.rows for r in results if r.candidate.name == name)
        assert len(mine) == len(theirs) >= 20
        for a, b in zip(mine, theirs, strict=True):
            assert (a.document, a.offset) == (b.document, b.offset)
            assert a.scored and b.scored
            assert (a.span_start, a.scored_answer) == (b.span_start, b.scored_answer)
            assert a.scored_answer == texts[a.document][a.span_start : a.offset] + (a.predicted or "")
            # where each tokenizer alone would start the answer
            text = texts[a.document]
            alone = []
            for lm in (default_lm, stories260k):
                encoded = lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
                starts = [start for start, _ in encoded["offset_mapping"]]
                alone.append(scored_from(lm.tokenizer, text, list(encoded["input_ids"]), starts, a.offset,
                                         a.predicted or ""))
            assert a.span_start <= min(alone)
            moved += alone[0] != alone[1]
    assert moved >= 5  # instances whose start one tokenizer has inside a token: scored on the same span anyway


def test_paired_figures_equal_a_computation_by_hand(capsys, tmp_path: Path, stories260k_dir: Path) -> None:
    corpus = tmp_path / "stories.jsonl"
    corpus.write_text("".join(STORIES.read_text(encoding="utf-8").splitlines(keepends=True)[:1500]), encoding="utf-8")
    code = main(["score", *CANDIDATES, "--model", "lmgame-default", "--model", str(stories260k_dir), "--corpus",
                 str(corpus), "--limit", str(LIMIT), "--format", "json", "--out", str(tmp_path / "out"), "--seed", "3"])
    printed = json.loads(capsys.readouterr().out)
    assert code == 0
    written = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert written["comparisons"] == printed["comparisons"]
    for summary in printed["results"]:
        assert {"answer_prob", "answer_logprob_per_char", "answer_tokens", "answer_top1", "text_answer_prob",
                "text_top1", "mean_prob", "conditions"} <= set(summary)
    rows = [json.loads(line) for line in (tmp_path / "out" / "instances.jsonl").read_text().splitlines()]
    models = list(dict.fromkeys(row["model"] for row in rows))
    assert len(models) == 2 and len(printed["comparisons"]) == len(CANDIDATES)
    for comparison in printed["comparisons"]:
        assert set(comparison) == {"candidate", "model_a", "model_b", "n_paired", "mean_diff", "ci", "share_ahead",
                                   "p_value", "most_different"}
        assert (comparison["model_a"], comparison["model_b"]) == tuple(models)
        by_model = {model: {(r["document"], r["offset"]): r for r in rows
                            if r["candidate"] == comparison["candidate"] and r["model"] == model} for model in models}
        places = [place for place in by_model[models[0]] if place in by_model[models[1]]]
        diffs = [by_model[models[0]][p]["logprob"] - by_model[models[1]][p]["logprob"] for p in places]
        assert comparison["n_paired"] == len(diffs) >= 20
        assert comparison["mean_diff"] == pytest.approx(math.fsum(diffs) / len(diffs))
        assert comparison["share_ahead"] == pytest.approx(sum(d > 0 for d in diffs) / len(diffs))
        low, high = comparison["ci"]
        assert low <= comparison["mean_diff"] <= high and low < high
        assert 0 < comparison["p_value"] <= 1
        listed = comparison["most_different"]
        assert [abs(pair["diff"]) for pair in listed] == sorted((abs(d) for d in diffs), reverse=True)[: len(listed)]


def test_a_model_against_itself_differs_by_nothing(both) -> None:
    _, results = both
    rows = results[0].rows
    same = compare("c", "m", rows, "m", rows)
    assert same.n_paired == len([r for r in rows if r.scored]) and same.mean_diff == 0.0
    assert same.p_value == 1.0 and same.share_ahead == 0.0 and same.most_different == []
    assert same.ci == [0.0, 0.0]
