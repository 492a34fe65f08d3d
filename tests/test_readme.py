"""README.md tells the truth: CI runs its test command, and every key and command it lists exists."""

from __future__ import annotations

import re
from pathlib import Path

from tui.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _code_blocks() -> list[str]:
    return re.findall(r"```\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    setup_commands = [block.strip() for block in _code_blocks()[:2]]
    assert setup_commands[0].endswith("&& lmgame")
    assert setup_commands[1].endswith("python -m pytest")
    assert setup_commands[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_every_lmgame_command_in_the_readme_parses() -> None:
    import shlex

    parser = build_parser()
    lines = [line.split("#")[0].split(">")[0].strip() for block in _code_blocks()[2:] for line in block.splitlines()]
    commands = [shlex.split(line)[1:] for line in lines if line.startswith("lmgame")]
    assert len(commands) >= 8
    for argv in commands:
        argv = [a for a in argv if a not in ("[--json]",)]
        if not argv or argv[0] not in ("play", "predict", "models", "log"):
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
