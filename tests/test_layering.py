"""engine/ and games/ never import Textual (checked in a fresh interpreter), imports point one way, and tui/
takes only value types from engine/: the rest it reaches through games/."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What tui/ may import from engine/: value types, an error to catch and plain data to hold and hand back to games/.
# Loading models, predicting, tokens, the cache and reading corpora go through games/.
TUI_ENGINE_VALUE_TYPES = {
    "engine.errors": {"LmgameError"},
    "engine.corpus": {"Document"},
    "engine.models": {"LoadedModel", "ModelIdentity"},
}
MODEL_INSIDES = {"tokenizer", "bos_id", "max_positions"}  # a LoadedModel's workings: games/ uses them, tui/ never


def _modules(package: str) -> list[str]:
    return [
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in sorted((ROOT / package).rglob("*.py"))
    ]


@pytest.mark.parametrize("package", ["engine", "games"])
def test_package_never_loads_textual(package: str) -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {_modules(package)!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{package} loaded Textual modules: {result.stdout.strip()}"


@pytest.mark.parametrize("package, forbidden", [("engine", ("games", "tui", "textual")), ("games", ("tui", "textual"))])
def test_imports_point_one_way(package: str, forbidden: tuple[str, ...]) -> None:
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.relative_to(ROOT)} imports {name}"


def test_tui_takes_only_value_types_from_engine() -> None:
    for path in sorted((ROOT / "tui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '')}"
            if isinstance(node, ast.Import):
                assert all(alias.name.split(".")[0] != "engine" for alias in node.names), f"{where} imports engine"
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "engine":
                names = {alias.name for alias in node.names}
                allowed = TUI_ENGINE_VALUE_TYPES.get(node.module or "", set())
                assert names <= allowed, f"{where} imports {sorted(names - allowed)} from {node.module}: use games/"
            elif isinstance(node, ast.Attribute):
                assert node.attr not in MODEL_INSIDES, f"{where} reaches into a model (.{node.attr}): use games/"


@pytest.mark.parametrize("module", sorted(TUI_ENGINE_VALUE_TYPES))
def test_the_allowed_names_are_value_types(module: str) -> None:
    for name in TUI_ENGINE_VALUE_TYPES[module]:
        value = getattr(importlib.import_module(module), name)
        assert isinstance(value, type) and (issubclass(value, Exception) or dataclasses.is_dataclass(value)), name
