"""Reading texts to play on or score over: a string, a .txt file, a .jsonl (or .jsonl.gz, or .parquet) file, a
folder or glob of such files (the shards of a corpus), a Hugging Face dataset."""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import glob
import gzip
import json
import os
import zlib
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
MAX_JSONL_LINE = 6 * MAX_DOCUMENT_CHARS + 1024  # JSON writes a character in at most 6 (\uXXXX); a compressed line
# longer than that is refused as it is read, not after it has filled the memory
CORPUS_SUFFIXES = (".jsonl.gz", ".jsonl", ".parquet", ".txt")  # a folder's files that are read, the others skipped


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


def _gzip_lines(path: Path) -> Iterator[str]:
    """The lines of a gzip-compressed UTF-8 file, read a line at a time, none longer than MAX_JSONL_LINE."""
    try:
        with _reading(path), gzip.open(path, "rt", encoding="utf-8-sig", newline="\n") as handle:
            while line := handle.readline(MAX_JSONL_LINE):
                if len(line) == MAX_JSONL_LINE and not line.endswith("\n"):
                    raise _too_long(str(path))
                yield line.rstrip("\n")
    except UnicodeDecodeError as error:
        raise LmgameError(f"{path} is not UTF-8 text once decompressed ({error.reason})") from None
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise LmgameError(f"{path} is not a readable gzip file ({error or 'cut short'})") from None


def _jsonl_lines(path: Path, most_chars: int | None) -> Iterator[str]:
    """The file's lines: all of it, read at once; with `most_chars`, read a line at a time, so that the caller
    stops reading where it stops asking. A .gz file is always read a line at a time."""
    if _suffix(path) == ".jsonl.gz":
        yield from _gzip_lines(path)
        return
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
               most_chars: int | None = None, name: str | None = None) -> Iterator[Document]:
    """Documents from a JSONL file, one object a line with a `field` string; blank lines are skipped; with
    `max_chars`, a longer text is refused; with `most_chars`, the file is read a line at a time (stop asking
    and it stops reading). A document without an "id" is called `name` (default: the file's name) and its line."""
    name = name or _stem(path)
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
        doc_id = str(record.get("id", f"{name}:{number}"))
        yield Document(doc_id, record[field], str(record.get("title", "")))


def iter_parquet(path: Path, field: str = "text", max_chars: int | None = None,
                 name: str | None = None) -> Iterator[Document]:
    """Documents from a Parquet file's `field` column (and its "id" and "title" columns where it has them), read a
    row group at a time; needs pyarrow."""
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise LmgameError(f'reading {path} needs pyarrow: pip install pyarrow (or "lmgame[ray]")') from None
    name = name or _stem(path)
    try:
        with _reading(path):
            table = pyarrow.parquet.ParquetFile(path)
        columns = table.schema_arrow.names
        if field not in columns:
            raise LmgameError(f'{path} has no "{field}" column')
        number = 0
        for batch in table.iter_batches(batch_size=256, columns=[c for c in (field, "id", "title") if c in columns]):
            for record in batch.to_pylist():
                number += 1
                text = record[field]
                if not isinstance(text, str):
                    raise LmgameError(f'{path}: row {number}: "{field}" is not a string')
                if max_chars is not None and len(text) > max_chars:
                    raise _too_long(f"{path}: row {number}")
                doc_id = record.get("id")
                yield Document(str(doc_id) if doc_id is not None else f"{name}:{number}", text,
                               str(record.get("title") or ""))
    except pyarrow.ArrowException as error:
        raise LmgameError(f"{path} is not a readable Parquet file ({str(error).splitlines()[0]})") from None


def _suffix(path: Path) -> str:
    """The corpus suffix of a file name (".jsonl.gz" counts as one), in lower case; "" for another file."""
    lower = path.name.lower()
    return next((suffix for suffix in CORPUS_SUFFIXES if lower.endswith(suffix)), "")


def _stem(path: Path) -> str:
    return path.name[: len(path.name) - len(_suffix(path))] if _suffix(path) else path.stem


