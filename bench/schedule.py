"""Benchmark the scheduler: speed, peak memory and schedule quality.

Run: ``.venv/bin/python bench/schedule.py``

Prints, for 250/500/1000/2000 steps over a 12-week horizon with 500 busy events:
seconds for one ``schedule()`` call and its peak memory (tracemalloc, separate run).
Then schedule quality: how many steps finish by their deadline on a feasible instance
and on an overloaded one (work = 2.7 × the free capacity before the horizon), for
goalsync (EDF + Moore-Hodgson repair) and for plain earliest-deadline-first (every
step placed as early as possible in deadline order, late or not).
Instances are generated from a fixed seed, so figures are comparable between runs.

Churn (also alone: ``.venv/bin/python bench/schedule.py churn``): the real engine with
in-memory backends on examples/career.yaml and examples/large.yaml. A day after a sync,
how many window blocks the preview (``goalsync schedule``) shows differently from what
the next sync books (and over the whole horizon on a career.yaml variant with goal
budgets and hour sets); then, per change type (one or two days pass with nothing done,
one estimate +30 min, a new one-hour meeting in and beyond the calendar window, the
weekly budget one hour smaller, one step completed), the blocks moved / added / removed
over the whole horizon against a lower bound of what must change, for this sync
(= the preview), main's sync (no blocks moved to make room, no re-plan when keeping
the plan costs a step) and main's from-scratch preview.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend  # noqa: E402
from syncer.core.model import (  # noqa: E402
    Block,
    BusyTime,
    Goal,
    Interval,
    Milestone,
    Plan,
    Schedule,
    Step,
)
from syncer.core.rules import Rules  # noqa: E402
from syncer.core.schedule import SchedulingRules, _Planner, schedule  # noqa: E402
from syncer.engine import Backends, run  # noqa: E402
from syncer.planfile import load_plan  # noqa: E402
from syncer.policy import load_rules  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=ZONE)
HORIZON = NOW + timedelta(weeks=12)
# A roomy week (12h windows every day) so that 2000 steps still fit in 12 weeks next to
# 500 busy events; the shipped rules give about 240 bookable hours at most.
RULES = SchedulingRules.from_mapping({
    "windows": {day: ["08:00-20:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                 "sun")},
    "daily_cap": "12h", "min_block": "15m", "max_block": "2h", "buffer": "5m",
    "align": "5m"})


def busy_events(rng: random.Random, count: int = 500) -> BusyTime:
    """``count`` meetings of 30-120 minutes on weekdays, mostly in working hours."""
    zones = [ZONE, ZoneInfo("America/New_York"), ZoneInfo("UTC")]
    events = []
    for _ in range(count):
        day = NOW.date() + timedelta(days=rng.randrange(84))
        start = datetime(day.year, day.month, day.day, rng.randrange(7, 21),
                         rng.choice((0, 15, 30, 45)), tzinfo=ZONE)
        start = start.astimezone(rng.choice(zones))
        events.append(Interval(start, start + timedelta(minutes=rng.choice((30, 45, 60, 90,
                                                                              120)))))
    return BusyTime(tuple(events))


def free_capacity(busy: BusyTime) -> int:
    """Bookable minutes before the horizon (windows − busy, daily cap)."""
    planner = _Planner(Plan("p", "Europe/Berlin", ()), RULES, NOW, busy, (), (), HORIZON)
    return planner.calendar.capacity(planner.start, planner.horizon)


def make_plan(rng: random.Random, count: int, capacity: int, load: float,
              feasible: bool, prioritised: bool = False) -> Plan:
    """``count`` steps in 10 goals, work = ``load`` × capacity, a fifth of them chained
    to the step before. Feasible: deadlines leave 50 % slack over the cumulative work;
    otherwise deadlines are uniform over the horizon. Priorities 1-4 when
    ``prioritised``, else all equal."""
    weights = [rng.uniform(0.3, 1.7) for _ in range(count)]
    scale = load * capacity / sum(weights)
    estimates = [max(5, round(w * scale / 5) * 5) for w in weights]
    days = 84
    dues: list[date] = []
    if feasible:
        done = 0
        for estimate in estimates:
            done += estimate
            share = min(1.0, 1.5 * done / capacity)
            dues.append(NOW.date() + timedelta(days=max(1, round(share * (days - 1)))))
    else:
        dues = [NOW.date() + timedelta(days=rng.randrange(1, days)) for _ in range(count)]
    goals = []
    per_goal = -(-count // 10)
    for g in range(10):
        steps = []
        for i in range(g * per_goal, min(count, (g + 1) * per_goal)):
            chained = i > g * per_goal and rng.random() < 0.2 and (
                not feasible or dues[i - 1] <= dues[i])
            after = (f"g{g}/m/s{i - 1}",) if chained and dues[i - 1] <= dues[i] else ()
            steps.append(Step(f"g{g}/m/s{i}", f"s{i}", f"Step {i}", f"g{g}", "m",
                              estimate_minutes=estimates[i], due=dues[i], after=after))
        goals.append(Goal(f"g{g}", f"g{g}", f"Goal {g}",
                          priority=1 + g % 4 if prioritised else 2,
                          milestones=(Milestone(f"g{g}/m", "m", "M", f"g{g}",
                                                steps=tuple(steps)),)))
    return Plan("bench.yaml", "Europe/Berlin", tuple(goals))


def on_time(plan: Plan, result: Schedule) -> int:
    """Steps whose blocks add up to the estimate and all end by the deadline."""
    minutes: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for block in result.blocks:
        minutes[block.step] = minutes.get(block.step, 0) + block.minutes
        last[block.step] = max(last.get(block.step, block.end), block.end)
    count = 0
    for step in plan.steps():
        due = step.due
        if due is None or minutes.get(step.key, 0) != step.estimate_minutes:
            continue
        deadline = datetime(due.year, due.month, due.day, tzinfo=ZONE) + timedelta(days=1)
        count += last[step.key] <= deadline
    return count


def by_priority(plan: Plan, result: Schedule) -> str:
    """``P1 a/b, P2 ...``: steps on time out of all steps, per goal priority."""
    parts = []
    for priority in range(1, 5):
        goals = tuple(g for g in plan.goals if g.priority == priority)
        sub = Plan(plan.path, plan.timezone, goals)
        total = sum(1 for _ in sub.steps())
        parts.append(f"P{priority} {on_time(sub, result)}/{total}")
    return ", ".join(parts)


def plain_edf(plan: Plan, busy: BusyTime) -> Schedule:
    return _Planner(plan, RULES, NOW, busy, (), (), HORIZON, plain_edf=True).run()


def timed(plan: Plan, busy: BusyTime, rules: SchedulingRules = RULES,
          ) -> tuple[float, float, Schedule]:
    seconds = float("inf")
    for _ in range(3):  # best of three: the machine may be busy with other work
        start = time.perf_counter()
        result = schedule(plan, rules, now=NOW, busy=busy, horizon_end=HORIZON)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    schedule(plan, rules, now=NOW, busy=busy, horizon_end=HORIZON)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, result


def main() -> None:
    rng = random.Random(20261123)
    busy = busy_events(rng)
    capacity = free_capacity(busy)
    print(f"12-week horizon, {len(busy.intervals)} busy events, "
          f"{capacity / 60:.0f}h bookable (08:00-20:00 daily minus busy)\n")
    timed(make_plan(random.Random(1), 50, capacity, 0.5, feasible=True), busy)  # warm-up
    print("speed (feasible instances, work = 0.5 × capacity)")
    print(f"{'steps':>6} {'seconds':>8} {'peak MiB':>9} {'blocks':>7} {'unscheduled':>12}")
    for count in (250, 500, 1000, 2000):
        plan = make_plan(random.Random(count), count, capacity, 0.5, feasible=True)
        seconds, peak, result = timed(plan, busy)
        print(f"{count:>6} {seconds:>8.3f} {peak:>9.1f} {len(result.blocks):>7} "
              f"{len(result.unscheduled):>12}")
    plan = make_plan(random.Random(3), 1000, capacity, 0.5, feasible=True)
    seconds, peak, result = timed(plan, busy, SchedulingRules())
    print(f"  the same 1000 steps with the shipped rules (evening and weekend goal hours): "
          f"{seconds:.3f} s, {peak:.1f} MiB, {len(result.unscheduled)} unscheduled")
    print("\nsteps that meet their deadline (goalsync = EDF + Moore-Hodgson repair)")
    print(f"{'instance':<28} {'steps':>6} {'goalsync':>9} {'plain EDF':>10} {'seconds':>8}")
    for label, count, load, feasible, prioritised in (
            ("feasible (0.5× capacity)", 500, 0.5, True, False),
            ("feasible (0.5× capacity)", 1000, 0.5, True, False),
            ("overloaded (2.7× capacity)", 500, 2.7, False, False),
            ("overloaded (2.7× capacity)", 1000, 2.7, False, False),
            ("overloaded, priorities 1-4", 500, 2.7, False, True)):
        plan = make_plan(random.Random(count + 7), count, capacity, load, feasible,
                         prioritised)
        seconds, _, result = timed(plan, busy)
        baseline = plain_edf(plan, busy)
        print(f"{label:<28} {count:>6} {on_time(plan, result):>9} "
              f"{on_time(plan, baseline):>10} {seconds:>8.3f}")
        if prioritised:
            print(f"{'':<28} on time by priority: {by_priority(plan, result)}")


# ------------------------------------------------------------------------- churn
# How many blocks a sync moves when little changed, over the whole horizon (the
# calendar's window and the plan the state keeps beyond it), for the real engine with
# in-memory backends on the example plans. Baseline: main's `goalsync schedule`
# preview, which planned from scratch each time (given the same busy time and
# completions, which it could not even see).

CHURN_NOW = datetime(2026, 11, 23, 7, 30, tzinfo=ZONE)  # a Monday, before work


@dataclass(frozen=True)
class Churn:
    moved: int
    added: int
    removed: int
    kept: int

    def __str__(self) -> str:
        return f"{self.moved:>4} {self.added:>4} {self.removed:>4}"


def churn(before: Sequence[Block], after: Sequence[Block], since: datetime) -> Churn:
    """Blocks of each step that ended after ``since``: unchanged ones are kept; an old
    and a new block of the same step that differ make one move; the rest are added or
    removed."""
    def bag(blocks: Sequence[Block]) -> Counter[tuple[str, datetime, datetime]]:
        return Counter((b.step, b.start.astimezone(UTC), b.end.astimezone(UTC))
                       for b in blocks if b.end > since)

    old, new = bag(before), bag(after)
    gone, came = old - new, new - old
    moved = added = removed = 0
    for step in {k[0] for k in gone} | {k[0] for k in came}:
        r = sum(n for k, n in gone.items() if k[0] == step)
        a = sum(n for k, n in came.items() if k[0] == step)
        moved += min(r, a)
        added += a - min(r, a)
        removed += r - min(r, a)
    return Churn(moved, added, removed, sum((old & new).values()))


def _with_estimate(plan: Plan, key: str, extra: int) -> Plan:
    goals = []
    for goal in plan.goals:
        milestones = []
        for milestone in goal.milestones:
            steps = tuple(replace(s, estimate_minutes=(s.estimate_minutes or 0) + extra)
                          if s.key == key else s for s in milestone.steps)
            milestones.append(replace(milestone, steps=steps))
        goals.append(replace(goal, milestones=tuple(milestones)))
    return replace(plan, goals=tuple(goals))


@dataclass
class _World:
    """One person's plan synced with in-memory backends into a throwaway state."""

    plan: Plan
    rules: Rules
    folder: str
    backends: Backends = field(default_factory=lambda: Backends(
        MemoryTaskBackend(), MemoryCalendarBackend(), "memory"))

    def sync(self, now: datetime, plan: Plan | None = None) -> Schedule:
        return run(plan or self.plan, self.rules, self.backends, self.folder,
                   now=now).schedule


