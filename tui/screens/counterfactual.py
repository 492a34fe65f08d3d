"""Red-team a position: edit the context before it and see each model's reading beside the original's (top-k,
the original next token and the heuristic's answer, before and after). Every edit stays listed as one of the
position's variants and is logged; Esc goes back to the game where it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static, TextArea
from textual.worker import Worker

from engine.corpus import Document
from games.candidates import Candidate
from games.counterfactual import Reading, Variant, change, edit_summary, heuristic_at, percent, read
from games.library import load_library
from games.log import EditRecord
from tui.literal import literal, pictured, token_shown
from tui.model_lock import MODELS
from tui.screens.lmgame_screen import LmgameScreen
from tui.setup import PlaySetup

TOP_SHOWN = 5  # of each model's top-k, the first ones beside the original's
EDIT_SHOWN = 20  # characters of an edit's before and after in the list


@dataclass
class VariantRead(Message):
    variant: Variant


@dataclass(frozen=True)
class Position:
    """Where the red-team starts: a text, the offset of its next token, the context before it and that token."""

    document: Document
    offset: int
    context: str
    true_text: str


class CounterfactualScreen(LmgameScreen[None]):
    HELP_MODE = "red-team"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "read_edit", "Read the edit", id="red-team-read"),
        Binding("escape", "back", "Back to the game", id="red-team-back"),
    ]

    def __init__(self, setup: PlaySetup, position: Position, log_edit: Callable[[EditRecord], None] | None,
                 session: str = "") -> None:
        super().__init__()
        self.setup = setup
        self.position = position
        self.log_edit = log_edit
        self.session = session
        self.variants: list[Variant] = []
        self.busy = False
        self.candidates: list[Candidate] | None = None  # the library, loaded once by the first read

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static(id="red-team-status")
        yield TextArea(self.position.context, soft_wrap=True, id="red-team-editor")
        yield DataTable(id="red-team-variants", cursor_type="row", zebra_stripes=True)
        yield Static(id="red-team-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.title = "red-team · edit the context, Ctrl+R reads it with every model"
        self.sub_title = pictured(f"{self.position.document.title or self.position.document.id} @ "
                                  f"{self.position.offset} · next: {token_shown(self.position.true_text)}")
        editor = self.query_one(TextArea)
        editor.move_cursor(editor.document.end)
        editor.focus()
        self._say("reading the original…")
        self.busy = True
        self._read(self.position.context, 0)

    @property
    def original(self) -> Variant | None:
        return self.variants[0] if self.variants else None

    def action_read_edit(self) -> None:
        if self.busy:
            return
        edited = self.query_one(TextArea).text
        if self.original is not None and edited == self.original.context:
            self._say("the context is as it was: edit it first (swap two names, delete an earlier occurrence)")
            return
        same = next((v for v in self.variants if v.context == edited), None)
        if same is not None:
            self.query_one(DataTable).move_cursor(row=same.number, animate=False)
            self._say(f"this edit is variant {same.number} already: edit it further to read another")
            return
        self.busy = True
        self._say(f"reading edit {len(self.variants)}…")
        self._read(edited, len(self.variants))

    @work(thread=True, exclusive=True, group="model", exit_on_error=False)
    def _read(self, context: str, number: int) -> None:
        rest = self.position.document.text[self.position.offset :]
        if self.candidates is None:
            self.candidates = list(load_library().candidates.values())
        with MODELS:
            heuristic = heuristic_at(self.candidates, context, rest, len(self.position.true_text))
            variant = read(self.setup.models, number, context, self.position.true_text, heuristic,
                           self.setup.top_k)
        self.post_message(VariantRead(variant))

    def on_variant_read(self, message: VariantRead) -> None:
        self.busy = False
        variant = message.variant
        self.variants.append(variant)
        if variant.number and self.log_edit is not None and self.original is not None:
            self.log_edit(EditRecord(
                session=self.session, text_id=self.position.document.id, offset=self.position.offset,
                context=self.position.context, edited_context=variant.context, true_token=self.position.true_text,
                readings={"original": self.original.as_json(), "edited": variant.as_json()}))
        self._fill_table()
        table = self.query_one(DataTable)
        table.move_cursor(row=len(self.variants) - 1, animate=False)
        self._show(variant)
        self._say(f"{len(self.variants) - 1} edit{'s' * (len(self.variants) != 2)} read · edit again and Ctrl+R,"
                  " ↑↓ in the list shows a variant, Esc goes back")

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        self.busy = False
        self._say(f"could not read it: {error}", error=True)

    def _say(self, line: str, error: bool = False) -> None:
        self.query_one("#red-team-status", Static).update(literal(line, "bold red" if error else "dim"))

    def _fill_table(self) -> None:
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_column("#", key="number")
        table.add_column("edit", key="edit")
        for number, lm in enumerate(self.setup.models):
            name = lm.identity.name[:14]
            table.add_column(f"{name}: next", key=f"true-{number}")
            table.add_column(f"{name}: heuristic", key=f"heuristic-{number}")
        original = self.original
        for variant in self.variants:
            summary = ("original" if original is None or variant is original
                       else edit_summary(original.context, variant.context, EDIT_SHOWN))
            cells: list[str | Text] = [str(variant.number), literal(summary)]
            for reading in variant.readings:
                cells.append(_figure(reading.true))
                cells.append(_figure(reading.heuristic))
            table.add_row(*cells, key=str(variant.number))

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and event.row_key.value.isdigit():
            number = int(event.row_key.value)
            if number < len(self.variants):
                self._show(self.variants[number])

    def _show(self, variant: Variant) -> None:
        """Each model on this variant beside the original: what changed, and both top lists."""
        original = self.original
        lines: list[tuple[str, str]] = []  # (line, style): each shown literally
        if variant.heuristic is not None:
            lines.append((f"heuristic {variant.heuristic.candidate}: {token_shown(variant.heuristic.answer)}", "bold"))
        else:
            lines.append(("no candidate applies here", "dim"))
        if original is not None and variant is not original and original.heuristic != variant.heuristic:
            was = "none" if original.heuristic is None else token_shown(original.heuristic.answer)
            lines.append((f"  (on the original: {was})", "dim"))
        for number, reading in enumerate(variant.readings):
            before = original.readings[number] if original is not None else reading
            lines.append((reading.label, "bold"))
            lines.append((f"  next {token_shown(self.position.true_text)}: {change(before.true, reading.true)}", ""))
            if reading.heuristic is not None or before.heuristic is not None:
                lines.append((f"  heuristic: {change(before.heuristic, reading.heuristic)}", ""))
            lines += [("  " + _top(before, "original"), ""), ("  " + _top(reading, "this"), "")]
        text = Text()
        for number, (line, style) in enumerate(lines):
            text.append(("\n" if number else "") + pictured(line), style)
        self.query_one("#red-team-detail", Static).update(text)

    def action_back(self) -> None:
        self.dismiss()


def _figure(standing: Any) -> str:
    return "-" if standing is None else f"{percent(standing.prob)} r{standing.rank}"


def _top(reading: Reading, label: str) -> str:
    entries = ", ".join(f"{token_shown(e['token'])} {e['prob']:.0%}" for e in reading.top_k[:TOP_SHOWN])
    return pictured(f"{label:<8} {entries or '-'}")
