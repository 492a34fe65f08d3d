"""`--engine ray` on a local Ray instance with 2 CPUs: the distributed scan and score of a few hundred ../shared
documents in four shards equal the local run; a run stopped after some shards resumes at the others and ends
equal; a damaged shard result is found and computed again."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.errors import LmgameError
from games.documents import source_shards
from games.paths import score_cache_dir
from games.ray_engine import ModelSpec, RaySettings
from games.ray_scan import ray_scan_models
from games.scanning import ScanOptions, scan_models
from tests.test_corpus_shards import stories, write_shards
from tui.cli import main

DOCUMENTS = 200


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[Any]:
    """One local Ray instance with 2 CPUs for the module (each run uses it as it finds it)."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("shards") / "corpus"
    write_shards(folder, stories(DOCUMENTS))
    return folder


def assert_same_report(mine: Any, theirs: Any, where: str = "report") -> None:
    """The same JSON, counts and words exactly, figures to float32 rounding: an actor runs torch on as many
    threads as it has CPUs, and a sum in another order differs in its last bits."""
    if isinstance(theirs, dict):
        assert isinstance(mine, dict) and mine.keys() == theirs.keys(), where
        for key in theirs:
            assert_same_report(mine[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(mine, list) and len(mine) == len(theirs), where
        for number, (a, b) in enumerate(zip(mine, theirs, strict=True)):
            assert_same_report(a, b, f"{where}[{number}]")
    elif isinstance(theirs, float):
        assert mine == pytest.approx(theirs, rel=1e-5, abs=1e-6), where
    else:
        assert mine == theirs, where


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(args) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_ray_scan_equals_the_local_scan(ray_instance: Any, corpus: Path, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    scan = ["scan", "--corpus", str(corpus), "--format", "json"]
    monkeypatch.setenv("LMGAME_HOME", str(tmp_path / "local"))
    local = run_json([*scan, "--out", str(tmp_path / "local-out")], capsys)
    monkeypatch.setenv("LMGAME_HOME", str(tmp_path / "ray"))
    distributed = run_json([*scan, "--engine", "ray", "--ray-actors", "2", "--out", str(tmp_path / "ray-out")], capsys)
    assert local["tokens"] > 10_000 and local["documents"] == DOCUMENTS
    assert_same_report(distributed, local)
    tokens = [(tmp_path / out / "tokens.jsonl").read_text().splitlines() for out in ("local-out", "ray-out")]
    assert len(tokens[0]) >= local["tokens"]  # and those of the first token of each text, which none predicts
    for mine, theirs in zip(*tokens, strict=True):  # every token: the same text, figures within float16
        a, b = json.loads(mine), json.loads(theirs)
        assert (a["document"], a["index"], a["token"], a["rank"], a["top1"]) == (
            b["document"], b["index"], b["token"], b["rank"], b["top1"])
        assert (a["logprob"] is None) == (b["logprob"] is None)
        assert a["logprob"] is None or abs(a["logprob"] - b["logprob"]) <= 1e-3 * max(1.0, abs(a["logprob"]))


class Stop(Exception):
    pass


def test_a_stopped_ray_scan_resumes_at_the_shards_not_stored_and_a_damaged_one_is_scanned_again(
        ray_instance: Any, corpus: Path, default_lm: Any) -> None:
    options = ScanOptions()
    shards = source_shards(str(corpus))
    spec = ModelSpec((None,), "auto", "auto")  # as default_lm was loaded: an actor checks it loads the same
    folder = score_cache_dir() / "scans"
    settings = RaySettings(actors=1)  # one shard at a time, so that the stop falls between shards

    def stop_after_two(stage: str, done: int, total: int) -> None:
        if done >= 2:
            raise Stop

    with pytest.raises(Stop):
        ray_scan_models([default_lm], spec, shards, options, folder, settings, stop_after_two)
    assert 2 <= len(list(folder.glob("*.pt"))) < 4  # a chunk a shard: those done before the stop, one in flight
    scans, report = ray_scan_models([default_lm], spec, shards, options, folder, settings)
    assert report.stored >= 2 and report.computed >= 1 and report.stored + report.computed == 4
    local = scan_models([default_lm], shards.flat, options, None)[0]
    for mine, theirs in zip(scans[0].scans, local.scans, strict=True):
        assert mine.ids.tolist() == theirs.ids.tolist()
        assert (mine.logprob - theirs.logprob).abs().nan_to_num(0).max() <= 1e-3
    damaged = sorted(folder.glob("*.pt"))[1]
    damaged.write_bytes(damaged.read_bytes()[:-100])  # cut short
    _, report = ray_scan_models([default_lm], spec, shards, options, folder, settings)
    assert (report.stored, report.computed) == (3, 1)


def summary_counts(summary: dict[str, Any]) -> dict[str, Any]:
    return {key: summary[key] for key in ("candidate", "model", "n", "documents", "abstained", "errors", "confusion",
                                          "instances_per_million_chars", "conditions")}


@pytest.mark.parametrize("limit", [None, 70])
def test_ray_score_equals_the_local_score(ray_instance: Any, corpus: Path, tmp_path: Path, limit: int | None,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    score = ["score", "pronoun-for-named", "induction", "--corpus", str(corpus), "--format", "json",
             "--dtype", "float32", *(["--limit", str(limit)] if limit else [])]
    monkeypatch.setenv("LMGAME_HOME", str(tmp_path / "local"))
    local = run_json(score, capsys)
    monkeypatch.setenv("LMGAME_HOME", str(tmp_path / "ray"))
    distributed = run_json([*score, "--engine", "ray"], capsys)
    assert [summary_counts(s) for s in distributed["results"]] == [summary_counts(s) for s in local["results"]]
    most = max(summary["n"] for summary in distributed["results"])
    assert most == (limit or most) > 50  # more than a shard holds: with the limit, cut where the local run stops
    for mine, theirs in zip(distributed["results"], local["results"], strict=True):
        assert mine.keys() == theirs.keys()
        for key in ("answer_prob", "mean_logprob", "top1", "answer_top1", "baseline_mean_prob", "baseline_top1",
                    "median_rank", "heuristic_accuracy"):  # the baseline: fitted on the whole corpus, not a shard
            assert mine[key] == pytest.approx(theirs[key], rel=1e-4, abs=1e-6), key
        if theirs["candidate"] == "induction":  # it names a source: its best head is the local run's
            assert mine["best_head"]["head"] == theirs["best_head"]["head"]
            assert mine["best_head"]["mean"] == pytest.approx(theirs["best_head"]["mean"], rel=1e-4)
    again = run_json([*score, "--engine", "ray"], capsys)  # read from the cache under the local keys
    assert [summary_counts(s) for s in again["results"]] == [summary_counts(s) for s in local["results"]]
    assert all(s["cached"] for s in again["results"])


def test_ray_options_say_what_is_wrong_in_one_line(corpus: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    cases = {
        ("scan", "--corpus", str(corpus), "--ray-actors", "2"): "--ray-address and --ray-actors go with --engine ray",
        ("scan", "--corpus", str(corpus), "--engine", "ray", "--max-tokens", "100"): "--max-tokens cuts a corpus",
        ("scan", "--corpus", str(corpus), "--engine", "ray", "--no-cache"): "drop --no-cache",
        ("score", "--examples", "--engine", "ray"): "--engine ray reads the shards of a --corpus",
        ("scan", "--corpus", str(corpus), "--engine", "ray", "--ray-actors", "0"): "--ray-actors must be at least 1",
    }
    for args, said in cases.items():
        assert main(list(args)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert said in err[-1] and "Traceback" not in "\n".join(err)
    monkeypatch.setitem(sys.modules, "ray", None)  # Ray not installed
    assert main(["scan", "--corpus", str(corpus), "--engine", "ray"]) == 2
    assert 'needs Ray: pip install "lmgame[ray]"' in capsys.readouterr().err


def test_a_shard_an_actor_cannot_read_is_one_line_naming_it(ray_instance: Any, corpus: Path, tmp_path: Path,
                                                           default_lm: Any) -> None:
    shards = source_shards(str(corpus))
    broken = tmp_path / "gone.jsonl"
    shards.paths[2] = broken  # read here, gone by the time an actor reads it
    with pytest.raises(LmgameError, match="gone.jsonl"):
        ray_scan_models([default_lm], ModelSpec((None,), "auto", "auto"), shards, ScanOptions(), tmp_path / "scans",
                        RaySettings(actors=1))


def test_the_local_path_never_imports_ray(corpus: Path, tmp_path: Path) -> None:
    import subprocess

    code = ("import sys; from tui.cli import main; "
            f"assert main(['scan', '--corpus', {str(corpus)!r}, '--format', 'json']) == 0; "
            "assert 'ray' not in sys.modules, 'ray was imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env={**__import__("os").environ, "LMGAME_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_actor_that_cannot_load_the_model_is_one_line(ray_instance: Any, corpus: Path, tmp_path: Path,
                                                         default_lm: Any) -> None:
    spec = ModelSpec((str(tmp_path / "no-such-model"),), "auto", "auto")  # not on this "node"
    with pytest.raises(LmgameError, match="a Ray actor could not load the models: .*no-such-model"):
        ray_scan_models([default_lm], spec, source_shards(str(corpus)), ScanOptions(), tmp_path / "scans",
                        RaySettings(actors=1))
