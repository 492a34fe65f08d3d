"""The guess log: round trip, export, schema version, and writes interrupted by a kill -9."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from engine.errors import LmgameError
from games.log import SCHEMA_VERSION, GuessLog, GuessRecord, ModelRecord, export
from games.paths import guess_log_path

ROOT = Path(__file__).resolve().parents[1]
IDENTITY = {"name": "m", "source": "/x", "revision": "abc123", "architecture": "GPT2LMHeadModel", "dtype": "float32"}


def _record(session: str, n: int) -> GuessRecord:
    return GuessRecord(
        session=session, mode="guess", text_id="doc", offset=n, context=f"context {n}", guess=" cat",
        true_token=" dog", player_correct=False, elapsed_s=1.5,
        models=[ModelRecord(IDENTITY, [{"token": " dog", "id": 5, "prob": 0.5, "logit": 2.0}], 5, 0.5, 1, 0.1, 3,
                            -4.0)],
    )


def test_round_trip_and_exports(tmp_path: Path) -> None:
    with GuessLog(tmp_path / "log.sqlite3") as log:
        session = log.start_session("guess", [IDENTITY], "demo")
        log.add(_record(session, 0))
        log.add(_record(session, 7))
        rows = list(log.rows())
        assert [r["offset"] for r in rows] == [0, 7]
        assert rows[0]["models"][0]["identity"] == IDENTITY
        assert rows[0]["models"][0]["top_k"][0]["token"] == " dog"
        assert rows[0]["models"][0]["true_rank"] == 1 and rows[0]["models"][0]["guess_rank"] == 3
        lines = export(log, "jsonl").splitlines()
        assert [json.loads(line)["offset"] for line in lines] == [0, 7]
        table = list(csv.DictReader(io.StringIO(export(log, "csv"))))
        assert [row["model"] for row in table] == ["m", "m"] and table[1]["model_top1"] == " dog"
    db = sqlite3.connect(tmp_path / "log.sqlite3")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    sqlite3.connect(path).execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(LmgameError, match="schema version"):
        GuessLog(path)


def test_a_corrupt_file_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LmgameError, match="cannot be opened"):
        GuessLog(path)


WRITER = """
import os, signal, sys
sys.path.insert(0, {root!r})
from tests.test_log import _record
from games.log import GuessLog
log = GuessLog({path!r})
session = log.start_session("guess", [], "demo")
for n in range({committed}):
    log.add(_record(session, n))
print("ready", flush=True)
mode = {mode!r}
if mode == "mid-transaction":
    log.db.execute("BEGIN IMMEDIATE")
    log.db.execute("INSERT INTO guesses (session, mode, created, text_id, offset, context, guess, true_token,"
                   " player_correct, elapsed_s) VALUES (?, 'guess', 0, 'doc', 999, '', '', '', 0, 0)", (session,))
    os.kill(os.getpid(), signal.SIGKILL)
n = {committed}
while True:
    log.add(_record(session, n))
    n += 1
"""


def _check_consistent(path: Path) -> int:
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    orphans = db.execute("SELECT COUNT(*) FROM guesses g WHERE NOT EXISTS "
                         "(SELECT 1 FROM predictions p WHERE p.guess_id = g.id)").fetchone()[0]
    assert orphans == 0, "a guess was saved without its model rows"
    offsets = [row[0] for row in db.execute("SELECT offset FROM guesses ORDER BY id")]
    assert offsets == list(range(len(offsets))), "the log is not the uninterrupted sequence of committed guesses"
    return len(offsets)


def test_kill_mid_transaction_loses_only_that_guess(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    script = WRITER.format(root=str(ROOT), path=str(path), committed=5, mode="mid-transaction")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert result.returncode == -signal.SIGKILL
    assert _check_consistent(path) == 5


def test_kill_9_while_writing_keeps_every_committed_guess(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    script = WRITER.format(root=str(ROOT), path=str(path), committed=3, mode="loop")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.3)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert _check_consistent(path) > 3
    with GuessLog(path) as log:  # and the log opens and takes new guesses afterwards
        before = log.count()
        log.add(_record(log.start_session("guess", [], "demo"), before))
        assert log.count() == before + 1


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """The folder and its files made unwritable: by chmod, or for root (whom chmod does not stop) by chattr +i."""
    paths = [str(p) for p in (folder, *folder.iterdir())]
    if os.geteuid() == 0:
        if not shutil.which("chattr") or subprocess.run(["chattr", "+i", *paths], capture_output=True).returncode:
            pytest.skip("running as root, where chmod does not stop writes, and chattr +i is not available")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", *paths], check=True)
        return
    modes = {path: os.stat(path).st_mode for path in paths}
    for path in paths:
        os.chmod(path, 0o555 if os.path.isdir(path) else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            os.chmod(path, mode)


@pytest.mark.parametrize("mode", ["closed", "mid-transaction"])
def test_a_log_in_a_read_only_folder_exports(mode: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Closed cleanly (the database file alone) or killed mid-write (a -wal and -shm beside it): both export."""
    from tui.cli import main

    path = guess_log_path()
    if mode == "closed":
        with GuessLog(path) as log:
            session = log.start_session("guess", [], "demo")
            for n in range(4):
                log.add(_record(session, n))
    else:
        script = WRITER.format(root=str(ROOT), path=str(path), committed=4, mode=mode)
        subprocess.run([sys.executable, "-c", script], capture_output=True, check=False, timeout=60)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == (["guesses.sqlite3"] if mode == "closed" else
                     ["guesses.sqlite3", "guesses.sqlite3-shm", "guesses.sqlite3-wal"])
    with read_only(path.parent):
        assert main(["log", "export", "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["offset"] for row in rows] == [0, 1, 2, 3]
    assert sorted(p.name for p in path.parent.iterdir()) == files


def test_reading_writes_no_schema(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.touch()
    with GuessLog(path, read_only=True) as log:
        assert list(log.rows()) == [] and log.count() == 0 and log.session_sources() == {}
    assert path.stat().st_size == 0 and [p.name for p in tmp_path.iterdir()] == ["log.sqlite3"]
