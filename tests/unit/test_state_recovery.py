"""The state keeps what only it knows: the history journal beside it, the rebuild from
it, damaged rows dropped one by one, a newer goalsync's file never touched, and a disk
that refuses a write is an error, never damage."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncer import history
from syncer.history import HistoryUnwritable
from syncer.state import Link, State, StateTooNew

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _record_a_life(path: Path) -> None:
    with State.open(path) as state:
        state.begin_run(T0)
        state.end_run(T0, {})
        state.record_completion("pmp/course/research", T0)
        state.record_completion("pmp/course/research", T1)  # the first one counts
        state.record_completion("pmp/course/enroll", T0)
        state.forget_completion("pmp/course/enroll")  # reopened
        with state.transaction():
            state.record_review_answer(T1, "weekly", "pmp", None, "What went well?", "A lot")
            state.record_metric("pmp", 55.0, T1)
        state.begin_run(T1)  # not the first: the history keeps only the first


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path.parent / "history.jsonl").read_text()
            .splitlines()]


def test_what_only_the_state_knows_is_also_in_a_private_plain_journal(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    _record_a_life(path)
    journal = tmp_path / "history.jsonl"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    kinds = [r["kind"] for r in _lines(path)]
    assert kinds == ["first_run", "completion", "completion", "reopened", "review", "metric"]


def test_a_lost_state_is_rebuilt_from_the_journal_and_the_person_is_told(
        tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    _record_a_life(path)
    path.unlink()
    with State.open(path, readonly=True) as state:  # `plan`, `status`: in memory only
        assert state.metrics() == {"pmp": (55.0, T1)}
        assert "rebuilt its history" in state.notes[-1]
    assert not path.exists()
    with State.open(path) as state:
        record = state.record()
        assert record.completions == {"pmp/course/research": T0}
        assert record.metrics == {"pmp": (55.0, T1)}
        assert [a.answer for a in record.journal] == ["A lot"]
        assert record.since == T0
        assert state.notes == ["goalsync rebuilt its history from history.jsonl: 1 review "
                               "answer, 1 measured value, 1 completion and when "
                               "tracking began"]
    with State.open(path) as state:  # once: the rebuilt state is not rebuilt again
        assert state.notes == [] and len(state.review_answers()) == 1
    assert len(_lines(path)) == 6  # replaying wrote nothing to the journal


def test_a_corrupt_state_is_moved_aside_and_its_history_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    _record_a_life(path)
    with (tmp_path / "history.jsonl").open("a") as journal:
        journal.write('{"kind": "review", "at": "not a date"\n')  # a torn line
        journal.write("garbage\n")
    path.write_bytes(b"not a database at all" * 200)
    with State.open(path) as state:
        assert state.metrics() == {"pmp": (55.0, T1)}
        assert "moved to state.sqlite.corrupt-" in state.notes[0]
        assert "2 unreadable lines were skipped" in state.notes[1]


def test_a_failed_transaction_leaves_nothing_in_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        with pytest.raises(RuntimeError), state.transaction():
            state.record_metric("pmp", 1.0, T0)
            raise RuntimeError
        assert state.metrics() == {}
    assert not (tmp_path / "history.jsonl").exists()


def test_a_journal_that_cannot_be_written_records_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "state.sqlite"
    real_write = os.write

    def full(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    with State.open(path) as state:
        monkeypatch.setattr(os, "write", full)
        with pytest.raises(HistoryUnwritable, match="No space left"):
            state.record_metric("pmp", 80.0, T0)
        monkeypatch.setattr(os, "write", real_write)
        assert state.metrics() == {}  # the state did not commit what the journal lacks
        state.record_metric("pmp", 81.0, T0)
        assert state.metrics() == {"pmp": (81.0, T0)}


def test_a_measured_value_must_be_finite(tmp_path: Path) -> None:
    with State.open(tmp_path / "state.sqlite") as state, pytest.raises(ValueError):
        state.record_metric("pmp", float("nan"), T0)


DAMAGE = {
    "links.pushed": "UPDATE links SET pushed = '{not json' WHERE remote_id = 'bad'",
    "links.pushed-date": """UPDATE links SET pushed = '{"due": {"date": "2026-13-45"}}'
                            WHERE remote_id = 'bad'""",
    "links.start": "UPDATE links SET start = 'yesterday' WHERE remote_id = 'bad'",
    "tokens.snapshot": "INSERT INTO tokens VALUES ('caldav', 't', '[{\"uid\": ', 'x')",
    "completions.at": "INSERT INTO completions VALUES ('pmp/x', '2026-02-30T00:00:00+00:00')",
    "metric.value": "INSERT INTO metric_values (goal, at, value) VALUES ('pmp', "
                    "'2026-11-23T09:00:00+00:00', 'lots')",
    "review.at": "INSERT INTO review_journal (at, trigger, question, answer) VALUES "
                 "('soon', 'weekly', 'q', 'a')",
    "journal.action": "INSERT INTO journal (kind, key, action, state, created_at, "
                      "updated_at) VALUES ('task', 'k', 'nope', 'intended', "
                      "'2026-11-23T09:00:00+00:00', '2026-11-23T09:00:00+00:00')",
    "planned.end": "INSERT INTO planned_blocks VALUES ('pmp/x', "
                   "'2026-11-23T09:00:00+00:00', '', NULL)",
    "runs.started": "INSERT INTO runs (started_at) VALUES ('')",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_row_is_dropped_alone_with_a_sentence(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        for uid in ("good", "bad"):
            state.save_link(Link("block", uid, "pmp/course/research", "caldav",
                                 pushed={"title": "Research"}, start=T0, end=T1))
        state.record_metric("pmp", 55.0, T0)
        state.record_review_answer(T0, "weekly", None, None, "q", "kept")
    db = sqlite3.connect(path)
    db.execute(damage)
    db.commit()
    db.close()
    for readonly in (True, False):  # `plan` and `status` read around it too
        with State.open(path, readonly=readonly) as state:
            assert len(state.notes) == 1 and "damaged" in state.notes[0], state.notes
            assert "good" in {lk.remote_id for lk in state.links()}
            assert state.metrics() == {"pmp": (55.0, T0)}
            assert [a.answer for a in state.review_answers()] == ["kept"]
            state.record()
            state.pending_journal()
            state.token("caldav")
    with State.open(path) as state:
        assert state.notes == []  # repaired once, for good


def test_an_unreadable_schema_version_is_repaired_not_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.record_metric("pmp", 55.0, T0)
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 'abc'")
    db.commit()
    db.close()
    with State.open(path) as state:
        assert "schema version was unreadable" in state.notes[0]
        assert state.metrics() == {"pmp": (55.0, T0)}


def test_a_damaged_block_counter_is_set_past_every_uid_on_record(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.save_link(Link("block", "goalsync-p-g.m.s-7@goalsync", "g/m/s", "caldav",
                             start=T0, end=T1))
        state.reserve_block_indexes({"g/m/s": 8})
    db = sqlite3.connect(path)
    db.execute("UPDATE block_index SET next = 'x'")
    db.commit()
    db.close()
    with State.open(path) as state:
        assert state.block_indexes() == {"g/m/s": 8}
        assert "block counter" in state.notes[0]


@pytest.mark.parametrize("wal", [False, True])
def test_a_newer_goalsyncs_state_is_not_touched_by_any_open(tmp_path: Path, wal: bool) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.record_metric("pmp", 55.0, T0)
    db = sqlite3.connect(path)
    db.execute("UPDATE schema_version SET version = 2")
    if wal:
        db.execute("PRAGMA journal_mode=WAL")
    db.commit()
    db.close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for readonly in (False, True):
        with pytest.raises(StateTooNew, match="newer goalsync"):
            State.open(path, readonly=readonly)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_history_lines_longer_than_the_bound_are_skipped(tmp_path: Path) -> None:
    journal = tmp_path / "history.jsonl"
    journal.write_bytes(b'{"kind": "metric", "x": "' + b"a" * (history.MAX_LINE + 10)
                        + b'"}\n{"kind": "reopened", "key": "k"}\n')
    found = history.read(journal)
    assert found.skipped == 1 and found.records == [{"kind": "reopened", "key": "k"}]
