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

    [variants]            # optional: a generator of synthetic instances (games/variants.py)
    templates = ["There was a dog named {name}. "]
    answer = "{name}"
    slots = {name = "names"}
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from games.candidate_code import running_candidate_code
from games.candidates import Candidate, Example
from games.display import shortened
from games.variants import VariantGenerator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TOML_KEYS = {"name", "description", "tags", "finder", "predictor", "foil", "overlapped", "examples", "variants"}
SUFFIXES = (".toml", ".py")
MAX_FILE_BYTES = 1_000_000  # a candidate file or a finding: a few KB in practice


def _string_problem(table: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
    value = table.get(key)
    if value is None:
        return f"{where}: {key!r} is required" if required else None
    return None if isinstance(value, str) else f"{where}: {key!r} must be a string"


def _example_problems(table: dict[str, Any], where: str) -> list[str]:
    examples = table.get("examples", [])
    if not isinstance(examples, list):
        return [f"{where}: 'examples' must be an array of tables ([[examples]])"]
    problems = []
    for number, example in enumerate(examples, start=1):
        at = f"{where}, example {number}"
        if not isinstance(example, dict) or set(example) - {"context", "answer"}:
            problems.append(f"{at}: an example has exactly a 'context' and an 'answer'")
            continue
        problems += [p for p in (_string_problem(example, key, at, True) for key in ("context", "answer")) if p]
    return problems


def _table_problems(table: dict[str, Any], where: str) -> list[str]:
    """Every problem with the keys and value types of one candidate's table."""
    problems = []
    unknown = sorted(set(table) - TOML_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(TOML_KEYS))})")
    for key, required in (("name", True), ("finder", True), ("predictor", True), ("foil", False),
                          ("description", False)):
        problems += [p for p in [_string_problem(table, key, where, required)] if p]
    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        problems.append(f"{where}: 'tags' must be an array of strings")
    if not isinstance(table.get("overlapped", False), bool):
        problems.append(f"{where}: 'overlapped' must be true or false")
    if not isinstance(table.get("variants", {}), dict):
        problems.append(f"{where}: 'variants' must be a table ([variants])")
    return problems + _example_problems(table, where)


def _where(table: dict[str, Any], where: str) -> str:
    """`where` with the table's name, where it has one."""
    name = table.get("name")
    if not isinstance(name, str):
        return where
    return f"{where} ({shortened(name)})"


def candidate_from_table(table: dict[str, Any], where: str, source: str) -> Candidate:
    where = _where(table, where)
    problems = _table_problems(table, where)
    if problems:
        raise LmgameError(problems[0])
    try:
        return Candidate(
            name=table["name"],
            finder=table["finder"],
            predictor=table["predictor"],
            foil=table.get("foil"),
            description=table.get("description", ""),
            tags=tuple(table.get("tags", [])),
            examples=tuple(Example(e["context"], e["answer"]) for e in table.get("examples", [])),
            overlapped=table.get("overlapped", False),
            variants=table.get("variants"),
            source=source,
            path=source if source != "built-in" else "",
            kind="toml",
            definition=json.dumps(table, sort_keys=True, ensure_ascii=False),
        )
    except LmgameError as error:
        raise LmgameError(f"{where}: {error}") from None


