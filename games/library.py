"""The candidate library: built-in candidates, the user's own directory, and files named on the command line.

Later sources shadow earlier ones by name: a user's candidate can replace a built-in one.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from engine.errors import LmgameError
from games.candidate_files import SUFFIXES, load_file
from games.candidates import Candidate
from games.display import printable
from games.paths import builtin_candidates_dir, user_candidates_dir


@dataclass
class Library:
    candidates: dict[str, Candidate] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # files in the user's directory that did not load

    def add(self, candidate: Candidate) -> None:
        if candidate.name in self.candidates:
            old = self.candidates[candidate.name]
            if old.source == candidate.source:
                raise LmgameError(f"{candidate.source}: two candidates are named {candidate.name!r}")
            self.warnings.append(printable(f"{candidate.name}: {candidate.source} replaces the one from {old.source}"))
        self.candidates[candidate.name] = candidate

    def select(self, names: Iterable[str]) -> list[Candidate]:
        """The named candidates in the order given (all of them when none is named)."""
        names = list(names)
        if not names:
            return list(self.candidates.values())
        chosen = []
        for name in names:
            if name not in self.candidates:
                close = difflib.get_close_matches(name, list(self.candidates), n=3)
                hint = f" (did you mean {', '.join(close)}?)" if close else " (lmgame candidates list shows them)"
                raise LmgameError(f"no candidate named {name!r}{hint}")
            chosen.append(self.candidates[name])
        return chosen


def files_in(folder: Path) -> list[Path]:
    """The candidate files of a folder, in the order they load: .toml and .py, except those whose name starts
    with '_' or '.'."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and not p.name.startswith(("_", ".")))


UserFiles = dict[Path, list[Candidate] | str]  # a file of the user's folder: its candidates, or why it did not load


def user_files(folder: Path) -> UserFiles:
    """Each candidate file of `folder`, loaded (a Python file runs): its candidates, or the one line saying why
    it does not load."""
    files: UserFiles = {}
    for path in files_in(folder):
        try:
            files[path] = load_file(path)
        except LmgameError as error:
            files[path] = str(error)
    return files


def load_library(paths: Iterable[Path | str] = (), user_dir: Path | None = None,
                 loaded: UserFiles | None = None) -> Library:
    """Built-in candidates, then the user's directory (a broken file there is a warning, not a failure; files
    already in `loaded` are taken from there, not loaded again), then `paths` (files, or folders of them), whose
    problems are errors."""
    library = Library()
    for path in files_in(builtin_candidates_dir()):
        for item in load_file(path, source="built-in"):
            library.add(item)
    loaded = loaded or {}
    for path in files_in(user_dir or user_candidates_dir()):
        try:
            candidates = loaded[path] if path in loaded else load_file(path)
            if isinstance(candidates, str):
                raise LmgameError(candidates)
            for item in candidates:
                library.add(item)
        except LmgameError as error:
            library.warnings.append(printable(f"skipped: {error}"))
    for given in paths:
        path = Path(given)
        for file in files_in(path) if path.is_dir() else [path]:
            for item in load_file(file):
                library.add(item)
    return library
