"""Scanning a corpus: for every token, the model's probability and rank of the token the text has, the entropy
of its prediction and its own top token. Stored compactly (22 bytes a token) in chunks of documents, so that
a scan resumes where it stopped and a re-run reads what is there; each chunk carries its key and a checksum of
its content, so a damaged or misplaced chunk is scanned again.

Each document is fed in windows of the model's context (or `max_context`) that overlap by half: the first
window scores all its tokens, each later one only its second half, so every token sees at least half a
window of context.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.models import LoadedModel
from engine.scoring import batch_settings
from engine.tokens import token_starts

Progress = Callable[[int, int], None]  # (tokens done, tokens in all); may raise to cancel
CHUNK_DOCUMENTS = 64  # documents per stored chunk: the unit a scan resumes from


@dataclass
class DocumentScan:
    """Per token of one document (index i is the document's i-th token, predicted from the ones before)."""

    ids: torch.Tensor  # int32 [n]
    starts: torch.Tensor  # int32 [n]: character offset where each token starts (it owns the gap before it)
    logprob: torch.Tensor  # float32 [n]: log-probability of the token the text has (nan where unscored)
    rank: torch.Tensor  # int32 [n]: 1 = the model's top token (0 where unscored)
    entropy: torch.Tensor  # float16 [n]: of the prediction, in nats
    top1: torch.Tensor  # int32 [n]: the model's top token

    def as_tensors(self) -> dict[str, torch.Tensor]:
        return {"ids": self.ids, "starts": self.starts, "logprob": self.logprob, "rank": self.rank,
                "entropy": self.entropy, "top1": self.top1}

    @property
    def bytes(self) -> int:
        return sum(t.numel() * t.element_size() for t in self.as_tensors().values())


def _windows(n: int, room: int) -> list[tuple[int, int, int]]:
    """(start, end, first scored) token windows over n tokens: the first scores all, later ones their second half."""
    if n <= room:
        return [(0, n, 0)]
    stride = max(1, room // 2)
    windows, start = [(0, room, 0)], stride
    while start + room - stride < n:
        end = min(n, start + room)
        windows.append((start, end, start + room - stride))
        start += stride
    return windows


class Scanner:
    def __init__(self, lm: LoadedModel, max_context: int | None = None, batch_tokens: int | None = None) -> None:
        self.lm = lm
        self.bos, self.room, self.batch_tokens, self.pad_id = batch_settings(lm, max_context, batch_tokens)

    def tokenize(self, text: str) -> tuple[list[int], list[int]]:
        encoded = self.lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(encoded["input_ids"])
        return ids, token_starts(encoded["offset_mapping"])

    def scan(self, texts: Sequence[str], progress: Progress | None = None) -> list[DocumentScan]:
        """One DocumentScan per text."""
        tokenized = [self.tokenize(text) for text in texts]
        results = [self._empty(ids, starts) for ids, starts in tokenized]
        pieces = [(d, w) for d, (ids, _) in enumerate(tokenized) for w in _windows(len(ids), self.room)]
        pieces.sort(key=self._width, reverse=True)
        total, done = sum(len(ids) for ids, _ in tokenized), 0
        batch: list[tuple[int, tuple[int, int, int]]] = []
        for piece in pieces:
            if batch and (len(batch) + 1) * self._width(batch[0]) > self.batch_tokens:
                done += self._run(batch, tokenized, results)
                batch = []
                if progress:
                    progress(done, total)
            batch.append(piece)
        if batch:
            self._run(batch, tokenized, results)
        if progress:
            progress(total, total)
        return results

    def _width(self, piece: tuple[int, tuple[int, int, int]]) -> int:
        start, end, _ = piece[1]
        return end - start + len(self.bos)

    @staticmethod
    def _empty(ids: list[int], starts: list[int]) -> DocumentScan:
        n = len(ids)
        return DocumentScan(torch.tensor(ids, dtype=torch.int32), torch.tensor(starts, dtype=torch.int32),
                            torch.full((n,), math.nan, dtype=torch.float32), torch.zeros(n, dtype=torch.int32),
                            torch.full((n,), math.nan, dtype=torch.float16), torch.full((n,), -1, dtype=torch.int32))

    @torch.inference_mode()
    def _run(self, batch: list[tuple[int, tuple[int, int, int]]], tokenized: list[tuple[list[int], list[int]]],
             results: list[DocumentScan]) -> int:
        width = max(self._width(piece) for piece in batch)
        tokens = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
        for row, (doc, (start, end, _)) in enumerate(batch):
            tokens[row, : end - start + len(self.bos)] = torch.tensor(self.bos + tokenized[doc][0][start:end])
        # right padding needs no mask: a causal model never looks at the pads behind a token
        logits = self.lm.model(input_ids=tokens.to(self.lm.device), use_cache=False).logits
        scored = 0
        for row, (doc, (start, end, first)) in enumerate(batch):
            ids = tokenized[doc][0]
            # the row before token i predicts it: with BOS that is row i - start, without it i - start - 1
            lo = max(first, start if self.bos else start + 1)
            if lo >= end:
                continue
            rows = torch.arange(lo - start - 1 + len(self.bos), end - start - 1 + len(self.bos))
            step = logits[row, rows.to(logits.device)].float()  # [m, vocab]
            logprobs = torch.log_softmax(step, dim=-1)
            target = torch.tensor(ids[lo:end], device=step.device)
            chosen = step.gather(1, target[:, None])
            result = results[doc]
            # float32: a threshold such as p >= 0.5 is decided on what was computed, not on a rounded value
            result.logprob[lo:end] = logprobs.gather(1, target[:, None])[:, 0].cpu()
            result.rank[lo:end] = (1 + (step > chosen).sum(dim=1)).int().cpu()
            result.entropy[lo:end] = (-(logprobs.exp() * logprobs).sum(dim=1)).half().cpu()
            result.top1[lo:end] = step.argmax(dim=1).int().cpu()
            scored += end - lo
        return scored


def chunk_checksum(key: str, scans: list[DocumentScan]) -> str:
    """A sha256 of the key a chunk is stored under and of every tensor in it (name, type, shape and bytes)."""
    digest = hashlib.sha256(key.encode())
    for scan in scans:
        for name, tensor in scan.as_tensors().items():
            digest.update(f"{name} {tensor.dtype} {list(tensor.shape)}\n".encode())
            digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def save_chunk(path: Path, key: str, scans: list[DocumentScan]) -> None:
    """Write a chunk atomically: a scan stopped half-way leaves whole chunks only. A chunk that cannot be
    written is skipped, as the score cache skips what it cannot write."""
    temporary = path.with_suffix(".tmp")
    stored = {"key": key, "checksum": chunk_checksum(key, scans), "documents": [s.as_tensors() for s in scans]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(stored, temporary)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def load_chunk(path: Path, key: str) -> list[DocumentScan] | None:
    """The chunk stored at `path` under `key`, or None where it is missing, damaged or another key's."""
    try:
        stored = torch.load(path, weights_only=True)
        scans = [DocumentScan(**tensors) for tensors in stored["documents"]]
        intact = stored["key"] == key and stored["checksum"] == chunk_checksum(key, scans)
    except Exception:  # noqa: BLE001 - missing, truncated or not ours: any damage means scan it again
        return None
    return scans if intact else None


def chars_for_tokens(lm: LoadedModel, max_tokens: int) -> int:
    """Characters enough for `max_tokens` tokens and the two more `limit_texts` looks at: a token's written form
    in the vocabulary (bytes as characters, byte fallbacks as <0xNN>) is at least as long as the text it stands
    for; twice that, for normalizers that drop characters."""
    longest = max(len(token) for token in lm.tokenizer.get_vocab())
    return 2 * (max_tokens + 2) * longest


def limit_texts(lm: LoadedModel, texts: Sequence[str], max_tokens: int | None) -> list[str]:
    """The texts, whole, until `max_tokens` tokens are reached; the last one cut at a token boundary."""
    if max_tokens is None:
        return list(texts)
    kept, budget = [], max_tokens
    for text in texts:
        if budget <= 0:
            break
        text, used = _first_tokens(lm, text, budget)
        kept.append(text)
        budget -= used
    return kept


def _first_tokens(lm: LoadedModel, text: str, budget: int) -> tuple[str, int]:
    """The text cut before its token number `budget` (whole if it has no more), and the tokens kept. Tokenizes
    a prefix of characters that doubles until it holds a token past the cut, so a huge text costs what the
    kept tokens need, not what the whole text would."""
    size = 8 * budget + 64
    while True:
        offsets = lm.tokenizer(text[:size], add_special_tokens=False, return_offsets_mapping=True)["offset_mapping"]
        # one token to spare: the prefix's last token may be a word cut short
        if len(offsets) > budget + 1 or size >= len(text):
            break
        size *= 2
    if len(offsets) > budget:
        return text[: offsets[budget][0]], budget
    return text, len(offsets)


def chunk_ranges(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """(first, end) documents of each stored chunk: CHUNK_DOCUMENTS at a time, starting again at each shard (a
    corpus file), so that a shard scanned alone (by a Ray actor) is stored in the very chunks a whole run stores."""
    ranges, first = [], 0
    for size in sizes:
        ranges += [(first + at, first + min(at + CHUNK_DOCUMENTS, size)) for at in range(0, size, CHUNK_DOCUMENTS)]
        first += size
    return ranges


def chunk_path(folder: Path, key: str, texts: Sequence[str]) -> tuple[Path, str]:
    """Where the chunk of `texts` is stored under a scan's `key`, and the chunk's own key."""
    from engine.cache import cache_key, text_hash

    chunk_key = cache_key(key, text_hash(list(texts)))
    return folder / f"{chunk_key}.pt", chunk_key


def chunks_stored(texts: Sequence[str], folder: Path, key: str) -> bool:
    """Whether every chunk of one shard's `texts` is stored whole (read back and checked)."""
    for first, end in chunk_ranges([len(texts)]):
        path, chunk_key = chunk_path(folder, key, texts[first:end])
        stored = load_chunk(path, chunk_key) if path.exists() else None
        if stored is None or len(stored) != end - first:
            return False
    return True


def scan_corpus(lm: LoadedModel, texts: Sequence[str], folder: Path | None, key: str,
                max_context: int | None = None, progress: Progress | None = None,
                shard_sizes: Sequence[int] | None = None,
                scanned: Callable[[list[DocumentScan]], None] | None = None) -> list[DocumentScan]:
    """Scan in chunks (`chunk_ranges` of the shards' sizes; None: the texts are one shard), each stored under
    `folder` (None: nothing stored) by `key` (what the model, tokenizer and settings are) and the chunk's content,
    so a stopped scan resumes there; `scanned` hears each chunk that was scanned rather than read."""
    scanner = Scanner(lm, max_context)
    results: list[DocumentScan] = []
    total = sum(len(t) for t in texts)
    for first, end in chunk_ranges([len(texts)] if shard_sizes is None else shard_sizes):
        chunk = list(texts[first:end])
        path, chunk_key = chunk_path(folder, key, chunk) if folder is not None else (None, "")
        stored = load_chunk(path, chunk_key) if path is not None and path.exists() else None
        if stored is None or len(stored) != len(chunk):
            done_before = sum(len(t) for t in texts[:first])

            def report(done: int, tokens: int, before: int = done_before, size: int = sum(map(len, chunk))) -> None:
                if progress:  # in characters across the corpus: chunks differ in tokens per character
                    progress(before + round(size * done / max(tokens, 1)), total)

            stored = scanner.scan(chunk, report)
            if path is not None:
                save_chunk(path, chunk_key, stored)
            if scanned:
                scanned(stored)
        results.extend(stored)
        if progress:
            progress(sum(len(t) for t in texts[:end]), total)
    return results
