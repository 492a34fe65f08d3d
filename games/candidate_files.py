"""Candidate files: data-only TOML (safe to share, never runs code) and Python (for predictors that need code).

A TOML file holds one candidate at its top level, or several as [[candidate]] tables:

    name = "repeated-name"
    description = "A character introduced as 'named X' is called X again later."
    tags = ["tinystories"]
    finder = '''named (?P<name>[A-Z][a-z]+)\\b[^"]*?[.!] (?P<answer>[A-Z][a-z]+)'''
    predictor = "{name}"
    foil = "..."          # optional, a template too
    overlapped = false    # optional

    [[examples]]
    context = "There was a dog named Max. "
    answer = "Max"
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from games.candidates import Candidate, Example

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOML_KEYS = {"name", "description", "tags", "finder", "predictor", "foil", "overlapped", "examples"}
SUFFIXES = (".toml", ".py")


def _string(table: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        if required:
            raise LmgameError(f"{where}: {key!r} is required")
        return None
    if not isinstance(value, str):
        raise LmgameError(f"{where}: {key!r} must be a string")
    return value


def _examples(table: dict[str, Any], where: str) -> tuple[Example, ...]:
    examples = table.get("examples", [])
    if not isinstance(examples, list):
        raise LmgameError(f"{where}: 'examples' must be an array of tables ([[examples]])")
    result = []
    for number, example in enumerate(examples, start=1):
        at = f"{where}, example {number}"
        if not isinstance(example, dict) or set(example) - {"context", "answer"}:
            raise LmgameError(f"{at}: an example has exactly a 'context' and an 'answer'")
        result.append(Example(_string(example, "context", at, True) or "", _string(example, "answer", at, True) or ""))
    return tuple(result)


def candidate_from_table(table: dict[str, Any], where: str, source: str) -> Candidate:
    unknown = sorted(set(table) - TOML_KEYS)
    if unknown:
        raise LmgameError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOML_KEYS))})")
    name = _string(table, "name", where, True) or ""
    where = f"{where} ({name})"
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise LmgameError(f"{where}: 'tags' must be an array of strings")
    overlapped = table.get("overlapped", False)
    if not isinstance(overlapped, bool):
        raise LmgameError(f"{where}: 'overlapped' must be true or false")
    try:
        return Candidate(
            name=name,
            finder=_string(table, "finder", where, True) or "",
            predictor=_string(table, "predictor", where, True),
            foil=_string(table, "foil", where),
            description=_string(table, "description", where) or "",
            tags=tuple(tags),
            examples=_examples(table, where),
            overlapped=overlapped,
            source=source,
            path=source if source != "built-in" else "",
            kind="toml",
            definition=json.dumps(table, sort_keys=True, ensure_ascii=False),
        )
    except LmgameError as error:
        raise LmgameError(f"{where}: {error}") from None


def load_toml(path: Path, source: str | None = None) -> list[Candidate]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise LmgameError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise LmgameError(f"{path}: not valid TOML: {error}") from None
    source = source or str(path)
    if "candidate" in data:
        tables = data["candidate"]
        if not isinstance(tables, list) or set(data) != {"candidate"}:
            raise LmgameError(f"{path}: use either [[candidate]] tables or one candidate at the top level")
        return [candidate_from_table(t, f"{path}: candidate {i}", source) for i, t in enumerate(tables, 1)]
    return [candidate_from_table(data, str(path), source)]


def load_python(path: Path, source: str | None = None) -> list[Candidate]:
    """Run a Python candidate file (it is code: only load files you trust) and collect its candidates."""
    text = path.read_bytes()
    module_name = "lmgame_candidates_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LmgameError(f"{path}: cannot load as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise LmgameError(f"{path}:{error.lineno}: syntax error: {error.msg}") from None
    except LmgameError as error:
        raise LmgameError(f"{path}{_error_line(error, path)}: {error}") from None
    except Exception as error:  # noqa: BLE001 - a user's file may raise anything at import
        line = _error_line(error, path)
        raise LmgameError(f"{path}{line}: {type(error).__name__} while loading: {error}") from None
    found = [value for value in vars(module).values() if isinstance(value, Candidate)]
    if not found:
        raise LmgameError(f"{path}: defines no candidate (decorate a function with @candidate(...))")
    for item in found:
        item.source = source or str(path)
        item.path = str(path)
        item.kind = "python"
        item.definition = hashlib.sha256(text).hexdigest()
    return found


def _error_line(error: BaseException, path: Path) -> str:
    traceback = error.__traceback__
    line = ""
    while traceback is not None:
        if Path(traceback.tb_frame.f_code.co_filename) == path:
            line = f":{traceback.tb_lineno}"
        traceback = traceback.tb_next
    return line


def load_file(path: Path | str, source: str | None = None) -> list[Candidate]:
    path = Path(path)
    if not path.is_file():
        raise LmgameError(f"candidate file not found: {path}")
    if path.suffix == ".toml":
        return load_toml(path, source)
    if path.suffix == ".py":
        return load_python(path, source)
    raise LmgameError(f"{path}: a candidate file ends in .toml (data only) or .py (with code)")


def check_file(path: Path | str) -> tuple[list[Candidate], list[str]]:
    """Load a candidate file and check its examples: (candidates, problems), each problem on one line."""
    try:
        candidates = load_file(path)
    except LmgameError as error:
        return [], [str(error)]
    problems = []
    names = [c.name for c in candidates]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: the name {name!r} is used twice")
    for item in candidates:
        if not item.examples:
            problems.append(f"{path} ({item.name}): no examples: add one to check what it predicts")
        problems += [f"{path} ({item.name}): {problem}" for problem in item.check_examples()]
    return candidates, problems


def _toml_string(text: str) -> str:
    """A TOML string: literal ('...') where it can be, so that a regex keeps its backslashes as written."""
    if "'" not in text and "\n" not in text and text.isprintable():
        return f"'{text}'"
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def candidate_table(candidate: Candidate) -> dict[str, Any]:
    """The data-only form of a candidate; LmgameError for one whose predictor or foil is code."""
    for role, value in (("predictor", candidate.predictor), ("foil", candidate.foil)):
        if value is not None and not isinstance(value, str):
            raise LmgameError(f"{candidate.name}: its {role} is Python code; only template candidates are data")
    table: dict[str, Any] = {"name": candidate.name, "description": candidate.description,
                             "tags": list(candidate.tags), "finder": candidate.finder,
                             "predictor": candidate.predictor}
    if candidate.foil:
        table["foil"] = candidate.foil
    if candidate.overlapped:
        table["overlapped"] = True
    table["examples"] = [{"context": e.context, "answer": e.answer} for e in candidate.examples]
    return table


def candidate_toml(candidate: Candidate) -> str:
    table = candidate_table(candidate)
    lines = []
    for key, value in table.items():
        if key == "examples":
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{key} = [{', '.join(_toml_string(v) for v in value)}]")
        else:
            lines.append(f"{key} = {_toml_string(value)}")
    for example in table["examples"]:
        lines += ["", "[[examples]]", f"context = {_toml_string(example['context'])}",
                  f"answer = {_toml_string(example['answer'])}"]
    return "\n".join(lines) + "\n"


def save_candidate(candidate: Candidate, folder: Path, overwrite: bool = False) -> Path:
    """Write a template candidate as `<name>.toml` in `folder` (the user's library by default); it reads back
    as the same candidate. LmgameError if the file exists and `overwrite` is not set, or cannot be written."""
    text = candidate_toml(candidate)
    path = Path(folder) / f"{candidate.name}.toml"
    if path.exists() and not overwrite:
        raise LmgameError(f"{path} exists: choose another name, or overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".toml.tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as error:
        raise LmgameError(f"cannot write {path}: {error.strerror}") from None
    return path
