"""What a candidate finds in a few texts, for the promote editor's live preview (no Textual here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from engine.corpus import Document
from games.candidates import Candidate
from games.matches import FINDER_TIME_LIMIT, find_matches

MAX_MATCHES = 200  # the preview stops looking after this many
CONTEXT_CHARS = 80  # of each match's context kept for display
TIME_LIMIT = FINDER_TIME_LIMIT  # seconds per text, the limit scoring gives a finder


@dataclass(frozen=True)
class PreviewMatch:
    document: str
    offset: int
    context: str  # the end of the context
    answer: str  # what the text says
    predicted: str | None  # what the heuristic says (None: it abstains, or failed)
    error: str | None = None

    @property
    def right(self) -> bool:
        return self.predicted is not None and self.predicted == self.answer


@dataclass
class Preview:
    matches: list[PreviewMatch] = field(default_factory=list)
    documents: int = 0  # texts looked at
    skipped: int = 0  # texts where the finder ran past its time limit
    capped: bool = False  # stopped at MAX_MATCHES

    @property
    def predicted(self) -> int:
        return sum(1 for m in self.matches if m.predicted is not None and not m.error)

    @property
    def right(self) -> int:
        return sum(1 for m in self.matches if m.right)

    @property
    def errors(self) -> int:
        return sum(1 for m in self.matches if m.error)

    def count_line(self) -> str:
        """E.g. `12 matches in 8 texts · heuristic right on 9 of 12 predicted (75%)`."""
        n = len(self.matches)
        more = "+" if self.capped else ""
        line = f"{n}{more} match{'es' * (n != 1)} in {self.documents} text{'s' * (self.documents != 1)}"
        if self.predicted:
            line += (f" · heuristic right on {self.right} of {self.predicted} predicted "
                     f"({self.right / self.predicted:.0%})")
        abstained = n - self.predicted - self.errors
        if abstained:
            line += f" · {abstained} abstained"
        if self.errors:
            line += f" · {self.errors} predictor error{'s' * (self.errors != 1)}"
        if self.skipped:
            line += f" · {self.skipped} text{'s' * (self.skipped != 1)} skipped (finder past {TIME_LIMIT:g} s)"
        return line


def preview(candidate: Candidate, documents: Sequence[Document], cancelled: Callable[[], bool] = lambda: False,
            limit: int = MAX_MATCHES) -> Preview:
    """The candidate's first `limit` matches over the documents, in order; stops early when `cancelled()`."""
    result = Preview()
    for searched in find_matches(candidate, documents, TIME_LIMIT, most=limit, stop=cancelled):
        result.documents += 1
        if searched.timed_out:
            result.skipped += 1
            continue
        text = searched.document.text
        result.matches += [PreviewMatch(searched.document.id, found.offset,
                                        text[max(0, found.offset - CONTEXT_CHARS) : found.offset], found.answer,
                                        found.predicted, found.error) for found in searched.found]
        if len(result.matches) >= limit:
            result.capped = True
            break
    return result
