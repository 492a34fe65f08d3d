"""The reveal: each model's top-k next tokens beside where the true token and the player's guess stand, laid out
to the room each panel has (in columns, and with a "+N more" line, where the terminal is short)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Static

from games.board import Judgement, ModelView
from games.guess_mode import GuessOutcome, ModelOutcome
from tui.literal import literal, token_shown

EIGHTHS = " ▏▎▍▌▋▊▉"
TOKEN_WIDTH = 12
MAX_BAR = 30
MIN_BAR = 2
GUTTER = 2  # cells between two columns of the top-k
ENTRY_MIN = 3 + TOKEN_WIDTH + 9 + MIN_BAR + 7  # rank, token, probability, the shortest bar, "◀ both"


def bar(prob: float, width: int) -> str:
    """A text bar of `width` cells for a probability, in eighths of a cell."""
    eighths = round(max(0.0, min(1.0, prob)) * width * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def prob_text(prob: float) -> str:
    """A probability in 7 characters: a percentage, or scientific notation when it is tiny."""
    return f"{prob:.2%}" if prob >= 0.0001 else f"{prob:.1e}"


def top_k_layout(count: int, width: int, lines: int) -> tuple[int, int, int]:
    """(columns, rows, shown): `count` entries in `lines` lines of `width` cells, in one column while they fit,
    else in as many columns as the width holds; if still not all fit, the last place says "+N more"."""
    lines = max(1, lines)
    if count <= lines:
        return 1, count, count
    columns = min(max(1, (width + GUTTER) // (ENTRY_MIN + GUTTER)), -(-count // lines))
    rows = min(lines, -(-count // columns))
    shown = count if columns * rows >= count else columns * rows - 1
    return columns, rows, shown


def _standing(label: str, judgement: Judgement) -> str:
    return (f"{label:<5} {token_shown(judgement.token, TOKEN_WIDTH):<{TOKEN_WIDTH}} {prob_text(judgement.prob):>7}  "
            f"rank {judgement.rank}")


class PredictionsPanel(Widget):
    """One model at one position; drawn at whatever width the panel gets."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "predictions--true", "predictions--guess", "predictions--bar", "predictions--dim",
    }

    def __init__(self, label: str) -> None:
        super().__init__(classes="predictions")
        self.label = label
        self.outcome: ModelOutcome | None = None
        self.judged = False  # False until a reveal; then outcome None means "no token boundary here"
        self.next_top: list[dict[str, Any]] | None = None  # at the end of the text: what the model predicts next

    def on_mount(self) -> None:
        self.border_title = literal(self.label)

    def show(self, outcome: ModelOutcome | None) -> None:
        self.outcome, self.judged, self.next_top = outcome, True, None
        if outcome is None:
            self.border_subtitle = "not judged here"
        else:
            self.border_subtitle = "model ✓ right" if outcome.model_correct else "model ✗ wrong"
        self.set_class(outcome is not None and outcome.model_correct, "-right")
        self.set_class(outcome is not None and not outcome.model_correct, "-wrong")
        self.refresh(layout=True)

    def show_next(self, top_k: list[dict[str, Any]]) -> None:
        """The end of the text: the model's top-k after its last character, with no truth to judge."""
        self.outcome, self.judged, self.next_top = None, True, top_k
        self.border_subtitle = "after the text"
        self.remove_class("-right", "-wrong")
        self.refresh(layout=True)

    def clear(self) -> None:
        self.outcome, self.judged, self.next_top = None, False, None
        self.border_subtitle = ""
        self.remove_class("-right", "-wrong")
        self.refresh(layout=True)

    @property
    def plain(self) -> str:
        """The text as drawn now (before the first layout: as drawn 40 cells wide, with room for everything)."""
        return self.build(self.content_size.width or 40, self.content_size.height or None).plain

    def render(self) -> Text:
        return self.build(self.content_size.width, self.content_size.height or None)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"predictions--{name}", partial=True)

    def build(self, width: int, height: int | None = None) -> Text:
        """The panel's text for `width` x `height` cells (`height` None: as many lines as it takes)."""
        dim = self._style("dim")
        if not self.judged:
            return Text("predictions appear here after a guess", dim)
        if self.next_top is not None:
            return self._next(width, height)
        outcome = self.outcome
        if outcome is None:
            return Text("no token boundary here: this model's tokens do not start at this position, "
                        "so it is not judged", dim)
        view, first = outcome.view, outcome.guess_first
        text = Text()
        text.append(_standing("true", view.true), self._style("true"))
        if first is None:
            text.append("\nguess (no tokens)", dim)
        else:
            text.append("\n" + _standing("guess", first), self._style("guess"))
            count = len(outcome.guess_tokens)
            logprob = outcome.guess_logprob if outcome.guess_logprob is not None else float("nan")
            text.append(f"\nwhole guess: log p {logprob:.2f} ({count} token{'s' * (count != 1)})", dim)
        room = len(view.top_k) + 1 if height is None else height - len(text.plain.splitlines())
        self._in_columns(text, len(view.top_k), width, room, lambda index, cells: self._entry(
            text, view, first, index, cells), blank_line=True)
        return text

    def _in_columns(self, text: Text, count: int, width: int, room: int, entry: Callable[[int, int], None],
                    blank_line: bool = False) -> None:
        """`count` entries laid out in `room` lines of `width` cells (see top_k_layout), each drawn by
        `entry(index, column width)`; with `blank_line`, a blank line first where there is room for it."""
        columns, rows, shown = top_k_layout(count, width, room)
        if blank_line and rows < room:
            text.append("\n")
        column_width = (width - GUTTER * (columns - 1)) // columns
        for row in range(rows):
            text.append("\n")
            for column in range(columns):
                index = column * rows + row
                if column:
                    text.append(" " * GUTTER)
                if index < shown:
                    entry(index, column_width)
                elif index == shown < count:
                    text.append(f"   +{count - shown} more", self._style("dim"))

    def _next(self, width: int, height: int | None) -> Text:
        """The top-k after the text, in as many columns as the panel needs."""
        top = self.next_top or []
        text = Text("what it predicts after the text's last character:", self._style("dim"))
        if not top:
            text.append("\nnothing: this model has no BOS token and the text is empty", self._style("dim"))
            return text
        room = len(top) if height is None else height - 1

        def entry(index: int, cells: int) -> None:
            bar_width = max(MIN_BAR, min(MAX_BAR, cells - (3 + TOKEN_WIDTH + 9)))
            token = token_shown(top[index]["token"], TOKEN_WIDTH)
            text.append(f"{index + 1:>2} {token:<{TOKEN_WIDTH}} {prob_text(top[index]['prob']):>7} ")
            text.append(f"{bar(top[index]['prob'], bar_width):<{bar_width}}", self._style("bar"))

        self._in_columns(text, len(top), width, room, entry)
        return text

    def _entry(self, text: Text, view: ModelView, first: Judgement | None, index: int, width: int) -> None:
        """One top-k entry, `width` cells wide: rank, token, probability, bar, and whether it is true or yours."""
        entry = view.top_k[index]
        is_true, is_guess = entry.id == view.true.id, first is not None and entry.id == first.id
        style = self._style("true") if is_true else self._style("guess") if is_guess else Style()
        mark = "◀ both" if is_true and is_guess else "◀ true" if is_true else "◀ you" if is_guess else ""
        bar_width = max(MIN_BAR, min(MAX_BAR, width - (3 + TOKEN_WIDTH + 9 + 7)))
        token = token_shown(entry.token, TOKEN_WIDTH)
        text.append(f"{index + 1:>2} {token:<{TOKEN_WIDTH}} {prob_text(entry.prob):>7} ", style)
        text.append(f"{bar(entry.prob, bar_width):<{bar_width}}", self._style("bar"))
        text.append(f" {mark:<6}", style)


