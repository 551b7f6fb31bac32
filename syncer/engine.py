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
   "deleted".
4. Resolve the journal: writes a killed run intended but never confirmed are checked
   against what the server now holds, so a write that happened is adopted (not mistaken
   for a user edit) and one that did not is retried by the reconcile.
5. Decide (pure): record completions, schedule (existing blocks, the user's pins and
   missed blocks as inputs), build the desired state, reconcile.
6. Guard: too many deletions, an emptied plan, or a changed target stop the run
   (SafetyStop, exit 4) unless ``--force`` / ``--rebind``.
7. Execute: each remote write is journaled as intended (with the UID chosen for it)
   before the call and confirmed after; Todoist changes go in one ``apply()`` batch.
   Per-object failures are collected; everything else still runs; the report lists
   them and the CLI exits 1.

A dry run does steps 1-6 against an in-memory copy of the state and returns the
actions: nothing is written anywhere, state included.

Test hook: ``GOALSYNC_TEST_CRASH_AFTER=k`` makes the process SIGKILL itself right after
its k-th remote write returns, before that write is recorded in the state. Only the
reliability tests set it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syncer.backends.base import (
    Adapter,
    AuthError,
    BackendError,
    CalendarBackend,
    ChangeResult,
    CreateTask,
    DeleteTask,
    NotFound,
    PreconditionFailed,
    RateLimited,
    RemoteBlock,
    RemoteTask,
    UpdateTask,
)
from syncer.backends.registry import Backends, open_backends
from syncer.config import Config
from syncer.core import reconcile as rc
from syncer.core.desired import (
    REVIEW_KEY,
    block_fields,
    blocks_needing_uids,
    desired_blocks,
    desired_tasks,
    plan_keys,
)
from syncer.core.identity import belongs_to, block_index, block_uid
from syncer.core.model import Block, BusyTime, Interval, Plan, Schedule, Unscheduled
from syncer.errors import ConfigError, SafetyStop
from syncer.state import Link, State, decode_value, default_state_dir, encode_value, lock

