"""A candidate's finder run over documents, the finder's time limit caught per document: the one loop that
scoring, scanning, promotion (its examples and its live preview) and `lmgame candidates show` share."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.corpus import Document

if TYPE_CHECKING:  # the command line reads the limits below while it builds its help: it needs no finder yet
    from games.candidates import Candidate, Found

FINDER_TIME_LIMIT = 2.0  # seconds a finder may spend on one document, unless the user gives another limit
MAX_REGEX_TIMEOUT = 600  # the longest limit a user may give


@dataclass(frozen=True)
class DocumentMatches:
    """What the finder found in one document."""

    number: int  # the document's place among those searched
    document: Document
    found: list[Found]  # in order; where the finder timed out, those it found before
    timed_out: bool = False  # the finder ran past its time limit here: counting this document would be partial


def find_matches(candidate: Candidate, documents: Iterable[Document], timeout: float = FINDER_TIME_LIMIT,
                 most: int | None = None, stop: Callable[[], bool] | None = None) -> Iterator[DocumentMatches]:
    """Each document's matches, document by document and lazily: a caller that stops iterating stops the search.
    With `most`, the search ends once `most` matches are found in documents searched within the time limit (the
    document where that happens is cut there); `stop()`, asked before each document, ends it too."""
    from games.candidates import DocumentTimeout

    total = 0
    for number, document in enumerate(documents):
        if (most is not None and total >= most) or (stop is not None and stop()):
            return
        found: list[Found] = []
        try:
            for item in candidate.find(document.text, timeout=timeout):
                found.append(item)
                if most is not None and total + len(found) >= most:
                    break
        except DocumentTimeout:
            yield DocumentMatches(number, document, found, timed_out=True)
            continue
        total += len(found)
        yield DocumentMatches(number, document, found)


def first_matches(candidate: Candidate, documents: Iterable[Document], most: int,
                  timeout: float = FINDER_TIME_LIMIT) -> list[tuple[Document, Found]]:
    """The first `most` matches in the documents, in order: a listing, so a document where the finder ran past its
    time limit gives those it found before (none for `most` under 1)."""
    matches: list[tuple[Document, Found]] = []
    for searched in find_matches(candidate, documents, timeout, most=most):
        matches += [(searched.document, found) for found in searched.found]
        if len(matches) >= most:
            break
    return matches[:most]
