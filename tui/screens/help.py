"""The help modal: the keys of the current mode and how a typed guess is read."""

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

GUESS_HELP = """\
[b]Guess mode[/b]: type what you think the next token is, then see what the models predicted.

[b]Keys[/b]
  Enter     reveal: judge your guess and show each model's top predictions
  Ctrl+N    skip 1 token without guessing (the panel shows the text skipped)
  Ctrl+F    skip 10 tokens without guessing
  Ctrl+T    next text
  F1        this help
  Ctrl+Q    quit

[b]How a guess is read[/b]
  ␣cat      a leading space is taken as typed
  +ovsky    "+" glues the guess to the previous word, with no space
  cat       otherwise a word gets its space after a word; punctuation, and anything
            after a space, a newline or an opening bracket, gets none
  "         a straight quote opens with a space, or closes without one
  \\n        a line break
  The line under the input shows the guess as judged and its tokens (␣ space, ⏎ newline).
  You are right when your guess's first token is the true token.

[b]The reveal[/b], per model
  the true token's probability and rank, and your guess's first token's;
  the whole guess's log-probability in nats (teacher-forced over all its tokens);
  the top-k next tokens with bars (◀ true, ◀ you, ◀ both).
  A model whose tokens do not start where the game's do is not judged there.

[b]Score[/b]: your top-1 accuracy beside each model's on the same positions, on this text
  and over the session.

[b]Colours[/b]: each token read so far is coloured by the rank the first model gave it
  (top 1 green, top 10 yellow, top 100 red, beyond purple), as GLTR does.
"""

WHICH_HELP = """\
[b]Which-one mode[/b]: two candidates for the next token, the true one and one drawn
from the model. Say how likely it is that the FIRST is the true next token.

[b]Keys[/b]
  q, w      1%, 5% that the first is the true token
  1 … 9     10% … 90%
  o, p      95%, 99%
  n, Space  skip this token
  Ctrl+T    next text
  F1, ?     this help
  Ctrl+Q    quit

After each answer: the model's odds, and its top-k (--top-k) with the true token marked ◀.

[b]Score[/b]: log loss in bits, yours beside the model's (from its own two probabilities).
Your perplexity is estimated by importance sampling: the other candidate is drawn from
the model, so your odds on it stand in for your whole distribution over next tokens.
Beside it, the model's: the same estimate from its own odds given as the nearest of the
same answers, and its exact perplexity. README gives the estimate's bias.
"""


INTRODUCTIONS = {
    "review": "[b]Review[/b]: your logged guesses, filtered by kind (the model right and you wrong, ...), model,\n"
              "session and true token (typed as a guess: cat finds ␣cat after a word); the Patterns view\n"
              "groups the disagreements and proposes a candidate for each group.",
    "promote": "[b]Promote[/b]: edit the proposed candidate. The finder is a regular expression whose group\n"
               "(?P<answer>...) marks what the model predicts; the predictor and the foil are templates over\n"
               "its groups ({name}, {n|inc}, {phrase|initials}). Matches on the texts update as you type:\n"
               "✓ where the prediction is what the text says. Saving keeps only the examples the saved\n"
               "candidate's own check passes.",
    "workbench": "[b]Candidates workbench[/b]: the library with the last scores per model. Select candidates,\n"
                 "score them (cached, so a re-run is instant), read the results as a table or a plot, and\n"
                 "drill into the instances: the model's worst where the heuristic is right, or all of them.",
    "instances": "[b]Instances[/b] of a result. Where the heuristic is right, the model's worst first: where\n"
                 "the model does not follow a heuristic that holds. Or all of them, the lowest probability on the\n"
                 "heuristic's answer first (its own misses come first there).",
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
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="close-help")]

    def __init__(self, mode: str, bindings: Sequence[BindingType] = ()) -> None:
        super().__init__()
        self.mode = mode
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            if self.mode in ("guess", "which"):
                yield Static(GUESS_HELP if self.mode == "guess" else WHICH_HELP, markup=True)
            else:
                yield Static(keys_help(self.mode, self.bindings), markup=True)
            yield Static("[dim]Esc, F1 or q to close[/dim]", markup=True)

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "help"
