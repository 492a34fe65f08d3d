"""Sharing a finding: a candidate, its scores per model (with the models' identities) and its best and worst
instances, as Markdown for people and as data-only JSON that another user imports into their library.
Importing never runs code: a Python candidate is refused."""

from __future__ import annotations

import contextlib
import datetime
import json
import math
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from engine.tokens import visible
from games.candidate_files import candidate_from_table, candidate_table, read_bounded, save_candidate
from games.candidates import Candidate
from games.comparisons import comparisons
from games.display import shortened
from games.library import UserFiles, load_library, user_files
from games.numbers import probability
from games.results import WORKBENCH, InstanceRow, ScoreSummary, shown_in
from games.scoring import CandidateResult

FINDING_VERSION = 1
SHOWN = 5  # best and worst instances per model
ROW_KEYS = ("document", "offset", "context", "answer", "predicted", "foil", "scored_answer", "prob", "rank", "logprob",
            "model_top1")


def _candidate_record(candidate: Candidate) -> dict[str, Any]:
    if candidate.kind == "toml" or all(isinstance(p, (str, type(None))) for p in (candidate.predictor,
                                                                                     candidate.foil)):
        return {"kind": "toml", "table": candidate_table(candidate)}
    code = ""
    with contextlib.suppress(OSError, ValueError):  # a finding without its source still shares its finder
        code = Path(candidate.path).read_text(encoding="utf-8") if candidate.path else ""
    return {"kind": "python", "name": candidate.name, "description": candidate.description,
            "finder": candidate.finder, "source": code}


def _shown(row: InstanceRow) -> dict[str, Any]:
    written = row.as_json()
    shown = {key: written.get(key) for key in ROW_KEYS}
    shown["context"] = row.context[-200:]
    return shown


def finding(candidate: Candidate, results: list[CandidateResult], seed: int = 0) -> dict[str, Any]:
    """The finding as JSON-able data; `results` are this candidate's, one per model."""
    instances = {}
    for result in results:
        scored = sorted((r for r in result.rows if r.scored),
                        key=lambda r: r.logprob if r.logprob is not None else -math.inf)
        instances[result.lm.identity.label] = {"best": [_shown(r) for r in scored[::-1][:SHOWN]],
                                               "worst": [_shown(r) for r in scored[:SHOWN]]}
    return {
        "lmgame_finding": FINDING_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "candidate": _candidate_record(candidate),
        "corpus": results[0].corpus.label if results else "",
        "scores": [result.summary(seed).as_json() for result in results],
        "comparisons": [comparison.as_json() for comparison in comparisons(results, seed)],
        "instances": instances,
    }


def _answer_probability(logprob: Any) -> str:
    return probability(math.exp(logprob)) if isinstance(logprob, (int, float)) and logprob <= 0 else "-"


def _comparison_line(comparison: Any) -> str:
    """A pair of models in words; "-" for a figure a hand-edited file lacks or garbles."""
    def figure(key: str, form: str) -> str:
        value = comparison.get(key) if isinstance(comparison, dict) else None
        return format(value, form) if isinstance(value, (int, float)) and not isinstance(value, bool) else "-"

    bounds = comparison.get("ci") if isinstance(comparison, dict) else None
    interval = (f" [{bounds[0]:+.2f}, {bounds[1]:+.2f}]" if isinstance(bounds, list) and len(bounds) == 2
                and all(isinstance(b, (int, float)) for b in bounds) else " (no interval: fewer than 10 pairs)")
    names = comparison if isinstance(comparison, dict) else {}
    return (f"{names.get('model_a', '?')} minus {names.get('model_b', '?')}, whole-answer log-probability on the "
            f"same spans: {figure('mean_diff', '+.2f')} nats{interval}, ahead on {figure('share_ahead', '.0%')} of "
            f"{figure('n_paired', 'd')} instances, sign-flip p {figure('p_value', '.3g')}")


def finding_markdown(data: dict[str, Any]) -> str:
    record = data["candidate"]
    table = record.get("table", record)
    lines = [f"# {table['name']}", "", table.get("description") or "(no description)", "",
             f"- finder: `{table['finder']}`"]
    if record["kind"] == "toml":
        lines.append(f"- predictor: `{table['predictor']}`")
        if table.get("foil"):
            lines.append(f"- foil: `{table['foil']}`")
    else:
        lines.append("- predictor: Python code (below); `lmgame import` refuses it: copy it by hand if you trust it")
    shown = shown_in(WORKBENCH)
    scores = [ScoreSummary.from_json(score) for score in data["scores"]]
    lines += ["", f"Scored on {data.get('corpus') or 'a corpus'} ({data['created']}).", "",
              "| " + " | ".join(["model"] + [column.heading for column in shown]) + " |",
              "|" + " --- |" * (1 + len(shown))]
    lines += ["| " + " | ".join([score.model] + [column.cell(score) for column in shown]) + " |" for score in scores]
    heads = [f"- {score.model}: {score.best_head.text()}" for score in scores if score.best_head is not None]
    if heads:
        lines += ["", "The attention head that looks most from the answer's position to the source token (layer.head,"
                  " from 0):", "", *heads]
    for comparison in data.get("comparisons") or []:
        lines += ["", _comparison_line(comparison)]
    lines += ["", "Models:", ""]
    for score in scores:
        identity = score.model_identity
        lines.append(f"- {score.model}: {identity.get('source', '')}, {identity.get('architecture', '')}, "
                     f"{identity.get('dtype', '')}")
    for label, shown in data["instances"].items():
        for which in ("best", "worst"):
            lines += ["", f"## {which.capitalize()} instances for {label}", ""]
            for row in shown[which]:
                lines.append(f"- p={_answer_probability(row.get('logprob'))} (whole answer), first-token rank "
                             f"{row['rank']}: …{visible(row['context'][-80:])}⟨{visible(row['answer'])}⟩ predicted "
                             f"`{row['predicted']}`")
    if record["kind"] == "python" and record.get("source"):
        lines += ["", "## The candidate's code", "", "```python", record["source"].rstrip(), "```"]
    return "\n".join(lines) + "\n"