def read_bounded(path: Path, what: str = "a candidate file") -> bytes:
    """The bytes of a file of at most MAX_FILE_BYTES; LmgameError for a larger or unreadable one."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise LmgameError(f"cannot read {path}: {error.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise LmgameError(f"{path} is over {MAX_FILE_BYTES:,} bytes: too large for {what}")
    return data


def _read_text(path: Path) -> str:
    try:
        return read_bounded(path).decode("utf-8")
    except UnicodeDecodeError:
        raise LmgameError(f"{path} is not UTF-8 text") from None


def _toml_tables(path: Path) -> list[tuple[dict[str, Any], str]]:
    """Each candidate table of a TOML file, with where it is; LmgameError for a file that is not TOML, or
    not of either shape."""
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as error:
        raise LmgameError(f"{path}: not valid TOML: {error}") from None
    except RecursionError:
        raise LmgameError(f"{path}: nested too deeply to read") from None
    if "candidate" not in data:
        return [(data, str(path))]
    tables = data["candidate"]
    if not isinstance(tables, list) or set(data) != {"candidate"} or not all(isinstance(t, dict) for t in tables):
        raise LmgameError(f"{path}: use either [[candidate]] tables or one candidate at the top level")
    return [(table, f"{path}: candidate {number}") for number, table in enumerate(tables, start=1)]


def _load_toml_tables(path: Path, source: str | None) -> tuple[list[Candidate], list[str]]:
    """(the candidates that load, every problem of those that do not: each table's own)."""
    candidates, problems = [], []
    for table, where in _toml_tables(path):
        problems_here = _table_problems(table, _where(table, where))
        if problems_here:
            problems += problems_here
            continue
        try:
            candidates.append(candidate_from_table(table, where, source or str(path)))
        except LmgameError as error:
            problems.append(str(error))
    return candidates, problems


def load_toml(path: Path, source: str | None = None) -> list[Candidate]:
    candidates, problems = _load_toml_tables(path, source)
    if problems:
        raise LmgameError(problems[0])
    return candidates


def load_python(path: Path, source: str | None = None) -> list[Candidate]:
    """Run a Python candidate file (it is code: only load files you trust) and collect its candidates. What it
    prints goes to stderr; anything it raises, SystemExit included, is a one-line LmgameError."""
    text = read_bounded(path)
    module_name = "lmgame_candidates_" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:12]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LmgameError(f"{path}: cannot load as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        with running_candidate_code():
            spec.loader.exec_module(module)
    except SyntaxError as error:
        raise LmgameError(f"{path}:{error.lineno}: syntax error: {error.msg}") from None
    except LmgameError as error:
        raise LmgameError(f"{path}{_error_line(error, path)}: {error}") from None
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - a user's file may raise anything at import, even SystemExit
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
    """Load a candidate file and check its examples and variants: (the candidates that load, every problem), each
    problem on one line with its file and candidate: each table's own, each example's, a few variants', a name
    used twice."""
    path = Path(path)
    try:
        if path.is_file() and path.suffix == ".toml":
            candidates, problems = _load_toml_tables(path, None)
        else:
            candidates, problems = load_file(path), []
    except LmgameError as error:
        return [], [str(error)]
    names = [c.name for c in candidates]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: the name {name!r} is used twice")
    for item in candidates:
        problems += [f"{path} ({item.name}): {problem}" for problem in item.check_examples() + item.check_variants()]
    return candidates, problems


TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_char(char: str) -> str:
    if char in TOML_ESCAPES:
        return TOML_ESCAPES[char]
    if char.isprintable():
        return char
    return f"\\u{ord(char):04X}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08X}"


def _toml_string(text: str) -> str:
    """A TOML string: literal ('...') where it can be, so that a regex keeps its backslashes as written; else a
    basic string with every character that is not printable escaped (TOML allows no control character raw
    but tab, DEL included)."""
    if "'" not in text and text.isprintable():
        return f"'{text}'"
    return '"' + "".join(_toml_char(char) for char in text) + '"'


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
    if isinstance(candidate.variants, VariantGenerator):
        table["variants"] = candidate.variants.table
    elif candidate.variants is not None:
        raise LmgameError(f"{candidate.name}: its variant generator is Python code; only a [variants] table is data")
    return table


BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _toml_value(value: Any) -> str:
    """A TOML value on one line: strings, whole numbers, booleans, and arrays and inline tables of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return f"[{', '.join(_toml_value(v) for v in value)}]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return f"{{{pairs}}}"
    return _toml_string(value)


def _toml_key(key: str) -> str:
    return key if BARE_KEY.fullmatch(key) else _toml_string(key)


def candidate_toml(candidate: Candidate) -> str:
    table = candidate_table(candidate)
    lines = [f"{key} = {_toml_value(value)}" for key, value in table.items() if key not in ("examples", "variants")]
    if "variants" in table:
        lines += ["", "[variants]"] + [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table["variants"].items()]
    for example in table["examples"]:
        lines += ["", "[[examples]]", f"context = {_toml_string(example['context'])}",
                  f"answer = {_toml_string(example['answer'])}"]
    return "\n".join(lines) + "\n"


def _check_reads_back(candidate: Candidate, path: Path) -> None:
    loaded = load_toml(path)
    if [candidate_table(c) for c in loaded] != [candidate_table(candidate)]:
        raise LmgameError(f"{candidate.name} does not read back from TOML as itself: not saved")


def save_candidate(candidate: Candidate, folder: Path, overwrite: bool = False) -> Path:
    """Write a template candidate as `<name>.toml` in `folder` (the user's library by default), after checking
    that the file reads back as the same candidate. LmgameError if the file exists and `overwrite` is not set,
    or it cannot be written; no temporary file is left behind."""
    text = candidate_toml(candidate)
    path = Path(folder) / f"{candidate.name}.toml"
    if path.exists() and not overwrite:
        raise LmgameError(f"{path} exists: choose another name, or overwrite it")
    temporary = path.with_name(f".{candidate.name}.toml.tmp")  # a dot file: never loaded as a candidate
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        _check_reads_back(candidate, temporary)
        temporary.replace(path)
    except OSError as error:
        raise LmgameError(f"cannot write {path}: {error.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
    return path
