"""The state store: one SQLite file per user, and every SQL statement goalsync runs.

What it keeps, and why:

* ``links`` — which remote object stands for which plan object (tasks by key, blocks by
  UID), its ETag, and the values goalsync last pushed: the *base* of the three-way
  reconcile. ``pinned`` marks a block the user moved; ``gone`` a task the user deleted.
* ``journal`` — every remote write, recorded as *intended* before the call and
  *confirmed* or *failed* after it. A run killed in between leaves an intended entry the
  next run checks against the server (see ``syncer.engine``).
* ``block_index`` — the next index per key for block UIDs; indexes are never reused.
* ``completions``, ``planned_blocks``, ``runs``, ``review_journal``, ``metric_values`` —
  the history progress and review are computed from.
* ``tokens`` — per backend, the change token (sync token / ctag) and the snapshot of the
  remote objects seen with it, so an unchanged server is not listed again.
* ``meta`` — the target binding (which project / calendar the links point into).

Guarantees: the file is created with mode 0600 and a schema version; writes happen in
transactions, so a killed process leaves the last committed state (WAL journal while a
run has it open; a rollback journal once closed, so the read-only opens of ``plan`` and
``status`` create no file beside it); an unreadable file is moved aside (never silently
overwritten) and reported. ``lock()`` keeps two runs from overlapping.

What only the state knows (review answers, measured values, completions, the first
run) is also appended to ``history.jsonl`` (``syncer.history``) before the state commits
it; a lost or moved-aside state is rebuilt from it, with a note saying what came back.
A state that cannot be *written* (disk full, read-only file or folder) is an error
(StateUnwritable, exit 1), never a reason to move it aside. Damaged rows (unreadable
JSON, a bad date, a bad schema version) are dropped or repaired one by one on open, each
with a note (``_scrub``). A file from a newer goalsync is refused before anything is
written to it, by every command (``_check_version``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import math
import os
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from syncer import history
from syncer.core.model import Block
from syncer.errors import GoalsyncError, LockedError
from syncer.wording import count

SCHEMA_VERSION = 1
STATE_FILE = "state.sqlite"
LOCK_FILE = "goalsync.lock"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
    kind TEXT NOT NULL CHECK (kind IN ('task', 'block')),
    remote_id TEXT NOT NULL,
    key TEXT NOT NULL,
    backend TEXT NOT NULL,
    etag TEXT,
    owned_hash TEXT NOT NULL DEFAULT '',
    pushed TEXT NOT NULL DEFAULT '{}',
    pinned INTEGER NOT NULL DEFAULT 0,
    gone INTEGER NOT NULL DEFAULT 0,
    start TEXT,
    end TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, remote_id)
);
CREATE INDEX IF NOT EXISTS links_by_key ON links (kind, key);
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    remote_id TEXT,
    action TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('intended', 'confirmed', 'failed')),
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_by_state ON journal (state);
CREATE TABLE IF NOT EXISTS completions (key TEXT PRIMARY KEY, completed_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    backend TEXT PRIMARY KEY, token TEXT, snapshot TEXT, saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS block_index (key TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS planned_blocks (
    key TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL, uid TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    summary TEXT
);
CREATE TABLE IF NOT EXISTS review_journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    trigger TEXT NOT NULL,
    goal TEXT,
    milestone TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS metric_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    goal TEXT NOT NULL,
    at TEXT NOT NULL,
    value REAL NOT NULL
);
"""


# ------------------------------------------------------------------- JSON encoding


def encode_value(value: Any) -> Any:
    """A JSON-ready form of a pushed field value (dates and datetimes tagged)."""
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value) if isinstance(value, frozenset | set) else value
        return [encode_value(v) for v in items]
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    return value


def decode_value(value: Any) -> Any:
    """Inverse of ``encode_value`` (lists come back as tuples)."""
    if isinstance(value, dict) and len(value) == 1:
        if "datetime" in value:
            return datetime.fromisoformat(value["datetime"])
        if "date" in value:
            return date.fromisoformat(value["date"])
    if isinstance(value, list):
        return tuple(decode_value(v) for v in value)
    if isinstance(value, dict):
        return {k: decode_value(v) for k, v in value.items()}
    return value


def dumps(values: Mapping[str, Any]) -> str:
    return json.dumps({k: encode_value(v) for k, v in values.items()}, sort_keys=True)


