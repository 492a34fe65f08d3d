"""The candidates workbench: the library with each candidate's last scores, a scoring run in the background
(with progress, and cancel), its results as a table and as a plot, and a drill-down into the instances."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, ProgressBar, Static, TabbedContent, TabPane
from textual.worker import Worker, get_current_worker

from games.candidates import Candidate
from games.comparisons import comparisons
from games.library import load_library
from games.numbers import PROBABILITY_CELLS
from games.results import COLUMN, WORKBENCH, Comparison, ScoreSummary, shown_in
from games.score_cache import score_cache
from games.score_history import last_scores, record_scores
from games.scoring import (
    CandidateResult,
    Corpus,
    ScoreOptions,
    examples_corpus,
    in_run_order,
    run_conditions,
    score_steps,
)
from tui.columns import Column, fit, set_columns, widest
from tui.literal import clipped, literal, pictured
from tui.messages import LibraryLoaded, ScoreProgress, ScoringFinished
from tui.model_lock import MODELS
from tui.model_table import ModelTable, letter, model_table
from tui.progress import StageClock, Throttle, time_left
from tui.screens.instances import InstancesScreen
from tui.screens.lmgame_screen import LmgameScreen
from tui.setup import PlaySetup
from tui.widgets.score_plot import ScorePlot

PROGRESS_EVERY = 0.05  # seconds between progress messages from the run
RESULT_DROPS = {"baseline_mean_prob": 3, "median_rank": 2, "mean_logit_diff": 1}  # on a narrow terminal, highest first
CHOSEN = "●"
SCORE_WIDTH = 5  # "0.123": a top-1 accuracy
NAME_CELLS = 32  # the most a candidate's name takes in the library
TAGS_MIN = 4
CANDIDATE_MIN = 12  # the fewest cells for a candidate's name in the results


@dataclass(eq=False)
class ScoringRun:
    """One scoring run started from the screen: its candidates, its worker (which `c` cancels) and, once it has
    ended, the results it finished. Its messages carry it, so that those of a cancelled run are told from the
    current one's."""

    candidates: list[Candidate]
    worker: Worker[None] | None = None
    finished: list[CandidateResult] = field(default_factory=list)


def kept_and_cancelled(candidates: list[Candidate], models: int, results: list[CandidateResult]) -> str:
    """What a cancelled run kept (finished on every model, or on some) and what it did not score."""
    done: dict[str, int] = {}
    for result in results:
        done[result.candidate.name] = done.get(result.candidate.name, 0) + 1
    kept = [c.name for c in candidates if done.get(c.name, 0) == models]
    partly = [f"{c.name} ({done[c.name]} of {models} models)" for c in candidates if 0 < done.get(c.name, 0) < models]
    cancelled = [c.name for c in candidates if c.name not in done]
    parts = [f"kept {', '.join(kept + partly)}"] if kept or partly else ["nothing was finished"]
    if cancelled:
        parts.append(f"not scored: {', '.join(cancelled)}")
    return "cancelled: " + "; ".join(parts)


def short_source(source: str) -> str:
    return source if source in ("built-in", "") else Path(source).name


def model_heading(models: int, number: int) -> str:
    """Nothing with one model; A, B... with several (the title lists the models by these letters)."""
    return "" if models == 1 else f" {letter(number - 1)}"