Change = Callable[[_World], tuple[datetime, Plan, str | None, int]]


def _scenarios(plan: Plan, rules: Rules, first: Schedule, t0: datetime,
               ) -> Iterator[tuple[str, Callable[[_World], tuple[datetime, Plan, str | None,
                                                                  int]]]]:
    """(label, change): a change applies itself to a synced world and returns the
    moment of the next sync, the plan then, the step completed (or None) and the
    fewest blocks that must change."""
    window_end = t0 + timedelta(days=14)
    starts: dict[str, datetime] = {}
    for b in first.blocks:
        starts.setdefault(b.step, b.start)
    steps = [s.key for s in plan.steps() if s.key in starts]
    later = sorted(steps, key=lambda k: starts[k])
    picks = [later[i * len(later) // 5] for i in range(5)] if later else []
    cap = rules.scheduling.max_block

    step_keys = {s.key for s in plan.steps()}

    def days_pass(days: int) -> Change:
        def change(world: _World) -> tuple[datetime, Plan, str | None, int]:
            t1 = t0 + timedelta(days=days)
            # a missed step block's time must be booked again (habits' sessions are not)
            missed = sum(1 for b in first.blocks if t0 < b.end <= t1 and b.step in step_keys)
            return t1, plan, None, missed
        return change

    yield "a day passes, nothing done", days_pass(1)
    yield "two days pass, nothing done", days_pass(2)

    for key in picks:
        def longer(world: _World, key: str = key) -> tuple[datetime, Plan, str | None, int]:
            return t0 + timedelta(hours=1), _with_estimate(plan, key, 30), None, 1
        yield f"estimate +30m ({key.split('/')[-1]})", longer

    def meeting_at(since: datetime, until: datetime) -> Change:
        def change(world: _World) -> tuple[datetime, Plan, str | None, int]:
            block = next(b for b in first.blocks if since <= b.start < until
                         and b.step in step_keys)
            world.backends.calendar.foreign.append(Interval(block.start, block.start +
                                                            timedelta(hours=1)))
            world.backends.calendar._version += 1  # the calendar's ctag changes
            buffer = timedelta(minutes=rules.scheduling.buffer)
            clash = sum(1 for b in first.blocks if b.start < block.start
                        + timedelta(hours=1) + buffer and b.end + buffer > block.start)
            return t0 + timedelta(hours=1), plan, None, clash
        return change

    yield "a new 1h meeting beyond the window", meeting_at(
        window_end + timedelta(days=14), window_end + timedelta(days=60))

    if plan.weekly_hours is not None:
        def budget(world: _World) -> tuple[datetime, Plan, str | None, int]:
            # every week booked over the smaller budget must lose a block at least
            limit = (plan.weekly_hours or 0) * 60 - 60
            weeks: Counter[date] = Counter()
            for b in first.blocks:
                if b.step in step_keys or b.step in {h.key for h in plan.habits()}:
                    day = b.start.astimezone(ZONE).date()
                    weeks[day - timedelta(days=day.weekday())] += b.minutes
            over = sum(1 for minutes in weeks.values() if minutes > limit)
            return (t0 + timedelta(hours=1),
                    replace(plan, weekly_hours=(plan.weekly_hours or 0) - 1), None, over)
        yield "weekly budget -1h", budget

    def meeting(world: _World) -> tuple[datetime, Plan, str | None, int]:
        inside = [b for b in first.blocks if t0 + timedelta(days=3) <= b.start < window_end]
        block = inside[0]
        world.backends.calendar.foreign.append(Interval(block.start, block.start +
                                                        timedelta(hours=1)))
        world.backends.calendar._version += 1  # the calendar's ctag changes
        buffer = timedelta(minutes=rules.scheduling.buffer)
        clash = sum(1 for b in first.blocks if b.start < block.start + timedelta(hours=1)
                    + buffer and b.end + buffer > block.start)
        return t0 + timedelta(hours=1), plan, None, clash

    yield "a new 1h meeting in the window", meeting

    for key in picks[:3]:
        def done(world: _World, key: str = key) -> tuple[datetime, Plan, str | None, int]:
            task = next(t for t in world.backends.tasks.tasks.values() if t.key == key)
            t1 = t0 + timedelta(hours=1)
            world.backends.tasks.complete(task.remote_id, t1)
            freed = sum(1 for b in first.blocks if b.step == key and b.end > t1)
            return t1, plan, key, freed
        waits = any(key in s.after for s in plan.steps())
        yield (f"step completed ({key.split('/')[-1]}"
               f"{', with dependants' if waits else ''})", done)
    del cap


def churn_table(path: Path) -> None:
    plan = load_plan(path)
    rules = load_rules()
    print(f"\n{path.name}: blocks changed over the whole horizon (moved / added / removed)")
    print(f"{'change':<44} {'minimum':>7}  {'sync = preview':>14}  {'main sync':>14}  "
          f"{'main preview':>14}")
    with tempfile.TemporaryDirectory() as folder:
        world0 = _World(plan, rules, folder)
        first = world0.sync(CHURN_NOW)
    for label, change in _scenarios(plan, rules, first, CHURN_NOW):
        synced, fresh, minimum = _one_change(plan, rules, change)
        with _as_main():
            main_sync, _, _ = _one_change(plan, rules, change)
        print(f"{label[:44]:<44} {minimum:>7}  {synced!s:>14}  {main_sync!s:>14}  {fresh!s:>14}")



def _one_change(plan: Plan, rules: Rules, change: Change) -> tuple[Churn, Churn, int]:
    """Sync, apply ``change``, sync again: churn of the sync and of a fresh preview."""
    with tempfile.TemporaryDirectory() as folder:
        world = _World(plan, rules, folder)
        before = world.sync(CHURN_NOW)
        busy_before = world.backends.calendar.busy(CHURN_NOW, CHURN_NOW + timedelta(
            weeks=104))
        t1, changed, completed, minimum = change(world)
        after = world.sync(t1, changed)
        synced = churn(before.blocks, after.blocks, t1)
        busy = world.backends.calendar.busy(CHURN_NOW, t1 + timedelta(weeks=104))
        done = {completed} if completed else set()
        fresh_before = schedule(plan, rules.scheduling, now=CHURN_NOW, busy=busy_before)
        fresh_after = schedule(changed, rules.scheduling, now=t1, busy=busy, done=done)
        return synced, churn(fresh_before.blocks, fresh_after.blocks, t1), minimum


_NONE = BusyTime()


@contextmanager
def _as_main() -> Iterator[None]:
    """The sync before the stability work: no re-plan when keeping the plan costs a
    step (or a more important one)."""
    import syncer.core.schedule as module

    saved = module.schedule

    def plain(plan: Plan, rules: SchedulingRules, *, now: datetime,
              busy: BusyTime = _NONE, existing: Sequence[Block] = (),
              done: Collection[str] = (), horizon_end: datetime | None = None,
              review_minutes: int = 0) -> Schedule:
        return _Planner(plan, rules, now, busy, existing, done, horizon_end,
                        review_minutes=review_minutes).run()

    module.schedule = plain
    try:
        yield
    finally:
        module.schedule = saved


def preview_vs_sync(path: Path) -> None:
    """A day after a sync: how many blocks of the 14-day window the preview shows
    differently from what the next sync books (main's preview planned from scratch)."""
    from syncer.replay import next_sync_schedule, saved_state

    plan = load_plan(path)
    rules = load_rules()
    t1 = CHURN_NOW + timedelta(days=1)
    window = t1 + timedelta(days=14)
    with tempfile.TemporaryDirectory() as folder:
        world = _World(plan, rules, folder)
        world.sync(CHURN_NOW)
        saved = saved_state(Path(folder), plan, "memory", "memory")
        assert saved is not None
        preview = next_sync_schedule(plan, rules, Path(folder), saved, now=t1)
        busy = world.backends.calendar.busy(t1, window)
        fresh = schedule(plan, rules.scheduling, now=t1, busy=busy)
        synced = world.sync(t1)

    def shown(blocks: Sequence[Block]) -> set[tuple[str, datetime, datetime]]:
        return {(b.step, b.start.astimezone(UTC), b.end.astimezone(UTC)) for b in blocks
                if b.start < window and b.end > t1 and b.step in keys}

    keys = {s.key for s in plan.steps()} | {h.key for h in plan.habits()}

    booked = shown(synced.blocks)
    print(f"{path.name}, a day after a sync: window blocks the preview shows differently "
          f"from the next sync ({len(booked)} blocks): from the state "
          f"{len(shown(preview.blocks) ^ booked)}, main's fresh preview "
          f"{len(shown(fresh.blocks) ^ booked)}")


def _variant(plan: Plan) -> Plan:
    """The career plan with goal budgets and hour sets: PMP work within 8 h a week,
    promotion work in personal hours within 6 h, the study habit in personal hours."""
    goals = []
    for goal in plan.goals:
        if goal.id == "pmp":
            goal = replace(goal, weekly_hours=8, habits=tuple(
                replace(h, hours="personal") for h in goal.habits))
        elif goal.id == "promotion":
            goal = replace(goal, weekly_hours=6, hours="personal")
        goals.append(goal)
    return replace(plan, goals=tuple(goals))


def preview_vs_sync_variant(path: Path) -> None:
    """Preview against the next sync over the whole horizon on a plan with goal budgets,
    hour sets and habits: a day after a sync that saw a completion, and two days after,
    with one estimate 30 minutes longer (the plan file is read by both)."""
    from syncer.replay import next_sync_schedule, saved_state

    plan = _variant(load_plan(path))
    rules = load_rules()

    def whole(result: Schedule, since: datetime) -> set[tuple[str, datetime, datetime]]:
        return {(b.step, b.start.astimezone(UTC), b.end.astimezone(UTC))
                for b in result.blocks if b.end > since and b.step in keys}

    keys = {s.key for s in plan.steps()} | {h.key for h in plan.habits()}
    out = []
    with tempfile.TemporaryDirectory() as folder:
        world = _World(plan, rules, folder)
        first = world.sync(CHURN_NOW)
        key = next(b.step for b in first.blocks if b.step in {s.key for s in plan.steps()})
        task = next(t for t in world.backends.tasks.tasks.values() if t.key == key)
        world.backends.tasks.complete(task.remote_id, CHURN_NOW + timedelta(hours=5))
        world.sync(CHURN_NOW + timedelta(hours=6))
        longer = _with_estimate(plan, next(s.key for s in plan.steps() if not s.done
                                           and s.key != key), 30)
        for days, version in ((1, plan), (2, longer)):
            t = CHURN_NOW + timedelta(days=days)
            saved = saved_state(Path(folder), version, "memory", "memory")
            assert saved is not None
            preview = next_sync_schedule(version, rules, Path(folder), saved, now=t)
            synced = world.sync(t, version)
            booked = whole(synced, t)
            out.append(f"{len(whole(preview, t) ^ booked)} of {len(booked)}")
    print(f"{path.name} with goal budgets and hour sets: blocks over the whole horizon "
          f"the preview shows differently from the next sync: a day after a completion "
          f"{out[0]}, with an estimate +30m {out[1]}")


if __name__ == "__main__":
    if sys.argv[1:] != ["churn"]:
        main()
    print()
    for example in ("career.yaml", "large.yaml"):
        preview_vs_sync(Path(__file__).resolve().parents[1] / "examples" / example)
    preview_vs_sync_variant(Path(__file__).resolve().parents[1] / "examples" / "career.yaml")
    for example in ("career.yaml", "large.yaml"):
        churn_table(Path(__file__).resolve().parents[1] / "examples" / example)
