"""Hostile state: a newer goalsync's file, damaged rows, a lost file, a read-only
folder or file, a full disk. The person's history (review answers, measured values,
completions) must survive every one; a state that cannot be written is exit 1 with a
sentence and is never moved aside; a newer file is not touched by any command."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.state import STATE_FILE, State
from tests.helpers.cli import memory_world
from tests.helpers.plans import pmp_plan
from tests.hostile.harness import assert_sentence, guarded

READS = (("plan",), ("status",), ("status", "--offline"), ("report", "--html", "r.html"))
WRITES = (("sync",), ("review", "--non-interactive"))


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())
            if p.is_file() and p.name != "goalsync.lock"}


def _history(tmp_path: Path) -> None:
    """A synced plan with a recorded exam score and review answers."""
    (tmp_path / "answers.yaml").write_text(
        "answers: {weekly: [Fine, More focus]}\nmetrics: {pmp: 55}\n")
    assert guarded("sync", "goals.yaml").code == 0
    outcome = guarded("review", "goals.yaml", "--answers", "answers.yaml")
    assert outcome.code == 0, outcome.text


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    memory_world(monkeypatch, tmp_path, pmp_plan())
    return tmp_path


def test_a_newer_goalsyncs_state_is_touched_by_no_command(world: Path) -> None:
    _history(world)
    state = world / "state"
    db = sqlite3.connect(state / STATE_FILE)
    db.execute("UPDATE schema_version SET version = 99")
    db.commit()
    db.close()
    before = _files(state)
    for command in READS + WRITES:
        outcome = guarded(command[0], "goals.yaml", *command[1:])
        assert_sentence(outcome, 2, says="newer goalsync")
        assert _files(state) == before, command  # no -wal, no -shm, not a byte changed


DAMAGE = {
    "links-pushed": "UPDATE links SET pushed = '{oops' WHERE rowid = (SELECT min(rowid) "
                    "FROM links)",
    "tokens-snapshot": "UPDATE tokens SET snapshot = '[{\"uid\": '",
    "completion-date": "INSERT INTO completions VALUES ('g/m1/zz', 'someday')",
    "schema-version": "UPDATE schema_version SET version = 'abc'",
    "planned-block": "UPDATE planned_blocks SET start = 'x' WHERE rowid = (SELECT "
                     "min(rowid) FROM planned_blocks)",
    "run-date": "UPDATE runs SET started_at = 'x' WHERE id = (SELECT max(id) FROM runs)",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_row_is_dropped_alone_and_the_history_stays(world: Path, damage: str) -> None:
    _history(world)
    db = sqlite3.connect(world / "state" / STATE_FILE)
    db.execute(damage)
    db.commit()
    db.close()
    outcome = guarded("plan", "goals.yaml")
    assert_sentence(outcome, 0, says="note:")
    assert "damaged" in outcome.out or "schema version" in outcome.out, outcome.out
    assert_sentence(guarded("sync", "goals.yaml"), 0)
    assert_sentence(guarded("sync", "goals.yaml"), 0)
    with State.open(world / "state" / STATE_FILE, readonly=True) as state:
        assert state.metrics()["pmp"][0] == 55.0
        assert [a.answer for a in state.review_answers() if a.answer == "Fine"]
    assert not [p for p in (world / "state").iterdir() if "corrupt" in p.name]


@pytest.mark.parametrize("how", ["deleted", "garbage"])
def test_a_lost_state_is_rebuilt_from_the_history_journal(world: Path, how: str) -> None:
    _history(world)
    state = world / "state" / STATE_FILE
    if how == "deleted":
        state.unlink()
    else:
        state.write_bytes(b"\0garbage" * 4096)
    offline = guarded("status", "goals.yaml", "--offline")
    assert_sentence(offline, 0)
    assert "55" in offline.out, offline.out  # the exam score, not "?"
    outcome = guarded("sync", "goals.yaml")
    assert_sentence(outcome, 0, says="rebuilt its history from history.jsonl")
    with State.open(state, readonly=True) as opened:
        assert opened.metrics()["pmp"][0] == 55.0
        assert "Fine" in [a.answer for a in opened.review_answers()]


# ------------------------------------------------------------- read-only, full disk


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs",
                           str(where)], capture_output=True, text=True, check=False)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.fixture
def small_disk(world: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A state folder on its own small tmpfs (root only; skipped with the reason
    otherwise)."""
    if not _can_mount():
        pytest.skip("a full disk or read-only mount needs root to mount a small tmpfs")
    with _tmpfs(world / "disk", "1m") as disk:
        monkeypatch.setenv("GOALSYNC_STATE_DIR", str(disk))
        yield disk


