"""The review screen: the logged guesses, filtered; the details of one; the patterns among the disagreements;
a guess opened in play where it was made; a pattern or a guess promoted to a candidate."""

from __future__ import annotations

import sqlite3
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Select, Static, TabbedContent, TabPane
from textual.worker import Worker

from engine.corpus import Document
from engine.errors import LmgameError
from games.documents import document_for_row
from games.log import GuessLog
from games.paths import guess_log_path
from games.patterns import PatternGroup, Proposal, mine_patterns, propose_for_row
from games.review import ReviewFilter, ReviewRow, model_labels, read_review, sessions
from tui.columns import Column, fit, set_columns, widest
from tui.literal import CELL_CHARS, ControlPictures, cell, context_cell, literal, pictured
from tui.messages import PatternsMined, PlayReady, ReviewLoaded
from tui.model_lock import BUSY, MODELS
from tui.screens.lmgame_screen import LmgameScreen
from tui.screens.promote import PromoteScreen
from tui.screens.replay import ReplayScreen
from tui.setup import PlaySetup
from tui.widgets.patterns_pane import PatternsPane
from tui.widgets.review_detail import ReviewDetail

KINDS = [
    ("all guesses", "all"),
    ("disagreements", "disagreements"),
    ("model right, you wrong", "model-right-player-wrong"),
    ("you right, model wrong", "player-right-model-wrong"),
    ("both wrong", "both-wrong"),
    ("both right", "both-right"),
]
KIND_CELL = {
    "model-right-player-wrong": "model✓ you✗",
    "player-right-model-wrong": "model✗ you✓",
    "both-wrong": "both ✗",
    "both-right": "both ✓",
}
ANY = ""  # the Select value for "no filter"
EMPTY_LOG = ("The guess log is empty: play a few guesses first (lmgame play; every guess is logged), "
             "then come back here with lmgame review.")
NO_MATCH = "No logged guess matches these filters."
CONTEXT_MIN = 20  # cells of context the table keeps; the token columns narrow to leave them
TOKEN_CELLS = (CELL_CHARS, 8)  # cells a token may take in the table, then on a narrow terminal
MINE_DELAY = 0.3  # seconds of quiet after a filter change before the patterns are mined again


def token_filter(typed: str) -> str | None:
    """The true-token filter as typed: ␣ and ⏎ stand for a space and a line break; empty means any. The rest
    is read as a guess is (games.review.typed_token)."""
    return typed.replace("␣", " ").replace("⏎", "\n") or None


