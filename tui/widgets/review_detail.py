"""The review screen's detail pane: the end of a guess's context with the true token marked, and what each
model had at the top of its list there."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from games.numbers import probability
from games.review import ReviewRow
from tui.literal import pictured, token_shown

CONTEXT_CHARS = 240
TOP_SHOWN = 6


def context_text(row: ReviewRow, chars: int = CONTEXT_CHARS) -> Text:
    """`…end of the context⟨true token⟩` and the guess with its verdict."""
    tail = row.context[-chars:]
    text = Text("…" if len(row.context) > chars else "")
    text.append(pictured(tail.replace("\n", "⏎ ")))
    text.append(f"⟨{token_shown(row.true_token)}⟩", "bold reverse")
    mark = "✓" if row.player_correct else "✗"
    text.append(f"\n\nyou guessed {token_shown(row.guess)} {mark}", "bold green" if row.player_correct else "bold red")
    where = f"   text {row.text_id} @ {row.offset} · session {row.session} ({row.source or '?'})"
    text.append(pictured(where), "dim")
    return text


def top_k_table(row: ReviewRow, most: int = TOP_SHOWN) -> RenderableType:
    """One column per model: its logged top tokens with probabilities, the true token highlighted."""
    if not row.models:
        return Text("no model was judged at this guess", "dim")
    table = Table(box=None, padding=(0, 1), show_edge=False)
    for verdict in row.models:
        rank = f"true rank {verdict.true_rank}" if verdict.true_rank is not None else "true rank ?"
        name = pictured(str(verdict.identity.get("name", verdict.label)))[:16]
        table.add_column(Text.assemble((name, "bold"), f"\n{rank}"),
                         no_wrap=True)
    for i in range(most):
        cells: list[Text] = []
        for verdict in row.models:
            if i >= len(verdict.top_k):
                cells.append(Text(""))
                continue
            entry = verdict.top_k[i]
            token = token_shown(str(entry.get("token", "")))
            style = "bold green" if entry.get("token") == row.true_token else ""
            prob = float(entry.get("prob", 0.0))
            shown = f"{prob:6.1%}" if prob >= 0.001 else " <0.1%"
            cells.append(Text(f"{token[:12]:<12} {shown}", style))
        table.add_row(*cells)
    return table


class ReviewDetail(Static):
    """Context on the left half, top-k on the right; `plain` keeps the text for tests."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""

    def show(self, row: ReviewRow | None) -> None:
        if row is None:
            self.plain = ""
            self.update("")
            return
        grid = Table.grid(expand=True, padding=(0, 2))
        grid.add_column(ratio=3)
        grid.add_column(ratio=2, no_wrap=True)
        context = context_text(row)
        grid.add_row(context, top_k_table(row))
        self.plain = context.plain + "\n" + "\n".join(
            f"{v.label}: " + ", ".join(f"{token_shown(str(e.get('token', '')))} "
                                       f"{probability(float(e.get('prob', 0.0)))}"
                                       for e in v.top_k) for v in row.models)
        self.update(grid)
