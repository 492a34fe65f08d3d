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


def test_every_key_in_the_readme_is_bound() -> None:
    from tui.app import LmgameApp
    from tui.screens.guess import GuessScreen
    from tui.screens.help import HelpScreen
    from tui.screens.which import WhichScreen

    bound = set()
    for owner in (LmgameApp, GuessScreen, WhichScreen, HelpScreen):
        for binding in owner.BINDINGS:
            bound.update(key.strip() for key in binding.key.split(","))
    listed = re.findall(r"`(Ctrl\+[A-Z]|F1|Esc|Space)`", README)
    names = {"Esc": "escape", "Space": "space", "F1": "f1"}
    for key in listed:
        assert names.get(key, key.lower()) in bound, f"README lists {key}, which nothing binds"
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
