"""In-memory task and calendar backends: the reference semantics, used by tests and
``goalsync plan`` previews. They honour ETags and the ownership rules like a server."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from syncer.backends.base import (
    BlockSpec,
    CalendarBackend,
    ChangeResult,
    DeleteTask,
    NotFound,
    PreconditionFailed,
    RemoteBlock,
    RemoteTask,
    TaskBackend,
    TaskChange,
    TaskSpec,
    UpdateTask,
    apply_change,
)
from syncer.core.model import BusyTime, Interval


def _task_from_spec(spec: TaskSpec, remote_id: str, etag: str) -> RemoteTask:
    return RemoteTask(
        key=spec.key,
        remote_id=remote_id,
        kind=spec.kind,
        title=spec.title,
        description=spec.description,
        due=spec.due,
        deadline=spec.deadline,
        duration_minutes=spec.duration_minutes,
        priority=spec.priority,
        labels=spec.labels,
        etag=etag,
        plan_id=spec.plan_id,
    )


_SPEC_TO_TASK_FIELDS = {
    "title", "description", "due", "deadline", "duration_minutes", "priority", "labels",
}


@dataclass
class MemoryTaskBackend(TaskBackend):
    """Tasks in a dict. ``foreign`` holds non-owned tasks (id → title), which are never
    listed and never touched."""

    name: str = "memory"
    tasks: dict[str, RemoteTask] = field(default_factory=dict)  # by remote_id
    requests: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _version: int = 0
    foreign: dict[str, str] = field(default_factory=dict)  # last: positional args keep

    def _etag(self) -> str:
        self._version += 1
        return f'"{self._version}"'

    def list_tasks(self) -> list[RemoteTask]:
        self.requests += 1
        return list(self.tasks.values())

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        self.requests += 1
        now = str(self._version)
        return token != now, now

    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        self.requests += 1
        return [self._apply_one(change) for change in changes]

    def _apply_one(self, change: TaskChange) -> ChangeResult:
        return apply_change(change, self._create, self._update, self._delete)

    def _create(self, spec: TaskSpec) -> ChangeResult:
        for task in self.tasks.values():
            if (task.key, task.plan_id) == (spec.key, spec.plan_id):  # adopt: a replayed
                # create must not duplicate (another plan's task of the same key is not it)
                return ChangeResult(spec.key, task.remote_id, task.etag)
        remote_id = str(next(self._ids))
        task = _task_from_spec(spec, remote_id, self._etag())
        self.tasks[remote_id] = task
        return ChangeResult(spec.key, remote_id, task.etag)

    def _update(self, change: UpdateTask) -> ChangeResult:
        task = self.tasks.get(change.remote_id)
        if task is None:
            return ChangeResult(change.spec.key, change.remote_id, error="not found",
                                retryable=False)
        if change.etag is not None and change.etag != task.etag:
            return ChangeResult(change.spec.key, change.remote_id, error="changed remotely")
        values = {f: getattr(change.spec, f) for f in change.fields & _SPEC_TO_TASK_FIELDS}
        updated = replace(task, **values, etag=self._etag())
        self.tasks[change.remote_id] = updated
        return ChangeResult(change.spec.key, change.remote_id, updated.etag)

    def _delete(self, change: DeleteTask) -> ChangeResult:
        if self.tasks.pop(change.remote_id, None) is None:
            return ChangeResult(change.key, change.remote_id, error="not found",
                                retryable=False)
        self._version += 1
        return ChangeResult(change.key, change.remote_id)

    # -- what "another client" (the user in their app) does, for tests
    def complete(self, remote_id: str, at: datetime) -> None:
        task = self.tasks[remote_id]
        self.tasks[remote_id] = replace(task, completed=True, completed_at=at,
                                        etag=self._etag())

    def edit(self, remote_id: str, **values: Any) -> None:
        self.tasks[remote_id] = replace(self.tasks[remote_id], **values, etag=self._etag())


@dataclass
class MemoryCalendarBackend(CalendarBackend):
    """Owned blocks by UID plus foreign busy events, with ETags."""

    name: str = "memory"
    blocks: dict[str, tuple[BlockSpec, str]] = field(default_factory=dict)
    foreign: list[Interval] = field(default_factory=list)
    foreign_all_day: list[Interval] = field(default_factory=list)
    used_uids: set[str] = field(default_factory=set)  # like a trash bin: never reusable
    requests: int = 0
    _version: int = 0

    def _etag(self) -> str:
        self._version += 1
        return f'"{self._version}"'

    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        self.requests += 1
        return [
            RemoteBlock(s.uid, s.key, s.title, s.start, s.end, etag, s.plan_id)
            for s, etag in self.blocks.values()
            if s.start < end and s.end > start
        ]

    def busy(self, start: datetime, end: datetime) -> BusyTime:
        self.requests += 1

        def inside(spans: list[Interval]) -> tuple[Interval, ...]:
            return tuple(i for i in spans if i.start < end and i.end > start)

        return BusyTime(inside(self.foreign), inside(self.foreign_all_day))

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        self.requests += 1
        now = str(self._version)
        return token != now, now

    def create(self, spec: BlockSpec) -> str:
        self.requests += 1
        if spec.uid in self.blocks or spec.uid in self.used_uids:
            raise PreconditionFailed(f"an event with UID {spec.uid} exists already")
        etag = self._etag()
        self.blocks[spec.uid] = (spec, etag)
        self.used_uids.add(spec.uid)
        return etag

    def update(self, spec: BlockSpec, etag: str | None) -> str:
        self.requests += 1
        current = self.blocks.get(spec.uid)
        if current is None:
            raise NotFound(f"no event with UID {spec.uid}")
        if etag is not None and etag != current[1]:
            raise PreconditionFailed(f"event {spec.uid} changed on the server")
        new_etag = self._etag()
        self.blocks[spec.uid] = (spec, new_etag)
        return new_etag

    def delete(self, uid: str, etag: str | None) -> None:
        self.requests += 1
        current = self.blocks.get(uid)
        if current is None:
            raise NotFound(f"no event with UID {uid}")
        if etag is not None and etag != current[1]:
            raise PreconditionFailed(f"event {uid} changed on the server")
        del self.blocks[uid]
        self._version += 1

    # -- what the user does in their calendar app, for tests
    def move(self, uid: str, start: datetime, end: datetime) -> None:
        spec, _ = self.blocks[uid]
        self.blocks[uid] = (replace(spec, start=start, end=end), self._etag())
