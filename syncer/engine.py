"""The one orchestration: load → lock → pull → decide → guard → execute → report.

``sync()`` is what ``goalsync sync`` and ``goalsync plan`` call. The order matters:

1. Load the plan and the rules. A broken plan raises PlanError before any server is
   contacted (exit 2, nothing sent).
2. Take the lock (a second concurrent run gets LockedError), start the backends (the
   embedded Radicale if configured) and open the state.
3. Pull: ask each backend whether anything changed since the saved token; if not, the
   snapshot saved with that token is reused (a no-change sync costs one Todoist request
   and one per CalDAV collection: the server URLs the last run resolved are kept in the
   state meta, so discovery is not repeated). A failed listing is never read as
   "deleted". Objects of other plans are dropped here (``identity.belongs_to``); their
   blocks count as busy time.
4. Resolve the journal (``syncer.execute``): writes a killed run intended but never
   confirmed are checked against what the server now holds, so a write that happened is
   adopted (not mistaken for a user edit) and one that did not is retried.
5. Decide (pure, ``syncer.core.decide``): schedule, desired state, reconcile, the block
   UIDs to hand out and the delete guard's verdict, from the pulled snapshot and the
   state's base.
6. Guard: too many deletions, an emptied plan, or a changed target stop the run
   (SafetyStop, exit 4) unless ``--force`` / ``--rebind``. A dry run (``goalsync plan``)
   returns here with the decision: nothing is written anywhere, state included.
7. Execute (``syncer.execute``): the UID counters are committed, then each remote write
   is journaled as intended before the call and confirmed after; Todoist changes go in
   one ``apply()`` batch. Per-object failures are collected; everything else still runs;
   the report lists them and the CLI exits 1. The servers are read back once and the
   snapshot saved with its change token.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syncer.backends.base import (
    Adapter,
    AuthError,
    BackendError,
    CreateTask,
    DeleteTask,
    RemoteBlock,
    RemoteTask,
)
from syncer.backends.registry import Backends, open_backends
from syncer.config import Config
from syncer.core import reconcile as rc
from syncer.core.decide import Base, Settings, Snapshot, decide
from syncer.core.identity import belongs_to
from syncer.core.model import BusyTime, Interval, Plan, Schedule, Unscheduled
from syncer.errors import ConfigError, SafetyStop
from syncer.execute import Executor, ProgressCallback
from syncer.state import State, decode_value, default_state_dir, encode_value, lock

JOURNAL_DAYS = 30  # settled journal entries are kept this long, for inspection
REVIEW_NOTES_META = "review_notes"  # the last review's prompts, for the review task
_URLS_META = "dav_urls:"  # + "tasks" / "calendar": server URLs resolved by the last run


# ------------------------------------------------------------------------ results


@dataclass(frozen=True)
class SyncReport:
    """What a sync did (or, for a dry run, would do)."""

    plan: Plan
    schedule: Schedule
    actions: tuple[rc.Action, ...]
    created: int = 0
    updated: int = 0
    deleted: int = 0
    pinned: int = 0
    completed: int = 0
    unscheduled: tuple[Unscheduled, ...] = ()
    errors: tuple[str, ...] = ()
    completions: Mapping[str, datetime] = field(default_factory=dict)
    dry_run: bool = False
    notes: tuple[str, ...] = ()  # sentences for the person (state moved aside, guards…)
    window: tuple[datetime, datetime] | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, Any]:
        """The stable ``--json`` shape of ``goalsync sync``."""
        return {
            "created": self.created, "updated": self.updated, "deleted": self.deleted,
            "pinned": self.pinned, "completed": self.completed,
            "unscheduled": [u.step for u in self.unscheduled],
            "errors": list(self.errors),
        }


@dataclass(frozen=True)
class SyncSettings:
    window_days: int = 14
    max_delete_share: float = 0.25
    lookback_days: int = 28


# ------------------------------------------------------------------------ entry


def sync(plan_path: str | os.PathLike[str], config: Config, *, now: datetime,
         dry_run: bool = False, force: bool = False, rebind: bool = False,
         on_progress: ProgressCallback | None = None) -> SyncReport:
    """Sync the plan at ``plan_path`` with the configured backends (see module doc).

    Raises PlanError/ConfigError (exit 2, before any request), CredentialError (3),
    LockedError, SafetyStop (4), BackendError when a server cannot be read at all.
    Per-object failures do not raise: they are in ``report.errors``.
    """
    from syncer.planfile import load_plan
    from syncer.policy import load_rules

    plan = load_plan(Path(plan_path))
    if now.tzinfo is None:  # a wall-clock time is read in the plan's timezone
        from zoneinfo import ZoneInfo

        now = now.replace(tzinfo=ZoneInfo(plan.timezone))
    rules = load_rules(config.rules)
    settings = sync_settings(rules, config)
    _check_rules(rules)  # every rule error is a ConfigError before any request
    state_dir = default_state_dir(config.state_dir)
    guard = contextlib.nullcontext() if dry_run else lock(state_dir)
    with guard, open_backends(config, plan, state_dir, dry_run=dry_run, now=now) as backends:
        return run(plan, rules, backends, state_dir, now=now, settings=settings,
                   dry_run=dry_run, force=force, rebind=rebind, on_progress=on_progress,
                   locked=True)


def _check_rules(rules: Mapping[str, Any]) -> None:
    from syncer.core.review import ReviewRules
    from syncer.core.schedule_rules import SchedulingRules

    SchedulingRules.from_mapping(rules.get("scheduling", {}))
    ReviewRules.from_mapping(rules.get("review", {}))


def sync_settings(rules: Mapping[str, Any], config: Config) -> SyncSettings:
    """Window and guard settings: the config's ``[calendar]``/``[sync]`` values win over
    ``rules/sync.toml``. Raises ConfigError for bad rule values."""
    table = dict(rules.get("sync", {}))
    window = config.window_days if config.window_days is not None else table.get(
        "window_days", 14)
    share = config.max_delete_share if config.max_delete_share is not None else table.get(
        "max_delete_share", 0.25)
    lookback = table.get("lookback_days", 28)
    if not isinstance(window, int) or window <= 0:
        raise ConfigError(f"sync rule window_days must be a whole number of days above 0, "
                          f"not {window!r}")
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ConfigError(f"sync rule max_delete_share must be between 0 and 1, not {share!r}")
    if not isinstance(lookback, int) or lookback < 0:
        raise ConfigError(f"sync rule lookback_days must be a whole number, not {lookback!r}")
    for kind, owners in dict(table.get("ownership", {})).items():
        for name, owner in dict(owners).items():
            if owner not in ("plan", "user"):
                raise ConfigError(f"sync rule ownership.{kind}.{name} must be \"plan\" or "
                                  f"\"user\", not {owner!r}")
    return SyncSettings(window, float(share), lookback)


def run(plan: Plan, rules: Mapping[str, Any], backends: Backends,
        state_dir: str | os.PathLike[str], *, now: datetime,
        settings: SyncSettings | None = None, dry_run: bool = False, force: bool = False,
        rebind: bool = False, on_progress: ProgressCallback | None = None,
        locked: bool = False) -> SyncReport:
    """Sync an already loaded plan with given backends (tests use memory backends).
    ``locked=True`` when the caller holds the lock already."""
    state_dir = Path(state_dir)
    guard = contextlib.nullcontext() if locked or dry_run else lock(state_dir)
    with guard, State.open(state_dir / "state.sqlite", readonly=dry_run) as state:
        return _Run(plan, rules, backends, state, now, settings or SyncSettings(),
                    dry_run, force, rebind, on_progress).go()


# -------------------------------------------------------------------------- a run


@dataclass
class _Pulled:
    tasks: list[RemoteTask] | None
    task_token: str | None
    blocks: list[RemoteBlock] | None
    block_token: str | None
    busy: BusyTime  # another plan's blocks in the calendar count as busy
    range: tuple[datetime, datetime]
    all_tasks: list[RemoteTask] | None  # as listed, other plans' objects included
    all_blocks: list[RemoteBlock] | None


class _Run:
    def __init__(self, plan: Plan, rules: Mapping[str, Any], backends: Backends,
                 state: State, now: datetime, settings: SyncSettings, dry_run: bool,
                 force: bool, rebind: bool, on_progress: ProgressCallback | None) -> None:
        self.plan, self.rules, self.backends, self.state = plan, rules, backends, state
        self.now, self.settings, self.dry_run = now, settings, dry_run
        self.force, self.rebind, self.on_progress = force, rebind, on_progress
        self.errors: list[str] = []
        self.notes: list[str] = list(state.notes)
        self.executor = Executor(state, backends.tasks, backends.calendar, plan.id,
                                 self.errors, self.notes, on_progress)
        self.window: tuple[datetime, datetime] | None = None
        self.busy_read: tuple[datetime, datetime] | None = None  # range read this run

    # -- the steps

    def go(self) -> SyncReport:
        self.state.begin_run(self.now)
        self._check_binding()
        self._remember_urls()
        pulled = self._pull()
        self._save_urls()
        self.executor.resolve_journal(pulled.tasks, pulled.blocks)
        decision = decide(self.plan, self.rules, Snapshot(pulled.tasks, pulled.blocks,
                                                          pulled.busy),
                          self._base(pulled.range), self.now,
                          Settings(self.settings.window_days, self.settings.max_delete_share))
        self.window = decision.window
        if decision.stop and not self.force:
            self._stop(decision.stop)
        if self.dry_run:
            return self._report(decision.schedule, decision.actions,
                                _planned_counts(decision.actions))
        self.state.reserve_block_indexes(decision.allocations)
        counts = self.executor.execute(decision.actions)
        self._save_tokens(pulled, wrote_tasks=self.executor.wrote_tasks,
                          wrote_blocks=self.executor.wrote_blocks)
        if self._read_everything(pulled):
            # a schedule made without the calendar's blocks (or the completions)
            # would re-place the next run's plan beyond the window
            self.state.save_planned_blocks(decision.schedule.blocks, self.now)
        report = self._report(decision.schedule, decision.actions, counts)
        ended = datetime.now(self.now.tzinfo)
        self.state.prune_journal(ended - timedelta(days=JOURNAL_DAYS))
        self.state.end_run(ended, report.summary())
        return report

    def _read_everything(self, pulled: _Pulled) -> bool:
        """Whether this run read the task list and (when there is one) the calendar."""
        calendar_read = pulled.blocks is not None or self.backends.calendar is None
        return pulled.tasks is not None and calendar_read

    def _check_binding(self) -> None:
        self._check_plan_id()
        binding = self.backends.binding
        saved = self.state.meta("binding")
        if saved is not None and saved != binding and self.state.links():
            if not self.rebind:
                raise SafetyStop(
                    f"goalsync's objects were synced to [{saved}], but the config now "
                    f"points at [{binding}]; goalsync will not delete and re-create "
                    "everything without --rebind",
                    hint="run again with --rebind to start over in the new target (nothing "
                         "is deleted from the old one), or restore the old settings")
            self.state.delete_links()
            self.state.clear_tokens()
            self.notes.append("rebound to the new target; the old one was left as it was")
        if saved != binding:
            self.state.set_meta("binding", binding)

    def _check_plan_id(self) -> None:
        """Remote objects carry the plan id (the file name unless the plan sets `id:`);
        syncing another id from the same state would start a second set of objects."""
        saved = self.state.meta("plan_id")
        if saved is not None and saved != self.plan.id and self.state.links():
            if not self.rebind:
                raise SafetyStop(
                    f"the state in {self.state.path.parent if self.state.path else 'memory'}"
                    f" belongs to plan id `{saved}`, but {self.plan.path} has plan id "
                    f"`{self.plan.id}` (its file name); syncing it would create a second "
                    "set of tasks and blocks",
                    hint=f"add `id: {saved}` at the top of the plan to keep its objects, use "
                         "another GOALSYNC_STATE_DIR for a second plan, or run with "
                         "--rebind to start over")
            self.state.delete_links()
            self.state.clear_tokens()
            self.notes.append(f"started over for plan id `{self.plan.id}`; the objects of "
                              f"`{saved}` were left as they were")
        if saved != self.plan.id:
            self.state.set_meta("plan_id", self.plan.id)

    # -- remembered server URLs

    def _backends_with_urls(self) -> list[tuple[str, Adapter]]:
        """The adapters of the run, by kind; those that resolve server URLs (CalDAV:
        calendar home, collection) remember them across runs."""
        pairs: list[tuple[str, Adapter | None]] = [
            ("tasks", self.backends.tasks), ("calendar", self.backends.calendar)]
        return [(kind, b) for kind, b in pairs if b is not None]

    def _remember_urls(self) -> None:
        """Give each adapter the URLs it resolved last run for this binding, so a run
        does not discover them again (three requests per collection)."""
        for kind, backend in self._backends_with_urls():
            saved = _loads(self.state.meta(_URLS_META + kind))
            if saved.get("binding") == self.backends.binding and saved.get("urls"):
                backend.remember_urls(saved["urls"])

    def _save_urls(self) -> None:
        if self.dry_run:
            return
        for kind, backend in self._backends_with_urls():
            urls = backend.resolved_urls()
            if urls is None:
                continue  # the adapter resolves no URLs
            value = json.dumps({"binding": self.backends.binding, "urls": urls},
                               sort_keys=True)
            if self.state.meta(_URLS_META + kind) != value:
                self.state.set_meta(_URLS_META + kind, value)

    # -- pull

    def _pull(self) -> _Pulled:
        tasks, task_token = self._pull_tasks()
        start = self.now - timedelta(days=self.settings.lookback_days)
        end = _horizon_end(self.plan, self.rules, self.now) + timedelta(days=60)
        blocks, block_token, busy = self._pull_blocks(start, end)
        pulled = _Pulled(tasks, task_token, blocks, block_token, busy, (start, end),
                         tasks, blocks)
        linked = {lk.remote_id for lk in self.state.links()}

        def mine(remote: RemoteTask | RemoteBlock) -> bool:
            return belongs_to(self.plan.id, remote, linked)

        if tasks is not None:
            pulled.tasks = [t for t in tasks if mine(t)]
        if blocks is not None:
            pulled.blocks = [b for b in blocks if mine(b)]
            others = tuple(Interval(b.start, b.end) for b in blocks
                           if b.end > self.now and not mine(b))
            pulled.busy = replace(busy, intervals=busy.intervals + others)
        return pulled

    def _pull_tasks(self) -> tuple[list[RemoteTask] | None, str | None]:
        backend = self.backends.tasks
        token, snapshot = self.state.token(_token_name("tasks", backend))
        if self.dry_run and backend.target_missing():
            return [], None  # a dry run must not create the task list to read it
        try:
            changed, new_token = backend.changes_since(token)
            if not changed and snapshot is not None:
                return [_task_from_json(t) for t in snapshot], new_token
            return backend.list_tasks(), new_token
        except AuthError:
            raise
        except BackendError as error:
            self.errors.append(f"tasks: could not read {backend.name}: {error}; nothing "
                               "was concluded from it")
            return None, token

    def _pull_blocks(self, start: datetime, end: datetime,
                     ) -> tuple[list[RemoteBlock] | None, str | None, BusyTime]:
        calendar = self.backends.calendar
        if calendar is None:
            return None, None, BusyTime()
        token, snapshot = self.state.token(_token_name("calendar", calendar))
        if self.dry_run and calendar.target_missing():
            return [], None, BusyTime()  # a dry run must not create the calendar to read it
        snap = snapshot if isinstance(snapshot, dict) else {}
        try:
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
        except AuthError:
            raise
        except BackendError as error:
            self.errors.append(f"calendar: could not read {calendar.name}: {error}; no "
                               "block was changed")
            return None, token, BusyTime()
        return blocks, new_token, busy

    # -- decide

    def _base(self, listed: tuple[datetime, datetime]) -> Base:
        """What the state remembers, as the pure decision reads it (block bases only
        for blocks in the listed range)."""
        tasks: dict[str, rc.BaseTask] = {}
        blocks: dict[str, rc.BaseBlock] = {}
        links = self.state.links()
        for link in links:
            if link.kind == "task":
                tasks[link.key] = rc.BaseTask(link.key, link.remote_id, dict(link.pushed),
                                              link.gone)
            elif link.start is not None and link.end is not None and (
                    link.start < listed[1] and link.end > listed[0]):
                values = {**link.pushed, "title": link.pushed.get("title", ""),
                          "start": link.start, "end": link.end}
                blocks[link.remote_id] = rc.BaseBlock(link.remote_id, link.key, values,
                                                      link.pinned)
        return Base(
            tasks=tasks, blocks=blocks,
            block_links=tuple((lk.key, lk.remote_id, lk.pinned) for lk in links
                              if lk.kind == "block"),
            owned_keys=frozenset(lk.key for lk in links if not lk.gone),
            completions=self.state.completions(), planned=tuple(self.state.planned_blocks()),
            next_index=self.state.block_indexes(),
            review_notes=self.state.meta(REVIEW_NOTES_META))

    # -- guard

    def _stop(self, message: str) -> None:
        hint = ("check the plan (and the config's targets); if the deletions are intended, "
                "run again with --force")
        if self.dry_run:
            self.notes.append(f"`goalsync sync` would stop here: {message} ({hint})")
            return
        raise SafetyStop(f"{message}; nothing was changed", hint=hint)

    def _save_tokens(self, pulled: _Pulled, *, wrote_tasks: bool, wrote_blocks: bool) -> None:
        """Remember what the servers hold now, so an unchanged server is not listed again.
        After our own writes the servers are read once more: where the adapter can, only
        what changed since the pull (``tasks_since`` / ``blocks_since``: one CalDAV
        sync-collection REPORT, which also sees another client's edits made meanwhile);
        else token first, then the listing, so a change in between only causes one more
        listing next time."""
        tasks_backend, calendar = self.backends.tasks, self.backends.calendar
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
            busy = _busy_to_json(pulled.busy, *self.busy_read) if self.busy_read else (
                old.get("busy") if isinstance(old, dict) else None)
            self.state.save_token(_token_name("calendar", calendar), token,
                                  {"blocks": [_block_to_json(b) for b in blocks],
                                   "busy": busy})

    # -- report

    def _report(self, schedule: Schedule, actions: Sequence[rc.Action],
                counts: Mapping[str, int]) -> SyncReport:
        pins = sum(isinstance(a, rc.Pin) or (isinstance(a, rc.UpdateBlock) and a.pinned
                                              and "start" not in a.fields) for a in actions)
        completed = [a for a in actions if isinstance(a, rc.RecordCompletion)]
        return SyncReport(
            plan=self.plan, schedule=schedule, actions=tuple(actions),
            created=counts["created"], updated=counts["updated"],
            deleted=counts["deleted"], pinned=pins, completed=len(completed),
            unscheduled=schedule.unscheduled, errors=tuple(self.errors),
            completions={**self.state.completions(),
                         **{a.key: a.completed_at for a in completed}},
            dry_run=self.dry_run, notes=tuple(self.notes), window=self.window,
        )


# ---------------------------------------------------------------------- helpers




def _loads(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _horizon_end(plan: Plan, rules: Mapping[str, Any], now: datetime) -> datetime:
    """Where the scheduler stops planning (busy time is read that far, and beyond)."""
    from syncer.core.schedule import plan_horizon
    from syncer.core.schedule_rules import SchedulingRules

    try:
        scheduling = SchedulingRules.from_mapping(rules.get("scheduling", {}))
    except ConfigError:  # validated again, with a sentence, when scheduling
        scheduling = SchedulingRules()
    return plan_horizon(plan, scheduling, now)


def _planned_counts(actions: Sequence[rc.Action]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "deleted": 0}
    for action in actions:
        if isinstance(action, rc.PushTask):
            change = action.change
            kind = ("created" if isinstance(change, CreateTask) else
                    "deleted" if isinstance(change, DeleteTask) else "updated")
            counts[kind] += 1
        elif isinstance(action, rc.CreateBlock):
            counts["created"] += 1
        elif isinstance(action, rc.UpdateBlock):
            counts["updated"] += 1
        elif isinstance(action, rc.DeleteBlock):
            counts["deleted"] += 1
    return counts


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


__all__ = ["Backends", "SyncReport", "SyncSettings", "open_backends", "run", "sync",
           "sync_settings"]
