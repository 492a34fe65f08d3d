"""Typed messages that workers post to their screen: the only way model results reach the UI thread."""

from __future__ import annotations

from textual.message import Message

from games.guess_mode import GuessGame, GuessOutcome
from games.which_mode import WhichGame, WhichOutcome, WhichQuestion


class TextLoaded(Message):
    """A text is laid out on a board and its game is ready (which mode: with its first question)."""

    def __init__(self, game: GuessGame | WhichGame, index: int, question: WhichQuestion | None = None) -> None:
        super().__init__()
        self.game = game
        self.index = index
        self.question = question


class Revealed(Message):
    """Guess mode: a guess has been judged by every model."""

    def __init__(self, game: GuessGame, outcome: GuessOutcome) -> None:
        super().__init__()
        self.game = game
        self.outcome = outcome


class Skipped(Message):
    """Tokens were passed over without a guess (which mode: with the next question, if any)."""

    def __init__(self, game: GuessGame | WhichGame, count: int, question: WhichQuestion | None = None) -> None:
        super().__init__()
        self.game = game
        self.count = count
        self.question = question


class Answered(Message):
    """Which mode: an answer has been scored; `question` is the next one (None at the end of the text)."""

    def __init__(self, game: WhichGame, outcome: WhichOutcome, question: WhichQuestion | None) -> None:
        super().__init__()
        self.game = game
        self.outcome = outcome
        self.question = question


class WorkFailed(Message):
    """A model call raised: the screen says so and stays usable."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error
