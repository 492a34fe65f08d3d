"""The guess log: every guess, with what each model said, and every counterfactual edit of a position, in SQLite
(WAL, one transaction a guess or an edit).

A crash or a kill -9 loses at most the guess being written: a guess and its model rows are committed together.
Schema 2 added the edits table; a schema-1 log gains it (and nothing else changes) the first time it is opened for
writing, and reads as a log without edits until then.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

from engine.errors import LmgameError

SCHEMA_VERSION = 2  # 2: edits

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    mode TEXT NOT NULL,
    models TEXT NOT NULL,          -- JSON list of model identities
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS guesses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL REFERENCES sessions(id),
    mode TEXT NOT NULL,            -- guess | which
    created REAL NOT NULL,
    text_id TEXT NOT NULL,
    offset INTEGER NOT NULL,       -- character offset of the guessed token in the text
    context TEXT NOT NULL,
    guess TEXT NOT NULL,           -- the guess as judged (which mode: the player's probability, e.g. "0.7")
    true_token TEXT NOT NULL,
    player_correct INTEGER NOT NULL,
    elapsed_s REAL NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'  -- mode-specific details (JSON)
);
CREATE TABLE IF NOT EXISTS predictions (
    guess_id INTEGER NOT NULL REFERENCES guesses(id),
    model TEXT NOT NULL,
    revision TEXT NOT NULL,
    identity TEXT NOT NULL,        -- JSON
    true_id INTEGER,
    true_prob REAL,
    true_rank INTEGER,
    guess_prob REAL,
    guess_rank INTEGER,
    guess_logprob REAL,            -- whole guess, teacher-forced
    top_k TEXT NOT NULL,           -- JSON list of {token, id, prob, logit}
    PRIMARY KEY (guess_id, model, revision)
);
CREATE INDEX IF NOT EXISTS guesses_by_session ON guesses(session);
CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL REFERENCES sessions(id),
    created REAL NOT NULL,
    text_id TEXT NOT NULL,         -- the position it came from: the text and the offset of its next token
    offset INTEGER NOT NULL,
    context TEXT NOT NULL,         -- the original context
    edited_context TEXT NOT NULL,
    true_token TEXT NOT NULL,      -- what the original text says next
    readings TEXT NOT NULL         -- JSON: the original and the edit as each model read them (games.counterfactual)
);
"""


@dataclass
class ModelRecord:
    identity: dict[str, str]
    top_k: list[dict[str, Any]]
    true_id: int | None = None
    true_prob: float | None = None
    true_rank: int | None = None
    guess_prob: float | None = None
    guess_rank: int | None = None
    guess_logprob: float | None = None


@dataclass
class GuessRecord:
    session: str
    mode: str
    text_id: str
    offset: int
    context: str
    guess: str
    true_token: str
    player_correct: bool
    elapsed_s: float
    models: list[ModelRecord]
    extra: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)


@dataclass
class EditRecord:
    """A counterfactual edit of the context before a position, and how each model read it and the original."""

    session: str
    text_id: str
    offset: int
    context: str
    edited_context: str
    true_token: str
    readings: dict[str, Any]  # {"original": Variant.as_json(), "edited": Variant.as_json()}
    created: float = field(default_factory=time.time)


