"""Stored results that were damaged, edited or moved: each is a miss, computed again, and the result is what a
fresh run gives. Score cache entries (JSON) and scan chunks (torch files) alike."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import engine.scan
from engine.cache import ResultCache
from engine.corpus import Document, read_documents
from engine.models import LoadedModel
from engine.scan import DocumentScan, Scanner, scan_corpus
from games.candidates import Candidate
from games.scoring import CandidateResult, Corpus, ScoreOptions, score_all
from tests.conftest import shared

DOCS = [
    Document("a", "There was a dog named Max. Max liked to run. A cat was named Tom. Tom was sleepy."),
    Document("b", "A bird was named Pip. Then the sun came out. A frog was named Bo. Bo was shy."),
]
NAMED = Candidate(name="named-next", finder=r"named (?P<name>[A-Z][a-z]+)\. (?P<answer>[A-Z][a-z]+)",
                  predictor="{name}", foil="The")
WAS = Candidate(name="was-named", finder=r"was (?P<answer>named)", predictor="named")


def _score(lm: LoadedModel, cache: ResultCache) -> list[CandidateResult]:
    return score_all([NAMED, WAS], [lm], Corpus("d", DOCS), ScoreOptions(), cache)


def _written(result: CandidateResult) -> list[dict]:
    return [row.as_json() for row in result.rows]


@pytest.fixture()
def stored(default_lm: LoadedModel, tmp_path: Path) -> tuple[list[Path], list[list[dict]]]:
    """Both candidates scored into a fresh cache: (their entry files, in candidate order; the fresh rows)."""
    fresh = [json.loads(json.dumps(_written(r))) for r in _score(default_lm, ResultCache(tmp_path / "cache"))]
    files = list((tmp_path / "cache").rglob("*.json"))
    order = [c.name for c in (NAMED, WAS)]
    files.sort(key=lambda f: [f'"candidate": "{name}"' in f.read_text() for name in order].index(True))
    return files, fresh


def _rerun_misses(lm: LoadedModel, tmp_path: Path, fresh: list[list[dict]], missed: list[bool]) -> None:
    again = _score(lm, ResultCache(tmp_path / "cache"))
    assert [not r.cached for r in again] == missed
    assert [_written(r) for r in again] == fresh
    assert all(r.cached for r in _score(lm, ResultCache(tmp_path / "cache")))  # written again, and read back


def test_a_score_entry_with_one_digit_changed_is_a_miss(stored, default_lm, tmp_path: Path) -> None:
    files, fresh = stored
    text = files[0].read_text()
    match = re.search(r'"prob": 0\.\d*?([0-8])', text)
    assert match is not None
    files[0].write_text(text[: match.start(1)] + str(int(match.group(1)) + 1) + text[match.end(1):])
    _rerun_misses(default_lm, tmp_path, fresh, [True, False])


def test_swapped_score_entries_are_misses(stored, default_lm, tmp_path: Path) -> None:
    files, fresh = stored
    first, second = files[0].read_bytes(), files[1].read_bytes()
    files[0].write_bytes(second)
    files[1].write_bytes(first)
    _rerun_misses(default_lm, tmp_path, fresh, [True, True])


@pytest.mark.parametrize("value", [{"rows": [], "stats": [1, 2]}, {"rows": [], "stats": {"bogus": 1}},
                                   {"rows": [3], "stats": {}}, {"rows": [{"candidate": "x"}], "stats": {}}])
def test_a_score_entry_of_the_wrong_shape_is_a_miss(stored, default_lm, tmp_path: Path, value: object
                                                    ) -> None:
    """Checksummed as the cache writes it (so only the shape is wrong), and as a bare JSON file."""
    files, fresh = stored
    ResultCache(tmp_path / "cache").put(files[0].stem, value)
    files[1].write_text(json.dumps(value))
    _rerun_misses(default_lm, tmp_path, fresh, [True, True])


def _chunk_texts() -> list[str]:
    return [d.text[:300] for d in read_documents(shared("tinystories", "stories.jsonl"))[:4]]


def _same(a: list[DocumentScan], b: list[DocumentScan]) -> bool:
    return len(a) == len(b) and all(torch.equal(x, y) for s, t in zip(a, b, strict=True)
                                    for x, y in zip(s.as_tensors().values(), t.as_tensors().values(), strict=True))


@pytest.mark.parametrize("damage", ["swap", "flip"])
def test_a_damaged_or_swapped_scan_chunk_is_scanned_again(default_lm, tmp_path: Path, monkeypatch,
                                                         damage: str) -> None:
    monkeypatch.setattr(engine.scan, "CHUNK_DOCUMENTS", 2)  # two chunks of two texts each
    texts = _chunk_texts()
    fresh = scan_corpus(default_lm, texts, None, "key")
    scan_corpus(default_lm, texts, tmp_path, "key")
    chunks = sorted(tmp_path.glob("*.pt"))
    assert len(chunks) == 2
    if damage == "swap":
        first, second = chunks[0].read_bytes(), chunks[1].read_bytes()
        chunks[0].write_bytes(second)
        chunks[1].write_bytes(first)
    else:  # one byte of a stored log-probability: the file still loads, with one number a little off
        raw = bytearray(chunks[0].read_bytes())
        where = max(raw.find(scan.logprob.numpy().tobytes()) for scan in fresh)
        assert where > 0
        raw[where + 8] ^= 1
        chunks[0].write_bytes(bytes(raw))
    calls: list[int] = []
    real = Scanner.scan
    monkeypatch.setattr(Scanner, "scan", lambda self, chunk, progress=None: calls.append(len(chunk)) or
                        real(self, chunk, progress))
    again = scan_corpus(default_lm, texts, tmp_path, "key")
    assert calls == ([2, 2] if damage == "swap" else [2])
    assert _same(again, fresh)
    calls.clear()
    assert _same(scan_corpus(default_lm, texts, tmp_path, "key"), fresh) and calls == []
