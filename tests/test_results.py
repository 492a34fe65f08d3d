"""Typed results and the one list of columns: an instance row and a summary write the README's keys and read them
back; what is not a result is refused; a new mean is one entry in COLUMNS and shows everywhere its views say."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from pathlib import Path

import pytest

from games import results
from games.results import (
    BRIEF,
    COLUMNS,
    CSV,
    PLOT,
    TABLE,
    WORKBENCH,
    Column,
    InstanceRow,
    NotAResult,
    ScoreSummary,
    decimals,
    shown_in,
)
from games.score_history import last_scores, record_scores
from games.scoring import Corpus, FindStats, summarize

BASE_KEYS = ["candidate", "model", "document", "offset", "context", "answer", "predicted", "foil", "heuristic_right",
             "error"]
COLUMNS_BY_KEY = results.COLUMN
SCORED_KEYS = ["span_start", "answer_tokens", "prob", "rank", "logprob", "answer_top1", "text_answer_logprob",
               "text_answer_top1", "logit_diff", "model_top1", "text_token", "text_prob", "model_right",
               "scored_answer", "context_tokens"]


def row(prob: float | None = 0.5, rank: int = 1, logit_diff: float | None = 1.0, right: bool = True,
        baseline: float | None = 0.25, error: str | None = None, document: str = "d") -> InstanceRow:
    found = InstanceRow(candidate="c", model="m@1", document=document, offset=4, context="ab c", answer=" x",
                        predicted=" x" if right else " y", foil=" z", heuristic_right=right, error=error)
    if prob is None:
        return found
    logprob = math.log(prob) - 0.5  # a second token of probability exp(-0.5)
    return dataclasses.replace(found, span_start=4, answer_tokens=2, prob=prob, rank=rank, logprob=logprob,
                               answer_top1=rank == 1, text_answer_logprob=logprob if right else -3.0,
                               text_answer_top1=rank == 1 and right, logit_diff=logit_diff,
                               model_top1=" x", text_token=" x", text_prob=prob, model_right=rank == 1,
                               scored_answer=" x", context_tokens=2, baseline_prob=baseline,
                               baseline_top1=None if baseline is None else False)


def test_a_row_writes_only_what_it_has_and_reads_back() -> None:
    assert list(row(prob=None, error="ValueError: no").as_json()) == BASE_KEYS  # a predictor that failed
    assert list(row(baseline=None).as_json()) == BASE_KEYS + SCORED_KEYS
    full = row().as_json()
    assert list(full) == BASE_KEYS + SCORED_KEYS + ["baseline_prob", "baseline_top1"]
    assert row(logit_diff=None).as_json()["logit_diff"] is None  # no foil: there, as null
    for each in (row(), row(prob=None), row(logit_diff=None, baseline=None)):
        assert InstanceRow.from_json(json.loads(json.dumps(each.as_json()))) == each


@pytest.mark.parametrize("damage", [{"offset": "4"}, {"offset": True}, {"prob": "0.5"}, {"heuristic_right": 1},
                                    {"candidate": None}])
def test_a_row_of_another_shape_is_refused(damage: dict) -> None:
    with pytest.raises(NotAResult):
        InstanceRow.from_json({**row().as_json(), **damage})
    with pytest.raises(NotAResult):
        InstanceRow.from_json({key: value for key, value in row().as_json().items() if key != "answer"})
    with pytest.raises(NotAResult):
        InstanceRow.from_json(["not", "a", "row"])


def test_a_summary_writes_the_readme_keys_in_order_and_reads_back(default_lm) -> None:
    rows = [row(prob=0.5), row(prob=0.1, rank=12, logit_diff=-1.0, right=False), row(prob=None, error="boom")]
    summary = summarize("c", default_lm, rows, FindStats(documents=2, chars=1000, abstained=1), Corpus("k", []))
    written = summary.as_json()
    assert list(written) == ["candidate", "model", "model_identity", "corpus", "n", "documents",
                             "instances_per_million_chars", "abstained", "errors", "skipped_documents", "not_found",
                             "cached",
                             "conditions", "ci", "heuristic_accuracy", "answer_prob", "answer_logprob_per_char",
                             "mean_logprob", "answer_tokens", "answer_top1", "text_answer_prob", "text_top1",
                             "mean_prob", "top1", "top10", "mean_logit_diff", "logit_diff_positive",
                             "baseline_mean_prob", "baseline_top1", "median_rank", "confusion", "best_head"]
    assert written["best_head"] is None  # these rows name no source
    assert (written["n"], written["errors"], written["abstained"]) == (2, 1, 1)
    assert written["mean_prob"] == pytest.approx(0.3) and written["top1"] == 0.5 and written["median_rank"] == 6.5
    assert written["answer_prob"] == pytest.approx(0.3 * math.exp(-0.5))
    assert written["answer_logprob_per_char"] == pytest.approx((math.log(0.5) + math.log(0.1) - 1.0) / 2 / 2)
    assert written["text_answer_prob"] == pytest.approx((0.5 * math.exp(-0.5) + math.exp(-3.0)) / 2)
    assert (written["answer_top1"], written["text_top1"], written["answer_tokens"]) == (0.5, 0.5, 2.0)
    assert written["confusion"] == {"model_right_heuristic_right": 1, "model_right_heuristic_wrong": 0,
                                    "model_wrong_heuristic_right": 0, "model_wrong_heuristic_wrong": 1}
    assert written["logit_diff_positive"] == 0.5 and written["ci"] == {}  # 2 instances: no interval
    assert ScoreSummary.from_json(json.loads(json.dumps(written))) == summary
    none = summarize("c", default_lm, [], FindStats(), Corpus("k", []))
    assert "ci" not in none.as_json() and "mean_prob" not in none.as_json() and none.as_json()["n"] == 0
    no_foil = summarize("c", default_lm, [row(logit_diff=None)], FindStats(), Corpus("k", []))
    assert "mean_logit_diff" not in no_foil.as_json() and COLUMNS_BY_KEY["mean_logit_diff"].cell(no_foil) == "-"


def test_intervals_start_at_ten_instances_rates_wilson_means_by_document(default_lm) -> None:
    from engine.metrics import wilson

    nine = summarize("c", default_lm, [row()] * 9, FindStats(), Corpus("k", []))
    assert nine.ci == {}
    ten = summarize("c", default_lm, [row()] * 10, FindStats(), Corpus("k", []))
    assert ten.ci["top1"] == pytest.approx(list(wilson(10, 10))) and ten.ci["top1"][0] < 0.75  # never [1, 1]
    assert set(ten.ci) == {c.key for c in results.mean_columns()} - {"baseline_top1"} | {"baseline_top1"}
    # one document holding every instance that differs: a resample draws it whole or not at all
    rows = [row(prob=0.9, document=f"d{k}") for k in range(10)] + [row(prob=0.1, document="big")] * 10
    by_document = summarize("c", default_lm, rows, FindStats(), Corpus("k", []))
    low, high = by_document.ci["mean_prob"]
    by_instance = summarize("c", default_lm, [dataclasses.replace(r, document=f"i{k}") for k, r in enumerate(rows)],
                            FindStats(), Corpus("k", []))
    assert high - low > 1.5 * (by_instance.ci["mean_prob"][1] - by_instance.ci["mean_prob"][0])


def test_the_history_passes_over_lines_that_are_not_summaries(tmp_path: Path) -> None:
    path = tmp_path / "scores.jsonl"
    good = ScoreSummary("c", "m@1", n=3, means={"mean_prob": 9.6e-05, "top1": 0.0}, ci={"mean_prob": [5e-05, 2e-04]})
    record_scores([good], path)
    with path.open("a", encoding="utf-8") as handle:
        for line in ({"candidate": "d", "model": "m@1", "mean_prob": "high"}, {"candidate": "e", "model": "m@1",
                     "ci": {"mean_prob": [0.1]}}, {"model": "m@1"}, ["c", "m@1"], "[" * 100_000):
            handle.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    latest = last_scores(path)
    assert list(latest) == [("c", "m@1", "")] and latest["c", "m@1", ""] == good
    assert COLUMNS_BY_KEY["mean_prob"].cell(latest["c", "m@1", ""]) == "9.6e-05"


def test_every_view_reads_the_one_list() -> None:
    assert [c.heading for c in shown_in(TABLE)] == ["n", "heur.acc", "answer p", "logp/char", "top1", "text p",
                                                   "1st-tok logit Δ", "bigram p"]
    assert [c.key for c in shown_in(CSV)] == [
        "candidate", "model", "corpus", "n", "documents", "instances_per_million_chars", "abstained", "errors",
        "skipped_documents", "heuristic_accuracy", "answer_prob", "answer_logprob_per_char", "mean_logprob",
        "answer_tokens", "answer_top1", "text_answer_prob", "text_top1", "mean_prob", "top1", "median_rank", "top10",
        "mean_logit_diff", "logit_diff_positive", "baseline_mean_prob", "baseline_top1"]
    assert [c.heading for c in shown_in(WORKBENCH)] == ["n", "heur.acc", "answer p", "95% CI", "tokens", "top1",
                                                       "1st-tok rank", "1st-tok logit Δ", "bigram p"]
    assert [c.key for c in shown_in(BRIEF)] == ["n", "heuristic_accuracy", "answer_prob", "answer_top1",
                                                "mean_logit_diff"]
    assert [c.key for c in shown_in(PLOT)] == ["answer_prob", "mean_logit_diff"]
    assert len({c.key for c in COLUMNS}) == len(COLUMNS)


def test_a_new_mean_is_one_entry(default_lm, monkeypatch: pytest.MonkeyPatch) -> None:
    from games.share import finding_markdown
    from tui.cli_scoring import format_results
    from tui.plot import plot_summaries
    from tui.screens.promote import quick_line

    top5 = Column("top5", "top5", decimals(3), frozenset({TABLE, CSV, WORKBENCH, BRIEF, PLOT}),
                  lambda summary: summary.means.get("top5"), lambda r: None if r.rank is None else float(r.rank <= 5),
                  title="share of instances the model ranks in its top 5")
    monkeypatch.setattr(results, "COLUMNS", (*COLUMNS, top5))
    rows = [row(rank=1), row(rank=3), row(rank=40)] * 4
    summary = summarize("c", default_lm, rows, FindStats(documents=1, chars=10), Corpus("k", []))
    assert summary.as_json()["top5"] == pytest.approx(2 / 3) and "top5" in summary.as_json()["ci"]
    table = format_results([summary], [], "table").splitlines()
    assert table[0].split()[-1] == "top5" and table[1].split()[-1] == "0.667"
    (written,) = csv.DictReader(io.StringIO(format_results([summary], [], "csv")))
    assert float(written["top5"]) == pytest.approx(2 / 3)
    assert json.loads(format_results([summary], [], "json"))["results"][0]["top5"] == pytest.approx(2 / 3)
    assert quick_line(summary).endswith("· top5 0.667")
    assert "share of instances the model ranks in its top 5" in plot_summaries([summary], 80)
    finding = {"candidate": {"kind": "toml", "table": {"name": "c", "finder": "(?P<answer>x)", "predictor": "x"}},
               "created": "2026-01-01T00:00:00+00:00", "corpus": "k", "scores": [summary.as_json()], "instances": {}}
    assert "| top5 |" in finding_markdown(finding) and "| 0.667 |" in finding_markdown(finding)
