from __future__ import annotations

import sqlite3
import stat
from datetime import UTC, date, datetime

import pytest

from syncer import state as state_module
from syncer.core.model import Block
from syncer.errors import LockedError
from syncer.state import Link, State, StateUnwritable, lock

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_state_file_is_private_and_versioned(tmp_path):
    path = tmp_path / "s" / "state.sqlite"
    with State.open(path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with State.open(path) as state:
        assert state._db.execute("SELECT version FROM schema_version").fetchone() == (1,)


def test_links_round_trip_pushed_values(tmp_path):
    path = tmp_path / "state.sqlite"
    pushed = {"title": "Read", "due": T0, "deadline": date(2027, 1, 1), "labels": ("a", "b")}
    with State.open(path) as state:
        state.save_link(Link("task", "123", "g/m/s", "todoist", None, pushed))
        state.save_link(Link("block", "uid-1", "g/m/s", "caldav", '"e"', {"title": "Read"},
                             pinned=True, start=T0, end=T0))
    with State.open(path) as state:
        task, = state.links("task")
        block, = state.links("block")
    assert task.pushed == pushed
    assert block.pinned and block.start == T0 and block.etag == '"e"'


def test_block_indexes_are_never_reused(tmp_path):
    with State.open(tmp_path / "state.sqlite") as state:
        assert [state.allocate_block_index("k") for _ in range(3)] == [0, 1, 2]
        assert state.allocate_block_index("k", at_least=10) == 10
        assert state.allocate_block_index("k") == 11
        assert state.allocate_block_index("other") == 0


def test_journal_lists_only_unfinished_intents(tmp_path):
    with State.open(tmp_path / "state.sqlite") as state:
        a = state.journal_intent("block", "k", "uid-a", {"op": "create"})
        b = state.journal_intent("block", "k", "uid-b", {"op": "create"})
        c = state.journal_intent("task", "k", None, {"op": "create"})
        state.journal_confirm(a)
        state.journal_fail(c, "boom")
        assert [e.id for e in state.pending_journal()] == [b]


def test_progress_and_review_history(tmp_path):
    with State.open(tmp_path / "state.sqlite") as state:
        state.record_completion("g/m/s", T0)
        state.record_completion("g/m/s", datetime(2030, 1, 1, tzinfo=UTC))  # first wins
        state.save_planned_blocks([Block("g/m/s", T0, T0.replace(hour=10), uid="u")], T0)
        state.record_review_answer(T0, "weekly", "g", None, "What went well?", "Lots")
        state.record_metric("g", 42.0, T0)
        state.begin_run(T0)
        assert state.last_run() is None
        state.end_run(T0, {"created": 1})
        assert state.completions() == {"g/m/s": T0}
        assert state.planned_blocks()[0].uid == "u"
        assert state.review_answers()[0].answer == "Lots"
        assert state.metrics() == {"g": (42.0, T0)}
        assert state.last_run() == T0


def test_corrupted_state_file_is_moved_aside_with_a_note(tmp_path):
    path = tmp_path / "state.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with State.open(path) as state:
        assert state.links() == []
        assert "moved to" in state.notes[0]
    assert any(p.name.startswith("state.sqlite.corrupt-") for p in tmp_path.iterdir())


@pytest.mark.parametrize(("code", "message"), [(13, "database or disk is full"),
                                               (8, "attempt to write a readonly database"),
                                               (5, "database is locked")])
def test_a_state_that_cannot_be_written_is_an_error_not_corruption(
        tmp_path, monkeypatch: pytest.MonkeyPatch, code: int, message: str) -> None:
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.record_completion("pmp/course/research", T0)

    def refuse(db):
        error = sqlite3.OperationalError(message)
        error.sqlite_errorcode = code  # type: ignore[attr-defined]
        raise error

    monkeypatch.setattr(state_module, "_migrate", refuse)
    with pytest.raises(StateUnwritable) as stopped:
        State.open(path)
    assert stopped.value.exit_code == 1 and message in stopped.value.message
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []
    monkeypatch.undo()
    with State.open(path) as state:
        assert "pmp/course/research" in state.completions()  # the history is still there


def test_readonly_state_never_writes_to_disk(tmp_path):
    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state.record_completion("a", T0)
    before = path.read_bytes()
    with State.open(path, readonly=True) as state:
        state.record_completion("b", T0)
        assert set(state.completions()) == {"a", "b"}
    assert path.read_bytes() == before
    with State.open(tmp_path / "missing.sqlite", readonly=True) as state:
        assert state.links() == []
    assert not (tmp_path / "missing.sqlite").exists()


def test_transaction_rolls_back_on_error(tmp_path):
    with State.open(tmp_path / "state.sqlite") as state:
        with pytest.raises(RuntimeError), state.transaction():
            state.record_completion("a", T0)
            raise RuntimeError
        assert state.completions() == {}


def test_second_lock_holder_is_refused_with_a_sentence(tmp_path):
    with lock(tmp_path), pytest.raises(LockedError, match="another goalsync run"), \
            lock(tmp_path):
        pass
    with lock(tmp_path):  # released afterwards
        pass


def test_state_from_a_newer_goalsync_is_refused_untouched(tmp_path):
    from syncer.state import StateTooNew

    path = tmp_path / "state.sqlite"
    with State.open(path) as state:
        state._db.execute("UPDATE schema_version SET version = 99")
        state._db.commit()
    with pytest.raises(StateTooNew, match="newer goalsync"):
        State.open(path)
    assert path.exists()


def test_settled_journal_entries_are_pruned(tmp_path):
    with State.open(tmp_path / "state.sqlite") as state:
        done = state.journal_intent("task", "k", None, {"op": "create"})
        state.journal_confirm(done)
        pending = state.journal_intent("task", "k", None, {"op": "create"})
        state.prune_journal(datetime(2100, 1, 1, tzinfo=UTC))
        assert [e.id for e in state.journal()] == [pending]


def test_planned_blocks_before_now_stay_in_the_baseline(tmp_path):
    early = Block("g/m/a", T0, T0.replace(hour=10))
    later = Block("g/m/b", T0.replace(day=25), T0.replace(day=25, hour=10))
    moved = Block("g/m/b", T0.replace(day=26), T0.replace(day=26, hour=10))
    with State.open(tmp_path / "state.sqlite") as state:
        state.save_planned_blocks([early, later], T0.replace(hour=8))
        # a day later the past block is history; the future is replaced by the new plan
        state.save_planned_blocks([moved], T0.replace(day=24))
        assert state.planned_blocks() == [early, moved]


def test_an_unchanged_baseline_or_snapshot_is_not_written_again(tmp_path):
    block = Block("g/m/a", T0.replace(day=25), T0.replace(day=25, hour=10), uid="u1",
                  why="the plan's reason")
    with State.open(tmp_path / "state.sqlite") as state:
        state.save_planned_blocks([block], T0)
        state.save_token("calendar:caldav", "t1", {"blocks": []})
        writes = state._db.total_changes
        state.save_planned_blocks([block], T0.replace(hour=9))  # a no-change run
        state.save_token("calendar:caldav", "t1", {"blocks": []})
        assert state._db.total_changes == writes
        state.save_token("calendar:caldav", "t2", {"blocks": []})
        assert state.token("calendar:caldav") == ("t2", {"blocks": []})
        assert state.planned_blocks() == [Block("g/m/a", block.start, block.end, uid="u1")]
