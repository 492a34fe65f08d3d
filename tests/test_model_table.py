"""Several models in one table (`lmgame score --format table` and the workbench): a row per candidate, a model's
figures in its columns, each pair's difference with its interval; every line within 100 columns, whatever the
names, with names wrapped or shortened and figures whole; no interval below 10 instances."""

from __future__ import annotations

from itertools import combinations

from games.results import Comparison, ScoreSummary
from tui.cli_scoring import format_results
from tui.model_table import WIDTH, model_table, short_labels, table_text, wrapped

LONG_CANDIDATE = "induction-long-word-with-a-name-far-longer-than-any-column-could-hold-" + "x" * 60
LONG_MODEL = "a-model-folder-whose-name-goes-on-and-on-" + "y" * 80 + "@0123456789"


def summary(candidate: str, model: str, n: int = 300, p: float = 0.812, top1: float = 0.25,
            logit_diff: float | None = 3.21) -> ScoreSummary:
    means = {"answer_prob": p, "answer_top1": top1}
    if logit_diff is not None:
        means["mean_logit_diff"] = logit_diff
    ci = {"answer_prob": [p - 0.05, p + 0.05]} if n >= 10 else {}
    return ScoreSummary(candidate, model, n=n, means=means, ci=ci)


def comparison(candidate: str, a: str, b: str, n: int = 300, diff: float = -1.234,
               ci: list[float] | None = None, p: float = 0.0004) -> Comparison:
    return Comparison(candidate, a, b, n, diff, ci if ci is not None or n < 10 else [-1.5, -1.0], 0.4, p)


def run_of(candidates: list[str], models: list[str], n: int = 300) -> tuple[list[ScoreSummary], list[Comparison]]:
    summaries = [summary(c, m, n, p=0.1 + 0.2 * k) for c in candidates for k, m in enumerate(models)]
    return summaries, [comparison(c, a, b, n) for c in candidates for a, b in combinations(models, 2)]


def lines_of(text: str) -> list[str]:
    lines = text.splitlines()
    assert lines and all(len(line) <= WIDTH for line in lines), max(lines, key=len)
    return lines


def test_two_models_one_table_within_100_columns() -> None:
    models = ["lmgame-default@83a511a9d3", "stories260K@abcdef0123"]
    summaries, compared = run_of(["once-upon-a-time", "pronoun-for-named"], models)
    lines = lines_of(format_results(summaries, compared, "table"))
    assert "A lmgame-default" in lines[0] and "B stories260K" in lines[0] and "A−B" in lines[0]
    assert "1st-tok" in lines[1] and "Δ logp" in lines[1]  # the first-token figure says so
    assert lines[2].split() == ["candidate", "n", "p", "top1", "logit", "Δ", "p", "top1", "logit", "Δ", "nats",
                                "95%", "CI", "p"]
    assert lines[3].split() == ["once-upon-a-time", "300", "0.100", "0.250", "3.21", "0.300", "0.250", "3.21",
                                "-1.23", "[-1.50,", "-1.00]", "<0.001"]
    assert "A: lmgame-default@83a511a9d3" in lines and "B: stories260K@abcdef0123" in lines
    text = "\n".join(lines)
    assert "95% CI: bootstrap by document" in text and "sign-flip permutation" in text and "nats" in text


def test_long_names_wrap_and_shorten_but_figures_stay_whole() -> None:
    for models in (["lmgame-default@83a511a9d3", LONG_MODEL], ["m@1", "m@2", LONG_MODEL]):
        summaries, compared = run_of(["once-upon-a-time", LONG_CANDIDATE], models)
        lines = lines_of(format_results(summaries, compared, "table"))
        text = "\n".join(lines)
        for figure in ("0.100", "0.300", "0.250", "3.21", "-1.23", "[-1.50, -1.00]", "<0.001"):
            assert figure in text
        block = lines[3 : lines.index("")]  # the first block's rows: the long name wraps, its pieces in order
        assert "".join(line.split()[0] for line in block) == "once-upon-a-time" + LONG_CANDIDATE
        assert any(line.startswith("C: " if len(models) == 3 else "B: ") for line in lines)  # the legend, wrapped
        assert LONG_MODEL[:60] in text.replace("\n   ", "")


