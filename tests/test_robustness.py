"""Inputs a review found broke things: models without BOS, the context limit, bad model folders, unusual
JSONL, an unwritable data directory. Each must give a result or a one-line error, never a traceback."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest

from engine.corpus import Document, read_documents
from engine.errors import LmgameError
from engine.models import LoadedModel, default_model_dir, load_model
from engine.predict import predict
from engine.tokens import encode
from games.board import Board
from games.guess_mode import GuessGame
from games.log import GuessLog
from games.which_mode import WhichGame
from tui.cli import main


@pytest.fixture(scope="module")
def no_bos_lm(default_lm) -> LoadedModel:
    """The embedded model with a tokenizer that has no BOS token (as Qwen's tokenizers have none)."""
    tokenizer = copy.deepcopy(default_lm.tokenizer)
    tokenizer.bos_token = None
    lm = LoadedModel(default_lm.identity, default_lm.model, tokenizer, default_lm.device)
    assert lm.bos_id is None
    return lm


def test_a_model_without_bos_plays_from_the_second_token(no_bos_lm, default_lm) -> None:
    doc = Document("d", "Once upon a time, there was a dog.")
    game = GuessGame(Board(doc, [no_bos_lm]))
    assert game.position == 1
    assert game.reveal("upon").models[0].view.true.token == " upon"
    which = WhichGame(Board(doc, [no_bos_lm]))
    assert which.question().position == 1
    # beside a model that has BOS, it is simply not judged at the first token
    both = GuessGame(Board(doc, [default_lm, no_bos_lm]))
    first = both.reveal("Once")
    assert first.models[0] is not None and first.models[1] is None
    assert both.reveal("upon").models[1] is not None


def test_context_and_guess_together_past_the_window(default_lm) -> None:
    window = default_lm.max_positions
    text = "Tom ran. " * 400
    ids = encode(default_lm.tokenizer, text)[: window - 3]
    result = predict(default_lm, default_lm.tokenizer.decode(ids), 3, (" elephant hippo giraffe zebra",))
    assert len(result["answers"][0]["tokens"]) > 3 and result["answers"][0]["logprob"] < 0


def test_masked_lm_and_tokenizerless_folders_are_refused(tmp_path: Path, default_lm) -> None:
    bert = tmp_path / "bert"
    bert.mkdir()
    (bert / "config.json").write_text(json.dumps({"model_type": "bert", "architectures": ["BertForMaskedLM"]}))
    with pytest.raises(LmgameError, match="not a causal language model"):
        load_model(str(bert))
    bare = tmp_path / "bare"
    default_lm.model.save_pretrained(bare)
    with pytest.raises(LmgameError, match="tokenizer"):
        load_model(str(bare))


def test_corrupt_weights_give_one_line(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(default_model_dir(), broken)
    (broken / "model.safetensors").write_bytes(b"\xff" * 64)
    assert main(["predict", "hi", "--model", str(broken)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith(f"lmgame: error: {broken} could not be loaded:") and "Traceback" not in "".join(err)


def test_jsonl_with_a_bom_and_a_line_separator(tmp_path: Path) -> None:
    path = tmp_path / "texts.JSONL"
    lines = [json.dumps({"text": "first\u2028still first"}, ensure_ascii=False), json.dumps({"text": "second"})]
    path.write_bytes("\ufeff".encode() + "\n".join(lines).encode())
    docs = read_documents(path)
    assert [d.text for d in docs] == ["first\u2028still first", "second"]
    txt = tmp_path / "t.txt"
    txt.write_bytes("\ufeffHello".encode())
    assert read_documents(txt)[0].text == "Hello"


def test_an_unwritable_data_directory_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(LmgameError, match="cannot be opened"):
        GuessLog(blocker / "guesses.sqlite3")


def test_an_even_odds_answer_is_never_counted_right(default_lm) -> None:
    game = WhichGame(Board(Document("d", "Once upon a time, there was a dog."), [default_lm]))
    records = [game.record(game.answer(0.5), "s") for _ in range(4)]
    assert not any(r.player_correct for r in records)