class RevealArea(Vertical):
    """The verdict on the last guess and one predictions panel per model, side by side."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"reveal--right", "reveal--wrong"}

    def __init__(self, labels: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = labels
        self.plain_verdict = ""

    def compose(self) -> ComposeResult:
        yield Static("Type your guess for the next token and press Enter.", id="verdict")
        with Horizontal(id="panels"):
            for label in self.labels:
                yield PredictionsPanel(label)

    @property
    def panels(self) -> list[PredictionsPanel]:
        return list(self.query(PredictionsPanel))

    def show(self, outcome: GuessOutcome) -> None:
        verdict = Text(f"token {outcome.position + 1}: you guessed {token_shown(outcome.guess)} → ")
        if outcome.player_correct:
            verdict.append("right ✓", self.get_component_rich_style("reveal--right", partial=True))
        else:
            verdict.append("wrong ✗", self.get_component_rich_style("reveal--wrong", partial=True))
        verdict.append(f"   the true token was {token_shown(outcome.true_text)}")
        self.plain_verdict = verdict.plain
        self.query_one("#verdict", Static).update(verdict)
        for panel, model in zip(self.panels, outcome.models, strict=True):
            panel.show(model)

    def show_next(self, message: str, top_lists: list[list[dict[str, Any]]]) -> None:
        """The end of the text: each model's top-k after it."""
        self.plain_verdict = message
        self.query_one("#verdict", Static).update(Text(message))
        for panel, top_k in zip(self.panels, top_lists, strict=True):
            panel.show_next(top_k)

    def clear(self, message: str | Text) -> None:
        self.plain_verdict = str(message)
        self.query_one("#verdict", Static).update(Text(message) if isinstance(message, str) else message)
        for panel in self.panels:
            panel.clear()
