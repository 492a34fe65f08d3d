"""A scoring result's instances in one of two orders: the model's worst where the heuristic is right (the text
says what the heuristic says, and the model gives it the lowest probability), or all of them by the model's
probability on the heuristic's answer; any of them opens in play where it stands. Or, instead of the instances,
their slices: the instances grouped by a variant's slot value or a finder group's value, worst first
(games.slices)."""

from __future__ import annotations

import math
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from engine.corpus import Document
from games.numbers import probability
from games.results import COLUMN, InstanceRow
from games.scoring import CandidateResult
from games.slices import Slice, result_slices
from tui.columns import Column, fit, set_columns, widest
from tui.literal import CELL_CHARS, cell, clipped, context_cell, pictured, token_shown
from tui.model_lock import BUSY, MODELS
from tui.screens.attribution import AttributionScreen, Question
from tui.screens.lmgame_screen import LmgameScreen
from tui.screens.replay import ReplayScreen
from tui.setup import PlaySetup

DETAIL_CHARS = 300
CONTEXT_MIN = 16  # cells of context the table keeps; columns are left out to leave them
INSTANCE_COLUMNS = (  # (key, heading, drop: left out on a narrow terminal, highest first)
    ("p", "answer p", 0), ("rank", "1st rank", 2), ("heur", "heur", 0), ("says", "text says", 0),
    ("predicted", "predicted", 0), ("top1", "model 1st tok", 1), ("logp", "log p", 3))  # context after "heur"
HEURISTIC_RIGHT, ALL = "heuristic-right", "all"
SLICE_COLUMNS = (  # (key, heading, drop), after the slice's name and value
    ("n", "n", 0), ("p", "answer p", 0), ("ci", "95% CI", 2), ("top1", "top1", 1), ("diff", "logit diff", 3),
    ("heur", "heur.acc", 4))
ORDER_LABELS = {  # (what the order shows, the key's hint to switch to it)
    HEURISTIC_RIGHT: ("where the heuristic is right, the model's worst first", "o: heuristic right only"),
    ALL: ("all, lowest probability on the heuristic's answer first", "o: all instances"),
}


def worst_first(rows: list[InstanceRow]) -> list[InstanceRow]:
    """By the model's probability on the heuristic's whole answer, lowest first; unscored rows (errors) last."""
    return sorted(rows, key=lambda r: (r.logprob is None, r.logprob or 0.0))


def ordered(rows: list[InstanceRow], order: str) -> list[InstanceRow]:
    """The rows an order shows: where the heuristic is right (the probability is then the model's on what the
    text says), or all of them; lowest probability first either way."""
    return worst_first([r for r in rows if r.heuristic_right] if order == HEURISTIC_RIGHT else rows)


