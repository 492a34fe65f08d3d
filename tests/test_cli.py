"""The command line: predict, models, log export, and one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from engine.tokens import continuation_ids, encode
from games.log import GuessLog
from games.paths import guess_log_path
from tests.test_log import IDENTITY, _record
from tui.cli import main, parse_args

ROOT = Path(__file__).resolve().parents[1]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_json_matches_a_forward_pass(capsys, default_lm) -> None:
    text = "Once upon a time, there was a little girl named Lily. Lily"
    code, out, _ = run(capsys, "predict", text, "--top-k", "4", "--answer", " was", "--answer", " liked to", "--json")
    assert code == 0
    result = json.loads(out)
    assert set(result) == {"model", "top_k", "answers"}
    assert result["model"]["name"] == "lmgame-default" and result["model"]["revision"]
    ids = [default_lm.bos_id] + encode(default_lm.tokenizer, text)
    with torch.no_grad():
        logits = default_lm.model(torch.tensor([ids])).logits[0, -1].float()
    logprobs = torch.log_softmax(logits, -1)
    assert [t["id"] for t in result["top_k"]] == torch.topk(logits, 4).indices.tolist()
    assert result["top_k"][0]["prob"] == pytest.approx(float(logprobs.exp().max()), abs=1e-5)
    assert set(result["top_k"][0]) == {"token", "id", "prob", "logit"}
    was, liked_to = result["answers"]
    first = continuation_ids(default_lm.tokenizer, text, " was")[0]
    assert was["prob"] == pytest.approx(float(logprobs[first].exp()), abs=1e-5)
    assert was["rank"] == 1 + int((logits > logits[first]).sum())
    assert len(liked_to["tokens"]) >= 2 and liked_to["logprob"] < math_log(liked_to["prob"]) + 1e-6


def math_log(x: float) -> float:
    import math

    return math.log(x)


def test_predict_table(capsys) -> None:
    code, out, _ = run(capsys, "predict", "Once upon a", "--top-k", "3")
    assert code == 0 and out.startswith("model: lmgame-default@")
    assert len([line for line in out.splitlines() if line.strip()[:1].isdigit()]) == 3


def test_predict_shows_several_models_side_by_side(capsys, stories260k_dir: Path) -> None:
    text = "When Mary and John went to the store, John gave a drink to"
    argv = ["predict", text, "--model", "lmgame-default", "--model", str(stories260k_dir), "--top-k", "3",
            "--answer", " Mary"]
    code, out, _ = run(capsys, *argv, "--json")
    mine, theirs = json.loads(out)  # a list, one object per model in the one-model shape
    assert code == 0 and set(mine) == set(theirs) == {"model", "top_k", "answers"}
    assert mine["model"]["name"] == "lmgame-default" and theirs["model"]["name"] == stories260k_dir.name
    alone = json.loads(run(capsys, "predict", text, "--model", str(stories260k_dir), "--top-k", "3", "--answer",
                           " Mary", "--json")[1])
    assert alone["top_k"] == theirs["top_k"] and alone["answers"] == theirs["answers"]
    code, out, _ = run(capsys, *argv)
    lines = out.splitlines()
    assert code == 0 and "lmgame-default@" in lines[0] and stories260k_dir.name in lines[0]
    first = lines[1].split()
    assert first[0] == "1" and len(first) == 5  # rank, then token and probability for each model
    assert first[2] == f"{mine['top_k'][0]['prob']:.2%}" and first[4] == f"{theirs['top_k'][0]['prob']:.2%}"
    assert lines[4] == "answer ␣Mary:" and lines[5].startswith("  lmgame-default@") and len(lines) == 7


def test_models_lists_the_embedded_model(capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    code, out, _ = run(capsys, "models", "--json")
    models = json.loads(out)["models"]
    assert code == 0 and models[0]["name"] == "lmgame-default" and models[0]["kind"] == "embedded"
    assert Path(models[0]["path"], "config.json").exists()


def test_log_export(capsys) -> None:
    with GuessLog(guess_log_path()) as log:
        log.add(_record(log.start_session("guess", [IDENTITY], "demo"), 0))
    code, out, _ = run(capsys, "log", "export", "--format", "jsonl")
    assert code == 0 and json.loads(out)["models"][0]["identity"]["name"] == "m"
    code, out, _ = run(capsys, "log", "export", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("id,session,mode")


def test_play_is_the_default_command() -> None:
    args = parse_args(["--model", "a", "--model", "b", "--top-k", "5", "--mode", "which"])
    assert args.command == "play" and args.model == ["a", "b"] and args.top_k == 5 and args.mode == "which"


@pytest.mark.parametrize(
    "argv, content, message",
    [
        (["predict", "hi", "--model", "/no/such/dir"], None, "model directory not found: /no/such/dir"),
        (["predict", "hi", "--model", "gpt2"], None, "not in the Hugging Face cache, and hub access is off"),
        (["play", "--file", "{f}"], b"", "has no text to play on"),
        (["play", "--file", "{f}"], b"caf\xe9 au lait\n", "is not UTF-8 text"),
        (["play", "--file", "{f}.jsonl"], b'{"text": "ok"}\n{"text": broken}\n', ":2: not valid JSON"),
        (["play", "--file", "{f}.jsonl"], b'{"text": "ok"}\n{"body": "x"}\n',
         ':2: expected an object with a string "text"'),
        (["play", "--model", "a", "--model", "b", "--model", "c", "--model", "d", "--text", "x"], None, "at most 3"),
        (["play", "--text", "   "], None, "--text is empty"),
        (["play", "--model", "default", "--model", "lmgame-default", "--text", "x"], None, "is the same model as"),
        (["predict", "x", "--top-k", "100000"], None, "--top-k must be between 1 and 1000"),
        (["play", "--seed", "-1", "--text", "x"], None, "--seed must be between"),
        (["play", "--top-k", "0", "--text", "x"], None, "--top-k must be between 1 and 1000"),
        (["predict", "hi", "--device", "tpu9"], None, "unknown device"),
        (["predict", "hi", "--dtype", "int3"], None, "unknown dtype"),
    ],
)
def test_bad_input_gives_one_clear_line(capsys, tmp_path, argv, content, message) -> None:
    target = tmp_path / "input"
    argv = [a.replace("{f}", str(target)) for a in argv]
    if content is not None:
        Path(argv[argv.index("--file") + 1]).write_bytes(content)
    code, _, err = run(capsys, *argv)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("lmgame: error: ") and message in last
    assert "Traceback" not in err


def test_a_directory_that_is_not_a_causal_lm(capsys, tmp_path) -> None:
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "t5", "d_model": 8}))
    code, _, err = run(capsys, "predict", "hi", "--model", str(tmp_path))
    assert code == 2 and "is not a causal language model (its config says t5)" in err


def test_a_causal_lm_directory_without_weights(capsys, tmp_path, default_lm) -> None:
    default_lm.model.config.save_pretrained(tmp_path)
    code, _, err = run(capsys, "predict", "hi", "--model", str(tmp_path))
    assert code == 2 and "has a config.json but no weights" in err


def test_the_installed_entry_point_runs(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "tui.cli", "predict", "Once upon a", "--json", "--top-k", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["top_k"]) == 1
    assert result.stderr.splitlines() == ["lmgame: loading the embedded default model..."]  # no warnings


def test_dataset_without_the_datasets_package(capsys, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "datasets", None)  # as on a machine without it installed
    code, _, err = run(capsys, "play", "--dataset", "roneneldan/TinyStories")
    assert code == 2 and "--dataset needs the datasets package: pip install datasets" in err


# --- the command line itself: one line for every problem argparse or the shell hands over


def test_an_unknown_command_is_named(capsys) -> None:
    code, out, err = run(capsys, "bogus")
    assert code == 2 and out == ""
    assert err.splitlines() == ["lmgame: error: unknown command 'bogus' (commands: play, predict, models, log, score, "
                               "candidates, variants, share, import, scan, review, workbench, explain)"]


@pytest.mark.parametrize("argv, named", [
    (["score", "--bogus"], "--bogus"),
    (["predict", "--bogus"], "--bogus"),
    (["scan", "--no-such-option", "x"], "--no-such-option x"),
    (["--text", "hi", "--bogus"], "--bogus"),
    (["score", "--x\x1b]0;title\x07"], "--x\\x1b]0;title\\x07"),  # a terminal escape is shown, not obeyed
])
def test_an_unknown_option_comes_before_a_missing_one(capsys, argv: list[str], named: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("lmgame: error: ") and f"unrecognized arguments: {named}" in err
    assert "required" not in err and "\x1b" not in err


@pytest.mark.parametrize("argv, message", [
    (["score"], "score: one of the arguments --corpus --dataset --examples --variants is required"),
    (["predict"], "predict: the following arguments are required: TEXT"),
    (["log"], "log: the following arguments are required: ACTION"),
    (["log", "bogus"], "log: argument ACTION: invalid choice: 'bogus'"),
    (["candidates", "check"], "candidates check: the following arguments are required: PATH"),
    (["score", "--examples", "--format", "xml"], "score: argument --format: invalid choice: 'xml'"),
    (["score", "--corpus", "a", "--dataset", "b"], "score: argument --dataset: not allowed with argument --corpus"),
    (["scan", "--corpus", "x", "--threshold", "high"], "scan: argument --threshold: invalid float value: 'high'"),
    (["play", "--top-k", "\x1b[2J"], "play: argument --top-k: invalid int value: '\\x1b[2J'"),
])
def test_every_argparse_problem_is_one_line(capsys, argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.splitlines() == [f"lmgame: error: {message}" + err.split(message, 1)[1].rstrip("\n")], err
    assert "\x1b" not in err and "usage:" not in err


@pytest.mark.parametrize("argv, message", [
    (["predict", "abc\udcff"], "argument 'abc\\xff' is not UTF-8 (byte 0xff)"),
    (["--text", "caf\udce9"], "argument 'caf\\xe9' (after --text) is not UTF-8 (byte 0xe9)"),
    (["predict", "hi", "--answer", "\udcc3x"], "argument '\\xc3x' (after --answer) is not UTF-8 (byte 0xc3)"),
])
def test_arguments_that_are_not_utf8_are_refused_by_name(capsys, argv: list[str], message: str) -> None:
    # what Python makes of argv bytes that are not UTF-8 (surrogateescape): lone surrogates
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.splitlines() == [f"lmgame: error: {message}: give text, names and paths in UTF-8"]


def test_predict_uses_no_deprecated_transformers_call(capsys) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # transformers deprecations are FutureWarnings
        code, out, _ = run(capsys, "predict", "Once upon a", "--top-k", "2", "--answer", " time")
    assert code == 0 and out.startswith("model: ")


def test_help_still_shows_what_is_required(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--help"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 0 and err == ""
    assert "(--corpus PATH | --dataset NAME | --examples | --variants N)" in out  # required, not shown as optional
