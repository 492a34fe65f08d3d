"""Scanning a corpus: for every token, the model's probability and rank of the token the text has, the entropy
of its prediction and its own top token. Stored compactly (22 bytes a token) in chunks of documents, so that
a scan resumes where it stopped and a re-run reads what is there; each chunk carries its key and a checksum of
its content, so a damaged or misplaced chunk is scanned again.

Each document is fed in windows of the model's context (or `max_context`) that overlap by half: the first
window scores all its tokens, each later one only its second half, so every token sees at least half a
window of context.

On a GPU windows are fed packed: several windows (each with its own BOS where the model has one) share a row as
wide as the widest of them, with position ids restarted at each and a block-diagonal causal mask, so each sees
only its own tokens, as if fed alone, and little of a batch is padding. On a CPU they are fed one to a row,
right-padded, in batches of similar widths: its small batches pad little, and a packed row's attention costs its
whole width squared, so packing measured slower there (benchmarks/scan_throughput.py).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from engine.models import LoadedModel
from engine.scoring import ScoringHead, batch_settings
from engine.tokens import token_starts

Progress = Callable[[int, int], None]  # (tokens done, tokens in all); may raise to cancel
CHUNK_DOCUMENTS = 64  # documents per stored chunk: the unit a scan resumes from
CHECK_TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside."


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


Window = tuple[int, int, int]  # (start, end, first scored): see _windows
Piece = tuple[int, Window]  # (document, window): BOS + the window's tokens, fed as one sequence
HEAD_ROWS = 4096  # positions projected to the vocabulary at a time: bounds the float32 logits held at once


def _windows(n: int, room: int) -> list[Window]:
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


def pack(widths: Sequence[int], capacity: int) -> list[list[int]]:
    """Indices of `widths` in rows of at most `capacity`, best-fit decreasing: each width, longest first, goes to
    the fullest row it fits in. No width may exceed `capacity`."""
    rows: list[list[int]] = []
    free: list[tuple[int, int]] = []  # (room left, row), sorted
    for index in sorted(range(len(widths)), key=lambda i: -widths[i]):
        width = widths[index]
        at = bisect.bisect_left(free, (width, -1))
        if at < len(free):
            left, row = free.pop(at)
        else:
            left, row = capacity, len(rows)
            rows.append([])
        rows[row].append(index)
        if left - width > 0:
            bisect.insort(free, (left - width, row))
    return rows


class Scanner:
    """Scans texts with one model. Packed, pieces (windows) share rows, each with its own position ids and a
    block-diagonal causal mask, so no piece sees another's tokens and little is padding; padded, each piece has a
    row, right-padded, in batches of similar widths. `packed` None: packed on an accelerator, padded on a CPU. A
    model that fails the check that packing changes nothing is fed padded. A batch holds about `batch_tokens`
    tokens either way (by default as many as suit the device: engine.scoring.batch_settings)."""

    def __init__(self, lm: LoadedModel, max_context: int | None = None, batch_tokens: int | None = None,
                 packed: bool | None = None) -> None:
        self.lm = lm
        self.bos, self.room, self.batch_tokens, self.pad_id = batch_settings(lm, max_context, batch_tokens)
        self.head = ScoringHead(lm)
        self.dtype: torch.dtype = getattr(lm.model, "dtype", torch.float32)
        wanted = lm.device.type != "cpu" if packed is None else packed
        self.packed = wanted and self._packing_is_exact()

    @property
    def layout(self) -> str:
        return "packed" if self.packed else "padded"

    def tokenize(self, text: str) -> tuple[list[int], list[int]]:
        encoded = self.lm.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        ids = list(encoded["input_ids"])
        return ids, token_starts(encoded["offset_mapping"])

    def scan(self, texts: Sequence[str], progress: Progress | None = None) -> list[DocumentScan]:
        """One DocumentScan per text."""
        tokenized = [self.tokenize(text) for text in texts]
        results = [self._empty(ids, starts) for ids, starts in tokenized]
        pieces = self._pieces(tokenized)
        total, done = sum(len(ids) for ids, _ in tokenized), 0
        for rows in self._batches(pieces):
            done += self._run(rows, tokenized, results)
            if progress:
                progress(done, total)
        if progress:
            progress(total, total)
        return results

    def padding(self, texts: Sequence[str]) -> tuple[int, int]:
        """(positions a scan of `texts` feeds the model, how many of them are padding), without running it."""
        tokenized = [self.tokenize(text) for text in texts]
        pieces = self._pieces(tokenized)
        fed = sum(len(rows) * max(sum(map(self._width, row)) for row in rows) for rows in self._batches(pieces))
        return fed, fed - sum(map(self._width, pieces))

    def _pieces(self, tokenized: list[tuple[list[int], list[int]]]) -> list[Piece]:
        """Every document's windows, but one that scores nothing (an empty text) is not fed."""
        return [(d, w) for d, (ids, _) in enumerate(tokenized) for w in _windows(len(ids), self.room)
                if self._first_scored(w) < w[1]]

    def _width(self, piece: Piece) -> int:
        start, end, _ = piece[1]
        return end - start + len(self.bos)

    def _first_scored(self, window: Window) -> int:
        start, _, first = window
        return max(first, start if self.bos else start + 1)  # without BOS nothing predicts a window's first token

    def _batches(self, pieces: list[Piece]) -> Iterator[list[list[Piece]]]:
        """Batches of rows, each row the pieces fed as one sequence, about `batch_tokens` tokens a batch."""
        widths = [self._width(piece) for piece in pieces]
        if self.packed and pieces:
            # rows as wide as the widest piece, at most the model's window: attention costs a row's width
            # squared, masked or not, so short documents are not packed into a long model's whole window
            capacity = max(widths)
            rows = [[pieces[i] for i in row] for row in pack(widths, capacity)]
            per_batch = max(1, self.batch_tokens // capacity)
            for first in range(0, len(rows), per_batch):
                yield rows[first : first + per_batch]
            return
        batch: list[int] = []
        for index in sorted(range(len(pieces)), key=lambda i: -widths[i]):  # similar widths pad little
            if batch and (len(batch) + 1) * widths[batch[0]] > self.batch_tokens:
                yield [[pieces[i]] for i in batch]
                batch = []
            batch.append(index)
        if batch:
            yield [[pieces[i]] for i in batch]

    @staticmethod
    def _empty(ids: list[int], starts: list[int]) -> DocumentScan:
        n = len(ids)
        return DocumentScan(torch.tensor(ids, dtype=torch.int32), torch.tensor(starts, dtype=torch.int32),
                            torch.full((n,), math.nan, dtype=torch.float32), torch.zeros(n, dtype=torch.int32),
                            torch.full((n,), math.nan, dtype=torch.float16), torch.full((n,), -1, dtype=torch.int32))

    @torch.inference_mode()
    def _feed(self, rows: list[list[Piece]], tokenized: list[tuple[list[int], list[int]]]
              ) -> tuple[torch.Tensor, torch.Tensor, list[tuple[int, int, int]]]:
        """Run a batch of rows through the model: (its output at the positions that predict a scored token, final
        hidden states or logits [N, ...]; the tokens they predict [N]; (document, first, end) of each piece's
        scored tokens, in order along N)."""
        width = max(sum(self._width(piece) for piece in row) for row in rows)
        tokens = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        positions = torch.zeros((len(rows), width), dtype=torch.long)
        segments = torch.full((len(rows), width), -1, dtype=torch.long)  # -1: the padding after a row's pieces
        at_row: list[int] = []
        at_column: list[int] = []
        targets: list[int] = []
        spans: list[tuple[int, int, int]] = []
        for row, pieces in enumerate(rows):
            column = 0
            for number, (doc, (start, end, first)) in enumerate(pieces):
                ids = tokenized[doc][0]
                fed = len(self.bos) + end - start
                tokens[row, column : column + fed] = torch.tensor(self.bos + ids[start:end])
                positions[row, column : column + fed] = torch.arange(fed)
                segments[row, column : column + fed] = number
                lo = min(self._first_scored((start, end, first)), end)
                # the column before token i predicts it: with BOS that is its own offset, without it one before
                before = column + len(self.bos) - 1 - start
                at_column.extend(range(lo + before, end + before))
                at_row.extend([row] * (end - lo))
                targets.extend(ids[lo:end])
                spans.append((doc, lo, end))
                column += fed
            positions[row, column:] = torch.arange(width - column)
        device = self.lm.device
        inputs = {"input_ids": tokens.to(device), "use_cache": False}
        if any(len(pieces) > 1 for pieces in rows):
            # a piece restarts the positions and sees only itself; right padding needs nothing (a causal model
            # never looks at the pads behind a token), so a batch of single pieces is fed as it always was
            inputs["position_ids"] = positions.to(device)
            inputs["attention_mask"] = self._block_mask(segments.to(device))
        picked = (torch.tensor(at_row, device=device), torch.tensor(at_column, device=device))
        if self.head.split and self.head.body is not None:
            return self.head.body(**inputs).last_hidden_state[picked], torch.tensor(targets), spans
        return self.lm.model(**inputs).logits[picked], torch.tensor(targets), spans

    def _block_mask(self, segments: torch.Tensor) -> torch.Tensor:
        """[rows, 1, T, T] additive mask: 0 where a position may look (itself and earlier ones of its own piece),
        the dtype's minimum elsewhere. Additive, not boolean: eager attention adds the mask to its scores."""
        width = segments.shape[1]
        causal = torch.ones(width, width, dtype=torch.bool, device=segments.device).tril()
        allowed = (segments[:, :, None] == segments[:, None, :]) & causal
        mask = torch.zeros(allowed.shape, dtype=self.dtype, device=segments.device)
        return mask.masked_fill_(~allowed, torch.finfo(self.dtype).min)[:, None]

    def _logits(self, fed: torch.Tensor) -> torch.Tensor:
        """float32 logits [n, vocab] from what `_feed` returned."""
        if self.head.split and self.head.head is not None:
            fed = self.head.head(fed)
        return fed.float()

    @torch.inference_mode()
    def _run(self, rows: list[list[Piece]], tokenized: list[tuple[list[int], list[int]]],
             results: list[DocumentScan]) -> int:
        fed, targets, spans = self._feed(rows, tokenized)
        logprob, rank = torch.empty(len(targets)), torch.empty(len(targets), dtype=torch.int32)
        entropy, top1 = torch.empty(len(targets), dtype=torch.float16), torch.empty(len(targets), dtype=torch.int32)
        for lo in range(0, len(targets), HEAD_ROWS):
            part = slice(lo, lo + HEAD_ROWS)
            step = self._logits(fed[part])  # [m, vocab]
            logprobs = torch.log_softmax(step, dim=-1)
            target = targets[part].to(step.device)[:, None]
            # float32: a threshold such as p >= 0.5 is decided on what was computed, not on a rounded value
            logprob[part] = logprobs.gather(1, target)[:, 0].cpu()
            rank[part] = (1 + (step > step.gather(1, target)).sum(dim=1)).int().cpu()
            entropy[part] = (-(logprobs.exp() * logprobs).sum(dim=1)).half().cpu()
            top1[part] = step.argmax(dim=1).int().cpu()
        offset = 0
        for doc, lo, end in spans:
            result, span = results[doc], slice(offset, offset + end - lo)
            result.logprob[lo:end], result.rank[lo:end] = logprob[span], rank[span]
            result.entropy[lo:end], result.top1[lo:end] = entropy[span], top1[span]
            offset += end - lo
        return offset

    @torch.inference_mode()
    def _packing_is_exact(self) -> bool:
        """Whether this model takes position ids and a 4D mask as meant: three pieces of a sentence packed in one
        row (with padding after them) give the log-probabilities each gives fed alone. A model that refuses the
        arguments, or ignores them, gets padded batches."""
        ids = self.lm.tokenizer(CHECK_TEXT, add_special_tokens=False)["input_ids"]
        tokenized: list[tuple[list[int], list[int]]] = [(list(ids), [])]
        pieces: list[Piece] = []
        start = 0
        for length in (5, 1, 3):
            length = min(length, self.room, len(ids) - start)
            pieces.append((0, (start, start + length, start)))
            start += length
        try:
            packed, _, _ = self._feed([pieces, pieces[:1]], tokenized)  # the second row: padding behind the first
            alone = torch.cat([self._feed([[piece]], tokenized)[0] for piece in pieces + pieces[:1]])
            difference = (self._logits(packed).log_softmax(-1) - self._logits(alone).log_softmax(-1)).abs().max()
        except Exception:  # noqa: BLE001 - a model that cannot take the arguments is fed padded batches
            return False
        # float32 agrees to about 1e-5; bfloat16 moves by hundredths with the batch's shape, a leak by whole nats
        return bool(difference <= (1e-3 if self.dtype == torch.float32 else 0.1))


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


LAYOUTS = ("padded", "packed")  # how a chunk's windows were batched (Scanner.layout)


def chunk_ranges(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """(first, end) documents of each stored chunk: CHUNK_DOCUMENTS at a time, starting again at each shard (a
    corpus file), so that a shard scanned alone (by a Ray actor) is stored in the very chunks a whole run stores."""
    ranges, first = [], 0
    for size in sizes:
        ranges += [(first + at, first + min(at + CHUNK_DOCUMENTS, size)) for at in range(0, size, CHUNK_DOCUMENTS)]
        first += size
    return ranges


def chunk_key(key: str, texts: Sequence[str], layout: str) -> str:
    """The key a chunk of `texts` is stored under: `key` (model, tokenizer, settings), the texts, and the layout
    that computed it: packed and padded batches agree within float noise, not bit for bit, so a rank at a near
    tie may differ between them."""
    from engine.cache import cache_key, text_hash

    return cache_key(key, text_hash(list(texts)), layout)


def stored_chunk(folder: Path, key: str, texts: Sequence[str], layout: str) -> list[DocumentScan] | None:
    """The chunk of `texts` stored whole under `folder`, in `layout` first, else in the other one (a GPU actor packs,
    the CPU that reads its chunks back pads); None where neither is there whole."""
    for each in sorted(LAYOUTS, key=lambda name: name != layout):
        stored_as = chunk_key(key, texts, each)
        path = folder / f"{stored_as}.pt"
        stored = load_chunk(path, stored_as) if path.exists() else None
        if stored is not None and len(stored) == len(texts):
            return stored
    return None


def chunks_stored(texts: Sequence[str], folder: Path, key: str) -> bool:
    """Whether every chunk of one shard's `texts` is stored whole, in either layout (read back and checked)."""
    return all(stored_chunk(folder, key, texts[first:end], LAYOUTS[0]) is not None
               for first, end in chunk_ranges([len(texts)]))


def scan_corpus(lm: LoadedModel, texts: Sequence[str], folder: Path | None, key: str,
                max_context: int | None = None, progress: Progress | None = None,
                shard_sizes: Sequence[int] | None = None,
                scanned: Callable[[list[DocumentScan]], None] | None = None) -> list[DocumentScan]:
    """Scan in chunks (`chunk_ranges` of the shards' sizes; None: the texts are one shard), each stored under
    `folder` (None: nothing stored) by `key` (what the model, tokenizer and settings are), the chunk's content and
    its layout, so a stopped scan resumes there; `scanned` hears each chunk that was scanned rather than read."""
    scanner = Scanner(lm, max_context)
    results: list[DocumentScan] = []
    total = sum(len(t) for t in texts)
    for first, end in chunk_ranges([len(texts)] if shard_sizes is None else shard_sizes):
        chunk = list(texts[first:end])
        stored = stored_chunk(folder, key, chunk, scanner.layout) if folder is not None else None
        if stored is None or len(stored) != len(chunk):
            done_before = sum(len(t) for t in texts[:first])

            def report(done: int, tokens: int, before: int = done_before, size: int = sum(map(len, chunk))) -> None:
                if progress:  # in characters across the corpus: chunks differ in tokens per character
                    progress(before + round(size * done / max(tokens, 1)), total)

            stored = scanner.scan(chunk, report)
            if folder is not None:
                stored_as = chunk_key(key, chunk, scanner.layout)
                save_chunk(folder / f"{stored_as}.pt", stored_as, stored)
            if scanned:
                scanned(stored)
        results.extend(stored)
        if progress:
            progress(sum(len(t) for t in texts[:end]), total)
    return results
