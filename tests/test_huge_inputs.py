"""Huge inputs: a scan cut at --max-tokens tokenizes only a prefix of a long text, and a document too long to
tokenize whole is refused with one line where it would be (play, score, a scan without --max-tokens). The limit
is patched down so the files stay small."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

import engine.corpus
import tui.cli
from engine.corpus import dataset_documents, read_documents
from engine.errors import LmgameError
from engine.models import LoadedModel
from engine.scan import limit_texts
from tui.cli import main

STORY = ("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
         "One day, Lily saw a big dog named Max. Max wanted to play with Lily. ")


class RecordingTokenizer:
    """The model's tokenizer, noting the length of every text it is asked to tokenize."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.lengths: list[int] = []

    def __call__(self, text: str, **options: Any) -> Any:
        self.lengths.append(len(text))
        return self.tokenizer(text, **options)


def test_a_token_budget_tokenizes_a_prefix_only(default_lm: LoadedModel) -> None:
    text = STORY * 20_000  # 3.4 million characters
    recording = RecordingTokenizer(default_lm.tokenizer)
    lm = LoadedModel(default_lm.identity, default_lm.model, recording, default_lm.device)
    (cut,) = limit_texts(lm, [text], 1000)
    assert max(recording.lengths) < 50_000
    offsets = default_lm.tokenizer(text[:50_000], add_special_tokens=False, return_offsets_mapping=True)
    assert cut == text[: offsets["offset_mapping"][1000][0]]  # where cutting the whole text would cut it
    assert len(default_lm.tokenizer(cut, add_special_tokens=False)["input_ids"]) == 1000
    texts = ["Short.", STORY * 3, STORY]
    kept = limit_texts(lm, texts, 30)  # whole texts, then the one that reaches the budget cut
    counts = [len(default_lm.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in kept]
    assert kept[0] == texts[0] and len(kept) == 2 and texts[1].startswith(kept[1]) and sum(counts) == 30


@pytest.fixture()
def small_limit(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(engine.corpus, "MAX_DOCUMENT_CHARS", 1000)
    return 1000


@pytest.mark.parametrize("size", [1001, 5000])  # within and past 4 bytes a character of the limit
def test_play_refuses_a_document_over_the_limit_in_one_line(small_limit: int, tmp_path: Path, size: int,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the document was accepted: play would tokenize it whole")

    monkeypatch.setattr(tui.cli, "_load_models", no_model)
    path = tmp_path / "big.txt"
    path.write_text((STORY * 100)[:size])
    assert main(["--file", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("lmgame: error:") and "1,000 characters" in line and ".jsonl" in line
    path.write_text(STORY)
    assert [d.text for d in read_documents(path)] == [STORY]  # under the limit: read as before


def test_a_dataset_row_over_the_limit_is_refused_like_a_file(small_limit: int,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    rows = [{"text": STORY}, {"text": ""}, {"text": STORY * 10}]
    fake = types.SimpleNamespace(load_dataset=lambda name, split, streaming: iter(rows))
    monkeypatch.setitem(sys.modules, "datasets", fake)  # no network: the rows are these
    with pytest.raises(LmgameError, match=r"dataset 'stories' \(split train\), row 2 holds a text of more than "
                                          r"1,000 characters"):
        dataset_documents("stories")
    assert len(dataset_documents("stories", whole=False)) == 2  # a scan cut at --max-tokens reads any
    rows.pop()
    assert [d.text for d in dataset_documents("stories")] == [STORY]


def test_a_jsonl_text_over_the_limit_names_its_line(small_limit: int, tmp_path: Path) -> None:
    path = tmp_path / "texts.jsonl"
    path.write_text("\n".join(json.dumps({"text": t}) for t in (STORY, STORY * 10)) + "\n")
    with pytest.raises(LmgameError, match=r"texts\.jsonl:2 holds a text of more than 1,000 characters"):
        read_documents(path)
    assert len(read_documents(path, whole=False)) == 2


def test_a_scan_cut_at_max_tokens_reads_a_long_document(small_limit: int, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.txt"
    path.write_text(STORY * 100)
    assert main(["scan", "--corpus", str(path), "--max-tokens", "40", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 40
    assert main(["scan", "--corpus", str(path), "--format", "json"]) == 2  # without a cut it is tokenized whole
    assert "more than 1,000 characters" in capsys.readouterr().err


def test_a_bounded_read_stops_where_its_characters_end(tmp_path: Path) -> None:
    """Past the bound lie bytes that are not UTF-8 and lines that are not JSON: reading them would fail."""
    text_file = tmp_path / "big.txt"
    text_file.write_bytes(("é" + STORY).encode() * 3 + b"\xff" * 1000)
    (kept,) = read_documents(text_file, whole=False, most_chars=len(STORY) + 11)
    assert kept.text == ("é" + STORY + "é" + STORY)[: len(STORY) + 11]
    lines = tmp_path / "texts.jsonl"
    lines.write_text("\n".join([json.dumps({"text": STORY})] * 2 + ["not json {"] * 3) + "\n")
    assert [d.text for d in read_documents(lines, whole=False, most_chars=len(STORY) + 5)] == [STORY, STORY[:5]]
    with pytest.raises(LmgameError, match=r"texts\.jsonl:3: not valid JSON"):
        read_documents(lines, whole=False)  # without a bound every line is read


def test_a_scan_cut_at_max_tokens_reads_only_what_its_tokens_need(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(STORY.encode() * 2_000 + b"\xff")  # 340,000 characters, then a byte that is not UTF-8
    assert main(["scan", "--corpus", str(path), "--max-tokens", "100", "--format", "json", "--no-cache"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 100
    assert main(["scan", "--corpus", str(path), "--format", "json", "--no-cache"]) == 2  # whole: the bad byte
    assert "not UTF-8" in capsys.readouterr().err


def test_a_byte_order_mark_is_no_character_and_moves_no_error(tmp_path: Path) -> None:
    path = tmp_path / "marked.txt"
    path.write_bytes(b"\xef\xbb\xbfabcdef\xffgh")
    assert [d.text for d in read_documents(path, whole=False, most_chars=5)] == ["abcde"]
    path.write_bytes(b"\xef\xbb\xbfab\ncd\xff")
    with pytest.raises(LmgameError, match=r"bad byte at line 2, byte 5"):
        read_documents(path)


def test_a_scan_of_a_missing_corpus_says_so_before_loading_a_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was loaded for a corpus that cannot be read")

    monkeypatch.setattr(tui.cli, "_load_models", no_model)
    assert main(["scan", "--corpus", str(tmp_path / "missing.txt"), "--max-tokens", "10"]) == 2
    assert "file not found" in capsys.readouterr().err