ProgressCallback = Callable[[int, int], None]
CRASH_ENV = "GOALSYNC_TEST_CRASH_AFTER"
JOURNAL_DAYS = 30  # settled journal entries are kept this long, for inspection
MAX_RATE_WAIT = 120.0  # seconds we are willing to sleep for one Retry-After
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
        self.writes_done = 0
        self.crash_after = _crash_after()
        self.attempted = 0
        self.window: tuple[datetime, datetime] | None = None
        self.busy_read: tuple[datetime, datetime] | None = None  # range read this run

    # -- the steps

    def go(self) -> SyncReport:
        self.state.begin_run(self.now)
        self._check_binding()
        self._remember_urls()
        pulled = self._pull()
        self._save_urls()
        self._resolve_journal(pulled)
        schedule, actions = self._decide(pulled)
        self._guard(actions, pulled)
        counts = {"created": 0, "updated": 0, "deleted": 0}
        if not self.dry_run:
            counts = self._execute(actions, pulled)
            if self._read_everything(pulled):
                # a schedule made without the calendar's blocks (or the completions)
                # would re-place the next run's plan beyond the window
                self.state.save_planned_blocks(schedule.blocks, self.now)
        report = self._report(schedule, actions, counts)
        if not self.dry_run:
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

    # -- journal recovery

    def _resolve_journal(self, pulled: _Pulled) -> None:
        """Settle writes a killed run intended but never confirmed: the server says
        whether each happened."""
        tasks = None if pulled.tasks is None else {t.key: t for t in pulled.tasks}
        blocks = None if pulled.blocks is None else {b.uid: b for b in pulled.blocks}
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
        if found is not None and _same_block(found, values):
            base = dict(action.get("base") or values)
            self.state.save_link(Link("block", uid, action["key"], self._calendar_name(),
                                      found.etag, base, pinned=bool(action.get("pinned")),
                                      start=found.start, end=found.end))
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
        if found is not None and all(rc.same(f, getattr(found, f), pushed.get(f))
                                     for f in fields):
            self._save_task_link(key, found.remote_id, found.etag, pushed)
            self.state.journal_confirm(entry_id, found.remote_id)
        else:
            self.state.journal_fail(entry_id, "not written before the run stopped")

    # -- decide

    def _decide(self, pulled: _Pulled) -> tuple[Schedule, list[rc.Action]]:
        base_tasks, base_blocks = self._bases(pulled.range)
        done = self._done_keys(pulled.tasks, base_tasks)
        known = plan_keys(self.plan)
        existing = [b for b in rc.existing_blocks(pulled.blocks or (), base_blocks)
                    if b.step in known]
        reviews = self._review_blocks(existing) if pulled.blocks is not None else ()
        existing = [b for b in existing if b.step != REVIEW_KEY]
        existing += self._planned_beyond_calendar(known, done)
        busy = replace(pulled.busy, intervals=pulled.busy.intervals + tuple(
            Interval(b.start, b.end) for b in reviews if b.end > self.now))
        schedule = self._schedule(busy, existing, done)
        schedule = replace(schedule, blocks=schedule.blocks + reviews)
        window_end = self.now + timedelta(days=self.settings.window_days)
        specs = []
        if pulled.blocks is not None:
            uids = self._allocate_uids(schedule, window_end, pulled.blocks)
            specs = desired_blocks(self.plan, schedule, self.now, window_end, uids)
            schedule = replace(schedule, blocks=tuple(
                replace(b, uid=uids.get((b.step, b.start))) if b.uid is None else b
                for b in schedule.blocks))
        review = dict(self.rules.get("review", {}).get("weekly", {}))
        notes = self.state.meta(REVIEW_NOTES_META)  # set by `goalsync review`
        if notes:
            review["notes"] = notes
        tasks = desired_tasks(self.plan, schedule, self.now, review)
        actions = rc.reconcile(
            tasks, pulled.tasks, base_tasks, specs, pulled.blocks, base_blocks,
            self.rules.get("sync", {}), now=self.now, known_keys=known, done_keys=done,
            completed=self.state.completions())
        self.window = (self.now, window_end)
        return schedule, actions

    def _planned_beyond_calendar(self, known: frozenset[str],
                                 done: set[str]) -> list[Block]:
        """Future blocks of the last schedule that are not on the calendar yet (beyond
        the window): given to the scheduler as existing, so the plan beyond the window
        stays put from run to run instead of being re-placed (and re-dated) each time."""
        return [b for b in self.state.planned_blocks()
                if b.uid is None and b.start >= self.now and b.step in known
                and b.step not in done and b.step != REVIEW_KEY]

    def _bases(self, listed: tuple[datetime, datetime],
               ) -> tuple[dict[str, rc.BaseTask], dict[str, rc.BaseBlock]]:
        tasks: dict[str, rc.BaseTask] = {}
        blocks: dict[str, rc.BaseBlock] = {}
        for link in self.state.links():
            if link.kind == "task":
                tasks[link.key] = rc.BaseTask(link.key, link.remote_id, dict(link.pushed),
                                              link.gone)
            elif link.start is not None and link.end is not None and (
                    link.start < listed[1] and link.end > listed[0]):
                values = {**link.pushed, "title": link.pushed.get("title", ""),
                          "start": link.start, "end": link.end}
                blocks[link.remote_id] = rc.BaseBlock(link.remote_id, link.key, values,
                                                      link.pinned)
        return tasks, blocks

    def _done_keys(self, remote: list[RemoteTask] | None,
                   base: Mapping[str, rc.BaseTask]) -> set[str]:
        done = {s.key for s in self.plan.steps() if s.done}
        recorded = self.state.completions()
        if remote is None:
            return done | set(recorded)
        open_keys = {t.key for t in remote if not t.completed}
        done |= {t.key for t in remote if t.completed}
        done |= {k for k in recorded if k not in open_keys}
        present = {t.key for t in remote}
        done |= {k for k, b in base.items() if b.gone or k not in present}  # user deleted
        return done

    def _review_blocks(self, existing: Sequence[Block]) -> tuple[Block, ...]:
        """The weekly review slot on the calendar (steps are planned around it)."""
        from syncer.core.review import ReviewRules, review_blocks

        rules = ReviewRules.from_mapping(self.rules.get("review", {}))
        return review_blocks(self.plan, rules, self.now, existing)

    def _schedule(self, busy: BusyTime, existing: Sequence[Block],
                  done: set[str]) -> Schedule:
        from syncer.core.schedule import schedule
        from syncer.core.schedule_rules import SchedulingRules

        rules = SchedulingRules.from_mapping(self.rules.get("scheduling", {}))
        return schedule(self.plan, rules, now=self.now, busy=busy, existing=existing,
                        done=done)

    def _allocate_uids(self, schedule: Schedule, window_end: datetime,
                       remote: Sequence[RemoteBlock]) -> dict[tuple[str, datetime], str]:
        """A fresh, never reused UID per new in-window block, committed to the state
        before it is used (dry runs allocate in their in-memory copy)."""
        seen: dict[str, int] = {}
        pairs = [(b.key, b.uid) for b in remote] + [
            (lk.key, lk.remote_id) for lk in self.state.links("block")]
        for key, uid in pairs:
            index = block_index(uid)
            if index is not None:
                seen[key] = max(seen.get(key, -1), index)
        uids: dict[tuple[str, datetime], str] = {}
        reusable = self._reusable_uids(schedule, remote)
        for block in blocks_needing_uids(schedule, self.now, window_end):
            if reusable.get(block.step):  # move a dropped block rather than delete + create
                uids[(block.step, block.start)] = reusable[block.step].pop(0)
                continue
            index = self.state.allocate_block_index(block.step, seen.get(block.step, -1) + 1)
            uids[(block.step, block.start)] = block_uid(block.step, index, self.plan.id)
        return uids

    def _reusable_uids(self, schedule: Schedule,
                       remote: Sequence[RemoteBlock]) -> dict[str, list[str]]:
        """Future, unpinned blocks on the calendar the new schedule dropped, by key."""
        kept = {b.uid for b in schedule.blocks if b.uid is not None}
        pinned = {lk.remote_id for lk in self.state.links("block") if lk.pinned}
        free: dict[str, list[str]] = {}
        for block in sorted(remote, key=lambda b: (b.start, b.uid)):
            if block.uid not in kept and block.uid not in pinned and block.start >= self.now:
                free.setdefault(block.key, []).append(block.uid)
        return free

    # -- guard

    def _guard(self, actions: Sequence[rc.Action], pulled: _Pulled) -> None:
        deletes = rc.guarded_deletes(actions)
        if not deletes:
            return
        # the plan's objects on record or on the servers: a run with no state yet (or a
        # lost one) is protected as well as one with links
        listed = [*(pulled.tasks or ()), *(pulled.blocks or ())]
        owned = len({lk.key for lk in self.state.links() if not lk.gone}
                    | {r.key for r in listed if r.key})
        emptied = not any(True for _ in self.plan.steps()) and not any(
            True for _ in self.plan.habits())
        if emptied and not self.force:
            self._stop(f"the plan has no steps any more, so this sync would delete "
                       f"{len(deletes)} of goalsync's objects")
            return
        message = rc.delete_guard(actions, owned, self.settings.max_delete_share)
        if message and not self.force:
            self._stop(message)

    def _stop(self, message: str) -> None:
        hint = ("check the plan (and the config's targets); if the deletions are intended, "
                "run again with --force")
        if self.dry_run:
            self.notes.append(f"`goalsync sync` would stop here: {message} ({hint})")
            return
        raise SafetyStop(f"{message}; nothing was changed", hint=hint)

    # -- execute

    def _execute(self, actions: Sequence[rc.Action], pulled: _Pulled) -> dict[str, int]:
        counts = {"created": 0, "updated": 0, "deleted": 0}
        self._record(actions)
        total = len(rc.writes(actions))
        pushes = [a for a in actions if isinstance(a, rc.PushTask)]
        if pushes:
            self._push_tasks(pushes, counts)
        self.attempted = len(pushes)
        self._progress(self.attempted, total)
        for action in actions:
            if isinstance(action, rc.CreateBlock | rc.UpdateBlock | rc.DeleteBlock):
                self._write_block(action, counts)
                self.attempted += 1
                self._progress(self.attempted, total)
        self._save_tokens(pulled, wrote_tasks=bool(pushes),
                          wrote_blocks=total > len(pushes))
        return counts

    def _progress(self, done: int, total: int) -> None:
        if self.on_progress is not None and total:
            self.on_progress(min(done, total), total)

    def _record(self, actions: Sequence[rc.Action]) -> None:
        """The actions that need no request: links, pins, completions."""
        links = {(lk.kind, lk.remote_id): lk for lk in self.state.links()}
        with self.state.transaction():
            for action in actions:
                self._record_one(action, links)

    def _record_one(self, action: rc.Action, links: Mapping[tuple[str, str], Link]) -> None:
        if isinstance(action, rc.RecordCompletion):
            self.state.record_completion(action.key, action.completed_at)
        elif isinstance(action, rc.Reopened):
            self.state.forget_completion(action.key)
        elif isinstance(action, rc.Rebase):
            if action.kind == "task":
                self._save_task_link(action.key, action.remote_id, None, action.values)
            else:
                old = links.get(("block", action.remote_id))
                self.state.save_link(Link(
                    "block", action.remote_id, action.key, self._calendar_name(), None,
                    dict(action.values), pinned=bool(old and old.pinned),
                    start=action.values["start"], end=action.values["end"]))
        elif isinstance(action, rc.Forget):
            self.state.delete_link(action.kind, action.remote_id)
        elif isinstance(action, rc.UserDeleted):
            old = links.get(("task", action.remote_id))
            if old is not None:
                self.state.save_link(replace(old, gone=True))
        elif isinstance(action, rc.Pin):
            old = links.get(("block", action.uid))
            pushed = {**(old.pushed if old else {}), "start": action.start, "end": action.end}
            self.state.save_link(Link("block", action.uid, action.key, self._calendar_name(),
                                      old.etag if old else None, pushed, pinned=True,
                                      start=action.start, end=action.end))

    def _save_task_link(self, key: str, remote_id: str, etag: str | None,
                        values: Mapping[str, Any]) -> None:
        self.state.delete_other_links("task", key, remote_id)
        self.state.save_link(Link("task", remote_id, key, self.backends.tasks.name, etag,
                                  dict(values)))

    def _push_tasks(self, pushes: Sequence[rc.PushTask], counts: dict[str, int]) -> None:
        entries = [self.state.journal_intent("task", p.key, _remote_id(p),
                                             _task_journal(p)) for p in pushes]
        try:
            results = self._apply_with_retry([p.change for p in pushes])
        except AuthError:
            raise
        except BackendError as error:
            for entry in entries:
                self.state.journal_fail(entry, str(error))
            self.errors.append(f"tasks: {len(pushes)} change(s) not sent: {error}")
            return
        self._wrote(len(pushes))
        for push, entry, result in zip(pushes, entries, results, strict=True):
            with self.state.transaction():
                self._task_result(push, entry, result, counts)

    def _apply_with_retry(self, changes: Sequence[Any]) -> list[ChangeResult]:
        try:
            return self.backends.tasks.apply(changes)
        except RateLimited as error:  # the adapter waited already; one more patient try
            time.sleep(min(error.retry_after or 1.0, MAX_RATE_WAIT))
            return self.backends.tasks.apply(changes)

    def _task_result(self, push: rc.PushTask, entry: int, result: ChangeResult,
                     counts: dict[str, int]) -> None:
        change = push.change
        if not result.ok:
            if isinstance(change, DeleteTask | UpdateTask) and result.error == "not found":
                self.state.delete_link("task", change.remote_id)
            self.state.journal_fail(entry, result.error or "failed")
            self.errors.append(f"task {push.key}: {result.error}")
            return
        if isinstance(change, DeleteTask):
            self.state.delete_link("task", change.remote_id)
            counts["deleted"] += 1
        else:
            self._save_task_link(push.key, result.remote_id or _remote_id(push) or "",
                                 result.etag, push.base)
            counts["created" if isinstance(change, CreateTask) else "updated"] += 1
        self.state.journal_confirm(entry, result.remote_id)

    def _write_block(self, action: rc.CreateBlock | rc.UpdateBlock | rc.DeleteBlock,
                     counts: dict[str, int]) -> None:
        calendar = self.backends.calendar
        assert calendar is not None  # block actions exist only with a calendar
        if isinstance(action, rc.CreateBlock):
            action = self._create_block(calendar, action, counts)
            return
        entry = self.state.journal_intent("block", _block_key(action), _block_uid(action),
                                          _block_journal(action))
        try:
            etag = self._block_call(calendar, action)
        except NotFound:  # deleted meanwhile (by the user): forget it, plan its time again
            with self.state.transaction():
                self.state.delete_link("block", _block_uid(action))
                self.state.journal_confirm(entry)
            self.notes.append(f"block {_block_key(action)} was deleted in the calendar "
                              "meanwhile; the next sync plans its time again")
            return
        except PreconditionFailed as error:
            self.state.journal_fail(entry, str(error))
            self.errors.append(f"block {_block_key(action)} ({_block_uid(action)}): "
                               f"{error}; the next sync re-reads it")
            return
        except AuthError:
            raise
        except BackendError as error:
            self.state.journal_fail(entry, str(error))
            self.errors.append(f"block {_block_key(action)}: {error}")
            return
        self._wrote(1)
        with self.state.transaction():
            if isinstance(action, rc.DeleteBlock):
                self.state.delete_link("block", action.uid)
                counts["deleted"] += 1
            else:
                self._save_block_link(action.spec.uid, action.spec.key, etag,
                                      action.base or block_fields(action.spec),
                                      action.pinned)
                counts["updated"] += 1
            self.state.journal_confirm(entry)

    def _create_block(self, calendar: CalendarBackend, action: rc.CreateBlock,
                      counts: dict[str, int]) -> rc.CreateBlock:
        """Create with the journaled UID; a UID the server refuses (used before, e.g. in
        its trash bin, though not listed) gets the next index, at most three times."""
        for _attempt in range(3):
            entry = self.state.journal_intent("block", action.spec.key, action.spec.uid,
                                              _block_journal(action))
            try:
                etag = self._block_call(calendar, action)
            except PreconditionFailed as error:
                self.state.journal_fail(entry, str(error))
                index = self.state.allocate_block_index(action.spec.key)
                new_uid = block_uid(action.spec.key, index, self.plan.id)
                action = replace(action, spec=replace(action.spec, uid=new_uid))
                continue
            except AuthError:
                raise
            except BackendError as error:
                self.state.journal_fail(entry, str(error))
                self.errors.append(f"block {action.spec.key}: {error}")
                return action
            self._wrote(1)
            with self.state.transaction():
                self._save_block_link(action.spec.uid, action.spec.key, etag,
                                      block_fields(action.spec), False)
                self.state.journal_confirm(entry)
            counts["created"] += 1
            return action
        self.errors.append(f"block {action.spec.key}: the server refused three new UIDs")
        return action

    def _block_call(self, calendar: CalendarBackend, action: rc.Action) -> str | None:
        for attempt in range(2):
            try:
                if isinstance(action, rc.CreateBlock):
                    return calendar.create(action.spec)
                if isinstance(action, rc.UpdateBlock):
                    return calendar.update(action.spec, action.etag)
                if isinstance(action, rc.DeleteBlock):
                    calendar.delete(action.uid, action.etag)
                    return None
            except RateLimited as error:
                if attempt:
                    raise
                time.sleep(min(error.retry_after or 1.0, MAX_RATE_WAIT))
        raise AssertionError(f"not a block action: {action!r}")

    def _save_block_link(self, uid: str, key: str, etag: str | None,
                         values: Mapping[str, Any], pinned: bool) -> None:
        self.state.save_link(Link("block", uid, key, self._calendar_name(), etag,
                                  dict(values), pinned=pinned, start=values["start"],
                                  end=values["end"]))

    def _wrote(self, n: int) -> None:
        self.writes_done += n
        if self.crash_after is not None and self.writes_done >= self.crash_after:
            os.kill(os.getpid(), signal.SIGKILL)

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

    def _calendar_name(self) -> str:
        calendar = self.backends.calendar
        return calendar.name if calendar is not None else "none"

    # -- report

    def _report(self, schedule: Schedule, actions: Sequence[rc.Action],
                counts: Mapping[str, int]) -> SyncReport:
        if self.dry_run:
            counts = _planned_counts(actions)
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


