"""What `lmgame play` hands the app: the models, the texts, and how to play."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from engine.corpus import Document
from engine.models import LoadedModel

Mode = Literal["guess", "which"]


@dataclass(frozen=True)
class PlaySetup:
    models: list[LoadedModel]
    documents: list[Document]
    source: str  # where the documents came from, for the log ("demo", a path, "--text", "dataset:...")
    mode: Mode = "guess"
    top_k: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.models:
            raise ValueError("PlaySetup needs at least one model")
        if not self.documents:
            raise ValueError("PlaySetup needs at least one document")
        if self.mode not in ("guess", "which"):
            raise ValueError(f"unknown mode {self.mode!r}: use guess or which")

    @property
    def labels(self) -> list[str]:
        return [lm.identity.label for lm in self.models]
