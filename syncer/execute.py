"""Execution: the remote writes of a decision, journaled, and the recovery of a killed
run's journal.

Each remote write is journaled as intended (with the UID chosen for it) before the call
and confirmed after, in the same transaction as its link; Todoist changes go in one
``apply()`` batch. Per-object failures are collected in ``errors``; everything else
still runs. Writes a killed run intended but never confirmed are settled by
``resolve_journal`` against what the servers now hold, so a write that happened is
adopted (not mistaken for a user edit) and one that did not is retried.

Test hook: ``GOALSYNC_TEST_CRASH_AFTER=k`` makes the process SIGKILL itself right after
its k-th remote write returns, before that write is recorded in the state. Only the
reliability tests set it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from syncer import activity
from syncer.backends.base import (
    AuthError,
    BackendError,
    CalendarBackend,
    ChangeResult,
    NotFound,
    PreconditionFailed,
    RateLimited,
    RemoteBlock,
    RemoteTask,
    TaskBackend,
)
from syncer.core import reconcile as rc
from syncer.core.desired import block_fields
from syncer.core.identity import block_uid
from syncer.state import UID_TAKEN, Link, State
from syncer.wording import count

ProgressCallback = Callable[[int, int], None]
CRASH_ENV = "GOALSYNC_TEST_CRASH_AFTER"
MAX_RATE_WAIT = 120.0  # seconds we are willing to sleep for one Retry-After
COUNTED = {"create": "created", "update": "updated", "delete": "deleted"}  # op -> count


class Executor:
    """Carries out actions against one run's backends and state (see the module doc)."""

    def __init__(self, state: State, tasks: TaskBackend, calendar: CalendarBackend | None,
                 plan_id: str, errors: list[str], notes: list[str],
                 on_progress: ProgressCallback | None = None) -> None:
        self.state, self.tasks, self.calendar = state, tasks, calendar
        self.plan_id, self.errors, self.notes = plan_id, errors, notes
        self.refused = 0  # errors a rerun will not fix: the server refused the request
        self.on_progress = on_progress
        self.writes_done = 0
        self.crash_after = _crash_after()
        self.attempted = 0
        self.wrote_tasks = self.wrote_blocks = False

    def resolve_journal(self, tasks_listed: Sequence[RemoteTask] | None,
                        blocks_listed: Sequence[RemoteBlock] | None) -> None:
        """Settle writes a killed run intended but never confirmed: the server says
        whether each happened."""
        tasks = None if tasks_listed is None else {t.key: t for t in tasks_listed}
        blocks = None if blocks_listed is None else {b.uid: b for b in blocks_listed}
        for entry in self.state.pending_journal():
            with self.state.transaction():
                if entry.kind == "block" and blocks is not None:
                    self._resolve_block(entry.id, entry.action, blocks)
                elif entry.kind == "task" and tasks is not None:
                    self._resolve_task(entry.id, entry.key, entry.action, tasks)

    def _resolve_block(self, entry_id: int, action: Mapping[str, Any],
                       blocks: Mapping[str, RemoteBlock]) -> None:
        uid, op = action["uid"], action["op"]
        found = blocks.get(uid)
        if op == "delete":
            if found is None:
                self.state.delete_link("block", uid)
                self.state.journal_confirm(entry_id)
            else:
                self.state.journal_fail(entry_id, "not deleted before the run stopped")
            return
        values = {"title": action["title"], "start": action["start"], "end": action["end"]}
        created = op == "create" and found is not None  # the UID was new: ours, written
        if created or (found is not None and _same_block(found, values)):
            # linked with what was written, so a change since (the user moved it) is
            # seen as the user's edit and kept, not undone
            base = dict(action.get("base") or values)
            self.state.save_link(Link("block", uid, action["key"], self._calendar_name(),
                                      found.etag if found else None, base,
                                      pinned=bool(action.get("pinned")),
                                      start=values["start"], end=values["end"]))
            self.state.journal_confirm(entry_id)
        else:
            self.state.journal_fail(entry_id, "not written before the run stopped")

    def _resolve_task(self, entry_id: int, key: str, action: Mapping[str, Any],
                      tasks: Mapping[str, RemoteTask]) -> None:
        found = tasks.get(key)
        if action["op"] == "delete":
            if found is None:
                self.state.delete_link("task", action["remote_id"])
                self.state.journal_confirm(entry_id)
            else:
                self.state.journal_fail(entry_id, "not deleted before the run stopped")
            return
        pushed = dict(action["base"])
        fields = action.get("fields") or list(pushed)
        if found is not None and (action["op"] == "create" or all(
                rc.same(f, getattr(found, f), pushed.get(f)) for f in fields)):
            # linked with what was written: the user's edits since stay theirs
            self._save_task_link(key, found.remote_id, found.etag, pushed)
            self.state.journal_confirm(entry_id, found.remote_id)
        else:
            self.state.journal_fail(entry_id, "not written before the run stopped")

    # -- execute

    def execute(self, actions: Sequence[rc.Action]) -> dict[str, int]:
        """Record what needs no request, push the task changes in one batch, then write
        the blocks one by one. Returns the created/updated/deleted counts."""
        counts = {"created": 0, "updated": 0, "deleted": 0}
        self._record(actions)
        writes = rc.writes(actions)
        pushes = [a for a in writes if isinstance(a, rc.PushTask)]
        if writes:
            activity.phase("Writing", total=len(writes))
        if pushes:
            self._push_tasks(pushes, counts)
        self.attempted = len(pushes)
        self._progress(self.attempted, len(writes))
        for action in writes:
            match action:
                case rc.CreateBlock():
                    self._create_block(action, counts)
                case rc.UpdateBlock() | rc.DeleteBlock():
                    self._write_block(action, counts)
                case _:
                    continue
            self.attempted += 1
            self._progress(self.attempted, len(writes))
        self.wrote_tasks, self.wrote_blocks = bool(pushes), len(writes) > len(pushes)
        return counts

    def _progress(self, done: int, total: int) -> None:
        if total:
            activity.done(min(done, total))
        if self.on_progress is not None and total:
            self.on_progress(min(done, total), total)

    def _record(self, actions: Sequence[rc.Action]) -> None:
        """The actions that need no request: links, pins, completions."""
        links = {(lk.kind, lk.remote_id): lk for lk in self.state.links()}
        with self.state.transaction():
            for action in actions:
                self._record_one(action, links)

    def _record_one(self, action: rc.Action, links: Mapping[tuple[str, str], Link]) -> None:
        match action:
            case rc.RecordCompletion():
                self.state.record_completion(action.key, action.completed_at)
            case rc.Reopened():
                self.state.forget_completion(action.key)
            case rc.Rebase(kind="task"):
                self._save_task_link(action.key, action.remote_id, None, action.values)
            case rc.Rebase():
                old = links.get(("block", action.remote_id))
                self.state.save_link(Link(
                    "block", action.remote_id, action.key, self._calendar_name(), None,
                    dict(action.values), pinned=bool(old and old.pinned),
                    start=action.values["start"], end=action.values["end"]))
            case rc.Forget():
                self.state.delete_link(action.kind, action.remote_id)
            case rc.UserDeleted():
                old = links.get(("task", action.remote_id))
                if old is not None:
                    self.state.save_link(replace(old, gone=True))
            case rc.Pin():
                old = links.get(("block", action.uid))
                pushed = {**(old.pushed if old else {}), "start": action.start,
                          "end": action.end}
                self.state.save_link(Link(
                    "block", action.uid, action.key, self._calendar_name(),
                    old.etag if old else None, pushed, pinned=True, start=action.start,
                    end=action.end))
            case _:  # writes (executed below) and what is only reported
                pass

    def _save_task_link(self, key: str, remote_id: str, etag: str | None,
                        values: Mapping[str, Any]) -> None:
        self.state.delete_other_links("task", key, remote_id)
        self.state.save_link(Link("task", remote_id, key, self.tasks.name, etag,
                                  dict(values)))

    def _push_tasks(self, pushes: Sequence[rc.PushTask], counts: dict[str, int]) -> None:
        entries = [self.state.journal_intent("task", p.key, p.remote_id, p.journal())
                   for p in pushes]
        try:
            results = self._apply_with_retry([p.change for p in pushes])
        except AuthError:
            raise
        except BackendError as error:
            if error.permanent:
                for entry in entries:
                    self.state.journal_fail(entry, str(error))
                self.errors.append(f"tasks: {count(len(pushes), 'change')} refused: {error}")
                self.refused += len(pushes)
                return
            # the server may have applied them (a lost reply): the entries stay
            # intended, and the next run settles each against what the server holds
            self.errors.append(f"tasks: {count(len(pushes), 'change')} may not have been applied "
                               f"({error}); the next sync checks which were")
            return
        self._wrote(len(pushes))
        for push, entry, result in zip(pushes, entries, results, strict=True):
            with self.state.transaction():
                self._task_result(push, entry, result, counts)

    def _apply_with_retry(self, changes: Sequence[Any]) -> list[ChangeResult]:
        try:
            return self.tasks.apply(changes)
        except RateLimited as error:  # the adapter waited already; one more patient try
            time.sleep(min(error.retry_after or 1.0, MAX_RATE_WAIT))
            return self.tasks.apply(changes)

    def _task_result(self, push: rc.PushTask, entry: int, result: ChangeResult,
                     counts: dict[str, int]) -> None:
        if not result.ok:
            if push.remote_id is not None and result.error == "not found":
                self.state.delete_link("task", push.remote_id)
            self.state.journal_fail(entry, result.error or "failed")
            self.errors.append(f"task {push.key}: {result.error}")
            self.refused += not result.retryable and result.error != "not found"
            return
        if push.op == "delete" and push.remote_id is not None:
            self.state.delete_link("task", push.remote_id)
        else:
            self._save_task_link(push.key, result.remote_id or push.remote_id or "",
                                 result.etag, push.base)
        counts[COUNTED[push.op]] += 1
        self.state.journal_confirm(entry, result.remote_id)

    def _write_block(self, action: rc.UpdateBlock | rc.DeleteBlock,
                     counts: dict[str, int]) -> None:
        entry = self.state.journal_intent("block", action.key, action.remote_id,
                                          action.journal())
        try:
            etag = self._block_call(action)
        except NotFound:  # deleted meanwhile (by the user): forget it, plan its time again
            with self.state.transaction():
                self.state.delete_link("block", action.remote_id)
                self.state.journal_confirm(entry)
            self.notes.append(f"block {action.key} was deleted in the calendar "
                              "meanwhile; the next sync plans its time again")
            return
        except PreconditionFailed as error:
            self.state.journal_fail(entry, str(error))
            self.errors.append(f"block {action.key} ({action.remote_id}): "
                               f"{error}; the next sync re-reads it")
            return
        except AuthError:
            raise
        except BackendError as error:
            self._unsettled(entry, error)
            self.errors.append(f"block {action.key}: {error}")
            return
        self._wrote(1)
        with self.state.transaction():
            match action:
                case rc.DeleteBlock():
                    self.state.delete_link("block", action.uid)
                case rc.UpdateBlock():
                    self._save_block_link(action.spec.uid, action.spec.key, etag,
                                          action.base or block_fields(action.spec),
                                          action.pinned)
            counts[COUNTED[action.op]] += 1
            self.state.journal_confirm(entry)

    def _create_block(self, action: rc.CreateBlock, counts: dict[str, int]) -> None:
        """Create with the journaled UID; a UID the server refuses (used before, e.g. in
        its trash bin, though not listed) gets the next index, at most three times."""
        for _attempt in range(3):
            entry = self.state.journal_intent("block", action.key, action.remote_id,
                                              action.journal())
            try:
                etag = self._block_call(action)
            except PreconditionFailed as error:
                self.state.journal_fail(entry, f"{UID_TAKEN}{error}")
                index = self.state.allocate_block_index(action.spec.key)
                new_uid = block_uid(action.spec.key, index, self.plan_id)
                action = replace(action, spec=replace(action.spec, uid=new_uid))
                continue
            except AuthError:
                raise
            except BackendError as error:
                self._unsettled(entry, error)
                self.errors.append(f"block {action.spec.key}: {error}")
                return
            self._wrote(1)
            with self.state.transaction():
                self._save_block_link(action.spec.uid, action.spec.key, etag,
                                      block_fields(action.spec), False)
                self.state.journal_confirm(entry)
            counts["created"] += 1
            return
        self.errors.append(f"block {action.spec.key}: the server refused three new UIDs")

    def _block_call(self, action: rc.CreateBlock | rc.UpdateBlock | rc.DeleteBlock,
                    ) -> str | None:
        calendar = self.calendar
        assert calendar is not None  # block actions exist only with a calendar
        for attempt in range(2):
            try:
                match action:
                    case rc.CreateBlock():
                        return calendar.create(action.spec)
                    case rc.UpdateBlock():
                        return calendar.update(action.spec, action.etag)
                    case rc.DeleteBlock():
                        calendar.delete(action.uid, action.etag)
                        return None
            except RateLimited as error:
                if attempt:
                    raise
                time.sleep(min(error.retry_after or 1.0, MAX_RATE_WAIT))
        raise AssertionError("unreachable")

    def _unsettled(self, entry: int, error: BackendError) -> None:
        """A refused write failed; any other may have reached the server (a lost reply):
        its entry stays intended, and the next run settles it against the server."""
        if error.permanent:
            self.state.journal_fail(entry, str(error))
            self.refused += 1

    def _save_block_link(self, uid: str, key: str, etag: str | None,
                         values: Mapping[str, Any], pinned: bool) -> None:
        self.state.save_link(Link("block", uid, key, self._calendar_name(), etag,
                                  dict(values), pinned=pinned, start=values["start"],
                                  end=values["end"]))

    def _wrote(self, n: int) -> None:
        self.writes_done += n
        if self.crash_after is not None and self.writes_done >= self.crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

    def _calendar_name(self) -> str:
        calendar = self.calendar
        return calendar.name if calendar is not None else "none"

def _crash_after() -> int | None:
    value = os.environ.get(CRASH_ENV)
    return int(value) if value and value.isdigit() else None


def _same_block(found: RemoteBlock, values: Mapping[str, Any]) -> bool:
    return bool(found.start == values["start"] and found.end == values["end"]
                and rc.same("title", found.title, values["title"]))
