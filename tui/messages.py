"""Typed messages that workers post to their screen: the only way model results reach the UI thread."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.message import Message

from engine.corpus import Document
from games.candidates import Candidate
from games.guess_mode import GuessGame, GuessOutcome
from games.modes import Game
from games.patterns import PatternGroup, Proposal
from games.review import ReviewRow
from games.scoring import CandidateResult
from games.which_mode import WhichGame, WhichOutcome, WhichQuestion
from tui.preview_matches import Preview


class TextLoaded(Message):
    """A text is laid out on a board and its game is ready (which mode: with its first question)."""

    def __init__(self, game: Game[Any], index: int, question: WhichQuestion | None = None) -> None:
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

    def __init__(self, game: Game[Any], count: int, question: WhichQuestion | None = None) -> None:
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


@dataclass
class PreviewShown(Message):
    """Guess mode: the guess as typed (`raw`), as it will be judged, and its tokens in the first model's."""

    game: GuessGame
    raw: str
    guess: str
    tokens: list[str]


class WorkFailed(Message):
    """A model call raised: the screen says so and stays usable."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


# the review screen, the promote editor and the candidates workbench


class ReviewLoaded(Message):
    """The guess log has been read (every guess-mode guess, oldest first)."""

    def __init__(self, rows: list[ReviewRow], error: str | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.error = error


class PatternsMined(Message):
    """The disagreements among the shown guesses, grouped."""

    def __init__(self, groups: list[PatternGroup], error: str | None = None) -> None:
        super().__init__()
        self.groups = groups
        self.error = error


class PlayReady(Message):
    """A text to open in play, at the token holding `offset`."""

    def __init__(self, document: Document, offset: int, source: str) -> None:
        super().__init__()
        self.document = document
        self.offset = offset
        self.source = source


class CorpusReady(Message):
    """The texts the promote editor previews and quick-scores on."""

    def __init__(self, documents: list[Document], label: str) -> None:
        super().__init__()
        self.documents = documents
        self.label = label


class PreviewReady(Message):
    """A proposal's matches on the corpus, or the one-line reason it is not a valid candidate."""

    def __init__(self, preview: Preview | None, error: str | None = None) -> None:
        super().__init__()
        self.preview = preview
        self.error = error


class QuickScored(Message):
    """A quick score on a sample: one summary per model, or why there is none."""

    def __init__(self, summaries: list[dict[str, Any]], error: str | None = None) -> None:
        super().__init__()
        self.summaries = summaries
        self.error = error


class CandidateSaved(Message):
    """The promote editor's save: the proposal as saved (its examples checked) and where, or why not."""

    def __init__(self, proposal: Proposal | None, path: Path | None, error: str | None = None) -> None:
        super().__init__()
        self.proposal = proposal
        self.path = path
        self.error = error


class ScoreProgress(Message):
    """A scoring run's progress, as `games.scoring` reports it; `run` tells one run from another."""

    def __init__(self, run: object, stage: str, done: int, total: int) -> None:
        super().__init__()
        self.run = run
        self.stage = stage
        self.done = done
        self.total = total


class ScoringFinished(Message):
    """A scoring run ended: its results with their summaries, or cancelled, or failed with a one-line error."""

    def __init__(self, run: object, results: list[CandidateResult], summaries: list[dict[str, Any]],
                 cancelled: bool = False, error: str | None = None) -> None:
        super().__init__()
        self.run = run
        self.results = results
        self.summaries = summaries
        self.cancelled = cancelled
        self.error = error


class LibraryLoaded(Message):
    """The candidate library, with the last scores of each candidate per model."""

    def __init__(self, candidates: list[Candidate], warnings: list[str],
                 scores: dict[tuple[str, str], dict[str, Any]], error: str | None = None) -> None:
        super().__init__()
        self.candidates = candidates
        self.warnings = warnings
        self.scores = scores
        self.error = error
