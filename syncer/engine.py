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

A sync (without ``--force``/``--rebind``) first runs steps 3-7 on the quick path
(``syncer.quick``): the same ``_Run`` with probe backends that know only the change
tokens, in one state transaction. Unchanged tokens and a decision with nothing to
write (a dry run: whatever it would write) make the run. Anything else raises
NeedFull before anything is written; the transaction is rolled back and the run
starts again on the full path.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from syncer import activity
from syncer.backends.base import BackendError
from syncer.backends.registry import Backends, open_backends
from syncer.config import Config
from syncer.core import reconcile as rc
from syncer.core.decide import Base, Settings, Snapshot, decide
from syncer.core.model import Plan, Schedule, Unscheduled
from syncer.core.moments import require_aware
from syncer.core.public_holidays import stored
from syncer.core.rules import Rules, check_max_delete_share, check_window_days
from syncer.core.schedule import holiday_region, hour_sets_used
from syncer.errors import AccountLimit, ConfigError, GoalsyncError, SafetyStop
from syncer.execute import COUNTED, Executor, ProgressCallback
from syncer.holiday_store import STORE_FILE, HolidayFile
from syncer.pull import Pulled, Puller
from syncer.quick import Early, NeedFull, probes, record_mark, storage_mark
from syncer.state import (
    REVIEW_NOTES_META,
    STATE_FILE,
    Record,
    State,
    default_state_dir,
    lock,
    peek_meta,
)

JOURNAL_DAYS = 30  # settled journal entries are kept this long, for inspection


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
    record: Record | None = None  # the state's history as this run leaves it
    refused: int = 0  # of the errors, those a rerun will not fix (the server refused)
    unread: tuple[str, ...] = ()  # "task list" / "calendar": could not be read this run
    nothing_read: bool = False  # no server could be read (the run compared nothing)

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


SyncSettings = Settings  # the name the engine's callers know


# ------------------------------------------------------------------------ entry


def sync(plan_path: str | os.PathLike[str], config: Config, *, now: datetime,
         dry_run: bool = False, force: bool = False, rebind: bool = False,
         on_progress: ProgressCallback | None = None,
         early: Early | None = None) -> SyncReport:
    """Sync the plan at ``plan_path`` with the configured backends (see module doc).
    ``early``: change checks ``quick.start_checks`` began before the engine was loaded.

    Raises PlanError/ConfigError (exit 2, before any request), CredentialError (3),
    LockedError, SafetyStop (4), BackendError when a server cannot be read at all.
    Per-object failures do not raise: they are in ``report.errors``.
    """
    from syncer.planfile import load_plan
    from syncer.policy import load_rules

    require_aware(now, "sync")
    activity.phase(f"Reading {Path(plan_path).name}")
    plan = load_plan(Path(plan_path))
    # every rule error is a ConfigError before any request (``early`` loaded them so)
    rules = early.rules if early is not None else load_rules(config.rules)
    hour_sets_used(plan, rules.scheduling)  # PlanError before the state or a server
    settings = sync_settings(rules, config)
    state_dir = default_state_dir(config.state_dir)
    guard = contextlib.nullcontext() if dry_run else lock(state_dir)
    # public holiday dates computed once, kept beside the state (a dry run only reads)
    holidays = stored(HolidayFile(state_dir / STORE_FILE, write=not dry_run))
    with guard, holidays:
        notes: tuple[str, ...] = ()
        if not (force or rebind):
            try:
                return _quick_run(plan, rules, config, state_dir, now, settings, dry_run,
                                  early)
            except NeedFull as need:
                notes = need.notes
        # the plan's own holidays country: exit 2 before any request (not on the quick
        # path above, which must not import the holidays package)
        holiday_region(plan, rules.scheduling)
        activity.phase("Connecting to the task list and calendar")
        with open_backends(config, plan, state_dir, dry_run=dry_run, now=now,
                           saved_binding=saved_binding(state_dir)) as backends:
            return run(plan, rules, backends, state_dir, now=now, settings=settings,
                       dry_run=dry_run, force=force, rebind=rebind,
                       on_progress=on_progress, locked=True, notes=notes)