def _crash_after() -> int | None:
    value = os.environ.get(CRASH_ENV)
    return int(value) if value and value.isdigit() else None


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


def _remote_id(push: rc.PushTask) -> str | None:
    change = push.change
    return None if isinstance(change, CreateTask) else change.remote_id


def _task_journal(push: rc.PushTask) -> dict[str, Any]:
    change = push.change
    op = ("create" if isinstance(change, CreateTask) else
          "delete" if isinstance(change, DeleteTask) else "update")
    fields = sorted(change.fields) if isinstance(change, UpdateTask) else None
    return {"op": op, "remote_id": _remote_id(push), "fields": fields,
            "base": dict(push.base)}


def _block_journal(action: rc.CreateBlock | rc.UpdateBlock | rc.DeleteBlock,
                   ) -> dict[str, Any]:
    if isinstance(action, rc.DeleteBlock):
        return {"op": "delete", "uid": action.uid, "key": action.key}
    op = "create" if isinstance(action, rc.CreateBlock) else "update"
    pinned = isinstance(action, rc.UpdateBlock) and action.pinned
    base = action.base if isinstance(action, rc.UpdateBlock) and action.base else None
    return {"op": op, "uid": action.spec.uid, "key": action.spec.key,
            "title": action.spec.title, "start": action.spec.start,
            "end": action.spec.end, "pinned": pinned,
            "base": dict(base or block_fields(action.spec))}


def _block_key(action: rc.UpdateBlock | rc.DeleteBlock) -> str:
    return action.key if isinstance(action, rc.DeleteBlock) else action.spec.key


def _block_uid(action: rc.UpdateBlock | rc.DeleteBlock) -> str:
    return action.uid if isinstance(action, rc.DeleteBlock) else action.spec.uid


def _same_block(found: RemoteBlock, values: Mapping[str, Any]) -> bool:
    return bool(found.start == values["start"] and found.end == values["end"]
                and rc.same("title", found.title, values["title"]))


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