def _remount(disk: Path, option: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{option}", str(disk)], check=True)


def test_a_full_disk_is_exit_1_with_a_sentence_and_nothing_is_lost(
        world: Path, small_disk: Path) -> None:
    _history(world)
    before = _files(small_disk)
    filler = small_disk / "filler"
    with filler.open("wb") as fill, contextlib.suppress(OSError):
        while True:
            fill.write(b"\0" * 65536)
            fill.flush()
    (world / "answers.yaml").write_text("answers: {weekly: [Again]}\nmetrics: {pmp: 61}\n")
    outcome = guarded("review", "goals.yaml", "--answers", "answers.yaml")
    assert_sentence(outcome, 1)
    assert "space" in outcome.err or "full" in outcome.err, outcome.err
    filler.unlink()
    assert not [p for p in small_disk.iterdir() if "corrupt" in p.name]
    with State.open(small_disk / STATE_FILE, readonly=True) as state:
        assert state.metrics()["pmp"][0] == 55.0  # nothing lost, nothing half-recorded
    assert _files(small_disk)["history.jsonl"].startswith(before["history.jsonl"])
    assert_sentence(guarded("review", "goals.yaml", "--answers", "answers.yaml"), 0)


def test_a_read_only_state_folder_is_exit_1_and_the_file_stays(
        world: Path, small_disk: Path) -> None:
    _history(world)
    before = _files(small_disk)
    _remount(small_disk, "ro")
    try:
        for command in WRITES:
            outcome = guarded(command[0], "goals.yaml", *command[1:])
            assert_sentence(outcome, 1)
            assert "read-only" in outcome.err.lower(), outcome.err
        for command in READS:  # reading works: `plan` and `status` write nothing
            assert_sentence(guarded(command[0], "goals.yaml", *command[1:]), 0)
    finally:
        _remount(small_disk, "rw")
    assert _files(small_disk) == before


def test_a_state_file_without_write_permission_is_exit_1(world: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes through file permissions; the read-only mount test "
                    "covers this case")
    _history(world)
    state = world / "state" / STATE_FILE
    before = _files(state.parent)
    state.chmod(0o400)
    try:
        assert_sentence(guarded("sync", "goals.yaml"), 1)
    finally:
        state.chmod(0o600)
    assert _files(state.parent) == before


def test_an_immutable_state_file_is_exit_1_and_stays(world: Path) -> None:
    if os.geteuid() != 0 or shutil.which("chattr") is None:
        pytest.skip("chattr +i needs root")
    _history(world)
    state = world / "state" / STATE_FILE
    if subprocess.run(["chattr", "+i", str(state)], capture_output=True,
                      check=False).returncode:
        pytest.skip("this file system has no immutable flag")
    before = state.read_bytes()
    try:
        for command in WRITES:
            assert_sentence(guarded(command[0], "goals.yaml", *command[1:]), 1)
        assert_sentence(guarded("plan", "goals.yaml"), 0)
    finally:
        subprocess.run(["chattr", "-i", str(state)], check=False)
    assert state.read_bytes() == before
    assert not [p for p in state.parent.iterdir() if "corrupt" in p.name]