class GuessLog:
    """Opens (and on first use creates) the log at `path`; use as a context manager or call close().

    `read_only` opens it for reading only: no schema written, nothing created, so a log in a folder that cannot be
    written to still reads (an empty or missing schema reads as no guesses)."""

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = Path(path)
        try:
            self.db = self._open_read_only() if read_only else self._open_for_writing()
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except (sqlite3.DatabaseError, OSError) as error:
            raise LmgameError(f"the guess log {self.path} cannot be opened: {error}") from None
        if version > SCHEMA_VERSION:
            raise LmgameError(
                f"the guess log {self.path} has schema version {version}; this lmgame knows up to "
                f"{SCHEMA_VERSION}: upgrade lmgame"
            )
        self.empty = version == 0
        self.version = version
        if version < SCHEMA_VERSION and not read_only:
            # one script, so that the tables and the version appear together or not at all; every statement is
            # IF NOT EXISTS, so an older log keeps its rows and gains what is new
            self.db.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nPRAGMA user_version={SCHEMA_VERSION};\nCOMMIT;")
            self.empty, self.version = False, SCHEMA_VERSION

    def _open_for_writing(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")  # each guess durable on return, even past an OS crash
        db.execute("PRAGMA foreign_keys=ON")
        return db

    def _open_read_only(self) -> sqlite3.Connection:
        uri = f"{self.path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=10)
        try:
            db.execute("PRAGMA user_version").fetchone()
            return db
        except sqlite3.OperationalError:
            # a WAL log whose folder cannot be written has no -shm to read through; with no -wal file either,
            # the database file holds every guess and can be read as it stands
            db.close()
            if Path(f"{self.path}-wal").exists():
                raise
            return sqlite3.connect(f"{uri}&immutable=1", uri=True, isolation_level=None)

    def _transaction(self) -> _Transaction:
        return _Transaction(self.db)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def start_session(self, mode: str, models: list[dict[str, str]], source: str) -> str:
        session = uuid.uuid4().hex[:12]
        with self._transaction():
            self.db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
                (session, time.time(), mode, json.dumps(models), source),
            )
        return session

    def add(self, record: GuessRecord) -> int:
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO guesses (session, mode, created, text_id, offset, context, guess, true_token,"
                " player_correct, elapsed_s, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.session, record.mode, record.created, record.text_id, record.offset, record.context,
                 record.guess, record.true_token, int(record.player_correct), record.elapsed_s,
                 json.dumps(record.extra)),
            )
            guess_id = cursor.lastrowid
            if guess_id is None:  # sqlite3 gives one after every INSERT
                raise sqlite3.DatabaseError("the guess log gave no row id for a guess")
            for m in record.models:
                self.db.execute(
                    "INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (guess_id, m.identity["name"], m.identity["revision"], json.dumps(m.identity), m.true_id,
                     m.true_prob, m.true_rank, m.guess_prob, m.guess_rank, m.guess_logprob, json.dumps(m.top_k)),
                )
        return guess_id

    def add_edit(self, record: EditRecord) -> int:
        with self._transaction():
            cursor = self.db.execute(
                "INSERT INTO edits (session, created, text_id, offset, context, edited_context, true_token, readings)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (record.session, record.created, record.text_id, record.offset, record.context,
                 record.edited_context, record.true_token, json.dumps(record.readings)),
            )
        return cursor.lastrowid or 0

    def edits(self) -> Iterator[dict[str, Any]]:
        """Every edit as a flat dict (its readings parsed), oldest first; none in a log older than schema 2."""
        if self.empty or self.version < 2:
            return
        cursor = self.db.execute("SELECT * FROM edits ORDER BY id")
        names = [c[0] for c in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(names, row, strict=True))
            record["readings"] = json.loads(record["readings"])
            yield record

    def rows(self) -> Iterator[dict[str, Any]]:
        """Every guess as a flat dict with its `models` list, oldest first."""
        if self.empty:
            return
        guesses = self.db.execute("SELECT * FROM guesses ORDER BY id").fetchall()
        names = [c[0] for c in self.db.execute("SELECT * FROM guesses LIMIT 0").description]
        pred_names = [c[0] for c in self.db.execute("SELECT * FROM predictions LIMIT 0").description]
        for row in guesses:
            record = dict(zip(names, row, strict=True))
            record["player_correct"] = bool(record["player_correct"])
            record["extra"] = json.loads(record["extra"])
            preds = self.db.execute("SELECT * FROM predictions WHERE guess_id = ? ORDER BY rowid", (record["id"],))
            record["models"] = []
            for pred in preds.fetchall():
                model = dict(zip(pred_names, pred, strict=True))
                model.pop("guess_id")
                model["identity"] = json.loads(model["identity"])
                model["top_k"] = json.loads(model["top_k"])
                record["models"].append(model)
            yield record

    def session_sources(self) -> dict[str, str]:
        """Session id -> what was played on."""
        if self.empty:
            return {}
        return dict(self.db.execute("SELECT id, source FROM sessions").fetchall())

    def count(self) -> int:
        if self.empty:
            return 0
        return int(self.db.execute("SELECT COUNT(*) FROM guesses").fetchone()[0])


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


CSV_COLUMNS = ["id", "session", "mode", "created", "text_id", "offset", "guess", "true_token", "player_correct",
               "elapsed_s", "model", "revision", "true_prob", "true_rank", "guess_prob", "guess_rank",
               "guess_logprob", "model_top1", "context"]


def export(log: GuessLog, fmt: str, edits: bool = False) -> str:
    """The whole log as JSONL (one guess a line, with its models) or CSV (one row per guess and model); with
    `edits`, the counterfactual edits instead, as JSONL (one edit a line, with each model's readings)."""
    if edits:
        if fmt != "jsonl":
            raise LmgameError("edits export as jsonl only")
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in log.edits())
    if fmt == "jsonl":
        return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in log.rows())
    if fmt != "csv":
        raise LmgameError(f"unknown export format {fmt!r}: use jsonl or csv")
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in log.rows():
        for model in row["models"] or [{}]:
            top = model.get("top_k") or [{}]
            writer.writerow({**row, **model, "model_top1": top[0].get("token", "")})
    return out.getvalue()
