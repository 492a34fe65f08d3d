"""Reading texts to play on or score over: a string, a .txt file, a .jsonl file, a Hugging Face dataset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.errors import LmgameError


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    title: str = ""


def _read_utf8(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LmgameError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise LmgameError(f"{path} is a directory, not a text file") from None
    except OSError as error:
        raise LmgameError(f"cannot read {path}: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise LmgameError(f"{path} is not UTF-8 text (bad byte at line {line}, byte {error.start})") from None


def iter_jsonl(path: Path, field: str = "text") -> Iterator[Document]:
    """Documents from a JSONL file, one object a line with a `field` string; blank lines are skipped."""
    content = _read_utf8(path)
    # split on newlines only: str.splitlines also splits at U+2028 and friends, which JSON strings may hold
    for number, line in enumerate(content.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise LmgameError(f"{path}:{number}: not valid JSON ({error.msg}, column {error.colno})") from None
        if not isinstance(record, dict) or not isinstance(record.get(field), str):
            raise LmgameError(f'{path}:{number}: expected an object with a string "{field}" field')
        doc_id = str(record.get("id", f"{path.stem}:{number}"))
        yield Document(doc_id, record[field], str(record.get("title", "")))


def read_documents(path: Path | str) -> list[Document]:
    """A .jsonl file gives one document a line; any other file is one document."""
    path = Path(path)
    if path.suffix.lower() == ".jsonl":
        docs = [doc for doc in iter_jsonl(path) if doc.text.strip()]
    else:
        text = _read_utf8(path)
        docs = [Document(path.name, text, path.name)] if text.strip() else []
    if not docs:
        raise LmgameError(f"{path} has no text to play on: it is empty")
    return docs


def text_document(text: str) -> Document:
    if not text.strip():
        raise LmgameError("--text is empty: give some text to play on")
    return Document("text", text, "--text")


def dataset_documents(name: str, split: str = "train", limit: int = 100) -> list[Document]:
    """The first `limit` texts of a Hugging Face dataset (needs the `datasets` package and the hub or a cache)."""
    try:
        import datasets
    except ImportError:
        raise LmgameError("--dataset needs the datasets package: pip install datasets") from None
    try:
        stream = datasets.load_dataset(name, split=split, streaming=True)
    except Exception as error:  # noqa: BLE001 - datasets raises many kinds; all mean "not reachable or not found"
        raise LmgameError(f"cannot open dataset {name!r} (split {split}): {error}".splitlines()[0]) from None
    docs = []
    for number, row in enumerate(stream):
        if len(docs) >= limit:
            break
        text = row.get("text") if isinstance(row, dict) else None
        if isinstance(text, str) and text.strip():
            docs.append(Document(f"{name}:{split}:{number}", text, f"{name} #{number}"))
    if not docs:
        raise LmgameError(f'dataset {name!r} has no "text" column with text in it')
    return docs