def _quick_run(plan: Plan, rules: Rules, config: Config, state_dir: Path, now: datetime,
               settings: SyncSettings, dry_run: bool = False,
               early: Early | None = None) -> SyncReport:
    """The run with probe backends (``syncer/quick.py``): settled from the change tokens
    and the saved snapshots, in one state transaction; NeedFull (everything undone)
    when anything else is needed. The caller holds the lock (a dry run needs none:
    it reads an in-memory copy of the state and writes nothing anywhere)."""
    path = state_dir / STATE_FILE
    if not path.exists():
        raise NeedFull
    with State.open(path, readonly=dry_run) as state:
        if state.notes:  # the file was repaired (a dry run's copy: the full run's too)
            raise NeedFull(() if dry_run else tuple(state.notes))
        binding = state.meta("binding")
        if binding is None or state.meta("plan_id") != plan.id:
            raise NeedFull
        backends = probes(config, state, state_dir, binding, early)
        try:
            if backends.binding != binding:
                raise NeedFull
            with state.transaction():
                return _Run(plan, rules, backends, state, now, settings, dry_run, False,
                            False, None, quick=True).go()
        except GoalsyncError:
            raise NeedFull from None  # the full run meets it again and says it
        finally:
            backends.tasks.close()
            if backends.calendar is not None:
                backends.calendar.close()


def saved_binding(state_dir: Path) -> str | None:
    """The binding the state remembers (None without a readable state): an unset task
    list keeps the name an existing setup is bound to (``registry.task_list_name``)."""
    return peek_meta(state_dir / STATE_FILE, "binding")


def sync_settings(rules: Rules, config: Config) -> SyncSettings:
    """Window and guard settings: the config's ``[calendar]``/``[sync]`` values win over
    ``rules/sync.toml`` (``rules.sync``, validated already). Raises ConfigError for a bad
    config value."""
    window = (check_window_days(config.window_days) if config.window_days is not None
              else rules.sync.window_days)
    share = (check_max_delete_share(config.max_delete_share)
             if config.max_delete_share is not None else rules.sync.max_delete_share)
    return SyncSettings(window, share, rules.sync.lookback_days, task_ahead_days(config))


