"""The help modal: the keys of the current mode and how a typed guess is read."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GUESS_HELP = """\
[b]Guess mode[/b]: type what you think the next token is, then see what the models predicted.

[b]Keys[/b]
  Enter     reveal: judge your guess and show each model's top predictions
  Ctrl+N    skip 1 token without guessing
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

[b]Colours[/b]: each token read so far is coloured by the rank the first model gave it
  (top 1 green, top 10 yellow, top 100 red, beyond purple), as GLTR does.
"""

WHICH_HELP = """\
[b]Which-one mode[/b]: two candidates for the next token, the true one and one drawn
from the model. Say how likely it is that the FIRST is the true next token.

[b]Keys[/b]
  1 … 9     10% … 90% that the first is the true token
  n, Space  skip this token
  Ctrl+T    next text
  F1, ?     this help
  Ctrl+Q    quit

[b]Score[/b]: log loss in bits, yours beside the model's (from its own two probabilities).
Your perplexity is estimated by importance sampling: the other candidate is drawn from
the model, so your odds on it stand in for your whole distribution over next tokens.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="close-help")]

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(GUESS_HELP if self.mode == "guess" else WHICH_HELP, markup=True)
            yield Static("[dim]Esc, F1 or q to close[/dim]", markup=True)

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "help"