def corpus_files(spec: Path | str) -> list[Path]:
    """The files a corpus is read from, in order: a file; a folder's .jsonl, .jsonl.gz, .parquet and .txt files (in
    its subfolders too, not following links), by name; or the files a glob pattern ("shards/*.jsonl.gz") names."""
    path = Path(spec)
    if path.is_dir():
        found = [Path(folder) / file for folder, _, files in os.walk(path) for file in files
                 if _suffix(Path(file))]
        if not found:
            raise LmgameError(f"{path} is a folder with no .jsonl, .jsonl.gz, .parquet or .txt file in it")
        return sorted(found, key=lambda file: file.relative_to(path).parts)
    if not path.exists() and glob.has_magic(str(spec)):
        matched = sorted(Path(file) for file in glob.glob(str(spec), recursive=True) if Path(file).is_file())
        if not matched:
            raise LmgameError(f"no file matches {spec}")
        return matched
    return [path]


def shard_names(files: list[Path]) -> list[str]:
    """What each file's documents are called: the file's name, or for several files its path below the folder
    they share (without the suffix), so that two shards' documents never share an id."""
    if len(files) == 1:
        return [_stem(files[0])]
    common = Path(os.path.commonpath([file.parent for file in files]))
    return [(file.parent.relative_to(common) / _stem(file)).as_posix() for file in files]


def file_documents(path: Path, whole: bool = True, most_chars: int | None = None,
                   name: str | None = None) -> list[Document]:
    """One file's documents (none where it holds no text): `whole` and `most_chars` as for `read_documents`."""
    max_chars = MAX_DOCUMENT_CHARS if whole else None
    suffix = _suffix(path)
    if suffix in (".jsonl", ".jsonl.gz", ".parquet"):
        found = (iter_parquet(path, max_chars=max_chars, name=name) if suffix == ".parquet"
                 else iter_jsonl(path, max_chars=max_chars, most_chars=most_chars, name=name))
        return _first_chars((d for d in found if d.text.strip()), most_chars)
    text = _read_utf8(path, max_chars) if most_chars is None else _utf8_start(path, most_chars)
    return [Document(path.name, text, path.name)] if text.strip() else []


@dataclass(frozen=True)
class Shards:
    """A corpus as its files: each file (`paths`, none for a dataset), what its documents are called and its
    documents."""

    paths: list[Path]
    names: list[str]
    documents: list[list[Document]]

    @property
    def flat(self) -> list[Document]:
        return [document for shard in self.documents for document in shard]

    @property
    def sizes(self) -> list[int]:
        return [len(shard) for shard in self.documents]


def read_shards(spec: Path | str, whole: bool = True, most_chars: int | None = None) -> Shards:
    """Each file's documents (`corpus_files`), in order; with `most_chars`, the files that hold that many
    characters of text (the last document cut), read no further."""
    files = corpus_files(spec)
    names = shard_names(files)
    shards: list[list[Document]] = []
    left = most_chars
    for path, name in zip(files, names, strict=True):
        if left is not None and left <= 0:
            break
        shards.append(file_documents(path, whole, left, name))
        left = None if left is None else left - sum(len(d.text) for d in shards[-1])
    if not any(shards):
        raise LmgameError(f"{spec} has no text to play on: it is empty")
    return Shards(files[: len(shards)], names[: len(shards)], shards)


def read_documents(path: Path | str, whole: bool = True, most_chars: int | None = None) -> list[Document]:
    """A .jsonl (.jsonl.gz, .parquet) file gives one document a line (a row); any other file is one document; a
    folder or a glob, its files' documents in order (`corpus_files`). `whole`: the caller tokenizes each
    document whole, so one over MAX_DOCUMENT_CHARS is refused (a scan cut at --max-tokens reads any).
    `most_chars`: the documents that hold the first `most_chars` characters of text (the last one cut), reading
    no further than they need (a jsonl file's lines up to the last one kept)."""
    return read_shards(path, whole, most_chars).flat


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