def task_ahead_days(config: Config) -> int | None:
    """``[tasks] ahead_days`` when steps get tasks as their time comes (``steps =
    "ahead"``, the default for Todoist), else None: every open step has a task."""
    steps = config.get("tasks", "steps") or (
        "ahead" if config.tasks_backend == "todoist" else "all")
    if steps == "all":
        return None
    days = config.get("tasks", "ahead_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 366:
        where = f" in {config.path}" if config.path else ""
        raise ConfigError(f"[tasks] ahead_days{where} must be a whole number of days from 1 "
                          f"to 366, not {days!r}", hint="fix [tasks] ahead_days in the config")
    return days


def run(plan: Plan, rules: Rules, backends: Backends,
        state_dir: str | os.PathLike[str], *, now: datetime,
        settings: SyncSettings | None = None, dry_run: bool = False, force: bool = False,
        rebind: bool = False, on_progress: ProgressCallback | None = None,
        locked: bool = False, notes: Sequence[str] = ()) -> SyncReport:
    """Sync an already loaded plan with given backends (tests use memory backends).
    ``locked=True`` when the caller holds the lock already. ``now`` must be aware.
    ``notes``: sentences for the person from before the run (a repaired state file)."""
    require_aware(now, "run")
    hour_sets_used(plan, rules.scheduling)  # PlanErrors before the state is touched
    holiday_region(plan, rules.scheduling)
    state_dir = Path(state_dir)
    guard = contextlib.nullcontext() if locked or dry_run else lock(state_dir)
    with guard, State.open(state_dir / "state.sqlite", readonly=dry_run) as state:
        state.notes[:0] = notes
        return _Run(plan, rules, backends, state, now, settings or SyncSettings(),
                    dry_run, force, rebind, on_progress).go()


# -------------------------------------------------------------------------- a run


class _Run:
    def __init__(self, plan: Plan, rules: Rules, backends: Backends,
                 state: State, now: datetime, settings: SyncSettings, dry_run: bool,
                 force: bool, rebind: bool, on_progress: ProgressCallback | None,
                 quick: bool = False) -> None:
        self.plan, self.rules, self.backends, self.state = plan, rules, backends, state
        self.quick = quick  # probe backends: NeedFull before anything is written
        self.now, self.settings, self.dry_run = now, settings, dry_run
        self.force, self.rebind, self.on_progress = force, rebind, on_progress
        self.errors: list[str] = []
        self.notes: list[str] = list(state.notes)
        self.executor = Executor(state, backends.tasks, backends.calendar, plan.id,
                                 self.errors, self.notes, on_progress)
        self.puller = Puller(plan, rules, backends, state, now, settings.lookback_days,
                             dry_run, self.errors, self.notes)
        self.window: tuple[datetime, datetime] | None = None
        self.unread: tuple[str, ...] = ()
        self.nothing_read = False

    # -- the steps

    def go(self) -> SyncReport:
        # a dry run's report carries the state as it was (a real run's, as it leaves it)
        before = self.state.record() if self.dry_run else None
        self.state.begin_run(self.now)
        self._check_binding()
        self.puller.remember_urls()
        storage = None if self.dry_run else self.backends.storage
        mark = storage_mark(storage) if storage is not None else None  # before reading
        pulled = self.puller.pull()
        self.unread = tuple(side for side, listed in (("task list", pulled.tasks),
                                                      ("calendar", pulled.blocks))
                            if listed is None and (side == "task list"
                                                   or self.backends.calendar is not None))
        self.nothing_read = pulled.tasks is None and pulled.blocks is None
        self.puller.save_urls()
        self.executor.resolve_journal(pulled.tasks, pulled.blocks)
        activity.phase("Scheduling")
        decision = decide(self.plan, self.rules, Snapshot(
            pulled.tasks, pulled.blocks, pulled.busy, tasks_held=self.puller.held_all),
            self._base(pulled.range), self.now, self.settings)
        self.window = decision.window
        if self.quick and not self.dry_run and rc.writes(decision.actions):
            raise NeedFull  # the full path writes them (a dry run only shows them)
        if decision.stop and not self.force:
            self._stop(decision.stop)
        self._check_room(decision.actions)
        if self.dry_run:
            return self._report(decision.schedule, decision.actions,
                                _planned_counts(decision.actions), before)
        self.state.reserve_block_indexes(decision.allocations)
        counts = self.executor.execute(decision.actions)
        wrote_tasks, wrote_blocks = self.executor.wrote_tasks, self.executor.wrote_blocks
        if storage is not None and (wrote_tasks or wrote_blocks):
            # the embedded storage as our writes left it; both sides are read back
            # after this mark, so what is saved is at least as new (syncer/quick.py)
            mark = storage_mark(storage)
            wrote_tasks = wrote_blocks = True
        self.puller.save_tokens(pulled, wrote_tasks=wrote_tasks, wrote_blocks=wrote_blocks)
        self.puller.save_unsupported()
        if storage is not None:
            record_mark(self.state, storage, mark, read_all=self._read_everything(pulled))
        if self._read_everything(pulled):
            # a schedule made without the calendar's blocks (or the completions)
            # would re-place the next run's plan beyond the window
            self.state.save_planned_blocks(decision.schedule.blocks, self.now)
        report = self._report(decision.schedule, decision.actions, counts)
        activity.phase("Saving the state")
        ended = datetime.now(self.now.tzinfo)
        self.state.prune_journal(ended - timedelta(days=JOURNAL_DAYS))
        self.state.end_run(ended, report.summary())
        return report

    def _read_everything(self, pulled: Pulled) -> bool:
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
        elif self.rebind and self.state.links("task"):
            # the same target: the tasks start afresh (e.g. their project is archived);
            # visible ones are adopted again by their marker, so nothing is duplicated
            self.state.delete_links("task")
            self.state.clear_tokens()
            self.puller.forget_held()
            self.notes.append("--rebind: goalsync's tasks start afresh where the config "
                              "points; tasks it can no longer see were left as they were")
        if saved != binding:
            self.state.set_meta("binding", binding)

    def _check_plan_id(self) -> None:
        """Remote objects carry the plan id (the file name unless the plan sets `id:`);
        syncing another id from the same state would start a second set of objects."""
        saved = self.state.meta("plan_id")
        if saved is not None and saved != self.plan.id and self.state.links():
            if not self.rebind:
                raise another_plans_state(
                    self.state.path.parent if self.state.path else "memory", saved,
                    self.plan)
            self.state.delete_links()
            self.state.clear_tokens()
            self.notes.append(f"started over for plan id `{self.plan.id}`; the objects of "
                              f"`{saved}` were left as they were")
        if saved != self.plan.id:
            self.state.set_meta("plan_id", self.plan.id)

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
            retry_uids=self.state.failed_block_creates(),
            review_notes=self.state.meta(REVIEW_NOTES_META))

    # -- guards

    def _check_room(self, actions: Sequence[rc.Action]) -> None:
        """Before anything is written: the task writes must fit the account's limits
        (Todoist's plan caps); else stop with the cap and the choices (exit 4)."""
        changes = [a.change for a in actions if isinstance(a, rc.PushTask)]
        try:
            reason = self.backends.tasks.room(changes) if changes else None
        except BackendError as error:
            self.errors.append(f"tasks: could not check the account's limits: {error}")
            return
        if reason is None:
            return
        if self.dry_run:
            self.notes.append(f"`goalsync sync` would stop here: {reason}")
            return
        raise AccountLimit(f"{reason}; nothing was changed",
                           hint="see “Plans, caps and what goalsync does about them” "
                                "in docs/todoist.md")

    def _stop(self, message: str) -> None:
        hint = ("check the plan (and the config's targets); if the deletions are intended, "
                "run again with --force")
        if self.dry_run:
            self.notes.append(f"`goalsync sync` would stop here: {message} ({hint})")
            return
        raise SafetyStop(f"{message}; nothing was changed", hint=hint)

    # -- report

    def _report(self, schedule: Schedule, actions: Sequence[rc.Action],
                counts: Mapping[str, int], before: Record | None = None) -> SyncReport:
        pins = completed = 0
        completions = dict(self.state.completions())
        for action in actions:
            match action:
                case rc.Pin():
                    pins += 1
                case rc.UpdateBlock(pinned=True, fields=fields) if "start" not in fields:
                    pins += 1  # a pinned block's title or notes refreshed
                case rc.RecordCompletion(key=key, completed_at=at):
                    completed += 1
                    completions[key] = at
        return SyncReport(
            plan=self.plan, schedule=schedule, actions=tuple(actions),
            created=counts["created"], updated=counts["updated"],
            deleted=counts["deleted"], pinned=pins, completed=completed,
            unscheduled=schedule.unscheduled, errors=tuple(self.errors),
            completions=completions,
            dry_run=self.dry_run, notes=tuple(self.notes), window=self.window,
            record=before if before is not None else self.state.record(),
            refused=self.executor.refused, unread=self.unread,
            nothing_read=self.nothing_read,
        )


