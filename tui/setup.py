"""What the command hands the app: the models, the texts, how to play, and which screen to open on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from engine.corpus import Document
from engine.models import LoadedModel
from games.modes import MODES

Start = Literal["play", "review", "workbench", "scan"]


@dataclass(frozen=True)
class PlaySetup:
    models: list[LoadedModel]
    documents: list[Document]
    source: str  # where the documents came from, for the log ("demo", a path, "--text", "dataset:...")
    mode: str = "guess"  # a name in games.modes.MODES
    top_k: int = 10
    seed: int = 0
    start: Start = "play"  # play: the game of `mode`; review: the guess log; workbench: the candidate library
    score_on_examples: bool = False  # workbench: score each candidate on its own examples, not on `documents`
    scan: Any = None  # start "scan": the games.scanning.ScanView to show

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("PlaySetup needs at least one model")
        if not self.documents:
            raise ValueError("PlaySetup needs at least one document")
        if self.mode not in MODES:
            raise ValueError(f"unknown mode {self.mode!r} (modes: {', '.join(MODES)})")
        if self.start not in ("play", "review", "workbench", "scan"):
            raise ValueError(f"unknown start {self.start!r}: use play, review, workbench or scan")
        if self.start == "scan" and self.scan is None:
            raise ValueError("start scan needs the scan to show")

    @property
    def labels(self) -> list[str]:
        return [lm.identity.label for lm in self.models]