def loads(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    return {k: decode_value(v) for k, v in json.loads(text).items()}


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _utcnow() -> datetime:
    # Bookkeeping timestamps only; planning never reads this clock.
    return datetime.now(UTC)


# ------------------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Link:
    """One owned remote object and what goalsync last pushed to it."""

    kind: str  # "task" | "block"
    remote_id: str  # Todoist id / VTODO UID for tasks, the event UID for blocks
    key: str
    backend: str
    etag: str | None = None
    pushed: Mapping[str, Any] = field(default_factory=dict)
    owned_hash: str = ""
    pinned: bool = False
    gone: bool = False
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    run_id: int | None
    kind: str
    key: str
    remote_id: str | None
    action: Mapping[str, Any]
    state: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewAnswer:
    at: datetime
    trigger: str
    goal: str | None
    milestone: str | None
    question: str
    answer: str


@dataclass(frozen=True)
class Record:
    """The person's history as the state keeps it, for progress and the review: what
    completed when, the last full schedule (the baseline), goalsync's blocks on the
    calendar, recorded measurements, review answers, and when tracking began."""

    completions: Mapping[str, datetime]
    planned: tuple[Block, ...]
    on_calendar: tuple[Block, ...]
    metrics: Mapping[str, tuple[float, datetime]]
    journal: tuple[ReviewAnswer, ...]
    since: datetime | None
    # every recorded measurement per goal, oldest first: {goal_id: ((at, value), ...)}
    metric_history: Mapping[str, tuple[tuple[datetime, float], ...]] = \
        field(default_factory=dict)


REVIEW_NOTES_META = "review_notes"  # the last review's prompts, for the review task
UID_TAKEN = "uid taken: "  # a journal error: the server holds this UID, never retry it


# -------------------------------------------------------------------------- paths


def default_state_dir(configured: str | os.PathLike[str] | None = None) -> Path:
    """``GOALSYNC_STATE_DIR``, else the configured ``state_dir``, else the user data
    folder (platformdirs ``user_data_dir("goalsync")``)."""
    env = os.environ.get("GOALSYNC_STATE_DIR")
    if env:
        return Path(env).expanduser()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("goalsync"))


