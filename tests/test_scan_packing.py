"""Packed scanning: documents share rows of the model's window, each seeing only itself, and every token's figures
equal those of a scan that feeds one document, one window, at a time; the padded layout equals it too."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import torch

from engine.corpus import read_documents
from engine.models import LoadedModel
from engine.scan import DocumentScan, Scanner, _windows, chunk_key, pack, scan_corpus
from tests.conftest import shared

STORY = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
         "One day, Lily saw a big dog named Max.")
NEAR_TIE = 1e-4  # logits this close may swap order between two exact ways of computing them


def stories(count: int) -> list[str]:
    return [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:count]]


def mixed_documents(lm: LoadedModel) -> list[str]:
    """An empty text, one token, a few, a long text cut into half-overlapping windows, and stories between."""
    tokens = Scanner(lm, packed=False).tokenize
    room = lm.max_positions - (lm.bos_id is not None)
    long = ""
    for story in stories(20):  # past one and a half windows: three windows, each overlapping the one before
        long = f"{long} {story}".strip()
        if len(tokens(long)[0]) > 3 * room // 2:
            break
    texts = ["", "Once", "Once upon a time", long, *stories(5)]
    counts = [len(tokens(text)[0]) for text in texts]
    assert counts[:3] == [0, 1, len(tokens(texts[2])[0])] and 1 < counts[2] < 6
    assert len(_windows(counts[3], room)) >= 3  # longer than the window: windows overlap
    return texts


def one_at_a_time(lm: LoadedModel, texts: list[str]) -> list[DocumentScan]:
    """The reference: each document alone, each of its windows alone (a batch of one piece, no padding)."""
    scanner = Scanner(lm, packed=False, batch_tokens=1)
    return [scanner.scan([text])[0] for text in texts]


def near_ties(lm: LoadedModel, ids: list[int], room: int) -> tuple[set[int], set[int]]:
    """Positions whose rank, and whose top token, sit on a near tie: another logit within NEAR_TIE of the text's
    token's (rank) or of the largest (top token), from one plain forward pass over BOS + each window."""
    bos = [lm.bos_id] if lm.bos_id is not None else []
    rank_ties: set[int] = set()
    top_ties: set[int] = set()
    for start, end, first in _windows(len(ids), room):
        with torch.inference_mode():
            logits = lm.model(input_ids=torch.tensor([bos + ids[start:end]])).logits[0].float()
        scored = torch.arange(max(first, start + (not bos)), end)
        rows = logits[scored - start - 1 + len(bos)]  # [m, vocab]: the row before token i predicts it
        chosen = rows.gather(1, torch.tensor(ids)[scored][:, None])
        top = rows.topk(2, dim=1).values
        rank_ties.update(scored[((rows - chosen).abs() <= NEAR_TIE).sum(1) > 1].tolist())
        top_ties.update(scored[top[:, 0] - top[:, 1] <= NEAR_TIE].tolist())
    return rank_ties, top_ties


def assert_same_figures(lm: LoadedModel, room: int, want: list[DocumentScan], *scans: list[DocumentScan]) -> None:
    """Each of `scans` against `want`: log-probabilities within 1e-4, entropies within float16's rounding, ranks
    and top tokens equal except on a near tie, and near ties rare."""
    ties = [near_ties(lm, theirs.ids.tolist(), room) for theirs in want]
    assert sum(len(rank | top) for rank, top in ties) <= sum(len(theirs.ids) for theirs in want) // 100
    for got in scans:
        for mine, theirs, (rank_ties, top_ties) in zip(got, want, ties, strict=True):
            assert torch.equal(mine.ids, theirs.ids) and torch.equal(mine.starts, theirs.starts)
            assert torch.allclose(mine.logprob, theirs.logprob, rtol=0, atol=1e-4, equal_nan=True)
            assert torch.allclose(mine.entropy.float(), theirs.entropy.float(), rtol=2e-3, atol=1e-3,
                                  equal_nan=True)
            for i in range(len(mine.ids)):
                if i not in rank_ties:
                    assert int(mine.rank[i]) == int(theirs.rank[i]), f"rank at {i}"
                if i not in top_ties:
                    assert int(mine.top1[i]) == int(theirs.top1[i]), f"top token at {i}"


def rows_of(scanner: Scanner, texts: list[str]) -> list[list[int]]:
    """The documents in each row the scanner feeds."""
    pieces = scanner._pieces([scanner.tokenize(text) for text in texts])
    return [[doc for doc, _ in row] for rows in scanner._batches(pieces) for row in rows]


