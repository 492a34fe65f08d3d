"""Which-one mode: the two candidate tokens with the answers on offer, and the verdict on the last answer."""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from games.which_mode import ANSWERS, WhichOutcome, WhichQuestion
from tui.literal import token_shown
from tui.widgets.predictions import TOKEN_WIDTH, prob_text

# key -> the probability it gives that the first candidate is the true one: q w 1...9 o p, low to high
ANSWER_KEYS: dict[str, float] = dict(zip(("q", "w", "1", "2", "3", "4", "5", "6", "7", "8", "9", "o", "p"), ANSWERS,
                                         strict=True))
TOP_K_LINES = 2  # the model's top-k takes at most this many lines, so that the screen fits 80x24


def answers_line() -> str:
    """The keys and what each answers, in one line: q 1%  w 5%  1…9 10%…90%  o 95%  p 99%."""
    digits = [key for key in ANSWER_KEYS if key.isdigit()]
    parts = []
    for key, answer in ANSWER_KEYS.items():
        if not key.isdigit():
            parts.append(f"{key} {answer:.0%}")
        elif key == digits[0]:
            parts.append(f"{digits[0]}…{digits[-1]} {answer:.0%}…{ANSWER_KEYS[digits[-1]]:.0%}")
    return "  ".join(parts)


class QuestionCard(Static):
    """The two candidates for the next token, labelled first and second, and the answers on offer."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"question--token"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""

    def on_mount(self) -> None:
        self.border_title = "which comes next?"

    def show(self, question: WhichQuestion | None) -> None:
        if question is None:
            self.say("The text is finished: press Ctrl+T for the next text.")
            return
        token = self.get_component_rich_style("question--token", partial=True)
        text = Text.assemble(
            "first:  ", (f" {token_shown(question.first)} ", token),
            "      second:  ", (f" {token_shown(question.second)} ", token),
            f"\nis the FIRST the true token?  {answers_line()}",
        )
        self.plain = text.plain
        self.update(text)

    def say(self, line: str) -> None:
        self.plain = line
        self.update(Text(line))


class AnswerCard(Widget):
    """Which was true, the model's own odds, both log losses, and the model's top-k for the last question;
    drawn at whatever width the card gets."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"answer--right", "answer--wrong", "answer--true"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.outcome: WhichOutcome | None = None
        self.message = "no answer yet"

    def on_mount(self) -> None:
        self.border_title = "last answer"

    def show(self, outcome: WhichOutcome) -> None:
        self.outcome = outcome
        self.refresh(layout=True)

    def say(self, line: str) -> None:
        self.outcome, self.message = None, line
        self.refresh(layout=True)

    @property
    def plain(self) -> str:
        return self.build(self.content_size.width or 76).plain

    def render(self) -> Text:
        return self.build(self.content_size.width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"answer--{name}", partial=True)

    def build(self, width: int) -> Text:
        outcome = self.outcome
        if outcome is None:
            return Text(self.message)
        q = outcome.question
        true_label, true_token = ("FIRST", q.first) if q.true_is_first else ("SECOND", q.second)
        if outcome.player_first == 0.5:
            verdict = Text("you said even odds")
        elif (outcome.player_first > 0.5) == q.true_is_first:
            verdict = Text("you leaned right ✓", self._style("right"))
        else:
            verdict = Text("you leaned wrong ✗", self._style("wrong"))
        text = Text.assemble(
            f"token {q.position + 1}: the true token was the {true_label} ({token_shown(true_token)})   ", verdict,
            f"\nyou: {outcome.player_first:.0%} first → {outcome.player_bits:.2f} bits      "
            f"model: {outcome.model_first:.1%} first → {outcome.model_bits:.2f} bits",
        )
        for line in self._top_k_lines(outcome, width):
            text.append("\n")
            text.append_text(line)
        return text

    def _top_k_lines(self, outcome: WhichOutcome, width: int) -> list[Text]:
        """The model's top-k, the true token marked, in as many entries as TOP_K_LINES lines of `width` hold; the
        last line keeps room for "+N more" only while entries are left to leave out."""
        view = outcome.question.view
        lines = [Text(f"model's top {len(view.top_k)} (true token: rank {view.true.rank}):")]
        for index, entry in enumerate(view.top_k):
            is_true = entry.id == view.true.id
            cell = Text(f"{token_shown(entry.token, TOKEN_WIDTH)} {prob_text(entry.prob)}{' ◀' if is_true else ''}",
                        self._style("true") if is_true else "")
            after = len(view.top_k) - index - 1
            while not self._fits(lines[-1], cell, width, _more(after) if after and len(lines) == TOP_K_LINES else ""):
                if len(lines) == TOP_K_LINES:
                    lines[-1].append(_more(after + 1))
                    return lines
                lines.append(Text())
            lines[-1].append("  " if lines[-1].plain else "")
            lines[-1].append_text(cell)
        return lines

    @staticmethod
    def _fits(line: Text, cell: Text, width: int, kept: str) -> bool:
        """`cell` fits on `line` with room left for `kept` after it."""
        return len(line) + (2 if line.plain else 0) + len(cell) + len(kept) <= width


def _more(count: int) -> str:
    return f"  +{count} more"
