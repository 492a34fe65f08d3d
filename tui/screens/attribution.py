"""Which context drives a prediction: the context coloured by occlusion (how much the answer's log-probability
drops when a token is deleted), per model, with the heads that attend most from the predicting position to the
token that matters most. Opened from a reveal in play (Ctrl+O) and from an instance in the workbench (x)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Footer, Header, Static
from textual.worker import Worker

from engine.models import LoadedModel
from games.explain import Explanation, explanation
from tui.literal import literal, pictured, token_shown
from tui.model_lock import MODELS
from tui.screens.lmgame_screen import LmgameScreen

SHOWN_TOKENS = 160  # of the context, the last ones coloured
CONTEXT_CHARS = 800  # of a longer context, the last ones explained (at a space): a bounded number of ablations,
# and a context that fits every model's window
TOP_TOKENS = 5
TOP_HEADS = 5
HELPS, HURTS = (40, 160, 60), (190, 50, 50)  # background colours: deleting the token lowers / raises the answer


@dataclass(frozen=True)
class Question:
    text: str  # the context
    answer: str  # as it follows the context
    foil: str | None = None


@dataclass
class Explained(Message):
    explanations: list[tuple[Explanation, Explanation]]  # per model: occlusion, attention


def coloured(result: Explanation, most: int = SHOWN_TOKENS) -> Text:
    """The last `most` context tokens, each on a background as strong as its score is large: green where
    deleting it lowers the measure (the token supports the answer), red where it raises it."""
    tokens = result["tokens"][-most:]
    largest = max((abs(t["score"]) for t in tokens), default=0.0) or 1.0
    text = Text("…" if len(result["tokens"]) > most else "")
    for token in tokens:
        strength = min(1.0, abs(token["score"]) / largest)
        red, green, blue = HELPS if token["score"] >= 0 else HURTS
        background = f"rgb({int(red * strength)},{int(green * strength)},{int(blue * strength)})"
        text.append(pictured(token["token"]), Style.parse(f"on {background}") if strength > 0.05 else Style())
    text.append(pictured(result["scored_answer"]), "bold reverse")
    return text


def summary_lines(occluded: Explanation, attended: Explanation) -> list[str]:
    """The tokens that move the answer most, and the heads that attend most to the first of them."""
    ranked = sorted(occluded["tokens"], key=lambda t: -abs(t["score"]))[:TOP_TOKENS]
    unit = "logit diff" if occluded["measure"] == "logit_diff" else "nats"
    lines = [f"{occluded['measure']} {occluded['value']:.2f}; deleting a token changes it by (in {unit}):",
             "  " + ", ".join(f"{token_shown(t['token'])} #{t['index']} {-t['score']:+.2f}" for t in ranked)]
    if ranked:
        top = ranked[0]["index"]
        weights = attended["tokens"][top]["weights"] or []
        heads = sorted(((w, layer, head) for layer, row in enumerate(weights) for head, w in enumerate(row)),
                       reverse=True)[:TOP_HEADS]
        lines.append(f"heads attending most from the predicting position to {token_shown(ranked[0]['token'])} "
                     f"#{top}: " + ", ".join(f"{layer}.{head} {w:.2f}" for w, layer, head in heads))
    return lines


def shortened(question: Question, most: int = CONTEXT_CHARS) -> Question:
    """The question with at most `most` characters of context, cut after a space (the end of the context is what
    an answer rests on most; the rest would cost an ablation a token and may not fit a model's window)."""
    if len(question.text) <= most:
        return question
    cut = question.text.find(" ", len(question.text) - most)
    start = cut + 1 if 0 <= cut < len(question.text) - 1 else len(question.text) - most
    return Question(question.text[start:], question.answer, question.foil)


class AttributionScreen(LmgameScreen[None]):
    HELP_MODE = "attribution"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back", id="attribution-back")]

    def __init__(self, models: list[LoadedModel], question: Question) -> None:
        super().__init__()
        self.models = models
        self.question = shortened(question)
        self.explanations: list[tuple[Explanation, Explanation]] = []

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with VerticalScroll(id="attribution"):
            yield Static("deleting each context token in turn, with every model…", id="attribution-text")
        yield Footer()

    def on_mount(self) -> None:
        self.title = pictured(f"which context drives {token_shown(self.question.answer)}")
        self.sub_title = "green: the answer rests on it · red: it works against it · Esc back"
        self._explain()

    @work(thread=True, exclusive=True, group="explain", exit_on_error=False)
    def _explain(self) -> None:
        found = []
        with MODELS:
            for lm in self.models:
                question = self.question
                found.append((explanation(lm, question.text, question.answer, question.foil, "occlusion"),
                              explanation(lm, question.text, question.answer, question.foil, "attention")))
        self.post_message(Explained(found))

    def on_explained(self, message: Explained) -> None:
        self.explanations = message.explanations
        text = Text()
        for number, (occluded, attended) in enumerate(message.explanations):
            if number:
                text.append("\n\n")
            text.append(pictured(self.models[number].identity.label), "bold underline")
            text.append("\n")
            text.append_text(coloured(occluded))
            for line in summary_lines(occluded, attended):
                text.append("\n" + pictured(line))
        self.query_one("#attribution-text", Static).update(text)

    def work_failed(self, worker: Worker[Any], error: str) -> None:
        self.query_one("#attribution-text", Static).update(literal(f"could not explain it: {error}", "bold red"))

    def action_back(self) -> None:
        self.dismiss()