def test_packing_places_every_width_once_and_fills_rows() -> None:
    generator = random.Random(0)
    for _ in range(50):
        capacity = generator.randint(1, 600)
        widths = [generator.randint(1, capacity) for _ in range(generator.randint(0, 300))]
        rows = pack(widths, capacity)
        assert sorted(i for row in rows for i in row) == list(range(len(widths)))
        assert all(sum(widths[i] for i in row) <= capacity for row in rows)
        # best fit never leaves two rows that could have been one: at most one row is half empty or worse
        assert sum(2 * sum(widths[i] for i in row) <= capacity for row in rows) <= 1
    assert pack([3, 5, 2, 4, 1], 6) == [[1, 4], [3, 2], [0]]  # longest first, each to the fullest row it fits


@pytest.mark.parametrize("which", ["default_lm", "stories260k"])
def test_packed_and_padded_scans_equal_one_document_at_a_time(which: str, request: pytest.FixtureRequest) -> None:
    lm = request.getfixturevalue(which)
    texts = mixed_documents(lm)
    want = one_at_a_time(lm, texts)
    packed, padded = Scanner(lm, packed=True), Scanner(lm, packed=False)
    assert packed.packed and packed.layout == "packed" and padded.layout == "padded"
    assert Scanner(lm).layout == "padded"  # the default on a CPU, where packing measured slower
    assert any(len(row) > 2 for row in rows_of(packed, texts))  # documents do share rows
    assert all(len(row) == 1 for row in rows_of(padded, texts))
    assert_same_figures(lm, packed.room, want, packed.scan(texts), padded.scan(texts))


def test_packed_short_windows_equal_one_at_a_time(stories260k: LoadedModel) -> None:
    """A 24-token context: every story is cut into many half-overlapping windows, packed several to a row."""
    texts = ["Once", *stories(2)]
    scanner = Scanner(stories260k, max_context=24, packed=True)
    assert max(len(row) for row in rows_of(scanner, texts)) >= 2
    reference = Scanner(stories260k, max_context=24, packed=False, batch_tokens=1)
    assert_same_figures(stories260k, 24, [reference.scan([t])[0] for t in texts], scanner.scan(texts))


@pytest.mark.parametrize("which", ["default_lm", "stories260k"])
def test_a_document_never_sees_the_one_before_it_in_its_row(which: str, request: pytest.FixtureRequest) -> None:
    lm = request.getfixturevalue(which)
    long, before, other, after = STORY, "The cat sat on the mat.", "The dog sat on the mat.", "Once"
    scanner = Scanner(lm, packed=True)
    tokens = [len(scanner.tokenize(t)[0]) for t in (long, before, other, after)]
    assert scanner.room >= tokens[0] > 2 * tokens[1]  # one window, wider than the other two together
    assert tokens[1] == tokens[2] > tokens[3]  # the changed document keeps its length, and comes first in the row
    assert rows_of(scanner, [long, before, after]) == [[0], [1, 2]]
    first, second = scanner.scan([long, before, after]), scanner.scan([long, other, after])
    assert not torch.equal(first[1].logprob, second[1].logprob)
    for name, value in first[2].as_tensors().items():  # not one bit of the document after it moves
        assert torch.equal(value, second[2].as_tensors()[name]), name


class IgnoresPacking(torch.nn.Module):
    """A model that takes position ids and a mask and drops them, as a model without packing support would."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.inner, self.config = model, model.config

    def forward(self, input_ids: torch.Tensor, use_cache: bool = False, **ignored: Any) -> Any:
        return self.inner(input_ids=input_ids, use_cache=use_cache)


def test_a_model_that_ignores_the_mask_gets_padded_batches(default_lm: LoadedModel) -> None:
    lm = LoadedModel(default_lm.identity, IgnoresPacking(default_lm.model), default_lm.tokenizer, default_lm.device)
    scanner = Scanner(lm, packed=True)
    texts = ["Once", *stories(3)]
    assert not scanner.packed and scanner.layout == "padded"
    assert_same_figures(default_lm, scanner.room, one_at_a_time(default_lm, texts), scanner.scan(texts))


def test_padding_counts_what_a_scan_feeds(default_lm: LoadedModel) -> None:
    texts = stories(20)
    for packed in (True, False):
        scanner = Scanner(default_lm, packed=packed)
        fed, padding = scanner.padding(texts)
        widths = sum(len(scanner.tokenize(t)[0]) + 1 for t in texts)  # each story fits a window, with its BOS
        assert fed - padding == widths and padding >= 0
    assert Scanner(default_lm, packed=True).padding(texts)[1] < Scanner(default_lm, packed=False).padding(texts)[1]


def test_chunks_are_stored_under_their_layout(default_lm: LoadedModel, tmp_path: Path) -> None:
    texts = stories(3)
    assert chunk_key("key", texts, "packed") != chunk_key("key", texts, "padded")
    scan_corpus(default_lm, texts, tmp_path, "key")
    assert [p.stem for p in tmp_path.glob("*.pt")] == [chunk_key("key", texts, Scanner(default_lm).layout)]
