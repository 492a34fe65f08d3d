"""Every path lmgame writes to, in one place. Nothing is created on import."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def data_dir() -> Path:
    """The user's lmgame data directory; LMGAME_HOME overrides it (tests use this)."""
    override = os.environ.get("LMGAME_HOME")
    return Path(override).expanduser() if override else Path(platformdirs.user_data_dir("lmgame", appauthor=False))


def guess_log_path() -> Path:
    return data_dir() / "guesses.sqlite3"


def demo_texts_path() -> Path:
    return Path(__file__).resolve().parent / "data" / "demo_texts.jsonl"


def user_candidates_dir() -> Path:
    """The user's own candidates (.toml and .py), loaded beside the built-in library."""
    return data_dir() / "candidates"


def builtin_candidates_dir() -> Path:
    return Path(__file__).resolve().parent / "builtin_candidates"


def score_cache_dir() -> Path:
    """Cached scoring results; LMGAME_HOME moves it too."""
    override = os.environ.get("LMGAME_HOME")
    if override:
        return Path(override).expanduser() / "cache"
    return Path(platformdirs.user_cache_dir("lmgame", appauthor=False))
