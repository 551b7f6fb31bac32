"""Hypothesis: random user edits, plan edits, time passing, lost state, failing writes
(before or after the server applied them) and runs killed right after a write never
duplicate an object, and once the faults stop, the sync converges: the next run writes
nothing."""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.backends.base import Unreachable
from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.core import reconcile as rc
from syncer.engine import Backends, SyncReport, run
from syncer.errors import SafetyStop
from syncer.policy import load_rules
from tests.unit.sync_plans import NOW, make_plan, step, without_step

RULES = load_rules()


class Killed(BaseException):
    """Stands in for SIGKILL: nothing in the engine catches it, nothing after the
    write is recorded (open transactions roll back, as a killed process's do)."""


@dataclass
class FlakyCalendar(MemoryCalendarBackend):
    """Fails the next ``fail`` writes; ``after`` ones are applied first (the answer was
    lost), the others never reach the server. ``kill`` > 0 kills the run right after
    that many more writes were applied."""

    fail: int = 0
    after: bool = False
    kill: int = 0

    def _flaky(self, call: Any, *args: Any) -> Any:
        if self.kill > 0:
            self.kill -= 1
            if self.kill == 0:
                call(*args)
                raise Killed
        if self.fail <= 0:
            return call(*args)
        self.fail -= 1
        if self.after:
            call(*args)
        raise Unreachable("connection dropped")

    def create(self, spec: Any) -> str:
        return self._flaky(super().create, spec)  # type: ignore[no-any-return]

    def update(self, spec: Any, etag: str | None) -> str:
        return self._flaky(super().update, spec, etag)  # type: ignore[no-any-return]

    def delete(self, uid: str, etag: str | None) -> None:
        self._flaky(super().delete, uid, etag)


@dataclass
class FlakyTasks(MemoryTaskBackend):
    fail: int = 0
    after: bool = False
    kill: bool = False

    def apply(self, changes: Any) -> Any:
        if self.kill:
            self.kill = False
            super().apply(changes)
            raise Killed
        if self.fail <= 0:
            return super().apply(changes)
        self.fail -= 1
        if self.after:
            super().apply(changes)
        raise Unreachable("connection dropped")


@dataclass
class World:
    state_dir: Path
    tasks: FlakyTasks = field(default_factory=FlakyTasks)
    calendar: FlakyCalendar = field(default_factory=FlakyCalendar)
    plan: Any = field(default_factory=make_plan)
    now: Any = NOW

    def sync(self) -> SyncReport | None:
        try:
            return run(self.plan, RULES, Backends(self.tasks, self.calendar, "memory"),
                       self.state_dir, now=self.now, force=True)
        except (SafetyStop, Killed):
            return None

    def check_no_duplicates(self) -> None:
        keys = Counter(t.key for t in self.tasks.tasks.values())
        assert all(n == 1 for n in keys.values()), keys
        spans = Counter((s.key, s.start) for s, _ in self.calendar.blocks.values())
        assert all(n == 1 for n in spans.values()), spans


OPS = st.one_of(
    st.tuples(st.just("sync")),
    st.tuples(st.just("fail_blocks"), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("fail_tasks"), st.booleans()),
    st.tuples(st.just("complete"), st.integers(0, 10)),
    st.tuples(st.just("rename"), st.integers(0, 10)),
    st.tuples(st.just("move"), st.integers(0, 10)),
    st.tuples(st.just("plan_edit"), st.sampled_from(["retitle", "estimate", "drop", "add"])),
    st.tuples(st.just("advance"), st.integers(1, 30)),
    st.tuples(st.just("lose_state")),
    st.tuples(st.just("kill_blocks"), st.integers(1, 6)),
    st.tuples(st.just("kill_tasks")),
)


def apply_op(world: World, op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "sync":
        world.sync()
        world.check_no_duplicates()
    elif kind == "fail_blocks":
        world.calendar.fail, world.calendar.after = op[1], op[2]
    elif kind == "fail_tasks":
        world.tasks.fail, world.tasks.after = 1, op[1]
    elif kind == "complete":
        open_ = sorted((t for t in world.tasks.tasks.values()
                        if not t.completed and t.kind == "step"), key=lambda t: t.key)
        if open_:
            world.tasks.complete(open_[op[1] % len(open_)].remote_id,
                                 world.now - timedelta(minutes=1))
    elif kind == "rename":
        tasks = sorted(world.tasks.tasks.values(), key=lambda t: t.key)
        if tasks:
            task = tasks[op[1] % len(tasks)]
            world.tasks.edit(task.remote_id, title=task.title + " (mine)")
    elif kind == "move":
        uids = sorted(world.calendar.blocks)
        if uids:
            uid = uids[op[1] % len(uids)]
            spec, _ = world.calendar.blocks[uid]
            taken = {(s.key, s.start) for s, _ in world.calendar.blocks.values()}
            # a person does not stack a block on another block of the same step (that
            # duplicate would be theirs, not goalsync's)
            if (spec.key, spec.start + timedelta(days=1)) not in taken:
                world.calendar.move(uid, spec.start + timedelta(days=1),
                                    spec.end + timedelta(days=1))
    elif kind == "plan_edit":
        world.plan = edit_plan(world.plan, op[1])
    elif kind == "advance":
        world.now = world.now + timedelta(hours=op[1])
    elif kind == "kill_blocks":
        world.calendar.kill = op[1]
    elif kind == "kill_tasks":
        world.tasks.kill = True
    elif kind == "lose_state":
        for name in ("state.sqlite", "state.sqlite-wal", "state.sqlite-shm"):
            (world.state_dir / name).unlink(missing_ok=True)


def edit_plan(plan: Any, how: str) -> Any:
    goal = plan.goals[0]
    milestone = goal.milestones[0]
    steps = milestone.steps
    if how == "drop" and len(steps) > 1:
        return without_step(plan, steps[-1].id)
    if how == "add":
        new = step(f"extra-{len(steps)}", f"Extra step {len(steps)}", 90)
        steps = (*steps, new)
    elif how == "retitle":
        steps = (replace(steps[0], title=steps[0].title + " v2"), *steps[1:])
    elif how == "estimate":
        steps = (replace(steps[0], estimate_minutes=(steps[0].estimate_minutes or 60) + 60),
                 *steps[1:])
    milestone = replace(milestone, steps=steps)
    return replace(plan, goals=(replace(goal, milestones=(milestone,)),))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(OPS, min_size=1, max_size=12))
def test_faults_never_duplicate_and_the_sync_converges(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        world = World(Path(folder))
        for op in ops:
            apply_op(world, op)
        world.tasks.fail = world.calendar.fail = world.calendar.kill = 0
        world.tasks.kill = False
        first = world.sync()
        assert first is not None and first.ok, first and first.errors
        world.check_no_duplicates()
        again = world.sync()
        assert again is not None
        assert rc.writes(again.actions) == [], again.actions
        assert again.actions == (), again.actions
