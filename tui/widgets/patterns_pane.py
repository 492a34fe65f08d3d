"""The review screen's patterns: the groups mined from the disagreements, and the selected group's proposed
rule and guesses."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from games.patterns import PatternGroup
from games.review import ReviewRow
from tui.literal import cell, context_cell, literal, pictured

NO_PATTERNS = ("No pattern yet: a pattern is at least two disagreements (you or the model wrong) that share a "
               "feature. Play more, or widen the filters.")
CONTEXT_CHARS = 40


def proposal_text(group: PatternGroup) -> Text:
    if group.proposal is None:
        return literal(f"{group.feature}: no rule proposed; m promotes its first guess", "dim")
    p = group.proposal
    return Text.assemble(("finder ", "dim"), pictured(p.finder), ("\npredicts ", "dim"), pictured(p.predictor),
                         ("   foil ", "dim"), pictured(p.foil or "-"), ("   m to promote", "dim italic"))


class PatternsPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.groups: list[PatternGroup] = []

    def compose(self) -> ComposeResult:
        yield Static("", id="patterns-message")
        with Horizontal(id="patterns-body"):
            yield DataTable(id="pattern-table", cursor_type="row")
            with Vertical(id="pattern-side"):
                yield Static(id="pattern-proposal")
                yield DataTable(id="pattern-rows", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#pattern-table", DataTable).add_columns("pattern")
        self.query_one("#pattern-rows", DataTable).add_columns("context", "true", "guess")

    def show(self, groups: list[PatternGroup], error: str | None = None) -> None:
        self.groups = groups
        table = self.query_one("#pattern-table", DataTable)
        table.clear()
        for number, group in enumerate(groups):
            table.add_row(literal(group.title), key=str(number))
        text = error or ("" if groups else NO_PATTERNS)
        note = self.query_one("#patterns-message", Static)
        note.update(literal(text))
        note.display = bool(text)
        self.query_one("#patterns-body").display = bool(groups)
        self._show_group()

    @property
    def current_group(self) -> PatternGroup | None:
        table = self.query_one("#pattern-table", DataTable)
        if not self.groups or not 0 <= table.cursor_row < len(self.groups):
            return None
        return self.groups[table.cursor_row]

    @property
    def example_focused(self) -> bool:
        """Whether the player is on one of the group's guesses rather than on the group."""
        return self.screen.focused is self.query_one("#pattern-rows", DataTable)

    def selected_row(self) -> ReviewRow | None:
        """The highlighted guess of the group where the guesses have the focus, else its first."""
        group = self.current_group
        if group is None:
            return None
        index = self.query_one("#pattern-rows", DataTable).cursor_row if self.example_focused else 0
        return group.rows[index] if 0 <= index < len(group.rows) else None

    def focus_groups(self) -> None:
        self.query_one("#pattern-table", DataTable).focus()

    @on(DataTable.RowHighlighted, "#pattern-table")
    def _show_group(self) -> None:
        group = self.current_group
        proposal = self.query_one("#pattern-proposal", Static)
        rows = self.query_one("#pattern-rows", DataTable)
        rows.clear()
        proposal.update(proposal_text(group) if group is not None else "")
        for row in group.rows if group is not None else []:
            rows.add_row(context_cell(row.context, CONTEXT_CHARS), cell(row.true_token), cell(row.guess),
                         key=str(row.id))