def write_finding(data: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """`out` names the files: <out>.md and <out>.json beside each other (a .md or .json ending is dropped)."""
    stem = out.with_suffix("") if out.suffix in (".md", ".json") else out
    markdown, json_path = stem.parent / f"{stem.name}.md", stem.parent / f"{stem.name}.json"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(finding_markdown(data), encoding="utf-8")
        json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except OSError as error:
        raise LmgameError(f"cannot write the finding to {out.parent}: {error.strerror}") from None
    return markdown, json_path


def read_finding(path: Path) -> dict[str, Any]:
    path = Path(path)
    if path.is_dir():
        raise LmgameError(f"{path} is a folder: give the finding's .json file")
    if not path.exists():
        raise LmgameError(f"file not found: {path}")
    try:
        data = json.loads(read_bounded(path, "a finding").decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:  # ValueError: not JSON, or a number too long to read
        raise LmgameError(f"{path} is not a finding (not JSON: {error})".splitlines()[0]) from None
    except RecursionError:
        raise LmgameError(f"{path} is not a finding (nested too deeply)") from None
    if not isinstance(data, dict) or "lmgame_finding" not in data or not isinstance(data.get("candidate"), dict):
        raise LmgameError(f"{path} is not an lmgame finding (made by lmgame share)")
    if data["lmgame_finding"] != FINDING_VERSION:
        version = shortened(repr(data["lmgame_finding"]))
        raise LmgameError(f"{path} is a finding of version {version}; this lmgame reads version {FINDING_VERSION}")
    return data


def _check_room(name: str, target: Path, files: UserFiles, overwrite: bool) -> None:
    """LmgameError unless `target` can take the candidate `name` and the library will load it from there:
    no other file of the user's (`files`, as loaded) defines that name (it would shadow it, or be shadowed),
    and a file it replaces (--force) holds that candidate alone."""
    names = {path: [c.name for c in loaded] if isinstance(loaded, list) else None for path, loaded in files.items()}
    elsewhere = [path for path, held in names.items() if path != target and held and name in held]
    if elsewhere:
        raise LmgameError(f"your library already has {name}, in {elsewhere[0]}: rename or remove that one first "
                          "(--force replaces only a file of the same name)")
    if target.exists() and not overwrite:
        raise LmgameError(f"your library already has {name} ({target}): --force replaces it")
    if target.exists() and names.get(target) != [name]:
        held = "does not load" if names.get(target) is None else f"holds {', '.join(names[target] or [])}"
        raise LmgameError(f"{target} {held}: --force replaces only a file that holds {name} alone; move it first")


def _check_loads_back(candidate: Candidate, saved: Path, folder: Path, files: UserFiles,
                      previous: bytes | None) -> None:
    """The library loads the saved file's candidate under its name, as itself (the user's other files taken
    from `files`, so that their code does not run again); else the file is put back as it was (removed, or its
    previous content) and LmgameError says so."""
    others = {path: loaded for path, loaded in files.items() if path != saved}
    loaded = load_library(user_dir=folder, loaded=others).candidates.get(candidate.name)
    if loaded is not None and loaded.path == str(saved) and candidate_table(loaded) == candidate_table(candidate):
        return
    if previous is None:
        saved.unlink(missing_ok=True)
    else:
        saved.write_bytes(previous)
    raise LmgameError(f"{candidate.name} did not load back from {saved} as itself: not imported")


def import_finding(path: Path, folder: Path, overwrite: bool = False) -> tuple[Candidate, Path]:
    """Add the finding's candidate to the library in `folder` as a TOML file, and check that the library loads
    it back as itself. Never runs the finding's code (a Python candidate is refused)."""
    record = read_finding(path)["candidate"]
    if record.get("kind") != "toml":
        name = shortened(repr(record.get("name", "")))
        raise LmgameError(f"{path}: the candidate {name} is Python code, and importing never runs code; read its "
                          "code in the finding's Markdown and copy it by hand if you trust it")
    table = record.get("table")
    if not isinstance(table, dict):
        raise LmgameError(f"{path}: the finding has no candidate table")
    candidate = candidate_from_table(table, str(path), source=str(path))
    target = folder / f"{candidate.name}.toml"
    files = user_files(folder)  # the one time an import runs the code of the user's Python candidates
    _check_room(candidate.name, target, files, overwrite)
    previous = target.read_bytes() if target.exists() else None
    saved = save_candidate(candidate, folder, overwrite=overwrite)
    _check_loads_back(candidate, saved, folder, files, previous)
    return candidate, saved
