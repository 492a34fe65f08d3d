"""A scoring result's instances, the model's worst first (lowest probability on the heuristic's answer), to
red-team the heuristic; any of them opens in play where it stands."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, Static

from engine.corpus import Document
from games.scoring import CandidateResult
from tui.literal import context_cell, printable, token_shown
from tui.model_lock import BUSY, SCORING
from tui.screens.lmgame_screen import LmgameScreen
from tui.screens.replay import ReplayScreen
from tui.setup import PlaySetup

CONTEXT_CHARS = 40
DETAIL_CHARS = 300


def worst_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """By the model's probability on the heuristic's answer, lowest first; unscored rows (errors) last."""
    return sorted(rows, key=lambda r: (r.get("prob") is None, r.get("prob") or 0.0))


def probability(prob: float | None) -> str:
    """Three decimals, or two significant digits below 0.001, so that the worst instances still sort visibly."""
    if prob is None:
        return "-"
    return f"{prob:.3f}" if prob >= 0.001 else f"{prob:.1e}"


def token(text: str | None, width: int = 14) -> Text:
    """A token (or a predictor's error) for a cell, as it is."""
    return Text("-" if text is None else token_shown(text, width), no_wrap=True)


class InstancesScreen(LmgameScreen[None]):
    HELP_MODE = "instances"  # what F1 explains
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "play", "Play here", id="instances-play"),
        Binding("escape", "back", "Back", id="instances-back"),
    ]

    def __init__(self, setup: PlaySetup, result: CandidateResult) -> None:
        super().__init__()
        self.setup = setup
        self.result = result
        self.rows = worst_first(result.rows)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield DataTable(id="instances", cursor_type="row", zebra_stripes=True)
        yield Static(id="instance-detail")
        yield Footer()

    def on_mount(self) -> None:
        summary = f"{self.result.candidate.name} on {self.result.lm.identity.label}"
        self.title = printable(f"instances · {summary}")
        self.sub_title = f"{len(self.rows)} instance{'s' * (len(self.rows) != 1)}, the model's worst first"
        table = self.query_one("#instances", DataTable)
        table.add_columns("p", "rank", "heur", "context", "text says", "predicted", "model top1", "log p")
        for number, row in enumerate(self.rows):
            prob = row.get("prob")
            mark = Text("✓", "bold green") if row.get("heuristic_right") else Text("✗", "bold red")
            table.add_row(
                probability(prob),
                str(row.get("rank", "-")),
                mark,
                context_cell(row.get("context", ""), CONTEXT_CHARS),
                token(row.get("answer")),
                token(row.get("error") or row.get("predicted"), 24 if row.get("error") else 14),
                token(row.get("model_top1")),
                f"{row['logprob']:.2f}" if row.get("logprob") is not None else "-",
                key=str(number),
            )
        if not self.rows:
            self.query_one("#instance-detail", Static).update("no instances: the finder found nothing here")
        table.focus()
        self._show_detail()

    @property
    def current(self) -> dict[str, Any] | None:
        table = self.query_one("#instances", DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        row = self.current
        if row is None:
            return
        context = row.get("context", "")
        text = Text("…" + printable(context[-DETAIL_CHARS:].replace("\n", "⏎ ")))
        text.append(f"⟨{token_shown(row.get('answer', ''))}⟩", "bold reverse")
        said = printable(row.get("error") or f"the heuristic says {token_shown(row.get('predicted') or '')}")
        text.append(f"\n{said} · the model's top token {token_shown(row.get('model_top1') or '-')} · "
                    f"text {printable(str(row.get('document')))} @ {row.get('offset')}", "dim")
        self.query_one("#instance-detail", Static).update(text)

    def document(self, row: dict[str, Any]) -> Document | None:
        for document in self.result.corpus.documents:
            if document.id == row.get("document") and document.text[: row["offset"]].endswith(row.get("context", "")):
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
        if SCORING.locked():
            self.notify(BUSY, severity="warning", timeout=6)
            return
        setup = PlaySetup(models=self.setup.models, documents=[document], source=self.result.corpus.label,
                          top_k=self.setup.top_k)
        self.app.push_screen(ReplayScreen(setup, start_offset=row["offset"]))

    def action_back(self) -> None:
        self.dismiss()
