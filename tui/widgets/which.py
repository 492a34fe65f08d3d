"""Which-one mode: the two candidate tokens with the answers on offer, and the verdict on the last answer."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.widgets import Static

from engine.tokens import visible
from games.which_mode import ANSWERS, WhichOutcome, WhichQuestion

# key -> the probability it gives that the first candidate is the true one: q w 1...9 o p, low to high
ANSWER_KEYS: dict[str, float] = dict(zip(("q", "w", "1", "2", "3", "4", "5", "6", "7", "8", "9", "o", "p"), ANSWERS))


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
            "first:  ", (f" {visible(question.first)} ", token),
            "      second:  ", (f" {visible(question.second)} ", token),
            f"\nis the FIRST the true token?  {answers_line()}",
        )
        self.plain = text.plain
        self.update(text)

    def say(self, line: str) -> None:
        self.plain = line
        self.update(Text(line))


class AnswerCard(Static):
    """Which was true, the model's own odds, and both log losses for the last question."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"answer--right", "answer--wrong"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""

    def on_mount(self) -> None:
        self.border_title = "last answer"
        self.say("no answer yet")

    def show(self, outcome: WhichOutcome) -> None:
        q = outcome.question
        true_label, true_token = ("FIRST", q.first) if q.true_is_first else ("SECOND", q.second)
        right = (outcome.player_first > 0.5) == q.true_is_first
        verdict = ("you leaned right ✓", "answer--right") if right else ("you leaned wrong ✗", "answer--wrong")
        if outcome.player_first == 0.5:
            verdict = ("you said even odds", "")
        text = Text.assemble(
            f"token {q.position + 1}: the true token was the {true_label} ({visible(true_token)})   ",
            (verdict[0], self.get_component_rich_style(verdict[1], partial=True) if verdict[1] else ""),
            f"\nyou: {outcome.player_first:.0%} first → {outcome.player_bits:.2f} bits      "
            f"model: {outcome.model_first:.1%} first → {outcome.model_bits:.2f} bits"
            f"      (model's rank of the true token: {q.view.true.rank})",
        )
        self.plain = text.plain
        self.update(text)

    def say(self, line: str) -> None:
        self.plain = line
        self.update(Text(line))
