"""The decision of one sync, as a pure function: ``decide(plan, rules, snapshot, base,
now) -> Decision``.

The engine pulls (``Snapshot``: this plan's objects on the servers, busy time) and reads
the state (``Base``: what was pushed, completions, the last schedule, block UID
counters), then calls ``decide``; a dry run stops there, a sync executes
``Decision.actions``. Everything the sync would do, and why, is in the Decision: the
schedule, the actions, the block UIDs it hands out (``allocations``, committed to the
state before any of them is used), and the delete guard's verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncer.core import reconcile as rc
from syncer.core.desired import blocks_needing_uids, desired_blocks, desired_tasks, plan_keys
from syncer.core.identity import REVIEW_KEY, block_index, block_uid
from syncer.core.model import Block, BusyTime, Interval, Plan, Schedule
from syncer.core.rules import Rules
from syncer.core.values import CreateTask, RemoteBlock, RemoteTask, TaskSpec


@dataclass(frozen=True)
class Snapshot:
    """What the servers hold of this plan now; None for a listing that failed (it
    concludes nothing: no deletion, no completion is read from it)."""

    tasks: Sequence[RemoteTask] | None
    blocks: Sequence[RemoteBlock] | None  # None too when there is no calendar
    busy: BusyTime = field(default_factory=BusyTime)
    tasks_held: bool = False  # the plan's whole task container is archived: create nothing


@dataclass(frozen=True)
class Base:
    """What the state remembers of this plan."""

    tasks: Mapping[str, rc.BaseTask] = field(default_factory=dict)
    blocks: Mapping[str, rc.BaseBlock] = field(default_factory=dict)  # listed range only
    block_links: Sequence[tuple[str, str, bool]] = ()  # (key, uid, pinned), every block
    owned_keys: frozenset[str] = frozenset()  # keys of links the user did not delete
    completions: Mapping[str, datetime] = field(default_factory=dict)
    planned: Sequence[Block] = ()  # the last saved schedule
    next_index: Mapping[str, int] = field(default_factory=dict)  # block UID counters
    retry_uids: Mapping[str, Sequence[str]] = field(default_factory=dict)  # failed creates
    review_notes: str | None = None  # the last review's prompts, for the review task


@dataclass(frozen=True)
class Settings:
    """A sync's window and guard settings (the config's values over rules/sync.toml)."""

    window_days: int = 14
    max_delete_share: float = 0.25
    lookback_days: int = 28  # how far back the calendar is read (the pull's concern)
    # steps get a task once their work starts within this many days (at least the
    # window); None: every open step has a task (see ``current_tasks``)
    task_ahead_days: int | None = None


@dataclass(frozen=True)
class Decision:
    schedule: Schedule
    actions: tuple[rc.Action, ...]
    window: tuple[datetime, datetime]
    allocations: Mapping[str, int] = field(default_factory=dict)  # key -> next free index
    stop: str | None = None  # why the delete guard would stop this sync


def decide(plan: Plan, rules: Rules, snapshot: Snapshot, base: Base,
           now: datetime, settings: Settings = Settings()) -> Decision:
    """Schedule around busy time and what is on the calendar, then diff the desired
    state against the snapshot and the base (see the module doc)."""
    from syncer.core.review import review_blocks
    from syncer.core.schedule import schedule as make_schedule

    remote_tasks = occurrences_only(plan, snapshot.tasks)
    done = done_keys(plan, remote_tasks, replace(base, completions={
        k: v for k, v in base.completions.items() if k not in recurring_keys(plan)}))
    known = plan_keys(plan)
    existing = [b for b in rc.existing_blocks(snapshot.blocks or (), base.blocks)
                if b.step in known]
    reviews: tuple[Block, ...] = ()
    if snapshot.blocks is not None:
        reviews = review_blocks(plan, rules.review, now, existing)
    existing = [b for b in existing if b.step != REVIEW_KEY]
    existing += [b for b in base.planned  # the plan beyond the window stays put
                 if b.uid is None and b.start >= now and b.step in known
                 and b.step not in done and b.step != REVIEW_KEY]
    busy = replace(snapshot.busy, intervals=snapshot.busy.intervals + tuple(
        Interval(b.start, b.end) for b in reviews if b.end > now))
    # the weekly review is goal work on the same calendar: it counts in the budget
    review_minutes = rules.review.duration_minutes if snapshot.blocks is not None else 0
    schedule = make_schedule(plan, rules.scheduling, now=now, busy=busy, existing=existing,
                             done=done, review_minutes=review_minutes)
    schedule = replace(schedule, blocks=schedule.blocks + reviews)
    window_end = now + timedelta(days=settings.window_days)
    specs = []
    allocations: dict[str, int] = {}
    if snapshot.blocks is not None:
        uids, allocations = _allocate_uids(plan, schedule, now, window_end, snapshot.blocks,
                                           base)
        specs = desired_blocks(plan, schedule, now, window_end, uids)
        schedule = replace(schedule, blocks=tuple(
            replace(b, uid=uids.get((b.step, b.start))) if b.uid is None else b
            for b in schedule.blocks))
    tasks = desired_tasks(plan, schedule, now, rules.review, base.review_notes)
    if settings.task_ahead_days is not None:
        # whole days in the plan's zone: reruns on one day agree on what is current
        zone = ZoneInfo(plan.timezone)
        last = (now.astimezone(zone) + timedelta(
            days=max(settings.task_ahead_days, settings.window_days))).date()
        ahead = datetime.combine(last + timedelta(days=1), time(), zone)
        counts = {m.key: len(m.steps) for goal in plan.goals for m in goal.milestones}
        tasks = current_tasks(tasks, schedule, ahead, {t.key for t in remote_tasks or ()}
                              | set(base.tasks), counts)
    actions = rc.reconcile(
        tasks, remote_tasks, base.tasks, specs, snapshot.blocks, base.blocks,
        rules.sync, now=now, known_keys=known, done_keys=done,
        completed=base.completions)
    actions = _hold(actions, remote_tasks, snapshot.tasks_held)
    return Decision(schedule, tuple(actions), (now, window_end), allocations,
                    guard(plan, actions, snapshot, base, settings.max_delete_share))


def current_tasks(tasks: Sequence[TaskSpec], schedule: Schedule, ahead: datetime,
                  existing: set[str], plan_steps: Mapping[str, int] | None = None,
                  ) -> list[TaskSpec]:
    """The tasks a to-do app holds when it holds what to act on, not the backlog:
    * a step once its scheduled work starts before ``ahead`` (a step without booked
      work, once its due date is before then);
    * a milestone while it is the next open one of its goal (the earliest due not yet
      reached, with or without steps), has a current step (its subtasks), or is due
      before ``ahead``: the person sees each goal's next deadline;
    * every habit and the review, and every task that exists already (it stays, kept
      up to date, until done).
    Later steps and milestones get their task as their time comes; the plan, status
    and report still show them all."""
    starts: dict[str, datetime] = {}
    for block in schedule.blocks:
        if block.step not in starts or block.start < starts[block.step]:
            starts[block.step] = block.start
    last_day = (ahead - timedelta(microseconds=1)).date()

    def due_soon(spec: TaskSpec) -> bool:
        due = _due_day(spec)
        return due is not None and due <= last_day

    def step_now(spec: TaskSpec) -> bool:
        start = starts.get(spec.key)
        return start < ahead if start is not None else due_soon(spec)

    steps = [t for t in tasks if t.kind == "step"]
    current = {t.key for t in steps if t.key in existing or step_now(t)}
    needed = {t.parent_key for t in steps if t.key in current}
    next_of_goal = _next_milestones(tasks, plan_steps or {})

    def keep(spec: TaskSpec) -> bool:
        if spec.key in existing or spec.key in current:
            return True
        if spec.kind == "step":
            return False
        if spec.kind == "milestone":
            return (spec.key in needed or next_of_goal.get(spec.goal_id) == spec.key
                    or due_soon(spec))
        return True

    return [spec for spec in tasks if keep(spec)]


def _next_milestones(tasks: Sequence[TaskSpec], plan_steps: Mapping[str, int]
                     ) -> dict[str | None, str]:
    """Each goal's next open milestone: the earliest due (plan order among equals) of
    those with open steps or with no steps at all (a checkpoint); ``plan_steps`` counts
    each milestone's steps in the plan, done ones included."""
    open_steps = {t.parent_key for t in tasks if t.kind == "step"}
    best: dict[str | None, tuple[date, int, str]] = {}
    for order, spec in enumerate(tasks):
        if spec.kind != "milestone":
            continue
        if spec.key not in open_steps and plan_steps.get(spec.key, 0):
            continue  # every step done: the milestone is reached
        rank = (_due_day(spec) or date.max, order, spec.key)
        if spec.goal_id not in best or rank < best[spec.goal_id]:
            best[spec.goal_id] = rank
    return {goal: rank[2] for goal, rank in best.items()}


