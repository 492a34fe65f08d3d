"""The built-in demo texts: stories and web-like paragraphs written for lmgame, rich in the seeds' phenomena."""

from __future__ import annotations

from engine.corpus import Document, read_documents
from games.paths import demo_texts_path


def demo_documents() -> list[Document]:
    return read_documents(demo_texts_path())
