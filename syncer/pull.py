"""Pull: what the servers hold of this plan, read as cheaply as they allow, and the
snapshots that make an unchanged server cost one request.

Each backend is asked whether anything changed since the saved token; if not, the
snapshot saved with that token is reused. The server URLs the last run resolved are
kept in the state (per binding), so discovery is not repeated. A failed listing is
never read as "deleted": it is None, and the decision concludes nothing from it.
Objects of other plans are dropped here (``identity.belongs_to``); their blocks count
as busy time. After a run's own writes, ``save_tokens`` reads the servers back once
(one sync-collection REPORT where the adapter can) and saves the new snapshots.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from syncer import activity
from syncer.backends.base import (
    Adapter,
    AuthError,
    BackendError,
    RemoteBlock,
    RemoteTask,
)
from syncer.backends.registry import Backends
from syncer.core.identity import belongs_to
from syncer.core.model import BusyTime, Interval, Plan
from syncer.core.rules import Rules
from syncer.core.schedule import plan_horizon
from syncer.state import Link, State, decode_value, encode_value

_URLS_META = "dav_urls:"  # + "tasks" / "calendar": server URLs resolved by the last run
_UNSUPPORTED_META = "tasks:unsupported"  # task fields the task app cannot hold
_HELD_META = "tasks:held"  # tasks are held (archived project): {"all": bool}


@dataclass
class Pulled:
    tasks: list[RemoteTask] | None
    task_token: str | None
    blocks: list[RemoteBlock] | None
    block_token: str | None
    busy: BusyTime  # another plan's blocks in the calendar count as busy
    range: tuple[datetime, datetime]
    all_tasks: list[RemoteTask] | None  # as listed, other plans' objects included
    all_blocks: list[RemoteBlock] | None
    read_busy: BusyTime  # as the calendars gave it (what the snapshot keeps)


class Puller:
    """Reads one run's backends, through the state's saved snapshots (see module doc)."""

    def __init__(self, plan: Plan, rules: Rules, backends: Backends,
                 state: State, now: datetime, lookback_days: int, dry_run: bool,
                 errors: list[str], notes: list[str]) -> None:
        self.plan, self.rules, self.backends, self.state = plan, rules, backends, state
        self.now, self.lookback_days, self.dry_run = now, lookback_days, dry_run
        self.errors, self.notes = errors, notes
        self.busy_read: tuple[datetime, datetime] | None = None  # range read this run
        self.held_all = False  # goalsync's whole task container is archived
        self.noted_held = False  # a note about held tasks was made this run

    # -- remembered server URLs

    def _backends_with_urls(self) -> list[tuple[str, Adapter]]:
        """The adapters of the run, by kind; those that resolve server URLs (CalDAV:
        calendar home, collection) remember them across runs."""
        pairs: list[tuple[str, Adapter | None]] = [
            ("tasks", self.backends.tasks), ("calendar", self.backends.calendar)]
        return [(kind, b) for kind, b in pairs if b is not None]

    def remember_urls(self) -> None:
        """Give each adapter the URLs it resolved last run for this binding, so a run
        does not discover them again (three requests per collection)."""
        for kind, backend in self._backends_with_urls():
            saved = _loads(self.state.meta(_URLS_META + kind))
            if saved.get("binding") == self.backends.binding and saved.get("urls"):
                backend.remember_urls(saved["urls"])

    def save_urls(self) -> None:
        """Keep the URLs resolved this run (a dry run keeps them in its in-memory copy
        of the state, which is dropped)."""
        for kind, backend in self._backends_with_urls():
            urls = backend.resolved_urls()
            if urls is None:
                continue  # the adapter resolves no URLs
            value = json.dumps({"binding": self.backends.binding, "urls": urls},
                               sort_keys=True)
            if self.state.meta(_URLS_META + kind) != value:
                self.state.set_meta(_URLS_META + kind, value)

    # -- pull

    def forget_held(self) -> None:
        """Tasks are no longer held (``--rebind`` starts them afresh)."""
        self.state.set_meta(_HELD_META, "{}")

    def pull(self) -> Pulled:
        links = self.state.links()  # read once: the explanation, ownership, pushed values
        tasks, task_token = self._pull_tasks(links)
        start = self.now - timedelta(days=self.lookback_days)
        end = plan_horizon(self.plan, self.rules.scheduling, self.now) + timedelta(days=60)
        blocks, block_token, busy = self._pull_blocks(start, end)
        pulled = Pulled(tasks, task_token, blocks, block_token, busy, (start, end),
                        tasks, blocks, busy)
        linked = {lk.remote_id for lk in links}

        def mine(remote: RemoteTask | RemoteBlock) -> bool:
            return belongs_to(self.plan.id, remote, linked)

        if tasks is not None:
            pulled.tasks = self._as_pushed((t for t in tasks if mine(t)), links)
        if blocks is not None:
            pulled.blocks = [b for b in blocks if mine(b)]
            others = tuple(Interval(b.start, b.end) for b in blocks
                           if b.end > self.now and not mine(b))
            pulled.busy = replace(busy, intervals=busy.intervals + others)
        return pulled

    def _pull_tasks(self, links: Sequence[Link]) -> tuple[list[RemoteTask] | None, str | None]:
        backend = self.backends.tasks
        activity.phase(f"Reading the task list ({backend.name})")
        token, snapshot = self.state.token(_token_name("tasks", backend))
        if self.dry_run and backend.target_missing():
            return [], None  # a dry run must not create the task list to read it
        try:
            changed, new_token = backend.changes_since(token)
            saved = [_task_from_json(t) for t in snapshot] if snapshot is not None else None
            # while tasks are held (an archived project), list anyway: unarchiving is
            # not always a change the incremental read shows
            if not changed and saved is not None and not any(t.held for t in saved):
                listing = saved
            else:
                listing = backend.list_tasks()
            return self._held(self._explained(listing, links)), new_token
        except AuthError:
            raise
        except BackendError as error:
            self.errors.append(f"tasks: could not read {backend.name}: {error}; nothing "
                               "was concluded from it")
            return None, token

    def _held(self, tasks: list[RemoteTask]) -> list[RemoteTask]:
        """Remember across runs that tasks are held (and whether the whole container
        is), and say so on every run while it lasts."""
        held = sum(1 for t in tasks if t.held)
        saved = _loads(self.state.meta(_HELD_META))
        if not held:
            if saved:
                self.state.set_meta(_HELD_META, "{}")
            return tasks
        self.held_all = self.held_all or bool(saved.get("all"))
        value = json.dumps({"all": self.held_all}, sort_keys=True)
        if self.state.meta(_HELD_META) != value:
            self.state.set_meta(_HELD_META, value)
        if not self.noted_held:
            self.notes.append(
                f"{held} goalsync task{'s are' if held != 1 else ' is'} in an archived "
                "Todoist project: left as they are, and nothing in it is recreated; "
                "unarchive it in Todoist to go on, or run `goalsync sync --rebind` to start "
                "afresh in a new project (the archived one is not touched)")
        return tasks

    def _unsupported(self) -> frozenset[str]:
        """Task fields the task app cannot hold (Todoist free: deadline, duration), as
        the adapter knows now or an earlier run learnt."""
        saved = _loads(self.state.meta(_UNSUPPORTED_META)).get("fields") or []
        return self.backends.tasks.unsupported_fields() | frozenset(
            f for f in saved if isinstance(f, str))

    def _as_pushed(self, tasks: Iterable[RemoteTask], links: Sequence[Link]
                   ) -> list[RemoteTask]:
        """Fields the task app cannot hold read as what goalsync last pushed: their
        absence there is not the person's edit, and never a change to send again."""
        tasks = list(tasks)
        fields = self._unsupported() & {"deadline", "duration_minutes"}
        if not fields:
            return tasks
        pushed = {lk.remote_id: lk.pushed for lk in links if lk.kind == "task"}
        out = []
        for task in tasks:
            values = pushed.get(task.remote_id)
            if values is not None:
                kept: dict[str, Any] = {f: values.get(f) for f in fields}
                task = replace(task, **kept)
            out.append(task)
        return out

    def save_unsupported(self) -> None:
        fields = sorted(self._unsupported())
        value = json.dumps({"fields": fields}) if fields else None
        if value is not None and self.state.meta(_UNSUPPORTED_META) != value:
            self.state.set_meta(_UNSUPPORTED_META, value)

    def _explained(self, listing: list[RemoteTask], links: Sequence[Link]
                   ) -> list[RemoteTask]:
        """The listing plus what became of tasks synced before that it lacks: found
        completed (progress), or held in an archived project (left alone, nothing
        recreated, see ``held_all``). Only what the adapter cannot explain is read as
        deleted by the user — unless every task vanished at once with no explanation
        (the project archived or deleted where the adapter cannot tell): then they are
        held too, and ``--rebind`` is the way to start afresh. Tasks whose completion
        is recorded are not asked about."""
        present = {t.remote_id for t in listing}
        completions = self.state.completions()
        linked = [lk for lk in links if lk.kind == "task" and not lk.gone]
        missing = [lk for lk in linked if lk.remote_id not in present
                   and lk.key not in completions]
        if not missing:
            return listing
        goals = {goal.id: goal.title for goal in self.plan.goals}
        answer = self.backends.tasks.explain_missing(
            [(lk.remote_id, goals.get(lk.key.split("/", 1)[0])) for lk in missing])
        held_ids = dict(answer.held)
        found = {t.remote_id for t in answer.completed}
        unexplained = [lk for lk in missing if lk.remote_id not in set(held_ids) | found]
        vanished = (len(missing) >= 2 and len(unexplained) == len(missing)
                    and not any(lk.remote_id in present for lk in linked))
        if vanished:
            held_ids = {lk.remote_id: "" for lk in missing}
            self.notes.append(
                f"all {len(missing)} of goalsync's tasks are gone from "
                f"{self.backends.tasks.name} at once; if their project was archived or "
                "deleted, goalsync holds off and recreates nothing; unarchive it to go "
                "on, or run `goalsync sync --rebind` to start afresh")
        self.held_all = self.held_all or answer.held_all or vanished
        held = [RemoteTask(key=lk.key, remote_id=lk.remote_id, kind="step",
                           title=str(lk.pushed.get("title") or ""), plan_id=self.plan.id,
                           held=True)
                for lk in missing if lk.remote_id in held_ids]
        for project in sorted({name for name in held_ids.values() if name}):
            count = sum(1 for name in held_ids.values() if name == project)
            self.noted_held = True
            self.notes.append(
                f"the Todoist project “{project}” is archived: {count} goalsync "
                f"task{'s are' if count != 1 else ' is'} left as "
                f"{'they are' if count != 1 else 'it is'} and nothing in it is recreated; "
                "unarchive it in Todoist to go on, or run `goalsync sync --rebind` to "
                "start afresh in a new project (the archived one is not touched)")
        if vanished:
            self.noted_held = True
        return [*listing, *answer.completed, *held]

    def _pull_blocks(self, start: datetime, end: datetime,
                     ) -> tuple[list[RemoteBlock] | None, str | None, BusyTime]:
        calendar = self.backends.calendar
        if calendar is None:
            return None, None, BusyTime()
        activity.phase(f"Reading the calendar ({calendar.name})")
        token, snapshot = self.state.token(_token_name("calendar", calendar))
        missing = self.dry_run and calendar.target_missing()
        snap = snapshot if isinstance(snapshot, dict) else {}
        try:
            if missing:  # a dry run must not create the calendar to read it, but the
                # busy calendars still count (or blocks land on the user's meetings)
                return [], None, calendar.busy_elsewhere(self.now, end)
            changed, new_token = calendar.changes_since(token)
            busy = None
            if not changed and "blocks" in snap:
                blocks = [_block_from_json(b) for b in snap["blocks"]]
                blocks = [b for b in blocks if b.start < end and b.end > start]
                busy = _busy_from_json(snap.get("busy"), self.now, end)
            else:
                blocks = calendar.list_blocks(start, end)
            if busy is None:
                busy = calendar.busy(self.now, end)
                self.busy_read = (self.now, end)
                self.notes += [f"busy time: {w}" for w in busy.warnings]
        except AuthError:
            raise
        except BackendError as error:
            self.errors.append(f"calendar: could not read {calendar.name}: {error}; no "
                               "block was changed")
            return None, token, BusyTime()
        return blocks, new_token, busy

    def save_tokens(self, pulled: Pulled, *, wrote_tasks: bool, wrote_blocks: bool) -> None:
        """Remember what the servers hold now, so an unchanged server is not listed again.
        After our own writes the servers are read once more: where the adapter can, only
        what changed since the pull (``tasks_since`` / ``blocks_since``: one CalDAV
        sync-collection REPORT, which also sees another client's edits made meanwhile);
        else token first, then the listing, so a change in between only causes one more
        listing next time."""
        tasks_backend, calendar = self.backends.tasks, self.backends.calendar
        if wrote_tasks or wrote_blocks:
            activity.phase("Reading back what was written")
        if pulled.all_tasks is not None:
            token, listing = pulled.task_token, pulled.all_tasks
            if wrote_tasks:
                try:
                    fresh = tasks_backend.tasks_since(token, listing)
                    if fresh is not None:
                        token, listing = fresh
                    else:
                        token = tasks_backend.changes_since(pulled.task_token)[1]
                        listing = tasks_backend.list_tasks()
                except BackendError:
                    token = None  # the next run lists again
                listed = {t.remote_id for t in listing}
                listing = [*listing, *(t for t in pulled.all_tasks
                                       if t.held and t.remote_id not in listed)]
            self.state.save_token(_token_name("tasks", tasks_backend), token,
                                  [_task_to_json(t) for t in listing])
        if calendar is not None and pulled.all_blocks is not None:
            token, blocks = pulled.block_token, pulled.all_blocks
            if wrote_blocks:
                try:
                    fresh_blocks = calendar.blocks_since(token, blocks, *pulled.range)
                    if fresh_blocks is not None:
                        token, blocks = fresh_blocks
                    else:
                        token = calendar.changes_since(pulled.block_token)[1]
                        blocks = calendar.list_blocks(*pulled.range)
                except BackendError:
                    token = None  # the next run lists again
            _, old = self.state.token(_token_name("calendar", calendar))
            busy = _busy_to_json(pulled.read_busy, *self.busy_read) if self.busy_read else (
                old.get("busy") if isinstance(old, dict) else None)
            self.state.save_token(_token_name("calendar", calendar), token,
                                  {"blocks": [_block_to_json(b) for b in blocks],
                                   "busy": busy})