def _due_day(spec: TaskSpec) -> date | None:
    """The day a task is due by: its deadline, else its due date (a due time's day)."""
    if spec.deadline is not None:
        return spec.deadline
    if isinstance(spec.due, datetime):
        return spec.due.date()
    return spec.due


def _hold(actions: list[rc.Action], remote: Sequence[RemoteTask] | None,
          everything: bool) -> list[rc.Action]:
    """No task is created in a container the user archived: for the held goals (their
    tasks are held), or at all when the plan's whole container is archived."""
    goals = {t.key.split("/", 1)[0] for t in remote or () if t.held}
    if not goals and not everything:
        return actions
    return [a for a in actions if not (
        isinstance(a, rc.PushTask) and isinstance(a.change, CreateTask)
        and (everything or a.change.spec.goal_id in goals))]


def recurring_keys(plan: Plan) -> frozenset[str]:
    """Keys of the plan's recurring tasks: its habits and the weekly review."""
    return frozenset(h.key for h in plan.habits()) | {REVIEW_KEY}


def occurrences_only(plan: Plan, remote: Sequence[RemoteTask] | None,
                     ) -> list[RemoteTask] | None:
    """The remote tasks with every recurring one open: ticking a habit (or the review)
    in an app completes one occurrence, never the habit. Apps record that differently
    (advance DUE and stay open; a COMPLETED override; the master marked COMPLETED),
    and a recorded completion would release every future block of the habit. A
    completion recorded before (by an older goalsync) is reopened by reconcile."""
    if remote is None:
        return None
    recurring = recurring_keys(plan)
    return [replace(t, completed=False, completed_at=None)
            if t.key in recurring and t.completed else t for t in remote]


