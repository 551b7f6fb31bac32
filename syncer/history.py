"""The plain history journal: what only the state knows, also kept as JSON Lines.

The review journal, measured values, completions (and reopenings) and the first run's
date exist nowhere else: the servers know the tasks and blocks, but not what the person
answered in a review or the exam score they recorded. Each such record is appended to
``history.jsonl`` beside ``state.sqlite`` (mode 0600, fsynced before the state commits
it) as one JSON object per line, readable with any text editor or ``jq``. When the state
file is lost, or so damaged that it is moved aside, a new state is rebuilt from this file
(``syncer.state``) and the person is told what was recovered.

A line that cannot be read (a partial write on a full disk, a hand edit) is skipped and
counted; so is a line longer than ``MAX_LINE`` bytes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syncer.errors import GoalsyncError

HISTORY_FILE = "history.jsonl"
MAX_LINE = 1 << 20  # one record is a few hundred bytes; a longer line is not ours
KINDS = ("review", "metric", "completion", "reopened", "first_run")


class HistoryUnwritable(GoalsyncError):
    """The history journal cannot be extended (disk full, read-only, permission)."""

    exit_code = 1


@dataclass
class Read:
    """What ``read`` found: the records in file order, and how many lines it skipped."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0


def path_beside(state_file: Path) -> Path:
    return state_file.with_name(HISTORY_FILE)


def append(path: Path, records: Sequence[Mapping[str, Any]]) -> None:
    """Append ``records`` (one line each) and fsync; raise HistoryUnwritable (the state
    commits nothing then) when the file cannot be written."""
    if not records:
        return
    data = "".join(json.dumps(dict(r), sort_keys=True, ensure_ascii=False) + "\n"
                   for r in records).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as err:
        raise HistoryUnwritable(
            f"cannot write the history journal {path}: {err.strerror or err}; nothing "
            "of this run's history was recorded",
            hint="free some disk space, or make the state folder writable "
                 "(GOALSYNC_STATE_DIR), then run again") from None


def read(path: Path) -> Read:
    """Every well-formed record of the file (none when it is missing or unreadable)."""
    found = Read()
    try:
        handle = path.open("rb")
    except OSError:
        return found
    with handle:
        for line in _lines(handle):
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                record = None
            if isinstance(record, dict) and record.get("kind") in KINDS:
                found.records.append(record)
            elif line.strip():
                found.skipped += 1
    return found


def _lines(handle: Any) -> Iterator[bytes]:
    """Lines of at most MAX_LINE bytes; a longer one is yielded as b"?" (skipped)."""
    while True:
        line = handle.readline(MAX_LINE + 1)
        if not line:
            return
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := handle.readline(MAX_LINE)) and not rest.endswith(b"\n"):
                pass
            yield b"?"
            continue
        yield line
