"""The cache the faces hand to scoring: results kept between runs, or, for a quick look, a cache keeping none."""

from __future__ import annotations

from engine.cache import ResultCache
from games.paths import score_cache_dir


def score_cache(kept: bool = True) -> ResultCache:
    """Scores kept between runs in the user's cache folder (score_cache_dir); with `kept` False, a cache that
    reads and keeps nothing."""
    return ResultCache(score_cache_dir() if kept else None)