class InstancesScreen(LmgameScreen[None]):
    HELP_MODE = "instances"  # what F1 explains
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play here", id="instances-play"),
        Binding("o", "switch_order", "Order", id="instances-order", tooltip="heuristic right only / all instances"),
        Binding("s", "switch_slices", "Slices", id="instances-slices"),
        Binding("x", "explain", "Explain", id="instances-explain",
                tooltip="which context drives the model's answer here: each token deleted in turn, and the heads"),
        Binding("escape", "back", "Back", id="instances-back"),
    ]

    def __init__(self, setup: PlaySetup, result: CandidateResult) -> None:
        super().__init__()
        self.setup = setup
        self.result = result
        self.order = HEURISTIC_RIGHT
        self.rows = ordered(result.rows, self.order)
        self.slices: list[Slice] | None = None  # shown instead of the instances: computed the first time

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="instances", cursor_type="row", zebra_stripes=True)
        yield Static(id="instance-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = pictured(f"instances · {self.result.candidate.name} on {self.result.lm.identity.label}")
        self._fill()
        self.query_one("#instances", DataTable).focus()

    def action_switch_slices(self) -> None:
        if self.slices is None:
            self.slices = result_slices(self.result)
        else:
            self.slices = None
        self._fill()

    def action_switch_order(self) -> None:
        if self.slices is not None:
            self.slices = None  # back to the instances, in the other order
        current = self.current
        self.order = ALL if self.order == HEURISTIC_RIGHT else HEURISTIC_RIGHT
        self.rows = ordered(self.result.rows, self.order)
        self._fill()
        if current is not None and any(row is current for row in self.rows):
            index = next(i for i, row in enumerate(self.rows) if row is current)
            self.query_one("#instances", DataTable).move_cursor(row=index, animate=False)

    def _fill(self) -> None:
        if self.slices is not None:
            self._fill_slices()
            return
        total, shown = len(self.result.rows), len(self.rows)
        other = ALL if self.order == HEURISTIC_RIGHT else HEURISTIC_RIGHT
        self.sub_title = (f"{shown} of {total} instance{'s' * (total != 1)} {ORDER_LABELS[self.order][0]} · "
                          f"{ORDER_LABELS[other][1]}")
        self._fill_table()
        detail = self.query_one("#instance-detail", Static)
        if not total:
            detail.update("no instances: the finder found nothing here")
        elif not shown:
            detail.update(f"the heuristic is right on none of the {total} instances: o shows them all")
        self._show_detail()

    def _fill_slices(self) -> None:
        shown = self.slices or []
        self.sub_title = (f"{len(shown)} slices by slot and finder group, lowest answer p first · "
                          "s: back to the instances")
        self._fill_slice_table()
        detail = self.query_one("#instance-detail", Static)
        if not shown:
            detail.update("no slices: these instances have no slot values (variants) or named finder groups")
        self._show_detail()

    def _fill_slice_table(self) -> None:
        """The slices at the terminal's width: the slice's name and value take what the figures leave."""
        shown = self.slices or []
        table = self.query_one("#instances", DataTable)
        cursor = table.cursor_row
        cells = [self._slice_cells(item) for item in shown]
        columns = [Column(key, heading, widest([str(c[key]) for c in cells], heading), drop)
                   for key, heading, drop in SLICE_COLUMNS]
        columns.insert(0, Column("slice", "slice", CONTEXT_MIN))
        columns = fit(columns, self.size.width, "slice")
        set_columns(table, columns)
        width = next(column.width for column in columns if column.key == "slice")
        for number, (item, item_cells) in enumerate(zip(shown, cells, strict=True)):
            item_cells["slice"] = clipped(item.label, width)
            table.add_row(*(item_cells[column.key] for column in columns), key=str(number))
        if shown:
            table.move_cursor(row=min(cursor, len(shown) - 1), animate=False)

    @staticmethod
    def _slice_cells(item: Slice) -> dict[str, str | Text]:
        """A slice's figures by column key, as the summary's columns write them ("-" where one does not apply)."""
        def figure(key: str) -> str:
            return COLUMN[key].write(item.means[key]) if key in item.means else "-"

        bounds = item.ci.get("answer_prob")
        return {"n": str(item.n), "p": figure("answer_prob"), "ci": COLUMN["ci"].write(bounds) if bounds else "-",
                "top1": figure("answer_top1"), "diff": figure("mean_logit_diff"), "heur": figure("heuristic_accuracy")}

    def _fill_table(self) -> None:
        """The instances at the terminal's width: the context takes what the other columns leave; where that
        is too little, the log p, then the rank, then the model's top token are left out."""
        table = self.query_one("#instances", DataTable)
        cursor = table.cursor_row
        cells = [self._cells(row) for row in self.rows]
        columns = [Column(key, heading, widest([str(c[key]) for c in cells], heading), drop)
                   for key, heading, drop in INSTANCE_COLUMNS if key != "context"]
        columns.insert(3, Column("context", "context", CONTEXT_MIN))
        columns = fit(columns, self.size.width, "context")
        set_columns(table, columns)
        context = next(column.width for column in columns if column.key == "context")
        for number, (row, row_cells) in enumerate(zip(self.rows, cells, strict=True)):
            row_cells["context"] = context_cell(row.context, context - 1)
            table.add_row(*(row_cells[column.key] for column in columns), key=str(number))
        if self.rows:
            table.move_cursor(row=min(cursor, len(self.rows) - 1), animate=False)

    @staticmethod
    def _cells(row: InstanceRow) -> dict[str, str | Text]:
        """An instance's cells but its context, by column key."""
        return {
            "p": probability(None if row.logprob is None else math.exp(row.logprob)),
            "rank": "-" if row.rank is None else str(row.rank),
            "heur": Text("✓", "bold green") if row.heuristic_right else Text("✗", "bold red"),
            "says": cell(row.answer),
            "predicted": cell(row.error or row.predicted, 24 if row.error else CELL_CHARS),
            "top1": cell(row.model_top1),
            "logp": "-" if row.logprob is None else f"{row.logprob:.2f}",
        }

    def fit_width(self) -> None:
        if self.is_mounted:
            if self.slices is not None:
                self._fill_slice_table()
            else:
                self._fill_table()

    @property
    def current(self) -> InstanceRow | None:
        if self.slices is not None:
            return None
        table = self.query_one("#instances", DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    @property
    def current_slice(self) -> Slice | None:
        table = self.query_one("#instances", DataTable)
        shown = self.slices or []
        return shown[table.cursor_row] if 0 <= table.cursor_row < len(shown) else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        if self.slices is not None:
            self._show_slice_detail()
            return
        row = self.current
        if row is None:
            return
        text = Text("…" + pictured(row.context[-DETAIL_CHARS:].replace("\n", "⏎ ")))
        text.append(f"⟨{token_shown(row.answer)}⟩", "bold reverse")
        said = pictured(row.error or f"the heuristic says {token_shown(row.predicted or '')}")
        scored = "" if row.scored_answer is None else f" · scored as {token_shown(row.scored_answer)}"
        text.append(f"\n{said}{pictured(scored)} · the model's top first token {token_shown(row.model_top1 or '-')}"
                    f" · text {pictured(row.document)} @ {row.offset}", "dim")
        self.query_one("#instance-detail", Static).update(text)

    def _show_slice_detail(self) -> None:
        item = self.current_slice
        if item is None:
            return
        kind = "slot" if item.by == "slot" else "finder group"
        text = Text(f"{kind} {pictured(item.name)} = ")
        text.append(pictured(item.value), "bold")
        figures = [f"{COLUMN[key].heading} {COLUMN[key].write(item.means[key])}" for key in item.means]
        intervals = [f"{COLUMN[key].heading} [{COLUMN[key].write(low)}, {COLUMN[key].write(high)}]"
                     for key, (low, high) in item.ci.items()]
        text.append(f"\n{item.n} instances · " + " · ".join(figures), "dim")
        if intervals:
            text.append("\n95% CI: " + " · ".join(intervals), "dim")
        self.query_one("#instance-detail", Static).update(text)

    def document(self, row: InstanceRow) -> Document | None:
        for document in self.result.corpus.documents:
            if document.id == row.document and document.text[: row.offset].endswith(row.context):
                return document
        return None

    def action_play(self) -> None:
        row = self.current
        if row is None:
            return
        document = self.document(row)
        if document is None:
            self.notify("this instance's text is not in the corpus any more", severity="warning")
            return
        if MODELS.locked():
            self.notify(BUSY, severity="warning", timeout=6)
            return
        setup = PlaySetup(models=self.setup.models, documents=[document], source=self.result.corpus.label,
                          top_k=self.setup.top_k)
        self.app.push_screen(ReplayScreen(setup, start_offset=row.offset))

    def action_explain(self) -> None:
        """The highlighted instance's context coloured by how much each token moves the answer, on this
        result's model (its whole answer as scored, from the span's start)."""
        row = self.current
        if row is None or not row.scored or row.span_start is None:
            self.notify("no scored instance is highlighted", severity="warning")
            return
        document = self.document(row)
        if document is None:
            self.notify("this instance's text is not in the corpus any more", severity="warning")
            return
        before = document.text[row.span_start : row.offset]
        foil = before + row.foil if row.foil else None
        question = Question(document.text[: row.span_start], row.scored_answer or "", foil)
        self.app.push_screen(AttributionScreen([self.result.lm], question))

    def action_back(self) -> None:
        self.dismiss()
