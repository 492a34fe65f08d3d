"""Loading models by hub id from a local Hugging Face cache, offline, and listing what the cache holds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from engine.errors import LmgameError
from engine.models import cached_hub_models, default_model_dir, load_model, weights_hash
from tui.cli import main

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture()
def hub_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Hugging Face cache laid out as the hub client writes it, holding the embedded model as `lmgame/tiny`."""
    cache = tmp_path / "hub"
    repo = cache / "models--lmgame--tiny"
    snapshot = repo / "snapshots" / COMMIT
    (repo / "blobs").mkdir(parents=True)
    snapshot.mkdir(parents=True)
    for source in default_model_dir().iterdir():
        blob = repo / "blobs" / f"blob-{source.name}"
        shutil.copy(source, blob)
        (snapshot / source.name).symlink_to(blob)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(COMMIT)
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def test_hub_id_loads_from_the_cache_offline(hub_cache: Path) -> None:
    lm = load_model("lmgame/tiny")
    assert lm.identity.name == "lmgame/tiny"
    assert lm.identity.revision == COMMIT  # the hub commit, not a hash of the weights
    assert lm.identity.architecture == "GPT2LMHeadModel"


def test_models_lists_the_cache(hub_cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [m["name"] for m in cached_hub_models()] == ["lmgame/tiny"]
    assert main(["models", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)["models"]
    assert [(m["name"], m["kind"]) for m in listed] == [("lmgame-default", "embedded"), ("lmgame/tiny", "hf-cache")]
    assert listed[1]["revision"] == COMMIT


def test_identity_of_a_local_directory_is_a_weights_hash(tmp_path: Path) -> None:
    copy = tmp_path / "my-model"
    shutil.copytree(default_model_dir(), copy)
    lm = load_model(str(copy))
    assert lm.identity.name == "my-model"
    assert lm.identity.revision == weights_hash(copy) == weights_hash(default_model_dir())
    assert lm.identity.as_dict()["source"] == str(copy)


def test_dtype_and_device_choices(default_lm) -> None:
    half = load_model(None, device="cpu", dtype="bfloat16")
    assert half.identity.dtype == "bfloat16" and next(half.model.parameters()).dtype == torch.bfloat16
    assert default_lm.identity.dtype == "float32"
    with pytest.raises(LmgameError, match="not a model directory"):
        load_model(str(Path(__file__).parent))


def test_the_embedded_model_is_a_standard_hugging_face_folder() -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = default_model_dir()
    size = sum(f.stat().st_size for f in folder.iterdir())
    assert size <= 10 * 1024 * 1024, f"the embedded model is {size / 2**20:.1f} MiB, over its 10 MiB budget"
    model = AutoModelForCausalLM.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer("Once upon a time", return_tensors="pt").input_ids
    assert model(ids).logits.shape == (1, ids.shape[1], model.config.vocab_size)
    card = (folder / "README.md").read_text()
    training = json.loads((folder / "training.json").read_text())
    assert f"{training['validation_bpb']:.4f}" in card and f"{training['stories260k_bpb']:.4f}" in card