def test_three_models_put_the_pairs_in_a_block_of_their_own() -> None:
    models = ["lmgame-default@83a511a9d3", "stories260K@abcdef0123", "gpt2@e7da7f2210"]
    summaries, compared = run_of(["once-upon-a-time", "pronoun-for-named"], models)
    lines = lines_of(format_results(summaries, compared, "table"))
    heading = next(n for n, line in enumerate(lines) if line.split()[:2] == ["candidate", "pair"])
    pair_rows = lines[heading + 1 : heading + 7]
    assert [line.split()[-6] for line in pair_rows] == ["A−B", "A−C", "B−C"] * 2
    assert pair_rows[0].split()[0] == "once-upon-a-time" and pair_rows[1].split()[0] == "A−C"  # named once


def test_eight_models_fill_blocks_of_models() -> None:
    models = [f"m@{n}" for n in range(8)]  # the same name: labels stay whole
    summaries, compared = run_of(["once-upon-a-time"], models)
    lines = lines_of(format_results(summaries, compared, "table"))
    assert sum(1 for line in lines if line.split()[:1] == ["candidate"]) >= 3
    assert all(f"{chr(65 + n)} m@{n}" in "\n".join(lines) for n in range(8))
    assert sum(1 for line in lines if "-1.23" in line) == 28  # every pair


def test_below_ten_instances_the_n_and_a_dash() -> None:
    models = ["a@1", "b@1"]
    summaries, compared = run_of(["few"], models, n=7)
    table = model_table(summaries, compared)
    (row,) = table.rows
    assert row["n"] == "7" and row["A−B:ci"] == "-" and row["A−B:diff"] == "-1.23"
    text = table_text(table)
    assert "[" not in text.split("\n\n")[0]  # no interval at all
    single = format_results([summary("few", "a@1", n=7)], [], "table")
    assert "few: answer p n=7, no interval" in single.splitlines()


def test_an_interval_of_no_width_shows_a_dash() -> None:
    compared = [comparison("c", "a@1", "b@1", n=40, diff=0.5, ci=[0.5, 0.5])]
    table = model_table([summary("c", "a@1", 40), summary("c", "b@1", 40)], compared)
    assert table.rows[0]["A−B:ci"] == "-"
    flat = summary("c", "a@1", 40)
    flat.ci["answer_prob"] = [0.812, 0.812]
    lines = format_results([flat], [], "table").splitlines()
    assert not any("95% CI" in line for line in lines)


def test_paired_n_shows_where_it_differs_and_pairs_turn_over() -> None:
    summaries = [summary("c", "a@1", 30), summary("c", "b@1", 30)]
    table = model_table(summaries, [comparison("c", "b@1", "a@1", n=25, ci=[-1.5, -1.0])])
    row = table.rows[0]
    assert row["A−B:n"] == "25" and row["A−B:diff"] == "+1.23" and row["A−B:ci"] == "[+1.00, +1.50]"
    assert "A−B:n" in [c.key for c in table.columns]
    same = model_table(summaries, [comparison("c", "a@1", "b@1", n=30)])
    assert "A−B:n" not in [c.key for c in same.columns]


def test_a_missing_figure_or_result_is_a_dash() -> None:
    table = model_table([summary("c", "a@1", logit_diff=None)], [], ["a@1", "b@1"])
    row = table.rows[0]
    assert row["A:mean_logit_diff"] == "-" and row["B:answer_prob"] == "-" and row["A−B:diff"] == "-"


def test_short_labels_drop_the_revision_only_where_names_stay_unique() -> None:
    assert short_labels(["gpt2@1", "distilgpt2@2"]) == ["gpt2", "distilgpt2"]
    assert short_labels(["gpt2@1", "gpt2@2"]) == ["gpt2@1", "gpt2@2"]


def test_names_wrap_at_hyphens_and_a_label_is_printable() -> None:
    assert wrapped("once-upon-a-time", 12) == ["once-upon-a-", "time"]
    assert wrapped("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    summaries, compared = run_of(["c"], ["evil\x1b[2Jmodel@1", "b@1"])
    text = format_results(summaries, compared, "table")
    assert "\x1b" not in text and "\\x1b[2Jmodel" in text


def test_one_model_fits_too_and_names_its_model_below() -> None:
    summaries = [summary("once-upon-a-time", "lmgame-default@83a511a9d3"),
                 summary(LONG_CANDIDATE, "lmgame-default@83a511a9d3", n=3)]
    lines = lines_of(format_results(summaries, [], "table"))
    assert lines[0].split()[:3] == ["candidate", "n", "heur.acc"]
    assert lines[1].split()[:2] == ["once-upon-a-time", "300"] and "0.812" in lines[1]
    assert "model: lmgame-default@83a511a9d3" in lines
    assert "once-upon-a-time: answer p 95% CI [0.762, 0.862]" in lines
    assert any(line.endswith(": answer p n=3, no interval") and line.startswith("induction") for line in lines)
