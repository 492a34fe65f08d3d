"""README.md tells the truth: CI runs its test command, and every key and command it lists exists."""

from __future__ import annotations

import re
from pathlib import Path

from tui.cli import SUBCOMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _code_blocks(language: str = "") -> list[str]:
    """The fenced blocks of one language ("" for shell commands), in order."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", README, flags=re.DOTALL | re.MULTILINE)
    return [body for lang, body in blocks if lang == language]


def test_ci_runs_the_readme_test_command() -> None:
    setup_commands = [block.strip() for block in _code_blocks()[:2]]
    assert setup_commands[0].endswith("&& lmgame")
    assert setup_commands[1].endswith("python -m pytest")
    assert setup_commands[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_lmgame_command_in_the_readme_parses() -> None:
    import shlex

    parser = build_parser()
    lines = [line.split("#")[0].split(">")[0].strip() for block in _code_blocks()[2:] for line in block.splitlines()]
    lines = [re.sub(r"\[[^\]]*\]", "", line) for line in lines]  # optional parts, shown as [--flag VALUE]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("lmgame")]
    assert len(commands) >= 14
    for argv in commands:
        if not argv or argv[0] not in SUBCOMMANDS:
            argv = ["play", *argv]
        parser.parse_args(argv)  # exits (fails the test) on an unknown command or flag


def _bound_keys() -> set[str]:
    """Every key some screen of the app (or the app itself, or a widget it uses) binds."""
    import importlib
    import inspect

    from textual.widgets import DataTable, OptionList

    from tui.app import LmgameApp

    owners: list[type] = [LmgameApp, DataTable, OptionList]
    for path in sorted((ROOT / "tui" / "screens").glob("*.py")):
        module = importlib.import_module(f"tui.screens.{path.stem}")
        owners += [cls for _, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == module.__name__]
    bound = set()
    for owner in owners:
        for binding in getattr(owner, "BINDINGS", []):
            key = binding.key if hasattr(binding, "key") else binding[0]
            bound.update(k.strip() for k in key.split(","))
    return bound


KEY_NAMES = {"Esc": "escape", "Space": "space", "Enter": "enter", "←": "left", "→": "right",
             "[": "left_square_bracket", "]": "right_square_bracket", "?": "question_mark"}


def test_every_key_in_the_readme_is_bound() -> None:
    bound = _bound_keys()
    tables = [line for line in README.splitlines() if line.startswith("| ") and line.count("|") == 4]
    listed = [key for line in tables for key in re.findall(r"`([^`]+)`", line.split("|")[2])]
    listed = [k for key in listed for k in key.split() if k not in ("...", "…")]
    assert len(listed) >= 30
    for key in listed:
        name = KEY_NAMES.get(key, key.lower())
        if re.fullmatch(r"\d", key):
            continue  # 1 ... 9, checked below
        assert name in bound, f"README lists {key}, which nothing binds"
    for digit in "123456789":
        assert digit in bound


def test_the_readme_candidate_files_check_clean(tmp_path: Path) -> None:
    from games.candidate_files import check_file

    for language, suffix in (("toml", ".toml"), ("python", ".py")):
        (block,) = _code_blocks(language)
        path = tmp_path / f"readme_candidate{suffix}"
        path.write_text(block)
        candidates, problems = check_file(path)
        assert problems == [] and len(candidates) == 1


def test_the_readme_names_every_key_of_the_scan_comparison() -> None:
    from games.results import CompareReport

    section = README[README.index("## Scanning for capabilities"):README.index("## Sharing a finding")]
    assert [key for key in CompareReport.__annotations__ if f'"{key}"' not in section] == []