class ReviewScreen(LmgameScreen[None]):
    HELP_MODE = "review"  # what F1 explains
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play here", id="review-play"),
        Binding("m", "promote", "Promote", id="review-promote"),
        Binding("v", "switch_view", "Guesses/Patterns", id="review-view"),
        Binding("r", "reload", "Reload log", id="review-reload", show=False),  # F1 lists it; the footer has no room
        Binding("f3", "app.open('workbench')", "Candidates", id="open-workbench"),
    ]

    def __init__(self, setup: PlaySetup) -> None:
        super().__init__()
        self.setup = setup
        self.all_rows: list[ReviewRow] = []
        self.rows: list[ReviewRow] = []  # those the filters keep, as in the table
        self.loaded = False
        self.mine_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="review-filters"):
            yield Select(KINDS, value="all", allow_blank=False, id="filter-kind")
            yield Select([("first model", ANY)], value=ANY, allow_blank=False, id="filter-model")
            yield Select([("all sessions", ANY)], value=ANY, allow_blank=False, id="filter-session")
            yield Input(placeholder="true token (as a guess)", id="filter-token", highlighter=ControlPictures())
        with TabbedContent(id="review-tabs", initial="guesses"):
            with TabPane("Guesses", id="guesses"):
                yield Static("reading the guess log…", id="review-message")
                yield DataTable(id="review-table", cursor_type="row", zebra_stripes=True)
                yield ReviewDetail(id="review-detail")
            with TabPane("Patterns", id="patterns"):
                yield PatternsPane(id="patterns-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.title = pictured("review · " + " | ".join(self.setup.labels))
        self.query_one("#review-table", DataTable).display = False
        self.query_one("#review-detail", ReviewDetail).display = False

    def on_screen_resume(self) -> None:
        self._read_log()  # back from play, or from the workbench: new guesses show

    def action_reload(self) -> None:
        self._read_log()

    @work(thread=True, exclusive=True, group="review-log", exit_on_error=False)
    def _read_log(self) -> None:
        path = guess_log_path()
        try:
            if not path.exists():
                self.post_message(ReviewLoaded([]))
                return
            with GuessLog(path, read_only=True) as log:
                rows = read_review(log)
        except (LmgameError, sqlite3.Error) as error:  # anything else (a damaged row) reaches work_failed
            self.post_message(ReviewLoaded([], f"cannot read the guess log: {error}"))
            return
        self.post_message(ReviewLoaded(rows))

    def on_review_loaded(self, message: ReviewLoaded) -> None:
        first = not self.loaded
        if not first and not message.error and [r.id for r in message.rows] == [r.id for r in self.all_rows]:
            return  # nothing new in the log (a guess, once logged, never changes)
        self.all_rows, self.loaded = message.rows, True
        if message.error:
            self.notify(message.error, title="guess log", severity="error", timeout=8)
        self._set_options("#filter-model", [("first model", ANY)] + [(label, label) for label in
                                                                     model_labels(self.all_rows)])
        counts: dict[str, int] = {}
        for row in self.all_rows:
            counts[row.session] = counts.get(row.session, 0) + 1
        sources = {row.session: row.source for row in self.all_rows}
        self._set_options("#filter-session", [("all sessions", ANY)] + [
            (f"{s} · {sources[s] or '?'} · {counts[s]}", s) for s in reversed(sessions(self.all_rows))])
        self.apply_filters()
        if first and self.rows:
            self.query_one("#review-table", DataTable).focus()

    def _set_options(self, selector: str, options: list[tuple[str, str]]) -> None:
        select: Select[str] = self.query_one(selector, Select)
        value = select.value
        with select.prevent(Select.Changed):
            select.set_options([(literal(label), option) for label, option in options])  # labels from the log
            select.value = value if any(v == value for _, v in options) else ANY

    # filters

    @property
    def review_filter(self) -> ReviewFilter:
        kind = self.query_one("#filter-kind", Select).value
        model = self.query_one("#filter-model", Select).value
        session = self.query_one("#filter-session", Select).value
        return ReviewFilter(
            kind=None if kind in ("all", Select.NULL) else str(kind),
            model=str(model) if model not in (ANY, Select.NULL) else None,
            session=str(session) if session not in (ANY, Select.NULL) else None,
            true_token=token_filter(self.query_one("#filter-token", Input).value),
        )

    @on(Select.Changed)
    @on(Input.Changed, "#filter-token")
    def _filters_changed(self) -> None:
        if self.loaded:
            self.apply_filters()

    def apply_filters(self) -> None:
        keep = self.review_filter
        self.rows = [row for row in self.all_rows if keep.keeps(row)]
        self._fill_table(keep.model)
        n, total = len(self.rows), len(self.all_rows)
        self.sub_title = f"{n} of {total} guess{'es' * (total != 1)} shown"
        if self.mine_timer is not None:
            self.mine_timer.stop()
        self.mine_timer = self.set_timer(MINE_DELAY, self._start_mining)

    def _fill_table(self, model: str | None) -> None:
        table = self.query_one("#review-table", DataTable)
        highlighted = self.current_row
        columns, cells = self._layout(model)
        set_columns(table, columns)
        context = columns[-1].width
        for row, row_cells in zip(self.rows, cells, strict=True):
            shown = [row_cells[column.key] for column in columns[:-1]]
            table.add_row(*shown, context_cell(row.context, context - 1), key=str(row.id))
        message = self.query_one("#review-message", Static)
        message.update(EMPTY_LOG if not self.all_rows else NO_MATCH if not self.rows else "")
        message.display = not self.rows
        table.display = bool(self.rows)
        self.query_one("#review-detail", ReviewDetail).display = bool(self.rows)
        if highlighted is not None and highlighted in self.rows:
            table.move_cursor(row=self.rows.index(highlighted), animate=False)
        self._show_detail()

    def _layout(self, model: str | None) -> tuple[list[Column], list[dict[str, str | Text]]]:
        """The table's columns at the terminal's width, the context last with what the others leave, and each
        row's other cells; tokens are cut to fewer cells where the context would otherwise get too few."""
        labels = model_labels(self.all_rows)
        headings = {"id": "id", "kind": "kind", "true": "true", "guess": "guess"}
        for number, label in enumerate(labels, start=1):
            headings |= {f"top1-{label}": f"{'model' if len(labels) == 1 else f'm{number}'} top1",
                         f"rank-{label}": "rank"}
        for most in TOKEN_CELLS:
            cells = [self._cells(row, model, labels, most) for row in self.rows]
            columns = [Column(key, heading, widest([str(c[key]) for c in cells], heading))
                       for key, heading in headings.items()]
            columns = fit(columns + [Column("context", "context", CONTEXT_MIN)], self.size.width, "context")
            if columns[-1].width > CONTEXT_MIN:
                break
        return columns, cells

    @staticmethod
    def _cells(row: ReviewRow, model: str | None, labels: list[str], most: int) -> dict[str, str | Text]:
        """A guess's cells but its context, by column key; tokens cut to `most` cells."""
        cells: dict[str, str | Text] = {"id": str(row.id), "kind": KIND_CELL.get(row.kind(model) or "", "-"),
                                        "true": cell(row.true_token, most), "guess": cell(row.guess, most)}
        for label in labels:
            verdict = row.verdict(label)
            cells[f"top1-{label}"] = cell(verdict.top1 or "", most) if verdict else "-"
            cells[f"rank-{label}"] = str(verdict.true_rank) if verdict and verdict.true_rank is not None else "-"
        return cells

    def fit_width(self) -> None:
        if self.loaded:
            self._fill_table(self.review_filter.model)

    @property
    def current_row(self) -> ReviewRow | None:
        table = self.query_one("#review-table", DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            return None
        return self.rows[table.cursor_row]

    @on(DataTable.RowHighlighted, "#review-table")
    def _show_detail(self) -> None:
        self.query_one("#review-detail", ReviewDetail).show(self.current_row)

    # patterns

    def _start_mining(self) -> None:
        self._mine(list(self.rows), self.review_filter.model)

    @work(thread=True, exclusive=True, group="patterns", exit_on_error=False)
    def _mine(self, rows: list[ReviewRow], model: str | None) -> None:
        self.post_message(PatternsMined(mine_patterns(rows, model=model, min_count=2)))

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        """A failure where that work's result would have gone: the log's error, the patterns pane's line."""
        if worker.group == "review-log":
            self.post_message(ReviewLoaded([], f"cannot read the guess log: {error}"))
        elif worker.group == "patterns":
            self.post_message(PatternsMined([], error))
        else:
            super().work_failed(worker, error)

    def on_patterns_mined(self, message: PatternsMined) -> None:
        self.query_one(PatternsPane).show(message.groups, message.error)

    @property
    def groups(self) -> list[PatternGroup]:
        return self.query_one(PatternsPane).groups

    @property
    def current_group(self) -> PatternGroup | None:
        return self.query_one(PatternsPane).current_group

    # actions

    @property
    def view(self) -> str:
        return self.query_one("#review-tabs", TabbedContent).active

    def action_switch_view(self) -> None:
        tabs = self.query_one("#review-tabs", TabbedContent)
        tabs.active = "patterns" if tabs.active == "guesses" else "guesses"
        if tabs.active == "patterns":
            self.query_one(PatternsPane).focus_groups()
        else:
            self.query_one("#review-table", DataTable).focus()

    def _selected_row(self) -> ReviewRow | None:
        """The guess to act on: in the patterns view the highlighted example of the group, else the table's."""
        return self.query_one(PatternsPane).selected_row() if self.view == "patterns" else self.current_row

    def action_play(self) -> None:
        row = self._selected_row()
        if row is None:
            self.notify("no guess selected", severity="warning")
            return
        if MODELS.locked():
            self.notify(BUSY, severity="warning", timeout=6)
            return
        self._find_document(row)

    @work(thread=True, exclusive=True, group="review-play", exit_on_error=False)
    def _find_document(self, row: ReviewRow) -> None:
        try:
            document = document_for_row(row)
        except Exception:  # noqa: BLE001 - whatever the source holds, the logged context can be played
            document = Document(row.text_id, row.context + row.true_token, f"{row.text_id} (from the log)")
        self.post_message(PlayReady(document, row.offset, row.source or "review"))

    def on_play_ready(self, message: PlayReady) -> None:
        setup = PlaySetup(models=self.setup.models, documents=[message.document], source=message.source,
                          top_k=self.setup.top_k)
        self.app.push_screen(ReplayScreen(setup, start_offset=message.offset))

    def action_promote(self) -> None:
        proposal = self._proposal()
        if proposal is not None:
            self.app.push_screen(PromoteScreen(self.setup, proposal, self.all_rows))

    def _proposal(self) -> Proposal | None:
        if self.view == "patterns" and not self.query_one(PatternsPane).example_focused:
            group = self.current_group
            if group is None:
                self.notify("no pattern selected", severity="warning")
                return None
            if group.proposal is not None:
                return group.proposal
        row = self._selected_row()
        if row is None:
            self.notify("no guess selected", severity="warning")
            return None
        try:
            return propose_for_row(row)
        except LmgameError as error:
            self.notify(str(error), severity="error")
            return None
