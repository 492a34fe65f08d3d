"""Scoreboards: the player against each model on the same positions."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from games.guess_mode import Tally
from games.which_mode import WhichGame

PERPLEXITY_NOTE = "≈ is estimated from the odds given against tokens drawn from the model"


class GuessScoreboard(Static):
    """Top-1 accuracy: the player against each model, counted where that model was judged, on this text and
    over the session."""

    def __init__(self, labels: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = labels
        self.plain = ""

    def on_mount(self) -> None:
        self.border_title = "score: top-1 accuracy on the same positions"
        self.show([Tally() for _ in self.labels], [Tally() for _ in self.labels])

    def show(self, text: list[Tally], session: list[Tally]) -> None:
        lines = []
        for label, on_text, on_session in zip(self.labels, text, session, strict=True):
            lines.append(f"this text  {_versus(label, on_text)}")
            lines.append(f"session    {_versus(label, on_session)}")
        self.plain = "\n".join(lines)
        self.update(Text(self.plain))


def _versus(label: str, tally: Tally) -> str:
    n = tally.positions
    return (f"you {tally.player_correct}/{n} ({tally.player_accuracy:.0%})  vs  "
            f"{label} {tally.model_correct}/{n} ({tally.model_accuracy:.0%})")


class WhichScoreboard(Static):
    """Mean log loss in bits and perplexity: the player's estimate beside the model's own."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.plain = ""

    def on_mount(self) -> None:
        self.border_title = "score"
        self.show(None)

    def show(self, game: WhichGame | None) -> None:
        if game is None or game.answered == 0:
            lines = ["no answers yet", PERPLEXITY_NOTE]
        else:
            n = game.answered
            lines = [
                (f"{n} answer{'s' * (n != 1)}   mean log loss: you {game.player_mean_bits():.2f} bits   "
                 f"model {game.model_mean_bits():.2f} bits"),
                (f"perplexity: you ≈ {game.player_perplexity():.1f}   model ≈ {game.model_answer_perplexity():.1f} "
                 f"with the same answers ({game.model_perplexity():.1f} exact)"),
                PERPLEXITY_NOTE,
            ]
        self.plain = "\n".join(lines)
        self.update(Text(self.plain))