def done_keys(plan: Plan, remote: Sequence[RemoteTask] | None, base: Base) -> set[str]:
    """Steps done in the plan, completed in the app (or recorded so and not reopened),
    or whose task the user deleted."""
    done = {s.key for s in plan.steps() if s.done}
    if remote is None:
        return done | set(base.completions)
    open_keys = {t.key for t in remote if not t.completed}
    done |= {t.key for t in remote if t.completed}
    done |= {k for k in base.completions if k not in open_keys}
    present = {t.key for t in remote}
    done |= {k for k, b in base.tasks.items() if b.gone or k not in present}  # user deleted
    return done


def guard(plan: Plan, actions: Sequence[rc.Action], snapshot: Snapshot, base: Base,
          max_delete_share: float) -> str | None:
    """Why this sync must not go ahead without ``--force``, or None.

    The plan's objects are those on record or on the servers, so a run with no state
    yet (or a lost one) is protected as well as one with links."""
    deletes = rc.guarded_deletes(actions)
    if not deletes:
        return None
    if not any(True for _ in plan.steps()) and not any(True for _ in plan.habits()):
        return (f"the plan has no steps any more, so this sync would delete "
                f"{len(deletes)} of goalsync's objects")
    listed = {t.key for t in snapshot.tasks or ()} | {b.key for b in snapshot.blocks or ()}
    owned = len(base.owned_keys | (listed - {""}))
    return rc.delete_guard(actions, owned, max_delete_share)


def _allocate_uids(plan: Plan, schedule: Schedule, now: datetime, window_end: datetime,
                   remote: Sequence[RemoteBlock], base: Base,
                   ) -> tuple[dict[tuple[str, datetime], str], dict[str, int]]:
    """A UID per new in-window block: a dropped future block of the same key is moved
    rather than deleted and re-created; else the UID of a create of that key that failed
    (the server never took it), so a refused block is tried under one UID; else a fresh
    index, never handed out before.
    Returns the UIDs and the counters to commit before any of them is used."""
    seen: dict[str, int] = {}
    for key, uid in [(b.key, b.uid) for b in remote] + [(k, u) for k, u, _ in
                                                         base.block_links]:
        index = block_index(uid)
        if index is not None:
            seen[key] = max(seen.get(key, -1), index)
    kept = {b.uid for b in schedule.blocks if b.uid is not None}
    pinned = {uid for _, uid, is_pinned in base.block_links if is_pinned}
    reusable: dict[str, list[str]] = {}
    for found in sorted(remote, key=lambda b: (b.start, b.uid)):
        if found.uid not in kept and found.uid not in pinned and found.start >= now:
            reusable.setdefault(found.key, []).append(found.uid)
    uids: dict[tuple[str, datetime], str] = {}
    counters = dict(base.next_index)
    allocations: dict[str, int] = {}
    taken = {b.uid for b in remote} | {uid for _, uid, _ in base.block_links}
    retry = {key: [u for u in found if u not in taken] for key, found in
             base.retry_uids.items()}
    for block in blocks_needing_uids(schedule, now, window_end):
        if reusable.get(block.step):
            uids[(block.step, block.start)] = reusable[block.step].pop(0)
            continue
        if retry.get(block.step):  # a block keeps its UID across failed attempts
            uids[(block.step, block.start)] = retry[block.step].pop(0)
            continue
        index = max(seen.get(block.step, -1) + 1, counters.get(block.step, 0))
        counters[block.step] = allocations[block.step] = index + 1
        uids[(block.step, block.start)] = block_uid(block.step, index, plan.id)
    return uids, allocations
