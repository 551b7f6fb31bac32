"""CalDAVTasks writes a batch a few at a time in waves: a to-do's change never runs
before (or beside) an earlier change of its parent, of itself, or of its children."""

from __future__ import annotations

import threading

import pytest

from syncer.backends.base import (
    ChangeResult,
    CreateTask,
    DeleteTask,
    TaskSpec,
    Unreachable,
    UpdateTask,
)
from syncer.backends.caldav_common import WriteRefused
from syncer.backends.caldav_tasks import CalDAVTasks, _waves
from syncer.core.values import TaskKind


def spec(key: str, kind: TaskKind = "step") -> TaskSpec:
    goal, milestone, *_ = [*key.split("/"), ""]
    return TaskSpec(key=key, kind=kind, title=key, goal_id=goal, goal_title=goal,
                    milestone_id=milestone or None, plan_id="p")


def test_steps_wait_for_their_milestone_and_unrelated_changes_go_together() -> None:
    changes = [
        CreateTask(spec("g/m1", "milestone")),
        CreateTask(spec("g/m1/a")),
        CreateTask(spec("g/m1/b")),
        CreateTask(spec("g/m2", "milestone")),
        UpdateTask("uid-c", spec("g/m2/c"), frozenset({"title"})),
        CreateTask(spec("h", "habit")),
    ]
    assert _waves(changes) == [[0, 3, 5], [1, 2, 4]]


def test_changes_of_one_to_do_keep_their_order() -> None:
    changes = [
        DeleteTask("g/m1/a", "old-uid"),
        CreateTask(spec("g/m1/a")),
        DeleteTask("g/m1/b", "uid-b"),
    ]
    assert _waves(changes) == [[0, 2], [1]]


def test_a_parent_changed_after_its_child_waits_for_the_child() -> None:
    changes = [
        UpdateTask("uid-a", spec("g/m1/a"), frozenset({"title"})),
        DeleteTask("g/m1", "uid-m1"),
    ]
    assert _waves(changes) == [[0], [1]]


def test_no_changes_no_waves() -> None:
    assert _waves([]) == []


def _adapter(monkeypatch: pytest.MonkeyPatch, fail: set[str]) -> CalDAVTasks:
    tasks = CalDAVTasks("http://127.0.0.1:9/", "me", "pw")  # never contacted
    monkeypatch.setattr(tasks, "_prefetch", lambda changes: None)

    def one(change: CreateTask) -> ChangeResult:
        if change.spec.key in fail:
            raise Unreachable("cannot reach the CalDAV server: connection refused")
        return ChangeResult(change.spec.key, f"uid-{change.spec.key}", "etag")

    monkeypatch.setattr(tasks, "_apply_one", one)
    return tasks


def test_a_connection_lost_mid_batch_fails_the_rest_as_retryable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tasks = _adapter(monkeypatch, {"g/m1/b"})
    changes = [CreateTask(spec("g/m1", "milestone")), CreateTask(spec("g/m1/a")),
               CreateTask(spec("g/m1/b")), CreateTask(spec("g/m1/c"))]
    results = tasks.apply(changes)
    assert [r.key for r in results] == ["g/m1", "g/m1/a", "g/m1/b", "g/m1/c"]
    assert results[0].ok and not results[2].ok and results[2].retryable
    assert all(r.ok or r.retryable for r in results)


def test_a_connection_lost_before_anything_was_written_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tasks = _adapter(monkeypatch, {"g/m1", "h"})
    with pytest.raises(Unreachable):
        tasks.apply([CreateTask(spec("g/m1", "milestone")), CreateTask(spec("h", "habit"))])


def test_writes_a_server_refuses_as_locked_are_sent_again_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Xandikos answers 423 Locked to a write while another holds its store: those
    writes are sent again one by one, and the connection writes one at a time since."""
    tasks = CalDAVTasks("http://127.0.0.1:9/", "me", "pw")  # never contacted
    monkeypatch.setattr(tasks, "_prefetch", lambda changes: None)
    seen: list[str] = []

    def one(change: CreateTask) -> ChangeResult:
        seen.append(change.spec.key)
        beside_another = threading.current_thread().name.startswith("goalsync-dav")
        if beside_another and change.spec.key.endswith("b"):
            raise WriteRefused("answered 423", 423)
        return ChangeResult(change.spec.key, f"uid-{change.spec.key}", "etag")

    monkeypatch.setattr(tasks, "_apply_one", one)
    changes = [CreateTask(spec(f"g/m1/{k}")) for k in "abcd"]
    results = tasks.apply(changes)
    assert all(r.ok for r in results), results
    assert [r.key for r in results] == [c.spec.key for c in changes]
    assert tasks.dav.write_workers == 1
    assert seen.count("g/m1/b") == 2  # refused beside another, then alone
    assert all(seen.count(c.spec.key) == 1 for c in changes if c.spec.key != "g/m1/b")