def _loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}

def _token_name(kind: str, backend: Any) -> str:
    return f"{kind}:{backend.name}"


def _busy_to_json(busy: BusyTime, start: datetime, end: datetime) -> dict[str, Any]:
    """Busy time read for [start, end); our own blocks are never in it, so it stays
    valid until the calendars' ctags change."""
    def spans(intervals: Sequence[Interval]) -> list[list[str]]:
        return [[i.start.isoformat(), i.end.isoformat()] for i in intervals]

    return {"start": start.isoformat(), "end": end.isoformat(),
            "intervals": spans(busy.intervals), "all_day": spans(busy.all_day)}

def _busy_from_json(data: Any, start: datetime, end: datetime) -> BusyTime | None:
    """Saved busy time for [start, end), or None when it does not cover that range."""
    if not isinstance(data, dict):
        return None
    if datetime.fromisoformat(data["start"]) > start or datetime.fromisoformat(
            data["end"]) < end:
        return None

    def spans(items: list[list[str]]) -> tuple[Interval, ...]:
        found = (Interval(datetime.fromisoformat(a), datetime.fromisoformat(b))
                 for a, b in items)
        return tuple(i for i in found if i.end > start and i.start < end)

    return BusyTime(spans(data["intervals"]), spans(data["all_day"]))

def _task_to_json(task: RemoteTask) -> dict[str, Any]:
    return {name: encode_value(getattr(task, name)) for name in task.__slots__}

def _task_from_json(data: Mapping[str, Any]) -> RemoteTask:
    values = {k: decode_value(v) for k, v in data.items()}
    values["labels"] = tuple(values.get("labels") or ())
    return RemoteTask(**values)

def _block_to_json(block: RemoteBlock) -> dict[str, Any]:
    return {name: encode_value(getattr(block, name)) for name in block.__slots__}

def _block_from_json(data: Mapping[str, Any]) -> RemoteBlock:
    return RemoteBlock(**{k: decode_value(v) for k, v in data.items()})
