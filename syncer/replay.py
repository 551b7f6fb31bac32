"""The next sync's schedule, without a network: ``goalsync schedule`` previews it.

A sync schedules around what is already booked (the calendar's blocks, the blocks you
moved, the plan beyond the window that the state keeps), what is done (completions in
the task app) and the busy time it read. All of that is in the state: the snapshots the
last sync saved of both servers, the links, the completions and the planned blocks.
``next_sync_schedule`` runs the real engine as a dry run (``goalsync plan``) against
adapters that serve those saved snapshots instead of a server, so the preview is, block
for block, what ``goalsync sync`` would book if nothing changed on the servers since the
last sync. Busy calendars given with ``--busy`` are added to the busy time it saved.

Nothing is written anywhere (a dry run works on an in-memory copy of the state) and no
server is contacted: edits made in the apps since the last sync are not seen; the next
``goalsync plan`` or ``sync`` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from syncer.backends.base import (
    BackendError,
    BlockSpec,
    CalendarBackend,
    ChangeResult,
    RemoteBlock,
    RemoteTask,
    TaskBackend,
    TaskChange,
)
from syncer.core.decide import Settings
from syncer.core.model import BusyTime, Interval, Plan, Schedule
from syncer.core.rules import Rules
from syncer.state import STATE_FILE, State, decode_value, peek_meta

# config backend name -> the adapter name the state files its snapshot under
_NO_BUSY = BusyTime()
_ADAPTER_NAMES = {"todoist": "todoist", "caldav": "caldav", "embedded": "caldav"}


@dataclass(frozen=True)
class Saved:
    """The state's saved snapshots of one plan: what the last sync read."""

    tasks_name: str
    tasks: list[dict[str, Any]]
    calendar_name: str | None
    blocks: list[dict[str, Any]] | None
    busy: Mapping[str, Any] | None
    binding: str


class _NoWrites:
    def _refuse(self) -> BackendError:
        return BackendError("a preview writes nothing")


@dataclass
class SavedTasks(_NoWrites, TaskBackend):
    """A task list as the last sync saw it."""

    name: str
    saved: list[dict[str, Any]] = field(default_factory=list)

    def list_tasks(self) -> list[RemoteTask]:
        from syncer.pull import _task_from_json

        return [_task_from_json(t) for t in self.saved]

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        return True, token  # always "changed": the listing is the saved one

    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        raise self._refuse()


@dataclass
class SavedCalendar(_NoWrites, CalendarBackend):
    """A calendar as the last sync saw it, plus busy time from ``--busy`` files."""

    name: str
    saved: list[dict[str, Any]] = field(default_factory=list)
    saved_busy: Mapping[str, Any] | None = None
    extra: BusyTime = field(default_factory=BusyTime)

    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        blocks = [RemoteBlock(**{k: decode_value(v) for k, v in b.items()})
                  for b in self.saved]
        return [b for b in blocks if b.start < end and b.end > start]

    def busy(self, start: datetime, end: datetime) -> BusyTime:
        """The busy time the last sync read (as far as it reaches), and the extra."""
        intervals: list[Interval] = list(self.extra.intervals)
        all_day: list[Interval] = list(self.extra.all_day)
        data = self.saved_busy or {}
        for name, into in (("intervals", intervals), ("all_day", all_day)):
            for pair in data.get(name) or ():
                interval = Interval(datetime.fromisoformat(pair[0]),
                                    datetime.fromisoformat(pair[1]))
                if interval.start < end and interval.end > start:
                    into.append(interval)
        return BusyTime(tuple(intervals), tuple(all_day), self.extra.warnings)

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        return True, token

    def create(self, spec: BlockSpec) -> str:
        raise self._refuse()

    def update(self, spec: BlockSpec, etag: str | None) -> str:
        raise self._refuse()

    def delete(self, uid: str, etag: str | None) -> None:
        raise self._refuse()


def saved_state(state_dir: Path, plan: Plan, tasks_backend: str,
                calendar_backend: str) -> Saved | None:
    """What the state in ``state_dir`` saved for ``plan`` (None: no state, another
    plan's state, or no sync has read the task list yet). ``*_backend`` are the config's
    backend names (``todoist``, ``caldav``, ``embedded``, ``none``; an adapter name such
    as ``memory`` is taken as it is)."""
    path = state_dir / STATE_FILE
    if not path.is_file() or peek_meta(path, "plan_id") != plan.id:
        return None
    with State.open(path, readonly=True) as state:
        tasks_name, tasks = _first_saved(state, "tasks", tasks_backend)
        if not isinstance(tasks, list):
            return None
        calendar_name: str | None = None
        blocks: list[dict[str, Any]] | None = None
        busy: Mapping[str, Any] | None = None
        if calendar_backend != "none":
            calendar_name, snap = _first_saved(state, "calendar", calendar_backend)
            if isinstance(snap, dict) and isinstance(snap.get("blocks"), list):
                blocks = snap["blocks"]
                busy = snap.get("busy") if isinstance(snap.get("busy"), dict) else None
        binding = state.meta("binding") or ""
    return Saved(tasks_name, tasks, calendar_name, blocks, busy, binding)


def _first_saved(state: State, kind: str, backend: str) -> tuple[str, Any]:
    """The adapter name and snapshot saved for ``kind``: the configured backend's, else
    the one a run with other adapters saved (a rebind clears the old ones)."""
    first = _ADAPTER_NAMES.get(backend, backend)
    for name in dict.fromkeys((first, *_ADAPTER_NAMES.values(), "memory")):
        snapshot = state.token(f"{kind}:{name}")[1]
        if snapshot is not None:
            return name, snapshot
    return first, None


def next_sync_schedule(plan: Plan, rules: Rules, state_dir: Path, saved: Saved, *,
                       now: datetime, busy: BusyTime = _NO_BUSY,
                       settings: Settings | None = None) -> Schedule:
    """The schedule the next sync would make from the saved state (see the module doc),
    with the sync's window and guard ``settings``. Raises StateTooNew and the errors of
    a dry-run sync."""
    from syncer.backends.registry import Backends
    from syncer.engine import run

    calendar = None
    if saved.calendar_name is not None and saved.blocks is not None:
        calendar = SavedCalendar(saved.calendar_name, saved.blocks, saved.busy, busy)
    backends = Backends(SavedTasks(saved.tasks_name, saved.tasks), calendar, saved.binding)
    settings = settings or Settings(rules.sync.window_days, rules.sync.max_delete_share,
                                    rules.sync.lookback_days)
    report = run(plan, rules, backends, state_dir, now=now, settings=settings,
                 dry_run=True)
    return report.schedule