# ---------------------------------------------------------------------- helpers








def _planned_counts(actions: Sequence[rc.Action]) -> dict[str, int]:
    counts = dict.fromkeys(COUNTED.values(), 0)
    for action in rc.writes(actions):
        counts[COUNTED[action.op]] += 1
    return counts
















def state_path(config: Config) -> Path:
    """Where the state database lives for ``config``."""
    return default_state_dir(config.state_dir) / STATE_FILE


def another_plans_state(folder: object, saved: str, plan: Plan,
                        reading: bool = False) -> SafetyStop:
    """The stop for a state (in ``folder``) that holds another plan id's objects: for a
    sync, or (``reading``) for a command that shows the state's history."""
    why = ("its history is that plan's, not this one's" if reading else
           "syncing it would create a second set of tasks and blocks")
    return SafetyStop(
        f"the state in {folder} belongs to plan id `{saved}`, but {plan.path} has plan id "
        f"`{plan.id}` (its file name); {why}",
        hint=f"add `id: {saved}` at the top of the plan to keep its objects, use another "
             "GOALSYNC_STATE_DIR for a second plan, or run with --rebind to start over")


def recorded(config: Config, plan: Plan | None = None) -> Record:
    """The state's history without contacting any server (``status --offline``).
    With ``plan``, a state holding another plan id's objects is refused as a sync
    refuses it (SafetyStop), so no other plan's history is shown as this one's."""
    path = state_path(config)
    with State.open(path, readonly=True) as state:
        saved = state.meta("plan_id")
        if plan is not None and saved is not None and saved != plan.id:
            raise another_plans_state(path.parent, saved, plan, reading=True)
        return state.record()


def save_review(config: Config, write: Callable[[State], None], notes: str) -> None:
    """Record a review's answers (``write``) and the prompts the review task shows."""
    with State.open(state_path(config)) as state:
        write(state)
        state.set_meta(REVIEW_NOTES_META, notes)


__all__ = ["Backends", "SyncReport", "SyncSettings", "open_backends", "run", "sync",
           "sync_settings", "recorded", "save_review", "state_path"]
