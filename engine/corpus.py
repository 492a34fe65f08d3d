"""Reading texts to play on or score over: a string, a .txt file, a .jsonl file, a Hugging Face dataset."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import LmgameError


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str = ""


MAX_DOCUMENT_CHARS = 5_000_000  # play and score tokenize a document whole: longer ones are refused when read


def _too_long(where: str) -> LmgameError:
    return LmgameError(f"{where} holds a text of more than {MAX_DOCUMENT_CHARS:,} characters, the most one document "
                       f"may have (it is tokenized whole): split it into a .jsonl file with one text a line")


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """An error reading `path` as one line that says which."""
    try:
        yield
    except FileNotFoundError:
        raise LmgameError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise LmgameError(f"{path} is a directory, not a text file") from None
    except OSError as error:
        raise LmgameError(f"cannot read {path}: {error.strerror}") from None


def _bytes(path: Path, most: int | None) -> bytes:
    """The file's bytes (the first `most` of them), without a byte-order mark: it is not part of the text, and
    removed here a decoding error counts the bytes after it."""
    with _reading(path), path.open("rb") as handle:
        raw = handle.read() if most is None else handle.read(most)
    return raw.removeprefix(codecs.BOM_UTF8)


def _not_utf8(path: Path, raw: bytes, error: UnicodeDecodeError) -> LmgameError:
    line = raw[: error.start].count(b"\n") + 1
    return LmgameError(f"{path} is not UTF-8 text (bad byte at line {line}, byte {error.start})")


def _read_utf8(path: Path, max_chars: int | None = None) -> str:
    """The file's text; with `max_chars`, a longer one is refused having read no more than 4 bytes a character."""
    raw = _bytes(path, None if max_chars is None else 4 * max_chars + 1)
    if max_chars is not None and len(raw) > 4 * max_chars:  # more bytes than that many characters can take
        raise _too_long(str(path))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _not_utf8(path, raw, error) from None
    if max_chars is not None and len(text) > max_chars:
        raise _too_long(str(path))
    return text


def _utf8_start(path: Path, most_chars: int) -> str:
    """The first `most_chars` characters of a UTF-8 file, having read no more than 4 bytes a character."""
    raw = _bytes(path, 4 * most_chars)
    try:  # not final: a character the read cut in two is dropped, not an error
        text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
    except UnicodeDecodeError as error:
        text = raw[: error.start].decode("utf-8")  # what comes before a bad byte is UTF-8
        if len(text) < most_chars:  # the bad byte is among the characters asked for
            raise _not_utf8(path, raw, error) from None
    return text[:most_chars]


def _jsonl_lines(path: Path, most_chars: int | None) -> Iterator[str]:
    """The file's lines: all of it, read at once; with `most_chars`, read a line at a time, so that the caller
    stops reading where it stops asking."""
    if most_chars is None:
        # split on newlines only: str.splitlines also splits at U+2028 and friends, which JSON strings may hold
        yield from _read_utf8(path).split("\n")
        return
    try:
        with _reading(path), path.open(encoding="utf-8-sig", newline="\n") as handle:
            yield from (line.rstrip("\n") for line in handle)
    except UnicodeDecodeError as error:
        raise LmgameError(f"{path} is not UTF-8 text ({error.reason})") from None


def iter_jsonl(path: Path, field: str = "text", max_chars: int | None = None,
               most_chars: int | None = None) -> Iterator[Document]:
    """Documents from a JSONL file, one object a line with a `field` string; blank lines are skipped; with
    `max_chars`, a longer text is refused; with `most_chars`, the file is read a line at a time (stop asking
    and it stops reading)."""
    for number, line in enumerate(_jsonl_lines(path, most_chars), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise LmgameError(f"{path}:{number}: not valid JSON ({error.msg}, column {error.colno})") from None
        if not isinstance(record, dict) or not isinstance(record.get(field), str):
            raise LmgameError(f'{path}:{number}: expected an object with a string "{field}" field')
        if max_chars is not None and len(record[field]) > max_chars:
            raise _too_long(f"{path}:{number}")
        doc_id = str(record.get("id", f"{path.stem}:{number}"))
        yield Document(doc_id, record[field], str(record.get("title", "")))


def read_documents(path: Path | str, whole: bool = True, most_chars: int | None = None) -> list[Document]:
    """A .jsonl file gives one document a line; any other file is one document. `whole`: the caller tokenizes
    each document whole, so one over MAX_DOCUMENT_CHARS is refused (a scan cut at --max-tokens reads any).
    `most_chars`: the documents that hold the file's first `most_chars` characters of text (the last one cut),
    reading no further than they need (a jsonl file's lines up to the last one kept)."""
    path = Path(path)
    max_chars = MAX_DOCUMENT_CHARS if whole else None
    if path.suffix.lower() == ".jsonl":
        found = (d for d in iter_jsonl(path, max_chars=max_chars, most_chars=most_chars) if d.text.strip())
        docs = _first_chars(found, most_chars)
    else:
        text = _read_utf8(path, max_chars) if most_chars is None else _utf8_start(path, most_chars)
        docs = [Document(path.name, text, path.name)] if text.strip() else []
    if not docs:
        raise LmgameError(f"{path} has no text to play on: it is empty")
    return docs


def _first_chars(documents: Iterable[Document], most_chars: int | None) -> list[Document]:
    """The documents until `most_chars` characters are reached, the last one cut; all of them without a bound."""
    if most_chars is None:
        return list(documents)
    kept: list[Document] = []
    left = most_chars
    for document in documents:
        kept.append(dataclasses.replace(document, text=document.text[:left]))
        left -= len(kept[-1].text)
        if left <= 0:
            break
    return kept


def text_document(text: str) -> Document:
    if not text.strip():
        raise LmgameError("--text is empty: give some text to play on")
    return Document("text", text, "--text")


def dataset_documents(name: str, split: str = "train", limit: int = 100, whole: bool = True) -> list[Document]:
    """The first `limit` texts of a Hugging Face dataset (needs the `datasets` package and the hub or a cache);
    `whole` as for `read_documents`: a text over MAX_DOCUMENT_CHARS is refused."""
    try:
        import datasets
    except ImportError:
        raise LmgameError("--dataset needs the datasets package: pip install datasets") from None
    try:
        stream = datasets.load_dataset(name, split=split, streaming=True)
    except Exception as error:  # noqa: BLE001 - datasets raises many kinds; all mean "not reachable or not found"
        raise LmgameError(f"cannot open dataset {name!r} (split {split}): {error}".splitlines()[0]) from None
    docs: list[Document] = []
    for number, row in enumerate(stream):
        if len(docs) >= limit:
            break
        text = row.get("text") if isinstance(row, dict) else None
        if whole and isinstance(text, str) and len(text) > MAX_DOCUMENT_CHARS:
            raise _too_long(f"dataset {name!r} (split {split}), row {number}")
        if isinstance(text, str) and text.strip():
            docs.append(Document(f"{name}:{split}:{number}", text, f"{name} #{number}"))
    if not docs:
        raise LmgameError(f'dataset {name!r} has no "text" column with text in it')
    return docs
