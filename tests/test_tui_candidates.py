"""The candidates workbench: a scoring run in the background that can be cancelled, results, the plot, the
instances worst first and one opened in play; the plot's drawing; `lmgame review` and `lmgame workbench`."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from engine.corpus import Document, read_documents
from engine.models import LoadedModel
from games.candidates import Candidate
from games.demo import demo_documents
from games.library import load_library
from games.numbers import probability
from games.results import InstanceRow, ScoreSummary
from games.score_history import history_path, last_scores
from games.scoring import CandidateResult, Corpus, FindStats, ScoreOptions, find_instances
from tests.conftest import run, settle, shared
from tui.app import LmgameApp, PlaySetup
from tui.cli import ArgumentProblem, parse_args
from tui.model_lock import MODELS
from tui.plot import Bar, bar_cells, bar_lines, plot_summaries
from tui.screens.candidates import CHOSEN, CandidatesScreen, kept_and_cancelled
from tui.screens.instances import ALL, HEURISTIC_RIGHT, InstancesScreen, ordered, worst_first
from tui.screens.replay import ReplayScreen
from tui.widgets.score_plot import ScorePlot


def workbench(lm: LoadedModel, documents: list[Document], source: str = "demo", examples: bool = False) -> LmgameApp:
    return LmgameApp(PlaySetup(models=[lm], documents=documents, source=source, start="workbench",
                               score_on_examples=examples))


def recorded() -> set[tuple[str, str]]:
    """The (candidate, model) pairs the score history holds."""
    return {(candidate, model) for candidate, model, _ in last_scores()}


def choose(screen: CandidatesScreen, *names: str) -> None:
    for name in names:
        screen.query_one("#library", DataTable).move_cursor(row=[c.name for c in screen.candidates].index(name))
        screen.action_toggle_chosen()


async def stopped(app: LmgameApp, pilot: Pilot) -> None:
    """Wait for a cancelled run to stop: Textual counts a cancelled thread worker done at once, while its thread
    goes on to its next step, then posts what it finished."""
    screen = app.screen
    assert isinstance(screen, CandidatesScreen)
    for _ in range(3000):
        await pilot.pause(0.02)
        if screen.status.startswith("cancelled:"):
            break
    await settle(app, pilot)


def test_a_run_can_be_cancelled_and_the_screen_stays_usable(default_lm: LoadedModel, home: Path) -> None:
    stories = read_documents(shared("tinystories", "stories.jsonl"))  # thousands of instances: a long run
    app = workbench(default_lm, stories, source="stories.jsonl")

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        choose(screen, "once-upon-a-time", "pronoun-for-named")
        assert screen.chosen == {"once-upon-a-time", "pronoun-for-named"}
        await pilot.press("s")
        for _ in range(200):  # until the run has reported progress
            await pilot.pause(0.02)
            if ":" in screen.status and "/" in screen.status:
                break
        assert screen.running and "(c cancels)" in screen.status
        await pilot.press("c")
        assert not screen.running and screen.status.startswith("cancel")  # at once, whether or not the run stopped
        await stopped(app, pilot)
        assert screen.status == "cancelled: nothing was finished; not scored: once-upon-a-time, pronoun-for-named"
        assert not MODELS.locked()
        assert screen.results == [] and not history_path().exists()  # nothing finished, nothing recorded
        library = screen.query_one("#library", DataTable)
        library.focus()
        before = library.cursor_row
        await pilot.press("down")
        assert library.cursor_row == before + 1  # the screen answers keys
        await pilot.press("c")  # no run: a message, no error
        await settle(app, pilot)
        assert app.is_running

    run(app, script)


def test_a_cancelled_run_keeps_the_candidates_it_finished(default_lm: LoadedModel, home: Path) -> None:
    stories = read_documents(shared("tinystories", "stories.jsonl"))
    app = workbench(default_lm, stories, source="stories.jsonl")
    few = len(find_instances(next(c for c in load_library().candidates.values() if c.name == "agreement-was-were"),
                             Corpus("s", stories), ScoreOptions())[0])  # tens of instances, then thousands

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        choose(screen, "agreement-was-were", "once-upon-a-time")
        await pilot.press("s")
        total = None
        for _ in range(3000):  # until the run is scoring the second candidate
            await pilot.pause(0.02)
            progress = re.match(r"scoring 2 candidates on 1 model: (\d+)/(\d+)", screen.status)
            if progress and int(progress[1]) > few:
                total = int(progress[2])
                break
        assert total is not None and total > few  # one bar over both candidates' instances
        await pilot.press("c")
        await stopped(app, pilot)
        assert screen.status == "cancelled: kept agreement-was-were; not scored: once-upon-a-time"
        assert [s.candidate for s in screen.summaries] == ["agreement-was-were"]
        assert screen.summaries[0].n == few and screen.query_one("#results", DataTable).row_count == 1
        assert recorded() == {("agreement-was-were", default_lm.identity.label)}  # recorded
        library = screen.query_one("#library", DataTable)
        assert probability(screen.summaries[0].means["answer_prob"]) in library.get_row("agreement-was-were")

    run(app, script)


def test_a_run_that_fails_keeps_what_it_finished(default_lm: LoadedModel, home: Path, monkeypatch) -> None:
    from games import scoring

    def fails_after_the_first(*args, **kwargs):  # the first result, then a failure
        for step in scoring.score_steps(*args, **kwargs):
            yield step
            if isinstance(step, CandidateResult):
                raise RuntimeError("boom")

    monkeypatch.setattr("tui.screens.candidates.score_steps", fails_after_the_first)
    app = workbench(default_lm, demo_documents())

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        choose(screen, "once-upon-a-time", "named-next-sentence")
        await pilot.press("s")
        await settle(app, pilot)
        assert screen.status == "the run failed: RuntimeError: boom (kept: once-upon-a-time)"
        assert [s.candidate for s in screen.summaries] == ["once-upon-a-time"]
        assert recorded() == {("once-upon-a-time", default_lm.identity.label)}

    run(app, script)


def test_what_a_cancelled_run_says_it_kept() -> None:
    first, second, third = (Candidate(name=n, finder="(?P<answer>x)", predictor="x") for n in ("a", "b", "c"))
    results = [CandidateResult(candidate, object(), Corpus("d", []), [], FindStats(), "")  # type: ignore[arg-type]
               for candidate in (first, first, second)]
    assert kept_and_cancelled([first, second, third], 2, results) == \
        "cancelled: kept a, b (1 of 2 models); not scored: c"
    assert kept_and_cancelled([first], 1, []) == "cancelled: nothing was finished; not scored: a"


def test_a_run_started_right_after_a_cancel_waits_for_it_and_reports_alone(default_lm: LoadedModel,
                                                                          home: Path) -> None:
    app = workbench(default_lm, demo_documents())

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        choose(screen, "once-upon-a-time")
        screen.action_score()
        screen.action_cancel()
        screen.action_score()  # the cancelled run may still hold the models: this one waits for them
        await settle(app, pilot)
        assert [s.candidate for s in screen.summaries] == ["once-upon-a-time"]
        assert screen.status.startswith("done") and not screen.running
        assert len(last_scores()) == 1

    run(app, script)



def test_what_a_cancelled_run_finishes_is_shown_while_another_run_goes_on(default_lm: LoadedModel, home: Path,
                                                                        monkeypatch) -> None:
    import threading

    from games import scoring

    first_done, cancelled_may_go, second_may_go = threading.Event(), threading.Event(), threading.Event()

    def scripted(candidates, models, corpus, options, cache):  # one candidate, then a gate
        if candidates[0].name == "named-next-sentence":
            assert second_may_go.wait(30)
        for candidate in candidates:
            yield from scoring.score_steps([candidate], models, corpus, options, cache)
            first_done.set()
            assert cancelled_may_go.wait(30)
            yield scoring.StageStep("scoring", 1, 1)  # the run stops here once it is cancelled

    monkeypatch.setattr("tui.screens.candidates.score_steps", scripted)
    app = workbench(default_lm, demo_documents())
    label = default_lm.identity.label

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        choose(screen, "once-upon-a-time", "one-day")
        await pilot.press("s")
        for _ in range(1500):
            await pilot.pause(0.02)
            if first_done.is_set():
                break
        await pilot.press("c")
        choose(screen, "once-upon-a-time", "one-day", "named-next-sentence")  # only the last stays chosen
        await pilot.press("s")
        second = screen.scoring_run
        assert second is not None and [c.name for c in second.candidates] == ["named-next-sentence"]
        cancelled_may_go.set()  # the cancelled run stops, with once-upon-a-time finished
        for _ in range(1500):
            await pilot.pause(0.02)
            if screen.summaries:
                break
        assert [s.candidate for s in screen.summaries] == ["once-upon-a-time"]
        assert screen.scoring_run is second  # shown while the second run is still going on
        assert recorded() == {("once-upon-a-time", label)}
        shown_p = probability(screen.summaries[0].means["answer_prob"])
        library = screen.query_one("#library", DataTable)
        for _ in range(1500):  # the library reloads its last scores
            await pilot.pause(0.02)
            if shown_p in library.get_row("once-upon-a-time"):
                break
        assert shown_p in library.get_row("once-upon-a-time")
        second_may_go.set()
        await settle(app, pilot)
        assert [s.candidate for s in screen.summaries] == ["once-upon-a-time", "named-next-sentence"]
        assert screen.query_one("#results", DataTable).row_count == 2 and screen.status.startswith("done: 1 result")

    run(app, script)


def test_results_plot_history_and_an_instance_in_play(default_lm: LoadedModel, home: Path) -> None:
    app = workbench(default_lm, demo_documents())

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        choose(screen, "once-upon-a-time", "named-next-sentence")
        await pilot.press("s")
        await settle(app, pilot)
        assert [s.candidate for s in screen.summaries] == ["once-upon-a-time", "named-next-sentence"]
        results = screen.query_one("#results", DataTable)
        assert results.row_count == 2
        first = screen.summaries[0]
        row = results.get_row_at(0)
        assert [str(cell) for cell in row[:2]] == ["once-upon-a-time", str(first.n)]  # one model: no model column
        low, high = first.ci["answer_prob"]
        written = f"[{probability(low)}, {probability(high)}]"
        assert (written if probability(low) != probability(high) else "-") in row  # no width: a dash
        # the history keeps them, and the library shows them as the last scores
        assert recorded() == {("once-upon-a-time", default_lm.identity.label),
                              ("named-next-sentence", default_lm.identity.label)}
        assert {conditions for _, _, conditions in last_scores()} == {screen.conditions["once-upon-a-time"]}
        library = screen.query_one("#library", DataTable)
        assert library.get_row("once-upon-a-time")[0] == CHOSEN
        assert probability(first.means["answer_prob"]) in library.get_row("once-upon-a-time")
        # the plot
        await pilot.press("v")
        await pilot.pause()
        plot = screen.query_one(ScorePlot).plain
        assert "probability of the heuristic's whole answer" in plot and "once-upon-a-time" in plot
        assert probability(first.means["answer_prob"]) in plot
        await pilot.press("v")
        # the instances of the second result: the model's worst where the heuristic is right, or all of them
        results.focus()
        results.move_cursor(row=1)
        await pilot.press("d")
        await settle(app, pilot)
        instances = app.screen
        assert isinstance(instances, InstancesScreen)
        every = screen.results[1].rows
        right = [r for r in every if r.heuristic_right]
        assert 0 < len(right) < len(every)  # the demo texts have both: the two orders differ
        assert instances.rows == worst_first(right) and instances.order == HEURISTIC_RIGHT
        assert f"{len(right)} of {len(every)} instances where the heuristic is right" in instances.sub_title
        table = instances.query_one("#instances", DataTable)
        assert table.row_count == len(right)
        table.move_cursor(row=1)
        kept = instances.current
        await pilot.press("o")
        assert instances.rows == worst_first(every) and table.row_count == len(every)
        assert instances.order == ALL and f"{len(every)} of {len(every)} instances all" in instances.sub_title
        assert instances.current is kept  # the highlighted instance stays highlighted
        await pilot.press("o")
        assert instances.rows == worst_first(right) and instances.current is kept
        table.move_cursor(row=0)
        worst = instances.rows[0]
        await pilot.press("p")
        await settle(app, pilot)
        game_screen = app.screen
        assert isinstance(game_screen, ReplayScreen)
        game = game_screen.game
        assert game is not None and game.board.document.id == worst.document
        start, end = game.board.positions[game.position], game.board.ends[game.position]
        assert start <= worst.offset < end  # the token the model was asked for
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert app.screen is screen

    run(app, script)


def test_scoring_on_each_candidates_examples(default_lm: LoadedModel, home: Path) -> None:
    app = workbench(default_lm, demo_documents(), examples=True)

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert "own examples" in screen.sub_title
        choose(screen, "acronym")
        await pilot.press("s")
        await settle(app, pilot)
        (summary,) = screen.summaries
        assert summary.corpus == "examples" and summary.n == len(screen.results[0].candidate.examples)

    run(app, script)


def instance(prob: float | None, heuristic_right: bool = True, error: str | None = None) -> InstanceRow:
    """An instance whose whole answer has probability `prob` (the order's key)."""
    return InstanceRow("c", "m", "d", 0, "", "x", "x" if heuristic_right else "y", None, heuristic_right, error,
                       prob=prob, logprob=None if prob is None else math.log(prob))


def test_worst_first_puts_unscored_rows_last() -> None:
    rows = [instance(0.5), instance(None, error="boom"), instance(0.1), instance(0.9)]
    assert worst_first(rows) == [rows[2], rows[0], rows[3], rows[1]]


def test_the_two_orders_of_instances() -> None:
    rows = [instance(0.5), instance(0.01, False), instance(None, False, "boom"), instance(0.2)]
    assert ordered(rows, HEURISTIC_RIGHT) == [rows[3], rows[0]]  # the heuristic's misses do not come first
    assert ordered(rows, ALL) == [rows[1], rows[3], rows[0], rows[2]]


def test_bars_and_whiskers() -> None:
    assert bar_cells(Bar("a", 0.5, 0.3, 0.7), 0.0, 1.0, 10) == "███├█──┤  "
    assert bar_cells(Bar("a", 0.0), 0.0, 1.0, 4) == "    "  # nothing to draw: the figure beside says 0
    assert bar_cells(Bar("a", 1.0, 1.0, 1.0), 0.0, 1.0, 4) == "███┼"
    assert bar_cells(Bar("a", -1.0, -1.5, -0.5), -2.0, 2.0, 8) == " ├█┤┊   "  # below zero, ┊ marks 0
    lines = bar_lines([Bar("long-candidate-name-here", 0.25, 0.2, 0.3)], 60, (0.0, 1.0), label_width=10)
    assert lines[0].startswith("  long-cand… ") and lines[0].endswith("0.250 [0.200, 0.300]")
    assert all(len(line) <= 60 for line in lines)


def test_plot_of_summaries() -> None:
    summaries = [
        ScoreSummary("a", "m1@x", n=4, means={"answer_prob": 0.6}, ci={"answer_prob": [0.5, 0.7]}),
        ScoreSummary("b", "m1@x", n=4, means={"answer_prob": 0.2, "mean_logit_diff": -1.0},
                     ci={"answer_prob": [0.1, 0.3], "mean_logit_diff": [-2.0, 0.5]}),
        ScoreSummary("a", "m2@y", n=0),
    ]
    text = plot_summaries(summaries, 80)
    assert text.count(" m1@x") == 2 and "m2@y" not in text  # a model with no figures has no bars
    assert "0.600 [0.500, 0.700]" in text and "-1.00 [-2.00, 0.50]" in text  # each written as the tables do
    assert "no results yet" in plot_summaries([], 80)
    assert "no candidate here has a foil" in plot_summaries(summaries[:1], 80)



SMALL_P = {"candidate": "once-upon-a-time", "n": 40, "heuristic_accuracy": 0.9, "answer_prob": 9.6e-05,
           "ci": {"answer_prob": [5.1e-05, 0.0012]}, "answer_top1": 0.0, "median_rank": 80, "mean_logit_diff": -3.0,
           "baseline_mean_prob": 2.5e-06}  # as a summary's JSON


def test_small_probabilities_read_as_such_on_the_workbench_and_in_promote(default_lm: LoadedModel,
                                                                        home: Path) -> None:
    from tui.screens.promote import quick_line

    app = workbench(default_lm, demo_documents())
    label = default_lm.identity.label

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        screen.summaries = [ScoreSummary.from_json({**SMALL_P, "model": label})]
        screen._fill_results()
        row = [str(cell) for cell in screen.query_one("#results", DataTable).get_row_at(0)]
        assert "9.6e-05" in row and "[5.1e-05, 0.001]" in row and "2.5e-06" in row
        conditions = screen.conditions["once-upon-a-time"]
        screen.scores = {("once-upon-a-time", label, conditions): ScoreSummary(
            "once-upon-a-time", label, conditions=conditions, means={"answer_prob": 9.6e-05, "answer_top1": 0.0})}
        screen._update_scores()
        assert "9.6e-05" in screen.query_one("#library", DataTable).get_row("once-upon-a-time")

    run(app, script)
    small = ScoreSummary.from_json({**SMALL_P, "model": label})
    assert "answer p 9.6e-05" in quick_line(small)
    assert "9.6e-05 [5.1e-05, 0.001]" in plot_summaries([small], 80)


def test_review_and_workbench_commands() -> None:
    review = parse_args(["review", "--model", "a", "--model", "b", "--device", "cpu"])
    assert (review.command, review.model, review.device, review.dtype) == ("review", ["a", "b"], "cpu", "auto")
    bench = parse_args(["workbench", "--corpus", "x.jsonl"])
    assert (bench.command, bench.corpus, bench.examples, bench.dtype) == ("workbench", "x.jsonl", False, "fast")
    assert parse_args(["workbench", "--examples"]).examples
    with pytest.raises(ArgumentProblem, match="not allowed with argument --corpus"):
        parse_args(["workbench", "--corpus", "x", "--examples"])


def test_a_missing_corpus_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from tui.cli import main

    assert main(["workbench", "--corpus", str(tmp_path / "missing.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lmgame: error: file not found") and err.count("\n") == 1


def test_two_models_show_the_table_of_lmgame_score_and_drill_by_column(default_lm: LoadedModel,
                                                                       stories260k: LoadedModel, home: Path) -> None:
    from tui.model_table import model_table

    app = LmgameApp(PlaySetup(models=[default_lm, stories260k], documents=demo_documents(), source="demo",
                              start="workbench"))
    labels = [default_lm.identity.label, stories260k.identity.label]

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        assert f"A: {labels[0]} | B: {labels[1]}" in screen.title
        choose(screen, "once-upon-a-time", "named-next-sentence")
        await pilot.press("s")
        await settle(app, pilot)
        assert len(screen.summaries) == 4 and len(screen.compared) == 2  # a pair per candidate
        expected = model_table(screen.summaries, screen.compared, labels)
        table = screen.query_one("#results", DataTable)
        shown = [str(key.value) for key in table.columns]
        assert shown[0] == "candidate" and {"A:answer_prob", "B:answer_prob", "A−B:diff", "A−B:ci"} <= set(shown)
        for number, row in enumerate(expected.rows):
            cells = [str(cell) for cell in table.get_row_at(number)]
            assert cells == [row[key] for key in shown]  # the same cells as `lmgame score --format table`
        assert expected.rows[1]["A−B:ci"].startswith("[")  # named-next-sentence: ten instances and more
        # the library's last scores: each model's, under these conditions
        library = screen.query_one("#library", DataTable)
        assert {"last p A", "top1 A", "last p B", "top1 B"} <= {str(c.label) for c in library.columns.values()}
        first = screen.summaries[1]  # once-upon-a-time on stories260K
        assert first.model == labels[1] and probability(first.means["answer_prob"]) in library.get_row(
            "once-upon-a-time")
        # d opens the instances of the model of the column under the cursor
        table.focus()
        table.move_cursor(row=0, column=shown.index("B:answer_top1"))
        result = screen.highlighted_result()
        assert result is not None and (result.candidate.name, result.lm) == ("once-upon-a-time", stories260k)
        table.move_cursor(row=1, column=shown.index("A−B:diff"))
        result = screen.highlighted_result()
        assert result is not None and (result.candidate.name, result.lm) == ("named-next-sentence", default_lm)
        table.move_cursor(row=0, column=shown.index("B:answer_prob"))
        await pilot.press("d")
        await settle(app, pilot)
        instances = app.screen
        assert isinstance(instances, InstancesScreen) and instances.result.lm is stories260k
        await pilot.press("escape")
        await pilot.pause()
        # the plot: both models on one axis
        await pilot.press("v")
        await pilot.pause()
        plot = screen.query_one(ScorePlot).plain
        assert f" {labels[0]}" in plot and f" {labels[1]}" in plot

    run(app, script)


def test_the_plot_draws_every_model_on_one_axis() -> None:
    same = [ScoreSummary("a", "m1@x", n=4, means={"answer_prob": 0.5, "mean_logit_diff": 2.0}),
            ScoreSummary("a", "m2@y", n=4, means={"answer_prob": 0.5, "mean_logit_diff": -1.0})]
    lines = plot_summaries(same, 80).splitlines()
    bars = [line for line in lines if line.startswith("  a ")]
    assert len(bars) == 4 and bars[0] == bars[1]  # the same figure, the same bar
    # 2 and -1 on one axis from -1 to 2: the bar of 2 starts at 0, where the bar of -1 ends, and is twice as long
    assert bars[3].rindex("█") == bars[2].index("┊")  # the cell of 0
    assert abs(bars[2].count("█") - 2 * bars[3].count("█")) <= 2
    # one with an interval written beside it, one without: bars of one length all the same
    half = [ScoreSummary("a", "m1@x", n=40, means={"answer_prob": 0.5}, ci={"answer_prob": [0.45, 0.55]}),
            ScoreSummary("a", "m2@y", n=4, means={"answer_prob": 0.25})]
    bars = [line for line in plot_summaries(half, 80).splitlines() if line.startswith("  a ")]
    assert bars[0].index("0.500") == bars[1].index("0.250")
    assert abs(bars[0].count("█") + 2 - 2 * bars[1].count("█")) <= 1  # the whisker's ends take two cells


def test_the_last_scores_are_those_of_the_conditions_on_screen(default_lm: LoadedModel, home: Path) -> None:
    from games.score_history import record_scores
    from games.scoring import run_conditions

    candidate = next(c for c in load_library().candidates.values() if c.name == "once-upon-a-time")
    label = default_lm.identity.label
    here = run_conditions(candidate, [default_lm], Corpus("demo", demo_documents()), ScoreOptions())
    elsewhere = run_conditions(candidate, [default_lm], Corpus("demo", demo_documents()[:2]), ScoreOptions())

    def line(p: float, conditions: str) -> ScoreSummary:
        return ScoreSummary("once-upon-a-time", label, n=12, conditions=conditions,
                            means={"answer_prob": p, "answer_top1": 0.5})

    record_scores([line(0.111, ""), line(0.222, here), line(0.333, elsewhere)])  # the newest under other conditions
    record_scores([ScoreSummary("one-day", label, n=12, conditions=elsewhere, means={"answer_prob": 0.444}),
                   ScoreSummary("close-quote", label, n=12, means={"answer_prob": 0.555})])  # written before
    app = workbench(default_lm, demo_documents())

    async def script(pilot: Pilot) -> None:
        screen = app.screen
        assert isinstance(screen, CandidatesScreen)
        assert screen.conditions["once-upon-a-time"] == here
        library = screen.query_one("#library", DataTable)
        assert [str(cell) for cell in library.get_row("once-upon-a-time")[-2:]] == ["0.222", "0.500"]
        assert [str(cell) for cell in library.get_row("one-day")[-2:]] == ["-", "-"]
        assert [str(cell) for cell in library.get_row("close-quote")[-2:]] == ["-", "-"]

    run(app, script)
