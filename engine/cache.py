"""A result cache on disk: JSON values under keys that hash everything a result depends on. Each entry carries
the key it was stored under and a checksum of both, so a damaged, edited or misplaced file reads as a miss."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

CACHE_VERSION = 2  # bump when what is stored changes meaning


def cache_key(*parts: object) -> str:
    """A stable key for JSON-able parts (model identity, tokenizer, corpus hash, definition, settings...)."""
    basis = json.dumps([CACHE_VERSION, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(basis.encode()).hexdigest()


class ResultCache:
    """`folder` None disables it. A value that cannot be read back counts as a miss, never as an error."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def get(self, key: str) -> Any | None:
        """The JSON value stored under `key`, or None."""
        if self.folder is None:
            return None
        try:
            entry = json.loads(_entry_path(self.folder, key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(entry, dict) or entry.get("key") != key or "value" not in entry:
            return None
        return entry["value"] if entry.get("checksum") == checksum(key, entry["value"]) else None

    def put(self, key: str, value: object) -> None:
        """Write atomically (a temporary file renamed into place); a cache that cannot be written is skipped."""
        if self.folder is None:
            return
        path = _entry_path(self.folder, key)
        entry = {"key": key, "checksum": checksum(key, value), "value": value}
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entry, out)  # ASCII: any string, even a lone surrogate, reads back as it was
            os.replace(temporary, path)
        except OSError:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)


def _entry_path(folder: Path, key: str) -> Path:
    return folder / key[:2] / f"{key}.json"


def checksum(key: str, value: object) -> str:
    """A sha256 of a key and a JSON value, the same before writing and after reading back."""
    canonical = json.dumps([key, value], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def text_hash(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
    return digest.hexdigest()[:24]
