"""The latest scores of each candidate on each model, kept across runs (a JSONL file in the data directory),
for the Candidates screen and for sharing a finding."""

from __future__ import annotations

import json
import time
from pathlib import Path

from games.paths import data_dir
from games.results import NotAResult, ScoreSummary


def history_path() -> Path:
    return data_dir() / "scores.jsonl"


def record_scores(summaries: list[ScoreSummary], path: Path | None = None) -> None:
    """Append each summary with the time it was made; a history that cannot be written is skipped."""
    path = path or history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            for summary in summaries:
                handle.write(json.dumps({**summary.as_json(), "scored_at": time.time()}, ensure_ascii=False) + "\n")
    except OSError:
        return


def last_scores(path: Path | None = None) -> dict[tuple[str, str, str], ScoreSummary]:
    """(candidate, model label, conditions) -> the latest summary: keyed by its conditions too, so that a later
    result under other conditions (another corpus, options or set of models) does not hide one under these.
    Lines that are not a summary are passed over."""
    path = path or history_path()
    latest: dict[tuple[str, str, str], ScoreSummary] = {}
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return latest
    for line in lines:
        try:
            summary = ScoreSummary.from_json(json.loads(line))
        except (ValueError, NotAResult, RecursionError):  # not JSON, not a summary, nested too deeply
            continue
        latest[(summary.candidate, summary.model, summary.conditions)] = summary
    return latest
