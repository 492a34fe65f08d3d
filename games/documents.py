"""Where texts come from: the source a command names (--text, a file, a dataset, else the demo texts), and the
text a logged guess was made in, found again from its session's source, to play it or search it.

A logged guess's source: "demo": the built-in demo texts; a file path: that file, when it is still there and
still holds the logged context; otherwise the logged context and true token alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from engine.corpus import Document, Shards, dataset_documents, read_documents, read_shards, text_document
from engine.errors import LmgameError
from games.demo import demo_documents
from games.review import ReviewRow

DATASET_DOCUMENTS = 1000  # of a dataset, the documents scored or scanned
PLAY_DATASET_DOCUMENTS = 100  # of a dataset, the documents played on


def source_documents(text: str | None = None, file: str | None = None, dataset: str | None = None, *,
                     whole: bool = True, dataset_most: int = DATASET_DOCUMENTS,
                     most_chars: int | None = None) -> tuple[list[Document], str]:
    """The documents of the source a command names, and its label (for the log and the results): `text` itself,
    a file, the first `dataset_most` texts of a dataset, else the demo texts; `whole` and `most_chars` (a file's
    first characters, read no further) as for `read_documents`."""
    if text is not None:
        return [text_document(text)], "--text"
    if file is not None:
        return read_documents(file, whole=whole, most_chars=most_chars), file
    if dataset is not None:
        return dataset_documents(dataset, limit=dataset_most, whole=whole), f"dataset:{dataset}"
    return demo_documents(), "demo"


def source_shards(file: str | None = None, dataset: str | None = None, *, whole: bool = True,
                  most_chars: int | None = None) -> Shards:
    """A corpus (a file, a folder or a glob: `read_shards`) as its files, or a dataset's first DATASET_DOCUMENTS
    texts as one shard of no file; `whole` and `most_chars` as for `source_documents`."""
    if file is not None:
        return read_shards(file, whole, most_chars)
    if dataset is None:
        raise ValueError("a corpus file or a dataset")
    return Shards([], [f"dataset:{dataset}"], [dataset_documents(dataset, limit=DATASET_DOCUMENTS, whole=whole)])


Loaded = dict[str, list[Document]]  # source -> its documents (empty where it cannot be read)


def _source_documents(source: str, loaded: Loaded) -> list[Document]:
    if source not in loaded:
        documents: list[Document] = []
        try:
            if source == "demo":
                documents = demo_documents()
            elif source and Path(source).is_file():
                documents = read_documents(source)
        except (LmgameError, OSError):
            documents = []
        loaded[source] = documents
    return loaded[source]


def document_for_row(row: ReviewRow, loaded: Loaded | None = None) -> Document:
    """The document the guess was made in; `loaded` caches each source's documents across calls."""
    for document in _source_documents(row.source, {} if loaded is None else loaded):
        if document.id == row.text_id and document.text[: row.offset] == row.context:
            return document
    return Document(row.text_id, row.context + row.true_token, f"{row.text_id} (from the log)")


def documents_for_rows(rows: Iterable[ReviewRow], extra: Iterable[Document] = ()) -> list[Document]:
    """Each distinct document the guesses were made in, then `extra` (e.g. the demo texts), without repeats."""
    loaded: Loaded = {}
    documents: dict[tuple[str, str], Document] = {}
    seen: set[tuple[str, str, int]] = set()
    for row in rows:
        if (row.source, row.text_id, row.offset) in seen:
            continue
        seen.add((row.source, row.text_id, row.offset))
        document = document_for_row(row, loaded)
        documents.setdefault((document.id, document.text), document)
    for document in extra:
        documents.setdefault((document.id, document.text), document)
    found = list(documents.values())
    # guesses rebuilt from the log alone, at several places in one text: keep the longest of each text
    return [d for d in found if not any(o.id == d.id and len(o.text) > len(d.text) and o.text.startswith(d.text)
                                        for o in found)]
