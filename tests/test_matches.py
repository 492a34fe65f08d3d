"""find_matches, the one loop over documents: the time limit caught per document, `most` and `stop` ending the
search, and the two uses of a document the finder timed out on (a count skips it, a listing keeps what came)."""

from __future__ import annotations

from engine.corpus import Document
from games.candidates import MATCH_BATCH, Candidate
from games.matches import find_matches, first_matches
from games.preview_matches import preview

# a name after "named", or a catastrophic backtrack on a long run of a's: the time limit, once its first batch is read
FINDER = r"named (?P<answer>\w+)|(?:(?:a|aa)+)+(?P<answer>$)"
SLOW = Document("slow", "named Cy. " * MATCH_BATCH + "a" * 60 + "b")
FAST = [Document("one", "named Bo. named Al."), Document("two", "named Di.")]


def candidate() -> Candidate:
    return Candidate(name="named", finder=FINDER, predictor="{answer}")


def test_a_timed_out_document_says_so_and_keeps_what_came_before() -> None:
    searched = list(find_matches(candidate(), [FAST[0], SLOW, FAST[1]], timeout=0.2))
    assert [(s.number, s.document.id, s.timed_out) for s in searched] == [(0, "one", False), (1, "slow", True),
                                                                           (2, "two", False)]
    assert [f.answer for f in searched[0].found] == ["Bo", "Al"] and [f.answer for f in searched[2].found] == ["Di"]
    assert len(searched[1].found) == MATCH_BATCH and {f.answer for f in searched[1].found} == {"Cy"}


def test_most_cuts_the_search_and_stop_ends_it() -> None:
    (only,) = find_matches(candidate(), FAST, most=1)  # cut inside the first document
    assert [f.answer for f in only.found] == ["Bo"]
    assert [s.document.id for s in find_matches(candidate(), FAST, most=2)] == ["one"]
    # what a timed-out document found does not count towards `most`
    searched = list(find_matches(candidate(), [SLOW, *FAST], timeout=0.2, most=MATCH_BATCH + 1))
    assert [(s.document.id, len(s.found)) for s in searched] == [("slow", MATCH_BATCH), ("one", 2), ("two", 1)]
    asked: list[str] = []

    def stop() -> bool:  # asked before each document: go on with the first only
        asked.append("asked")
        return len(asked) > 1

    assert [s.document.id for s in find_matches(candidate(), FAST, stop=stop)] == ["one"] and len(asked) == 2


def test_a_listing_keeps_a_timed_out_documents_matches_and_a_preview_skips_them() -> None:
    listed = first_matches(candidate(), [SLOW, *FAST], most=MATCH_BATCH + 1, timeout=0.2)
    assert [d.id for d, _ in listed] == ["slow"] * MATCH_BATCH + ["one"] and listed[-1][1].answer == "Bo"
    assert first_matches(candidate(), FAST, most=0) == []
    shown = preview(candidate(), [SLOW, *FAST], limit=MATCH_BATCH + 1)  # its own time limit: seconds
    assert (shown.documents, shown.skipped, shown.capped) == (3, 1, False)
    assert [m.answer for m in shown.matches] == ["Bo", "Al", "Di"]