class CandidatesScreen(LmgameScreen[None]):
    HELP_MODE = "workbench"  # what F1 explains
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_chosen", "Select", id="workbench-toggle"),
        Binding("a", "toggle_all", "All/none", id="workbench-all", show=False),  # F1 lists them all
        Binding("s", "score", "Score", id="workbench-score"),
        Binding("c", "cancel", "Cancel", id="workbench-cancel", show=False),  # the run's line says "c cancels"
        Binding("d", "drill", "Instances", id="workbench-drill"),
        Binding("v", "switch_view", "Table/Plot", id="workbench-view"),
        Binding("r", "reload", "Reload", id="workbench-reload", show=False),
        Binding("f2", "app.open('review')", "Review", id="open-review"),
    ]

    def __init__(self, setup: PlaySetup) -> None:
        super().__init__()
        self.setup = setup
        self.candidates: list[Candidate] = []
        self.scores: dict[tuple[str, str, str], ScoreSummary] = {}  # (candidate, model, conditions): the last
        self.conditions: dict[str, str] = {}  # by candidate: the conditions its run here would have
        self.chosen: set[str] = set()
        self.results: list[CandidateResult] = []
        self.summaries: list[ScoreSummary] = []
        self.compared: list[Comparison] = []  # each pair of models on each candidate shown, with several models
        self.table: ModelTable | None = None  # the results as shown, with several models
        self.scoring_run: ScoringRun | None = None
        self.ended_run: ScoringRun | None = None  # the last run that ended while it was the current one
        self.stage_clock = StageClock()
        self.warned: set[str] = set()
        self.status = ""
        label = "demo" if setup.source == "demo" else setup.source
        self.corpus = Corpus(label, list(setup.documents))

    @property
    def running(self) -> bool:
        return self.scoring_run is not None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="library", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="run-bar"):
            yield ProgressBar(total=None, show_eta=False, id="run-progress")
            yield Static(id="run-status")
        with TabbedContent(id="workbench-tabs", initial="results-pane"):
            with TabPane("Results", id="results-pane"):
                yield DataTable(id="results", cursor_type="row", zebra_stripes=True)
            with TabPane("Plot", id="plot-pane"):
                yield ScorePlot(id="plot")
        yield Footer()

    def on_mount(self) -> None:
        labels = self.setup.labels
        named = labels if len(labels) == 1 else [f"{letter(n)}: {label}" for n, label in enumerate(labels)]
        self.title = pictured("candidates · " + " | ".join(named))
        where = "each candidate's own examples" if self.setup.score_on_examples else \
            f"{self.corpus.label} ({len(self.corpus.documents)} texts)"
        self.sub_title = pictured(f"corpus: {where}")
        self._fill_library()
        self._fill_results()
        self.query_one("#run-progress", ProgressBar).display = False
        self._say("space selects, s scores the selected candidates (or the highlighted one)")
        self.query_one("#library", DataTable).focus()

    def on_screen_resume(self) -> None:
        self._load_library()  # a candidate saved in the promote editor shows up

    def action_reload(self) -> None:
        self._load_library()

    # the library

    @work(thread=True, exclusive=True, group="library", exit_on_error=False)
    def _load_library(self) -> None:
        library = load_library()  # a candidate file's code may raise anything: work_failed says it in a line
        candidates = list(library.candidates.values())
        conditions = {c.name: run_conditions(c, self.setup.models, self._corpus_for([c]), ScoreOptions())
                      for c in candidates}
        self.post_message(LibraryLoaded(candidates, library.warnings, last_scores(), conditions=conditions))

    def _corpus_for(self, candidates: list[Candidate]) -> Corpus:
        """What a run of `candidates` scores on: the screen's texts, or their own examples."""
        return examples_corpus(candidates) if self.setup.score_on_examples else self.corpus

    def on_library_loaded(self, message: LibraryLoaded) -> None:
        if message.error:
            self.notify(message.error, title="candidate library", severity="error", timeout=8)
            return
        for warning in message.warnings:
            if warning not in self.warned:
                self.warned.add(warning)
                self.notify(warning, title="candidate library", severity="warning", timeout=6)
        same = [(c.name, c.fingerprint, c.source) for c in message.candidates] == \
            [(c.name, c.fingerprint, c.source) for c in self.candidates]
        self.candidates, self.scores, self.conditions = message.candidates, message.scores, message.conditions
        self.chosen &= {c.name for c in self.candidates}
        if same:
            self._update_scores()  # in place: the table keeps its rows, its cursor and its column widths
        else:
            self._fill_library()

    def _library_layout(self) -> list[Column]:
        """The library's columns at the terminal's width: the tags take what the others leave; where that is
        too little, the source and then the kind are left out."""
        columns = [Column("chosen", " ", 1),
                   Column("name", "name", widest([c.name for c in self.candidates], "name", NAME_CELLS)),
                   Column("kind", "kind", widest([c.kind for c in self.candidates], "kind"), drop=2),
                   Column("source", "source", widest([short_source(c.source) for c in self.candidates], "source"),
                          drop=1),
                   Column("tags", "tags", TAGS_MIN, most=widest([",".join(c.tags) for c in self.candidates],
                                                                "tags"))]
        labels = self.setup.labels
        for number, label in enumerate(labels, start=1):
            suffix = model_heading(len(labels), number)
            # fixed widths: these cells change in place after a run, and a table re-measures such cells late
            for heading, key, cells in ((f"last p{suffix}", f"p-{label}", PROBABILITY_CELLS),
                                        (f"top1{suffix}", f"top1-{label}", SCORE_WIDTH)):
                columns.append(Column(key, heading, max(len(heading), cells)))
        return fit(columns, self.size.width, "tags")

    def _last_scores(self, name: str) -> list[str]:
        """Each model's last answer p and top-1 on this candidate under the conditions on screen (this corpus,
        these options, these models' tokenizers); "-" where it has none."""
        cells = []
        for label in self.setup.labels:
            last = self.scores.get((name, label, self.conditions[name])) if name in self.conditions else None
            cells += [COLUMN[key].cell(last) if last else "-" for key in ("answer_prob", "answer_top1")]
        return cells

    def _update_scores(self) -> None:
        table = self.query_one("#library", DataTable)
        keys = [key for label in self.setup.labels for key in (f"p-{label}", f"top1-{label}")]
        for item in self.candidates:
            for key, value in zip(keys, self._last_scores(item.name), strict=True):
                if table.get_cell(item.name, key) != value:
                    table.update_cell(item.name, key, value)

    def _fill_library(self) -> None:
        table = self.query_one("#library", DataTable)
        current = self.current_candidate
        columns = self._library_layout()
        set_columns(table, columns)
        width = {column.key: column.width for column in columns}
        scores = [key for label in self.setup.labels for key in (f"p-{label}", f"top1-{label}")]
        for item in self.candidates:
            cells: dict[str, str | Text] = {
                "chosen": CHOSEN if item.name in self.chosen else "", "name": clipped(item.name, width["name"]),
                "kind": literal(item.kind), "source": literal(short_source(item.source)),
                "tags": clipped(",".join(item.tags), width["tags"]),
                **dict(zip(scores, self._last_scores(item.name), strict=True))}
            table.add_row(*(cells[column.key] for column in columns), key=item.name)
        if current is not None:
            names = [c.name for c in self.candidates]
            if current.name in names:
                table.move_cursor(row=names.index(current.name), animate=False)

    @property
    def current_candidate(self) -> Candidate | None:
        table = self.query_one("#library", DataTable)
        if not self.candidates or not 0 <= table.cursor_row < len(self.candidates):
            return None
        return self.candidates[table.cursor_row]

    def action_toggle_chosen(self) -> None:
        item = self.current_candidate
        if item is None:
            return
        self.chosen ^= {item.name}
        self.query_one("#library", DataTable).update_cell(item.name, "chosen", CHOSEN if item.name in self.chosen
                                                          else "")

    def action_toggle_all(self) -> None:
        names = {c.name for c in self.candidates}
        self.chosen = set() if self.chosen >= names else names
        table = self.query_one("#library", DataTable)
        for name in names:
            table.update_cell(name, "chosen", CHOSEN if name in self.chosen else "")

    # a scoring run

    def action_score(self) -> None:
        if self.running:
            self.notify("a run is going on: c cancels it", severity="warning")
            return
        chosen = [c for c in self.candidates if c.name in self.chosen]
        if not chosen and self.current_candidate is not None:
            chosen = [self.current_candidate]
        if not chosen:
            self.notify("no candidate to score", severity="warning")
            return
        corpus = self._corpus_for(chosen)
        if not corpus.documents:
            self.notify("none of these candidates has examples to score", severity="warning")
            return
        self.scoring_run, self.stage_clock = ScoringRun(chosen), StageClock()
        bar = self.query_one("#run-progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        names = ", ".join(c.name for c in chosen)
        self._say(f"scoring {names} on {len(self.setup.models)} model{'s' * (len(self.setup.models) != 1)}…")
        self.scoring_run.worker = self._run(self.scoring_run, corpus)

    def action_cancel(self) -> None:
        """The screen is free at once; the run itself stops at its next step (finding or scoring a batch), and
        what it finished before is kept."""
        if self.scoring_run is None:
            self.notify("no run to cancel", severity="information")
            return
        if self.scoring_run.worker is not None:
            self.scoring_run.worker.cancel()
        self.scoring_run = None
        self.query_one("#run-progress", ProgressBar).display = False
        self._say("cancelling: the run stops at its next step; what it has finished is kept")

    @work(thread=True, group="scoring", exit_on_error=False)
    def _run(self, run: ScoringRun, corpus: Corpus) -> None:
        """The run, step by step: it stops at the first step after its worker is cancelled. Whether it ends, is
        cancelled or fails, what it finished is recorded and posted; a failure then reaches work_failed."""
        worker = get_current_worker()
        if not MODELS.acquire(blocking=False):  # a cancelled run still stopping, or a quick score
            self.post_message(ScoreProgress(run, "waiting for the models (a run is stopping)", 0, 0))
            MODELS.acquire()
        finished: list[CandidateResult] = []
        throttle = Throttle(PROGRESS_EVERY)
        try:
            cache = score_cache()
            with closing(score_steps(run.candidates, self.setup.models, corpus, ScoreOptions(), cache)) as steps:
                for step in steps:
                    if isinstance(step, CandidateResult):
                        finished.append(step)
                    elif worker.is_cancelled:
                        break
                    elif throttle.due(step.stage, step.done, step.total):
                        self.post_message(ScoreProgress(run, step.stage, step.done, step.total))
        finally:
            MODELS.release()
            results = in_run_order(finished, run.candidates, self.setup.models)
            summaries = [r.summary() for r in results]
            if summaries:  # what finished is kept, whether the run ended, was cancelled or failed
                record_scores(summaries)
            compared = comparisons(results) if len(self.setup.models) > 1 else []
            self.post_message(ScoringFinished(run, results, summaries, compared))

    def on_score_progress(self, message: ScoreProgress) -> None:
        if message.run is not self.scoring_run:
            return  # from a cancelled run
        self.query_one("#run-progress", ProgressBar).update(total=message.total or None, progress=message.done)
        counts = f": {message.done}/{message.total}" if message.total else "…"
        left = self.stage_clock.seconds_left(message.stage, message.done, message.total)
        eta = f", {time_left(left)}" if left is not None else ""
        self._say(f"{message.stage}{counts}{eta}   (c cancels)")

    def on_scoring_finished(self, message: ScoringFinished) -> None:
        self._show_results(message)  # whichever run it was, what it finished is shown (and was recorded)
        if isinstance(message.run, ScoringRun):
            message.run.finished = message.results
        if message.run is not self.scoring_run:  # a cancelled run has stopped
            if isinstance(message.run, ScoringRun):
                kept = kept_and_cancelled(message.run.candidates, len(self.setup.models), message.results)
                if self.scoring_run is None:
                    self._say(kept)
                else:  # the line belongs to the run going on
                    self.notify(kept, title="the cancelled run", timeout=8)
            return
        self.ended_run, self.scoring_run = self.scoring_run, None
        self.query_one("#run-progress", ProgressBar).display = False
        cached = sum(1 for r in message.results if r.cached)
        note = f" ({cached} from the cache)" if cached else ""
        self._say(f"done: {len(message.results)} result{'s' * (len(message.results) != 1)}{note} · d opens the "
                  "instances of the highlighted result, v the plot")

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        if worker.group == "scoring":  # its ScoringFinished came first: what it finished is shown already
            run = self.ended_run
            if run is not None and run.worker is worker:
                names = sorted({r.candidate.name for r in run.finished})
                kept = f" (kept: {', '.join(names)})" if names else ""
                self._say(f"the run failed: {error}{kept}", error=True)
        elif worker.group == "library":
            self.post_message(LibraryLoaded([], [], {}, error))
        else:
            super().work_failed(worker, error)

    def _show_results(self, message: ScoringFinished) -> None:
        """The run's results join those shown: each replaces the one shown for its candidate and model, if any."""
        if not message.results:
            return
        shown = {(r.candidate.name, r.lm.identity.label): n for n, r in enumerate(self.results)}
        for result, summary in zip(message.results, message.summaries, strict=True):
            key = (result.candidate.name, result.lm.identity.label)
            self.compared = [c for c in self.compared if c.candidate != key[0] or key[1] not in (c.model_a, c.model_b)]
            if key in shown:
                self.results[shown[key]], self.summaries[shown[key]] = result, summary
            else:
                shown[key] = len(self.results)
                self.results.append(result)
                self.summaries.append(summary)
        self.compared += message.comparisons
        self._fill_results()
        self.query_one(ScorePlot).show(self.summaries)
        self._load_library()  # the last scores column

    def _fill_results(self) -> None:
        """The results table at the terminal's width: the candidate's name takes what the others leave; where
        that is too little, the columns of RESULT_DROPS are left out (the model's too, with one model). With
        several models, the table of `lmgame score` (tui.model_table): a row per candidate, and a cell cursor,
        whose column says which model's instances `d` opens."""
        table = self.query_one("#results", DataTable)
        if len(self.setup.labels) > 1:
            self._fill_model_table(table)
            return
        names = [label.split("@")[0] for label in self.setup.labels]
        short = len(set(names)) == len(names)  # the title gives each model's revision
        shown = shown_in(WORKBENCH)
        rows = [{"candidate": summary.candidate, "model": summary.model.split("@")[0] if short else summary.model,
                 **{column.key: column.cell(summary) for column in shown}}
                for summary in self.summaries]
        one_model = len(self.setup.labels) == 1
        columns = [Column("candidate", "candidate", CANDIDATE_MIN,
                          most=widest([r["candidate"] for r in rows], "candidate")),
                   Column("model", "model", widest([r["model"] for r in rows], "model"), drop=4 * one_model)]
        columns += [Column(c.key, c.heading, widest([r[c.key] for r in rows], c.heading), RESULT_DROPS.get(c.key, 0))
                    for c in shown]
        columns = fit(columns, self.size.width, "candidate")
        set_columns(table, columns)
        for number, row in enumerate(rows):
            cells = {**row, "candidate": clipped(row["candidate"], columns[0].width), "model": literal(row["model"])}
            table.add_row(*(cells[column.key] for column in columns), key=str(number))

    def _fill_model_table(self, table: DataTable) -> None:
        self.table = shown = model_table(self.summaries, self.compared, self.setup.labels)
        table.cursor_type, table.header_height = "cell", 2
        columns = [Column("candidate", "\ncandidate", CANDIDATE_MIN,
                          most=widest([row["candidate"] for row in shown.rows], "candidate"))]
        for column in shown.columns[1:]:  # two heading lines: the model's letter (or the pair) heads the first
            lines = (f"{column.group} {column.heading[0]}".strip(), column.heading[1])
            columns.append(Column(column.key, "\n".join(lines),
                                  widest([row[column.key] for row in shown.rows], max(lines, key=len)), column.drop))
        columns = fit(columns, self.size.width, "candidate")
        set_columns(table, columns)
        for row in shown.rows:
            cells: dict[str, str | Text] = {**row, "candidate": clipped(row["candidate"], columns[0].width)}
            table.add_row(*(cells[column.key] for column in columns), key=row["candidate"])

    def fit_width(self) -> None:
        if not self.is_mounted:
            return
        self._fill_library()
        results = self.query_one("#results", DataTable)
        row, column = results.cursor_row, results.cursor_column
        self._fill_results()
        if results.row_count:
            results.move_cursor(row=min(row, results.row_count - 1), column=min(column, len(results.columns) - 1),
                                animate=False)

    def _say(self, line: str, error: bool = False) -> None:
        self.status = line
        status = self.query_one("#run-status", Static)
        status.update(literal(line, "bold red" if error else ""))

    # results

    def action_switch_view(self) -> None:
        tabs = self.query_one("#workbench-tabs", TabbedContent)
        tabs.active = "plot-pane" if tabs.active == "results-pane" else "results-pane"

    @on(DataTable.RowSelected, "#results")
    def _result_chosen(self) -> None:
        self.action_drill()

    @on(DataTable.CellSelected, "#results")
    def _cell_chosen(self) -> None:
        self.action_drill()

    def highlighted_result(self) -> CandidateResult | None:
        """The result under the results' cursor: its row's, or with several models its row's candidate on the
        model of its column (the first model's in the candidate's and n's columns)."""
        table = self.query_one("#results", DataTable)
        if self.table is None:
            return self.results[table.cursor_row] if 0 <= table.cursor_row < len(self.results) else None
        if not 0 <= table.cursor_row < len(self.table.rows):
            return None
        candidate = self.table.rows[table.cursor_row]["candidate"]
        key = str(table.ordered_columns[table.cursor_column].key.value) if table.ordered_columns else ""
        model = next((c.model for c in self.table.columns if c.key == key and c.model), self.setup.labels[0])
        return next((r for r in self.results if (r.candidate.name, r.lm.identity.label) == (candidate, model)), None)

    def action_drill(self) -> None:
        result = self.highlighted_result()
        if result is None:
            self.notify("no result to open here: score some candidates first (s)" if not self.results else
                        "this model has no result for this candidate: score it (s)", severity="warning")
            return
        self.app.push_screen(InstancesScreen(self.setup, result))
