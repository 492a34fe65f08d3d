"""Sharing a finding as Markdown and data-only JSON, and importing it without ever running code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from games.candidate_files import load_file
from games.paths import user_candidates_dir
from tui.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_share_then_import_a_template_candidate(capsys, tmp_path: Path) -> None:
    out = tmp_path / "shared" / "cite"
    code, printed, _ = run_cli(capsys, "share", "citation", "--examples", "--dtype", "float32", "--out", str(out))
    assert code == 0 and "cite.md" in printed and "cite.json" in printed
    data = json.loads((tmp_path / "shared" / "cite.json").read_text())
    assert data["candidate"]["kind"] == "toml" and data["candidate"]["table"]["predictor"] == "{n|inc}"
    (score,) = data["scores"]
    assert score["n"] == 3 and score["model_identity"]["name"] == "lmgame-default"
    assert score["model_identity"]["dtype"] == "float32" and score["heuristic_accuracy"] == 1.0
    shown = data["instances"][score["model"]]
    assert [r["logprob"] for r in shown["worst"]] == sorted(r["logprob"] for r in shown["worst"])
    assert shown["best"][0]["logprob"] >= shown["worst"][0]["logprob"]
    assert data["comparisons"] == []  # one model
    markdown = (tmp_path / "shared" / "cite.md").read_text()
    assert markdown.startswith("# citation") and "| lmgame-default@" in markdown and "## Worst instances" in markdown

    code, printed, _ = run_cli(capsys, "import", str(tmp_path / "shared" / "cite.json"))
    saved = user_candidates_dir() / "citation.toml"
    assert code == 0 and str(saved) in printed
    (loaded,) = load_file(saved)
    assert (loaded.finder, loaded.predictor, loaded.foil) == (data["candidate"]["table"]["finder"], "{n|inc}", "{n}")
    assert loaded.check_examples() == []
    code, _, err = run_cli(capsys, "import", str(tmp_path / "shared" / "cite.json"))
    assert code == 2 and "--force replaces it" in err
    assert run_cli(capsys, "import", str(tmp_path / "shared" / "cite.json"), "--force")[0] == 0


def test_a_finding_on_two_models_says_how_they_compare(capsys, tmp_path: Path, stories260k_dir: Path) -> None:
    from tests.conftest import shared

    corpus = tmp_path / "stories.jsonl"
    lines = shared("tinystories", "stories.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    corpus.write_text("".join(lines[:200]), encoding="utf-8")
    code, _, _ = run_cli(capsys, "share", "pronoun-for-named", "--model", "lmgame-default", "--model",
                         str(stories260k_dir), "--corpus", str(corpus), "--limit", "30", "--out", str(tmp_path / "f"))
    data = json.loads((tmp_path / "f.json").read_text())
    (comparison,) = data["comparisons"]
    assert code == 0 and comparison["n_paired"] == 30 and len(comparison["ci"]) == 2
    assert (comparison["model_a"], comparison["model_b"]) == tuple(score["model"] for score in data["scores"])
    markdown = (tmp_path / "f.md").read_text()
    assert f"{comparison['model_a']} minus {comparison['model_b']}, whole-answer log-probability" in markdown
    assert f"{comparison['mean_diff']:+.2f} nats [" in markdown and "of 30 instances, sign-flip p" in markdown


def test_a_python_candidate_is_shared_for_reading_and_refused_on_import(capsys, tmp_path: Path) -> None:
    out = tmp_path / "acronym"
    code, _, _ = run_cli(capsys, "share", "acronym", "--examples", "--out", str(out))
    assert code == 0
    data = json.loads((tmp_path / "acronym.json").read_text())
    assert data["candidate"]["kind"] == "python" and "def acronym" in data["candidate"]["source"]
    assert "```python" in (tmp_path / "acronym.md").read_text()
    code, _, err = run_cli(capsys, "import", str(tmp_path / "acronym.json"))
    assert code == 2 and "Python code" in err and "never runs code" in err
    assert not user_candidates_dir().exists() or not list(user_candidates_dir().iterdir())


@pytest.mark.parametrize(("content", "expected"), [
    ("not json at all", "not a finding (not JSON"),
    (json.dumps({"hello": 1}), "not an lmgame finding"),
    (json.dumps({"lmgame_finding": 99, "candidate": {}}), "version 99"),
    (json.dumps({"lmgame_finding": 1, "candidate": {"kind": "toml", "table": {"name": "x", "finder": "(",
                                                                             "predictor": "y"}}}), "position"),
    (json.dumps({"lmgame_finding": 1, "candidate": {"kind": "toml", "table": {
        "name": "x", "finder": "(?P<answer>a)", "predictor": "{answer.__class__}"}}}), "only {group}"),
])
def test_bad_findings_are_one_line_errors(capsys, tmp_path: Path, content: str, expected: str) -> None:
    path = tmp_path / "finding.json"
    path.write_text(content)
    code, _, err = run_cli(capsys, "import", str(path))
    assert code == 2 and expected in err and err.count("\n") == 1
    assert not (user_candidates_dir() / "x.toml").exists()


def test_importing_a_folder_is_one_line(capsys, tmp_path: Path) -> None:
    code, _, err = run_cli(capsys, "import", str(tmp_path))
    assert code == 2 and "is a folder" in err and err.count("\n") == 1
