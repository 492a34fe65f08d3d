"""Typed messages that workers post to their screen: the only way model results reach the UI thread (a worker's
failure reaches it as its Worker.StateChanged, see LmgameScreen.on_worker_state_changed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.message import Message

from engine.corpus import Document
from games.candidates import Candidate
from games.guess_mode import GuessGame, GuessOutcome
from games.modes import Game
from games.patterns import PatternGroup, Proposal
from games.preview_matches import Preview
from games.results import Comparison, ScoreSummary
from games.review import ReviewRow
from games.scoring import CandidateResult
from games.which_mode import WhichGame, WhichOutcome, WhichQuestion


@dataclass
class TextLoaded(Message):
    """A text is laid out on a board and its game is ready (which mode: with its first question)."""

    game: Game[Any]
    index: int
    question: WhichQuestion | None = None


@dataclass
class NextShown(Message):
    """Guess mode at the end of a text: each model's top-k after its last character."""

    game: GuessGame
    top_lists: list[list[dict[str, Any]]]


@dataclass
class Revealed(Message):
    """Guess mode: a guess has been judged by every model."""

    game: GuessGame
    outcome: GuessOutcome


@dataclass
class Skipped(Message):
    """Tokens were passed over without a guess (which mode: with the next question, if any)."""

    game: Game[Any]
    count: int
    question: WhichQuestion | None = None


@dataclass
class Answered(Message):
    """Which mode: an answer has been scored; `question` is the next one (None at the end of the text)."""

    game: WhichGame
    outcome: WhichOutcome
    question: WhichQuestion | None


@dataclass
class PreviewShown(Message):
    """Guess mode: the guess as typed (`raw`), as it will be judged, and its tokens in the first model's."""

    game: GuessGame
    raw: str
    guess: str
    tokens: list[str]


# the review screen, the promote editor and the candidates workbench


@dataclass
class ReviewLoaded(Message):
    """The guess log has been read (every guess-mode guess, oldest first)."""

    rows: list[ReviewRow]
    error: str | None = None


@dataclass
class PatternsMined(Message):
    """The disagreements among the shown guesses, grouped."""

    groups: list[PatternGroup]
    error: str | None = None


@dataclass
class PlayReady(Message):
    """A text to open in play, at the token holding `offset`."""

    document: Document
    offset: int
    source: str


@dataclass
class CorpusReady(Message):
    """The texts the promote editor previews and quick-scores on."""

    documents: list[Document]
    label: str


@dataclass
class PreviewReady(Message):
    """A proposal's matches on the corpus, or the one-line reason it is not a valid candidate."""

    preview: Preview | None
    error: str | None = None


@dataclass
class QuickScored(Message):
    """A quick score on a sample: one summary per model, or why there is none."""

    summaries: list[ScoreSummary]
    error: str | None = None


@dataclass
class CandidateSaved(Message):
    """The promote editor's save: the proposal as saved (its examples checked) and where, or why not."""

    proposal: Proposal | None
    path: Path | None
    error: str | None = None


@dataclass
class ScoreProgress(Message):
    """A scoring run's progress, as `games.scoring` reports it; `run` tells one run from another."""

    run: object
    stage: str
    done: int
    total: int


@dataclass
class ScoringFinished(Message):
    """A scoring run ended, was cancelled or failed: the results it finished with their summaries."""

    run: object
    results: list[CandidateResult]
    summaries: list[ScoreSummary]
    comparisons: list[Comparison] = field(default_factory=list)  # each pair of models on each candidate


@dataclass
class LibraryLoaded(Message):
    """The candidate library, with the last scores of each candidate per model, and the conditions a run of each
    would have on screen (only a last score under those is shown)."""

    candidates: list[Candidate]
    warnings: list[str]
    scores: dict[tuple[str, str, str], ScoreSummary]  # games.score_history.last_scores
    error: str | None = None
    conditions: dict[str, str] = field(default_factory=dict)  # by candidate: the conditions of a run on screen
