"""The help modal: a game mode's own help (its screen's HELP), or a screen's introduction and its keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens.lmgame_screen import LmgameScreen
from tui.screens.modes import GAME_SCREENS

INTRODUCTIONS = {
    "review": "[b]Review[/b]: your logged guesses, filtered by kind (the model right and you wrong, ...), model,\n"
              "session and true token (typed as a guess: cat finds ␣cat after a word); the Patterns view\n"
              "groups the disagreements and proposes a candidate for each group.",
    "promote": "[b]Promote[/b]: edit the proposed candidate. The finder is a regular expression whose group\n"
               "(?P<answer>...) marks what the model predicts; the predictor and the foil are templates over\n"
               "its groups ({name}, {n|inc}, {phrase|initials}). Matches on the texts update as you type:\n"
               "✓ where the prediction is what the text says. Saving keeps only the examples the saved\n"
               "candidate's own check passes.",
    "workbench": "[b]Candidates workbench[/b]: the library with the last scores per model (on this corpus and\n"
                 "these models). Select candidates, score them (cached, so a re-run is instant), read the results\n"
                 "as a table or a plot, and drill into the instances: the model's worst where the heuristic is\n"
                 "right, or all of them. With several models, d opens those of the model of the cursor's column.",
    "instances": "[b]Instances[/b] of a result. Where the heuristic is right, the model's worst first: where\n"
                 "the model does not follow a heuristic that holds. Or all of them, the lowest probability on the\n"
                 "heuristic's answer first (its own misses come first there).",
    "red-team": "[b]Red-team[/b] a position: edit the context before it (swap two names, delete an earlier\n"
                "occurrence, change a pronoun) and read it with every model. Each edit is listed beside the\n"
                "original: where the original next token and the heuristic's answer stand before and after,\n"
                "and both top lists. Every edit is logged (lmgame log export --edits).",
    "attribution": "[b]Which context drives a prediction[/b]: each context token deleted in turn (occlusion), per\n"
                   "model; green where the answer rests on the token, red where it works against it; the\n"
                   "tokens that move it most, and the heads that attend most from the predicting position to\n"
                   "the first of them.",
    "scan": "[b]Scan[/b]: the text coloured by the rank each model gave its tokens (or by two models'\n"
            "log-probability difference), the groups of confident-correct positions no candidate explains,\n"
            "and each model's top predictions at the selected token.",
}


def keys_help(mode: str, bindings: Sequence[BindingType]) -> str:
    """A screen's introduction and its keys, read from its bindings so that the help stays true: those the
    footer leaves out for room too, each with its longer wording where the footer shows a short one."""
    lines = [INTRODUCTIONS.get(mode, ""), "", "[b]Keys[/b]"]
    for binding in bindings:
        if isinstance(binding, Binding) and binding.description:
            keys = ", ".join(_key_name(k) for k in binding.key.split(","))
            lines.append(f"  {escape(keys):<14}{escape(binding.tooltip or binding.description)}")
    lines += ["  F1            this help", "  Ctrl+Q        quit"]
    return "\n".join(lines)


def _key_name(key: str) -> str:
    key = key.strip()
    names = {"escape": "Esc", "space": "Space", "enter": "Enter", "pageup": "PgUp", "pagedown": "PgDn",
             "left_square_bracket": "[", "right_square_bracket": "]",
             "left": "←", "right": "→"}
    if key in names:
        return names[key]
    if key.startswith("ctrl+"):
        return "Ctrl+" + key[5:].upper()
    return key.upper() if key.startswith("f") and key[1:].isdigit() else key


class HelpScreen(LmgameScreen[None], ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="close-help"),
    ]

    def __init__(self, mode: str, bindings: Sequence[BindingType] = ()) -> None:
        super().__init__()
        self.mode = mode
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.mode in GAME_SCREENS:
                yield Static(GAME_SCREENS[self.mode].HELP, markup=True)
            else:
                yield Static(keys_help(self.mode, self.bindings), markup=True)
            yield Static("[dim]Esc, F1 or q to close[/dim]", markup=True)

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "help"
