"""engine/ and games/ never import Textual (checked in a fresh interpreter), and imports point one way."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


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
