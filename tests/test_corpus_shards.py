"""A corpus as shards: a folder or glob of .jsonl, .jsonl.gz, .parquet and .txt files, read in order, each
document called by its file; a damaged shard is one line that names it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow
import pyarrow.parquet
import pytest

from engine.corpus import MAX_JSONL_LINE, read_documents, read_shards
from engine.errors import LmgameError
from tests.conftest import shared


def stories(count: int) -> list[str]:
    return [d.text for d in read_documents(shared("tinystories", "stories.jsonl"))[:count]]


def write_shards(folder: Path, texts: list[str], parts: int = 4) -> list[Path]:
    """`texts` split in `parts` files, in turn .jsonl, .jsonl.gz, .parquet (the last again .jsonl)."""
    folder.mkdir(parents=True, exist_ok=True)
    size = -(-len(texts) // parts)
    paths = []
    for number in range(parts):
        part = texts[number * size : (number + 1) * size]
        kind = ("jsonl", "jsonl.gz", "parquet", "jsonl")[number % 4]
        path = folder / f"part-{number}.{kind}"
        lines = "".join(json.dumps({"text": text}) + "\n" for text in part)
        if kind == "jsonl":
            path.write_text(lines, encoding="utf-8")
        elif kind == "jsonl.gz":
            path.write_bytes(gzip.compress(lines.encode()))
        else:
            pyarrow.parquet.write_table(pyarrow.table({"text": part}), path)
        paths.append(path)
    return paths


def test_a_folder_of_mixed_shards_reads_as_the_texts_in_order(tmp_path: Path) -> None:
    texts = stories(23)
    paths = write_shards(tmp_path / "corpus", texts)
    (tmp_path / "corpus" / "notes.md").write_text("not a corpus file")
    shards = read_shards(tmp_path / "corpus")
    assert shards.paths == paths
    assert [d.text for d in shards.flat] == texts
    assert shards.sizes == [6, 6, 6, 5]
    ids = [d.id for d in shards.flat]
    assert len(set(ids)) == len(ids) and ids[6] == "part-1:1" and ids[12] == "part-2:1"
    globbed = read_shards(str(tmp_path / "corpus" / "part-[13].*"))
    assert [d.text for d in globbed.flat] == texts[6:12] + texts[18:]


def test_two_shards_of_one_name_in_two_folders_keep_their_documents_apart(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.jsonl").write_text(json.dumps({"text": f"in {folder}"}) + "\n")
    ids = [d.id for d in read_shards(tmp_path).flat]
    assert ids == ["a/x:1", "b/x:1"]


def test_a_cut_corpus_reads_only_the_files_it_needs(tmp_path: Path) -> None:
    texts = stories(12)
    write_shards(tmp_path / "corpus", texts)
    shards = read_shards(tmp_path / "corpus", most_chars=len(texts[0]) + len(texts[1]) + len(texts[2]) + 5)
    assert len(shards.paths) == 2 and [d.text for d in shards.flat][:3] == texts[:3]
    assert len(shards.flat[-1].text) == 5


def test_damaged_shards_are_one_line_naming_the_file(tmp_path: Path) -> None:
    bad_gzip = tmp_path / "bad.jsonl.gz"
    bad_gzip.write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    with pytest.raises(LmgameError, match="bad.jsonl.gz is not a readable gzip file"):
        read_documents(bad_gzip)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(b'{"text": "a"}\n' * 100)[:-20])
    with pytest.raises(LmgameError, match="cut.jsonl.gz is not a readable gzip file"):
        read_documents(cut)
    bad_parquet = tmp_path / "bad.parquet"
    bad_parquet.write_bytes(b"PAR1 this is not parquet PAR1")
    with pytest.raises(LmgameError, match="bad.parquet is not a readable Parquet file"):
        read_documents(bad_parquet)
    no_text = tmp_path / "no_text.parquet"
    pyarrow.parquet.write_table(pyarrow.table({"body": ["x"]}), no_text)
    with pytest.raises(LmgameError, match='no_text.parquet has no "text" column'):
        read_documents(no_text)
    numbers = tmp_path / "numbers.parquet"
    pyarrow.parquet.write_table(pyarrow.table({"text": [1, 2]}), numbers)
    with pytest.raises(LmgameError, match='numbers.parquet: row 1: "text" is not a string'):
        read_documents(numbers)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(LmgameError, match="a folder with no .jsonl"):
        read_documents(empty)
    with pytest.raises(LmgameError, match="no file matches"):
        read_documents(str(tmp_path / "nothing-*.jsonl"))


def test_a_compressed_line_longer_than_any_document_is_refused_as_it_is_read(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as handle:  # 31 MB of one line, a few kB compressed
        for _ in range(MAX_JSONL_LINE // (1 << 20) + 1):
            handle.write(b"a" * (1 << 20))
    assert bomb.stat().st_size < 200_000
    with pytest.raises(LmgameError, match="holds a text of more than"):
        read_documents(bomb)
