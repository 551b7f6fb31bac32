"""The contract every TaskBackend must pass (vdirsyncer style).

Subclass ``TaskBackendContract`` in a ``test_*.py`` module, provide the ``backend``
fixture (an empty task store) and implement ``complete_remotely`` (the user ticks a
task off in their app). ``add_foreign_task`` / ``foreign_task_exists`` are optional:
without them the ownership tests are skipped. Uses only what ``base.TaskBackend``
declares, so the Todoist adapter runs the same suite. Backends without ETags (``etag``
None) skip the stale-ETag test.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from syncer.backends.base import (
    CreateTask,
    DeleteTask,
    RemoteTask,
    TaskBackend,
    TaskSpec,
    UpdateTask,
)


def task(key: str = "pmp/course/research", **over: Any) -> TaskSpec:
    values: dict[str, Any] = dict(
        key=key,
        kind="step",
        title="Research PMP courses",
        goal_id="pmp",
        goal_title="Become a certified project manager",
        description="Specific: obtain the PMP certification",
        milestone_id="course",
        milestone_title="Complete a PMP course",
        due=date(2030, 3, 5),
        priority=2,
        labels=("career",),
        plan_id="contract",
    )
    values.update(over)
    return TaskSpec(**values)


class TaskBackendContract:
    """Behaviour every task backend shares."""

    many = 150  # tasks in the listing-completeness test; a slow server may lower it

    @pytest.fixture
    def backend(self) -> Any:
        raise NotImplementedError("the subclass provides an empty task backend")

    # -- hooks: what another client (the user's to-do app) does

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        raise NotImplementedError

    def add_foreign_task(self, backend: Any, title: str) -> str:
        """Create a task goalsync does not own; return its id."""
        pytest.skip("this backend's test gives no way to add a foreign task")

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        pytest.skip("this backend's test gives no way to look at a foreign task")

    # -- helpers

    def create(self, backend: Any, spec: TaskSpec) -> str:
        (result,) = backend.apply([CreateTask(spec)])
        assert result.ok, result.error
        assert result.remote_id
        return str(result.remote_id)

    def listed(self, backend: Any, key: str) -> RemoteTask:
        matches = [t for t in backend.list_tasks() if t.key == key]
        assert len(matches) == 1, f"{len(matches)} tasks listed for {key}"
        return matches[0]

    # -- the contract

    def test_is_a_task_backend_with_a_name(self, backend: Any) -> None:
        assert isinstance(backend, TaskBackend)
        assert backend.name

    def test_without_a_token_tasks_since_says_list_again(self, backend: Any) -> None:
        assert backend.tasks_since(None, []) is None

    def test_after_a_write_the_target_exists(self, backend: Any) -> None:
        self.create(backend, task())
        assert backend.target_missing() is False
        urls = backend.resolved_urls()
        assert urls is None or all(isinstance(v, str) for v in urls.values())

    def test_created_task_is_listed_with_its_fields(self, backend: Any) -> None:
        spec = task()
        remote_id = self.create(backend, spec)
        got = self.listed(backend, spec.key)
        assert got.remote_id == remote_id
        assert (got.title, got.description, got.due, got.priority) == (
            spec.title, spec.description, spec.due, spec.priority)
        assert "career" in got.labels
        assert not got.completed

    def test_create_after_a_crash_adopts_the_existing_task(self, backend: Any) -> None:
        first = self.create(backend, task())
        second = self.create(backend, task())  # the replay of a create whose answer was lost
        assert first == second
        assert len([t for t in backend.list_tasks() if t.key == task().key]) == 1

    def test_apply_returns_one_result_per_change_in_order(self, backend: Any) -> None:
        changes = [CreateTask(task(key=f"pmp/course/s{i}")) for i in range(3)]
        changes.append(DeleteTask("pmp/course/gone", "does-not-exist"))
        results = backend.apply(changes)
        assert [r.key for r in results] == [c.key if isinstance(c, DeleteTask) else c.spec.key
                                           for c in changes]
        assert [r.ok for r in results] == [True, True, True, False]

    def test_update_changes_only_the_named_fields(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        etag = self.listed(backend, task().key).etag
        changed = task(title="Research three PMP courses", priority=1)
        (result,) = backend.apply([UpdateTask(remote_id, changed, frozenset({"title"}), etag)])
        assert result.ok, result.error
        got = self.listed(backend, task().key)
        assert got.title == "Research three PMP courses"
        assert got.priority == task().priority

    def test_update_with_stale_etag_fails_without_clobbering(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        stale = self.listed(backend, task().key).etag
        if stale is None:
            pytest.skip("this backend has no ETags")
        first = UpdateTask(remote_id, task(title="First edit"), frozenset({"title"}), stale)
        assert backend.apply([first])[0].ok
        second = UpdateTask(remote_id, task(title="Would clobber"), frozenset({"title"}), stale)
        (result,) = backend.apply([second])
        assert not result.ok and result.retryable
        assert self.listed(backend, task().key).title == "First edit"

    def test_update_of_a_missing_task_is_a_failed_result(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        backend.apply([DeleteTask(task().key, remote_id)])
        (result,) = backend.apply([UpdateTask(remote_id, task(title="x"), frozenset({"title"}))])
        assert not result.ok

    def test_delete_removes_the_task(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        (result,) = backend.apply([DeleteTask(task().key, remote_id)])
        assert result.ok, result.error
        assert [t for t in backend.list_tasks() if t.key == task().key] == []

    def test_delete_of_a_missing_task_is_a_failed_result(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        backend.apply([DeleteTask(task().key, remote_id)])
        (result,) = backend.apply([DeleteTask(task().key, remote_id)])
        assert not result.ok and not result.retryable

    @pytest.mark.parametrize("title", [
        "Lerne für die Prüfung – ünïcödé ✓ 🎯",
        "دراسة الفصل الأول",
        "Study " + "very " * 80 + "long title",
    ])
    def test_unicode_and_long_titles_round_trip(self, backend: Any, title: str) -> None:
        spec = task(title=title, description="Ziel: 🎯 " + "ä" * 1500)
        self.create(backend, spec)
        got = self.listed(backend, spec.key)
        assert (got.title, got.description) == (spec.title, spec.description)

    def test_listing_is_complete_across_many_tasks(self, backend: Any) -> None:
        specs = [task(key=f"pmp/course/step-{i:03d}", title=f"Step {i}")
                 for i in range(self.many)]
        results = backend.apply([CreateTask(s) for s in specs])
        assert all(r.ok for r in results)
        keys = {t.key for t in backend.list_tasks()}
        assert keys >= {s.key for s in specs}
        assert len([t for t in backend.list_tasks() if t.key.startswith("pmp/course/step-")]) \
            == self.many

    def test_a_task_completed_by_the_user_is_listed_as_completed(self, backend: Any) -> None:
        remote_id = self.create(backend, task())
        self.complete_remotely(backend, remote_id)
        got = self.listed(backend, task().key)
        assert got.completed
        assert got.completed_at is not None and got.completed_at.tzinfo is not None

    def test_foreign_tasks_are_never_listed_or_touched(self, backend: Any) -> None:
        foreign = self.add_foreign_task(backend, "Buy milk")
        remote_id = self.create(backend, task())
        assert [t.remote_id for t in backend.list_tasks()] == [remote_id]
        backend.apply([DeleteTask(task().key, remote_id)])
        assert backend.list_tasks() == []
        assert self.foreign_task_exists(backend, foreign)

    def test_changes_since_says_unchanged_until_something_changes(self, backend: Any) -> None:
        changed, token = backend.changes_since(None)
        assert changed
        assert backend.changes_since(token) == (False, token)
        self.create(backend, task())
        changed, newer = backend.changes_since(token)
        assert changed and newer != token

    def test_habit_keeps_its_recurrence_and_kind(self, backend: Any) -> None:
        spec = replace(task(key="pmp/habit:study"), kind="habit",
                       recurrence="FREQ=WEEKLY;BYDAY=MO,WE,FR", milestone_id=None)
        self.create(backend, spec)
        assert self.listed(backend, spec.key).kind == "habit"