@contextlib.contextmanager
def lock(state_dir: str | os.PathLike[str]) -> Iterator[None]:
    """Hold an exclusive lock on ``state_dir`` for the block; raise LockedError at once
    if another goalsync run holds it. The OS releases it when a process dies."""
    directory = Path(state_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as err:  # a read-only or full folder: nothing can be recorded
        raise StateUnwritable(f"cannot use the state folder {directory}: "
                              f"{err.strerror or err}", hint=_UNWRITABLE_HINT) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(
                f"another goalsync run is using {directory} right now",
                hint="wait for it to finish, then run this command again",
            ) from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


# -------------------------------------------------------------------------- store


class State:
    """The open state database. Use ``State.open(path)`` as a context manager."""

    def __init__(self, db: sqlite3.Connection, path: Path | None,
                 notes: Sequence[str] = ()) -> None:
        self._db = db
        self.path = path
        self.notes: list[str] = list(notes)  # sentences for the user (file moved aside…)
        self.run_id: int | None = None
        self._in_transaction = False
        # history records of the open transaction, written just before it commits
        self._history = None if path is None else history.path_beside(path)
        self._pending: list[dict[str, Any]] = []

    # -- opening

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False) -> State:
        """Open (creating if needed, mode 0600) the state file at ``path``.

        ``readonly=True`` copies the file into memory and never touches the disk: every
        method still works, and nothing is kept (used by dry runs). A file that is not
        a readable goalsync state is moved aside to ``<name>.corrupt-<time>`` and a fresh
        one is started; ``notes`` says so.
        """
        path = Path(path)
        _check_version(path)  # before anything could write to a newer goalsync's file
        if readonly:
            try:
                db, notes, lost = _memory_copy(path)
            except _SchemaTooNew as err:
                raise StateTooNew(f"the state file {path} {err}", hint=_TOO_NEW_HINT) from None
            state = cls(db, None, notes)
            if lost:  # missing or unreadable: what the history keeps, in memory
                state._rebuild(history.path_beside(path))
            return state
        notes = []
        fresh = not path.exists()
        try:
            db = _connect(path)
        except _SchemaTooNew as err:
            raise StateTooNew(f"the state file {path} {err}", hint=_TOO_NEW_HINT) from None
        except OSError as err:
            raise StateUnwritable(f"cannot open the state file {path}: {err.strerror or err}",
                                  hint=_UNWRITABLE_HINT) from None
        except sqlite3.DatabaseError as err:
            if not _is_damage(err):  # full disk, read-only, locked: the file is fine
                raise StateUnwritable(f"cannot write the state file {path} ({err}); it "
                                      "was left as it is", hint=_UNWRITABLE_HINT) from None
            aside = _move_aside(path)
            notes.append(
                f"the state file {path} could not be read ({err}); it was moved to "
                f"{aside.name} and goalsync rebuilt its links from the server's markers"
            )
            fresh = True
            db = _connect(path)
        state = cls(db, path, notes)
        try:
            state.notes += _scrub(db)
            if fresh:
                state._rebuild(history.path_beside(path))
        except sqlite3.DatabaseError as err:
            db.close()
            raise StateUnwritable(f"cannot write the state file {path} ({err}); it was "
                                  "left as it is", hint=_UNWRITABLE_HINT) from None
        return state

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close; a file-backed state leaves WAL mode on the way out, so its -wal and -shm
        files are folded in and removed, and a later read-only open (``goalsync plan``,
        ``status``) creates nothing beside it."""
        if self.path is not None:
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.commit()
                self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes: all of them are committed, or none. Nests (inner ones join).
        A write the disk refuses (full, read-only) raises StateUnwritable."""
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        try:
            with self._unwritable_is_an_error():
                yield
                self._commit()
        except BaseException:
            self._pending.clear()
            with contextlib.suppress(sqlite3.DatabaseError):
                self._db.rollback()
            raise
        finally:
            self._in_transaction = False

    def _write(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        if self._in_transaction:
            return self._db.execute(sql, params)
        with self.transaction():
            return self._db.execute(sql, params)

    def _commit(self) -> None:
        """The history records of this transaction go to disk first: a record the state
        holds is always in the history too."""
        if self._pending and self._history is not None:
            history.append(self._history, self._pending)
        self._pending.clear()
        self._db.commit()

    def _remember(self, kind: str, **fields: Any) -> None:
        """A history record, written when the current write commits."""
        self._pending.append({"kind": kind, **fields})

    @contextlib.contextmanager
    def _unwritable_is_an_error(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as err:
            if _is_damage(err):
                raise
            raise StateUnwritable(
                f"cannot write the state file {self.path} ({err}); what was recorded "
                "before is kept", hint=_UNWRITABLE_HINT) from None

    def _rebuild(self, source: Path) -> None:
        """Replay the history journal into this (new, empty) state; a note says what
        came back."""
        found = history.read(source)
        if not found.records and not found.skipped:
            return
        seen: set[str] = set()
        with self.transaction():
            for record in found.records:
                line = json.dumps(record, sort_keys=True)
                if line in seen:
                    continue
                seen.add(line)
                try:
                    self._replay(record)
                except (KeyError, TypeError, ValueError, OverflowError):
                    found.skipped += 1
            self._pending.clear()  # the records are in the file already
        rows = {table: self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("review_journal", "metric_values", "completions", "runs")}
        parts = [count(rows["review_journal"], "review answer"),
                 count(rows["metric_values"], "measured value"),
                 count(rows["completions"], "completion")]
        note = (f"goalsync rebuilt its history from {source.name}: {', '.join(parts)}"
                + (" and when tracking began" if rows["runs"] else ""))
        if found.skipped:
            note += (f"; {count(found.skipped, 'unreadable line')} "
                     f"{'was' if found.skipped == 1 else 'were'} skipped")
        self.notes.append(note)

    def _replay(self, record: Mapping[str, Any]) -> None:
        db = self._db
        match record["kind"]:
            case "review":
                db.execute(
                    "INSERT INTO review_journal (at, trigger, goal, milestone, question,"
                    " answer) VALUES (?, ?, ?, ?, ?, ?)",
                    (_ts(_dt(record["at"])), str(record["trigger"]), _opt(record.get("goal")),
                     _opt(record.get("milestone")), str(record["question"]),
                     str(record["answer"])))
            case "metric":
                value = float(record["value"])
                if not -1e300 < value < 1e300:
                    raise ValueError(value)
                db.execute("INSERT INTO metric_values (goal, at, value) VALUES (?, ?, ?)",
                           (str(record["goal"]), _ts(_dt(record["at"])), value))
            case "completion":
                db.execute("INSERT OR IGNORE INTO completions (key, completed_at)"
                           " VALUES (?, ?)", (str(record["key"]), _ts(_dt(record["at"]))))
            case "reopened":
                db.execute("DELETE FROM completions WHERE key = ?", (str(record["key"]),))
            case "first_run":
                db.execute("INSERT INTO runs (started_at) SELECT ? WHERE NOT EXISTS"
                           " (SELECT 1 FROM runs)", (_ts(_dt(record["at"])),))

    # -- meta (target binding)

    def meta(self, name: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        self._write("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", (name, value))

    # -- links

    def links(self, kind: str | None = None) -> list[Link]:
        sql = "SELECT * FROM links"
        params: tuple[Any, ...] = ()
        if kind is not None:
            sql += " WHERE kind = ?"
            params = (kind,)
        return [_link(row) for row in self._db.execute(sql + " ORDER BY kind, key, remote_id",
                                                        params)]

    def save_link(self, link: Link) -> None:
        self._write(
            "INSERT OR REPLACE INTO links (kind, remote_id, key, backend, etag, owned_hash,"
            " pushed, pinned, gone, start, end, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (link.kind, link.remote_id, link.key, link.backend, link.etag, link.owned_hash,
             dumps(link.pushed), int(link.pinned), int(link.gone),
             None if link.start is None else _ts(link.start),
             None if link.end is None else _ts(link.end), _ts(_utcnow())),
        )

    def delete_link(self, kind: str, remote_id: str) -> None:
        self._write("DELETE FROM links WHERE kind = ? AND remote_id = ?", (kind, remote_id))

    def delete_other_links(self, kind: str, key: str, remote_id: str) -> None:
        """Forget every ``kind`` link of ``key`` except the one to ``remote_id``."""
        self._write("DELETE FROM links WHERE kind = ? AND key = ? AND remote_id != ?",
                    (kind, key, remote_id))

    def delete_links(self, kind: str | None = None) -> None:
        """Forget every link, or every ``kind`` link (``--rebind``)."""
        if kind is None:
            self._write("DELETE FROM links")
        else:
            self._write("DELETE FROM links WHERE kind = ?", (kind,))

    # -- journal

    def journal_intent(self, kind: str, key: str, remote_id: str | None,
                       action: Mapping[str, Any]) -> int:
        """Record a remote write about to happen; returns the entry id."""
        now = _ts(_utcnow())
        cursor = self._write(
            "INSERT INTO journal (run_id, kind, key, remote_id, action, state, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 'intended', ?, ?)",
            (self.run_id, kind, key, remote_id, dumps(action), now, now),
        )
        return int(cursor.lastrowid or 0)

    def journal_confirm(self, entry_id: int, remote_id: str | None = None) -> None:
        self._write(
            "UPDATE journal SET state = 'confirmed', remote_id = COALESCE(?, remote_id),"
            " updated_at = ? WHERE id = ?",
            (remote_id, _ts(_utcnow()), entry_id),
        )

    def journal_fail(self, entry_id: int, error: str) -> None:
        self._write(
            "UPDATE journal SET state = 'failed', error = ?, updated_at = ? WHERE id = ?",
            (error, _ts(_utcnow()), entry_id),
        )

    def prune_journal(self, before: datetime) -> None:
        """Drop settled journal entries older than ``before`` (intended ones stay until
        a run settles them)."""
        self._write("DELETE FROM journal WHERE state != 'intended' AND updated_at < ?",
                    (_ts(before),))

    def pending_journal(self) -> list[JournalEntry]:
        """Intended writes whose outcome was never recorded (the run was killed)."""
        rows = self._db.execute(
            "SELECT id, run_id, kind, key, remote_id, action, state, error FROM journal"
            " WHERE state = 'intended' ORDER BY id"
        )
        return [JournalEntry(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6], r[7])
                for r in rows]

    def failed_block_creates(self) -> dict[str, list[str]]:
        """UIDs of block creates that failed and may be tried again, by key, oldest
        first: the server never took them (a UID the server holds elsewhere, as in its
        trash bin, is journaled with ``UID_TAKEN`` and left out), and no later write of
        that UID was confirmed."""
        rows = self._db.execute(
            "SELECT key, remote_id, action, state, error FROM journal WHERE kind = 'block'"
            " AND remote_id IS NOT NULL ORDER BY id")
        failed: dict[str, str] = {}  # uid -> key
        for key, uid, action, state, error in rows:
            if state == "failed" and loads(action).get("op") == "create" and not (
                    error or "").startswith(UID_TAKEN):
                failed[uid] = key
            elif state != "failed" or (error or "").startswith(UID_TAKEN):
                failed.pop(uid, None)
        by_key: dict[str, list[str]] = {}
        for uid, key in failed.items():
            by_key.setdefault(key, []).append(uid)
        return by_key

    def journal(self, limit: int = 100) -> list[JournalEntry]:
        rows = self._db.execute(
            "SELECT id, run_id, kind, key, remote_id, action, state, error FROM journal"
            " ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [JournalEntry(r[0], r[1], r[2], r[3], r[4], loads(r[5]), r[6], r[7])
                for r in rows]

    # -- block UIDs

    def allocate_block_index(self, key: str, at_least: int = 0) -> int:
        """Return a block index for ``key`` that was never handed out before (and is at
        least ``at_least``), committing the allocation before it is used."""
        with self.transaction():
            row = self._db.execute("SELECT next FROM block_index WHERE key = ?",
                                   (key,)).fetchone()
            index = max(at_least, 0 if row is None else int(row[0]))
            self._db.execute("INSERT OR REPLACE INTO block_index (key, next) VALUES (?, ?)",
                             (key, index + 1))
        return index

    def block_indexes(self) -> dict[str, int]:
        """The next free block index of every key that was given one."""
        rows = self._db.execute("SELECT key, next FROM block_index")
        return {key: int(next_) for key, next_ in rows}

    def reserve_block_indexes(self, next_free: Mapping[str, int]) -> None:
        """Commit the counters a decision moved on (``key -> next free index``), before
        any of the UIDs handed out is used; a counter never goes back."""
        with self.transaction():
            for key, value in next_free.items():
                self._db.execute(
                    "INSERT INTO block_index (key, next) VALUES (?, ?) ON CONFLICT(key) "
                    "DO UPDATE SET next = max(next, excluded.next)", (key, value))

    # -- completions

    def record_completion(self, key: str, completed_at: datetime) -> None:
        """Keep the first completion time seen for ``key``."""
        with self.transaction():
            if self._write("INSERT OR IGNORE INTO completions (key, completed_at)"
                           " VALUES (?, ?)", (key, _ts(completed_at))).rowcount:
                self._remember("completion", key=key, at=_ts(completed_at))

    def forget_completion(self, key: str) -> None:
        """The task was reopened."""
        with self.transaction():
            if self._write("DELETE FROM completions WHERE key = ?", (key,)).rowcount:
                self._remember("reopened", key=key)

    def completions(self) -> dict[str, datetime]:
        """Every completed step/milestone key and when it was completed."""
        rows = self._db.execute("SELECT key, completed_at FROM completions ORDER BY key")
        return {key: _dt(at) for key, at in rows}

    # -- tokens and snapshots

    def token(self, backend: str) -> tuple[str | None, Any]:
        """The saved change token and snapshot (decoded JSON) for ``backend``."""
        row = self._db.execute("SELECT token, snapshot FROM tokens WHERE backend = ?",
                               (backend,)).fetchone()
        if row is None:
            return None, None
        return row[0], None if row[1] is None else json.loads(row[1])

    def save_token(self, backend: str, token: str | None, snapshot: Any) -> None:
        text = None if snapshot is None else json.dumps(snapshot)
        row = self._db.execute("SELECT token, snapshot FROM tokens WHERE backend = ?",
                               (backend,)).fetchone()
        if row is not None and (row[0], row[1]) == (token, text):
            return  # kept as it is: a no-change run rewrites nothing
        self._write(
            "INSERT OR REPLACE INTO tokens (backend, token, snapshot, saved_at)"
            " VALUES (?, ?, ?, ?)",
            (backend, token, text, _ts(_utcnow())),
        )

    def clear_tokens(self) -> None:
        self._write("DELETE FROM tokens")

    # -- the schedule baseline

    def save_planned_blocks(self, blocks: Sequence[Block], now: datetime) -> None:
        """Make the latest full schedule the baseline from ``now`` on. What was planned
        before ``now`` stays: it is what should have been done by now (expected progress,
        missed blocks), even when no calendar keeps a copy."""
        past = [b for b in self.planned_blocks() if b.end <= now]
        future = [b for b in blocks if b.end > now]
        rows = [(b.step, _ts(b.start), _ts(b.end), b.uid) for b in past + future]
        kept = [tuple(row) for row in self._db.execute(
            "SELECT key, start, end, uid FROM planned_blocks")]
        if sorted(rows, key=repr) == sorted(kept, key=repr):
            return  # the same baseline: nothing to rewrite
        with self.transaction():
            self._db.execute("DELETE FROM planned_blocks")
            self._db.executemany(
                "INSERT INTO planned_blocks (key, start, end, uid) VALUES (?, ?, ?, ?)", rows)

    def planned_blocks(self) -> list[Block]:
        """The baseline: blocks planned before now by earlier runs, then the latest full
        schedule (every block of the horizon, not only the window)."""
        rows = self._db.execute(
            "SELECT key, start, end, uid FROM planned_blocks ORDER BY start, key")
        return [Block(step=k, start=_dt(s), end=_dt(e), uid=u) for k, s, e, u in rows]

    # -- runs

    def begin_run(self, started_at: datetime) -> int:
        with self.transaction():
            if self.first_run() is None:  # when tracking began: the history keeps it
                self._remember("first_run", at=_ts(started_at))
            cursor = self._write("INSERT INTO runs (started_at) VALUES (?)",
                                 (_ts(started_at),))
        self.run_id = int(cursor.lastrowid or 0)
        return self.run_id

    def end_run(self, ended_at: datetime, summary: Mapping[str, Any]) -> None:
        self._write("UPDATE runs SET ended_at = ?, summary = ? WHERE id = ?",
                    (_ts(ended_at), json.dumps(summary, default=str), self.run_id))

    def last_run(self) -> datetime | None:
        """When the last finished sync ended (None before the first)."""
        row = self._db.execute(
            "SELECT ended_at FROM runs WHERE ended_at IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return None if row is None else _dt(row[0])

    def first_run(self) -> datetime | None:
        """When the first sync started (when progress tracking began; None before)."""
        row = self._db.execute("SELECT started_at FROM runs ORDER BY id LIMIT 1").fetchone()
        return None if row is None else _dt(row[0])

    # -- review journal and metrics

    def record_review_answer(self, at: datetime, trigger: str, goal: str | None,
                             milestone: str | None, question: str, answer: str) -> None:
        with self.transaction():
            self._write(
                "INSERT INTO review_journal (at, trigger, goal, milestone, question, answer)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_ts(at), trigger, goal, milestone, question, answer),
            )
            self._remember("review", at=_ts(at), trigger=trigger, goal=goal,
                           milestone=milestone, question=question, answer=answer)

    def review_answers(self) -> list[ReviewAnswer]:
        rows = self._db.execute(
            "SELECT at, trigger, goal, milestone, question, answer FROM review_journal"
            " ORDER BY at, id"
        )
        return [ReviewAnswer(_dt(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in rows]

    def record_metric(self, goal_id: str, value: float, at: datetime) -> None:
        if not math.isfinite(value):
            raise ValueError(f"a measured value must be a finite number, not {value!r}")
        with self.transaction():
            self._write("INSERT INTO metric_values (goal, at, value) VALUES (?, ?, ?)",
                        (goal_id, _ts(at), float(value)))
            self._remember("metric", goal=goal_id, at=_ts(at), value=float(value))

    def record(self) -> Record:
        return Record(
            completions=self.completions(), planned=tuple(self.planned_blocks()),
            on_calendar=tuple(Block(lk.key, lk.start, lk.end, uid=lk.remote_id)
                              for lk in self.links("block")
                              if lk.start is not None and lk.end is not None),
            metrics=self.metrics(), journal=tuple(self.review_answers()),
            since=self.first_run(), metric_history=self.metric_history())

    def metrics(self) -> dict[str, tuple[float, datetime]]:
        """The latest recorded value per goal: ``{goal_id: (value, at)}``."""
        rows = self._db.execute("SELECT goal, value, at FROM metric_values ORDER BY at, id")
        return {goal: (float(value), _dt(at)) for goal, value, at in rows}

    def metric_history(self) -> dict[str, tuple[tuple[datetime, float], ...]]:
        """Every recorded value per goal, oldest first: ``{goal_id: ((at, value), ...)}``."""
        history: dict[str, list[tuple[datetime, float]]] = {}
        for goal, value, at in self._db.execute(
                "SELECT goal, value, at FROM metric_values ORDER BY at, id"):
            history.setdefault(goal, []).append((_dt(at), float(value)))
        return {goal: tuple(points) for goal, points in history.items()}


# ------------------------------------------------------------------------ helpers


class _SchemaTooNew(sqlite3.DatabaseError):
    pass


class StateUnwritable(GoalsyncError):
    """The state file is fine but cannot be written now (disk full, read-only, no
    permission): an error, never a reason to move the person's history aside."""

    exit_code = 1


_TOO_NEW_HINT = ("upgrade goalsync (`pip install -U goalsync`); the file was not touched")
_UNWRITABLE_HINT = ("free some disk space, or make the state folder writable "
                    "(GOALSYNC_STATE_DIR), then run again; nothing was synced")
_DAMAGED = (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB (primary result codes)


def _is_damage(err: sqlite3.DatabaseError) -> bool:
    """Whether sqlite says the file itself is damaged or not a database."""
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _DAMAGED
    text = str(err)
    return "not a database" in text or "malformed" in text


class StateTooNew(GoalsyncError):
    """The state file was written by a newer goalsync; it is left untouched."""

    exit_code = 2


def _check_version(path: Path) -> None:
    """Raise StateTooNew when ``path`` holds a newer goalsync's state. The file is read
    as immutable: no journal mode switch, no lock, no -wal/-shm, nothing written. A file
    that cannot be read this way is left to the normal open (it reports damage)."""
    if not path.is_file():
        return
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            row = db.execute("SELECT version FROM schema_version").fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return
    version = _version(row[0]) if row else None
    if version is not None and version > SCHEMA_VERSION:
        raise StateTooNew(f"the state file {path} was written by a newer goalsync (schema "
                          f"{version}, this one knows {SCHEMA_VERSION})", hint=_TOO_NEW_HINT)


def _version(value: Any) -> int | None:
    """The schema version a row holds, or None when it is not a whole number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value) < 10:
        return int(value)
    return None


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        _migrate(db)
    except sqlite3.DatabaseError:
        db.close()
        raise
    db.isolation_level = "DEFERRED"  # implicit transactions, committed by State
    return db


def _migrate(db: sqlite3.Connection) -> None:
    db.executescript("BEGIN;" + _SCHEMA + "COMMIT;")
    row = db.execute("SELECT version FROM schema_version").fetchone()
    if row is None:
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        return
    version = _version(row[0])
    if version is not None and version > SCHEMA_VERSION:
        raise _SchemaTooNew(f"was written by a newer goalsync (schema {row[0]}, this one "
                            f"knows {SCHEMA_VERSION})")


def peek_meta(path: Path, name: str) -> str | None:
    """One meta value read straight from the state file: read-only, no copy, no
    migration, nothing created beside it. None when the file or the value is missing or
    unreadable (the run that opens the state reports its trouble)."""
    if not path.exists():
        return None
    try:
        # immutable: nothing is created beside the file, whatever its journal mode
        db = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def _memory_copy(path: Path) -> tuple[sqlite3.Connection, list[str], bool]:
    """An in-memory copy of the state at ``path`` (scrubbed of damaged rows), notes, and
    whether the file was missing or unreadable (an empty state then: the caller rebuilds
    what the history keeps). Nothing on disk is changed."""
    memory = sqlite3.connect(":memory:", isolation_level=None)
    notes: list[str] = []
    lost = not path.exists()
    if not lost:
        try:
            source = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                source.backup(memory)
            finally:
                source.close()
            _migrate(memory)
        except _SchemaTooNew:
            raise
        except sqlite3.DatabaseError as err:
            memory.close()
            memory = sqlite3.connect(":memory:", isolation_level=None)
            notes.append(f"the state file {path} could not be read ({err}); this run used "
                         "what the history journal keeps")
            lost = True
    _migrate(memory)
    notes += _scrub(memory)
    memory.isolation_level = "DEFERRED"
    return memory, notes, lost


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _date_ok(text: Any, *, required: bool = True) -> bool:
    if text is None:
        return not required
    try:
        return datetime.fromisoformat(str(text)).tzinfo is not None
    except (ValueError, TypeError):
        return False


def _json_ok(text: Any) -> bool:
    """Whether ``text`` decodes as the pushed values or journal action goalsync wrote."""
    try:
        loads(text)
    except (ValueError, TypeError, AttributeError, RecursionError, OverflowError):
        return False
    return text is None or text == "" or isinstance(json.loads(text), dict)


# table -> (what a row is called, its date columns (required, optional), JSON columns)
_CHECKED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "links": ("link", ("updated_at",), ("start", "end"), ("pushed",)),
    "journal": ("journal entry", ("created_at", "updated_at"), (), ("action",)),
    "completions": ("completion", ("completed_at",), (), ()),
    "tokens": ("saved snapshot", ("saved_at",), (), ()),  # snapshot: json_valid below
    "planned_blocks": ("planned block", ("start", "end"), (), ()),
    "runs": ("run", ("started_at",), ("ended_at",), ()),
    "review_journal": ("review answer", ("at",), (), ()),
    "metric_values": ("measured value", ("at",), (), ()),
}


def _scrub(db: sqlite3.Connection) -> list[str]:
    """Drop (or repair) damaged rows one by one and say so: a bad date, JSON that does not
    parse, a measured value that is not a finite number, a schema version that is not a
    number. Every other row stays. Returns one note per kind of damage."""
    notes: list[str] = []
    rows = db.execute("SELECT rowid, version FROM schema_version").fetchall()
    if len(rows) != 1 or _version(rows[0][1]) is None:
        db.execute("DELETE FROM schema_version")
        db.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        notes.append(f"the state's schema version was unreadable; it was set to "
                     f"{SCHEMA_VERSION} again")
    for table, (what, dates, optional, blobs) in _CHECKED.items():
        columns = ", ".join(("rowid", *dates, *optional, *blobs))
        bad = [row[0] for row in db.execute(f"SELECT {columns} FROM {table}")
               if not (all(_date_ok(v) for v in row[1:1 + len(dates)])
                       and all(_date_ok(v, required=False)
                               for v in row[1 + len(dates):1 + len(dates) + len(optional)])
                       and all(_json_ok(v) for v in row[1 + len(dates) + len(optional):]))]
        if table == "metric_values":
            bad += [r[0] for r in db.execute(
                "SELECT rowid, value FROM metric_values") if not _finite(r[1])]
        if table == "tokens":  # snapshots are large: sqlite checks them without a copy
            bad += [r[0] for r in db.execute("SELECT rowid FROM tokens WHERE snapshot IS NOT"
                                             " NULL AND NOT json_valid(snapshot)")]
        if table == "journal":
            bad += [r[0] for r in db.execute("SELECT rowid FROM journal WHERE state NOT IN"
                                             " ('intended', 'confirmed', 'failed')")]
        if bad:
            db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(r,) for r in set(bad)])
            notes.append(f"dropped {count(len(set(bad)), f'damaged {what} row')} from the "
                         f"state ({table}); everything else was kept")
    repaired = db.execute("UPDATE block_index SET next = 0 WHERE typeof(next) != 'integer'"
                          " OR next < 0").rowcount
    if repaired:
        _renumber(db)
        notes.append(f"repaired {count(repaired, 'damaged block counter')} from the UIDs "
                     "on record")
    if db.in_transaction:
        db.commit()
    return notes


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def _renumber(db: sqlite3.Connection) -> None:
    """Set each block counter past every index its key's UIDs on record use (links and
    journal), so no UID is ever handed out twice."""
    uids = [r for r in db.execute("SELECT key, remote_id FROM links WHERE kind = 'block'"
                                  " UNION SELECT key, remote_id FROM journal WHERE kind ="
                                  " 'block' AND remote_id IS NOT NULL")]
    highest: dict[str, int] = {}
    for key, uid in uids:
        head = str(uid).rsplit("@", 1)[0]
        tail = head.rsplit("-", 1)[-1]
        if tail.isdigit():
            highest[key] = max(highest.get(key, -1), int(tail))
    for key, top in highest.items():
        db.execute("UPDATE block_index SET next = max(next, ?) WHERE key = ?", (top + 1, key))


def _move_aside(path: Path) -> Path:
    stamp = _utcnow().strftime("%Y%m%dT%H%M%SZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.replace(aside.with_name(aside.name + suffix))
    return aside


def _link(row: sqlite3.Row | tuple[Any, ...]) -> Link:
    (kind, remote_id, key, backend, etag, owned_hash, pushed, pinned, gone, start, end,
     _updated) = row
    return Link(
        kind=kind, remote_id=remote_id, key=key, backend=backend, etag=etag,
        pushed=loads(pushed), owned_hash=owned_hash, pinned=bool(pinned), gone=bool(gone),
        start=None if start is None else _dt(start), end=None if end is None else _dt(end),
    )
