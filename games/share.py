"""Sharing a finding: a candidate, its scores per model (with the models' identities) and its best and worst
instances, as Markdown for people and as data-only JSON that another user imports into their library.
Importing never runs code: a Python candidate is refused."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from engine.errors import LmgameError
from engine.tokens import visible
from games.candidate_files import candidate_from_table, candidate_table, save_candidate
from games.candidates import Candidate
from games.scoring import CandidateResult

FINDING_VERSION = 1
SHOWN = 5  # best and worst instances per model
ROW_KEYS = ("document", "offset", "context", "answer", "predicted", "foil", "prob", "rank", "logprob", "model_top1")


def _candidate_record(candidate: Candidate) -> dict[str, Any]:
    if candidate.kind == "toml" or all(isinstance(p, (str, type(None))) for p in (candidate.predictor,
                                                                                     candidate.foil)):
        return {"kind": "toml", "table": candidate_table(candidate)}
    code = ""
    try:
        code = Path(candidate.path).read_text(encoding="utf-8") if candidate.path else ""
    except (OSError, ValueError):
        pass
    return {"kind": "python", "name": candidate.name, "description": candidate.description,
            "finder": candidate.finder, "source": code}


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    shown = {key: row.get(key) for key in ROW_KEYS}
    shown["context"] = (row.get("context") or "")[-200:]
    return shown


def finding(candidate: Candidate, results: list[CandidateResult], seed: int = 0) -> dict[str, Any]:
    """The finding as JSON-able data; `results` are this candidate's, one per model."""
    instances = {}
    for result in results:
        scored = sorted((r for r in result.rows if "prob" in r and not r.get("error")), key=lambda r: r["prob"])
        instances[result.lm.identity.label] = {"best": [_shown(r) for r in scored[::-1][:SHOWN]],
                                               "worst": [_shown(r) for r in scored[:SHOWN]]}
    return {
        "lmgame_finding": FINDING_VERSION,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "candidate": _candidate_record(candidate),
        "corpus": results[0].corpus.label if results else "",
        "scores": [result.summary(seed) for result in results],
        "instances": instances,
    }


def _number(value: Any, pattern: str = "{:.3f}") -> str:
    return pattern.format(value) if isinstance(value, (int, float)) else "-"


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
    lines += ["", f"Scored on {data.get('corpus') or 'a corpus'} ({data['created']}).", "",
              "| model | n | heuristic acc. | mean p (95% CI) | top-1 | median rank | logit diff | bigram p |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for score in data["scores"]:
        interval = score.get("ci", {}).get("mean_prob")
        ci = f" ({interval[0]:.3f}-{interval[1]:.3f})" if interval else ""
        lines.append(f"| {score['model']} | {score['n']} | {_number(score.get('heuristic_accuracy'))} | "
                     f"{_number(score.get('mean_prob'))}{ci} | {_number(score.get('top1'))} | "
                     f"{_number(score.get('median_rank'), '{:g}')} | {_number(score.get('mean_logit_diff'), '{:.2f}')} "
                     f"| {_number(score.get('baseline_mean_prob'))} |")
    lines += ["", "Models:", ""]
    for score in data["scores"]:
        identity = score.get("model_identity", {})
        lines.append(f"- {score['model']}: {identity.get('source', '')}, {identity.get('architecture', '')}, "
                     f"{identity.get('dtype', '')}")
    for label, shown in data["instances"].items():
        for which in ("best", "worst"):
            lines += ["", f"## {which.capitalize()} instances for {label}", ""]
            for row in shown[which]:
                lines.append(f"- p={_number(row['prob'])} rank {row['rank']}: …{visible(row['context'][-80:])}"
                             f"⟨{visible(row['answer'])}⟩ predicted `{row['predicted']}`")
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
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LmgameError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise LmgameError(f"{path} is a folder: give the finding's .json file") from None
    except OSError as error:
        raise LmgameError(f"cannot read {path}: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise LmgameError(f"{path} is not a finding (not JSON: {error})".splitlines()[0]) from None
    if not isinstance(data, dict) or "lmgame_finding" not in data or not isinstance(data.get("candidate"), dict):
        raise LmgameError(f"{path} is not an lmgame finding (made by lmgame share)")
    if data["lmgame_finding"] != FINDING_VERSION:
        raise LmgameError(f"{path} is a finding of version {data['lmgame_finding']}; this lmgame reads version "
                          f"{FINDING_VERSION}")
    return data


def import_finding(path: Path, folder: Path, overwrite: bool = False) -> tuple[Candidate, Path]:
    """Add the finding's candidate to the library in `folder` as a TOML file. Never runs code."""
    record = read_finding(path)["candidate"]
    if record.get("kind") != "toml":
        raise LmgameError(f"{path}: the candidate {record.get('name', '')!r} is Python code, and importing never "
                          "runs code; read its code in the finding's Markdown and copy it by hand if you trust it")
    table = record.get("table")
    if not isinstance(table, dict):
        raise LmgameError(f"{path}: the finding has no candidate table")
    candidate = candidate_from_table(table, str(path), source=str(path))
    if (folder / f"{candidate.name}.toml").exists() and not overwrite:
        raise LmgameError(f"your library already has {candidate.name} ({folder / f'{candidate.name}.toml'}): "
                          "--force replaces it")
    return candidate, save_candidate(candidate, folder, overwrite=overwrite)
