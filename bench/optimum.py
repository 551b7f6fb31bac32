"""goalsync's schedule against an exact optimum (CP-SAT) on generated instances.

Run: ``.venv/bin/python bench/optimum.py`` (needs OR-Tools, a bench-only dependency that
is not in the test lock: ``.venv/bin/pip install ortools``). ``--quick`` runs fewer and
smaller instances; ``--more`` adds 24 instances of other seeds (24-50 steps);
``--seconds N`` is the time limit of one CP-SAT solve (default 20).

Instances: 2-3 weeks of working windows (weekdays 09:00-12:00 and 13:00-17:00, some
busy events, a daily cap of 6 h, on some instances a weekly budget), steps of 30 min to
5 h in goals of priority P1..P4, chains inside a goal and some prerequisites across
goals (a P1 step may wait for a P4 one). Loads: feasible (every step fits by
construction, with a little slack), 2.7x and 5x the free capacity before the deadlines.

The rules are chosen so that the CP-SAT model is exact for them: every time is on a
30-minute grid (align, estimates, busy events), no buffer, any step may be split into
30-minute pieces (min_block = keep_whole = 30m) and a block may be as long as a window.
A step counts when all of its minutes are booked by its deadline, after all of its
prerequisites' minutes (which must count too). The optimum is lexicographic, as the
scheduler promises: the most P1 steps on time, then with that many the most P2 steps,
and so on. Printed per instance: goalsync's P1 and total on time, the optimum's (with
``*`` when CP-SAT proved it, else its best bound in brackets), the gaps, and ``=`` when
goalsync's counts per level equal the optimum's (else both, P1..P4).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncer.core.model import (  # noqa: E402
    BusyTime,
    Goal,
    Interval,
    Milestone,
    Plan,
    Schedule,
    Step,
)
from syncer.core.schedule import SchedulingRules, schedule  # noqa: E402

ZONE = ZoneInfo("Europe/Berlin")
NOW = datetime(2027, 2, 1, 8, 0, tzinfo=ZONE)  # a Monday; no DST change in 3 weeks
SLOT = 30
WINDOWS = ((9 * 60, 12 * 60), (13 * 60, 17 * 60))
CAP = 6 * 60
RULES = SchedulingRules.from_mapping({
    "windows": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    | {"sat": [], "sun": []},
    "daily_cap": "6h", "min_block": "30m", "keep_whole": "30m", "max_block": "4h",
    "buffer": "0m", "align": "30m"})


@dataclass
class Instance:
    label: str
    plan: Plan
    busy: BusyTime
    weeks: int
    budget: int | None  # minutes a week
    slots: list[tuple[datetime, int, int]]  # (start, day index, week index) of free slots


def make_instance(seed: int, count: int, weeks: int, load: float, feasible: bool,
                  budget_hours: float | None) -> Instance:
    rng = random.Random(seed)
    # busy events: 30-90 min meetings on the grid
    busy_slots: set[datetime] = set()
    events = []
    for _ in range(weeks * 6):
        day = NOW.date() + timedelta(days=rng.randrange(weeks * 7))
        if day.weekday() >= 5:
            continue
        start = datetime(day.year, day.month, day.day, rng.randrange(9, 17),
                         rng.choice((0, 30)), tzinfo=ZONE)
        length = rng.choice((1, 2, 3))
        events.append(Interval(start, start + timedelta(minutes=SLOT * length)))
        for k in range(length):
            busy_slots.add(start + timedelta(minutes=SLOT * k))
    slots: list[tuple[datetime, int, int]] = []
    for d in range(weeks * 7):
        day = NOW.date() + timedelta(days=d)
        if day.weekday() >= 5:
            continue
        for a, b in WINDOWS:
            for m in range(a, b, SLOT):
                moment = datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=ZONE)
                if moment not in busy_slots:
                    slots.append((moment, d, d // 7))
    budget = None if budget_hours is None else round(budget_hours * 60)
    per_day: dict[int, int] = {}
    for _, d, _ in slots:
        per_day[d] = per_day.get(d, 0) + SLOT
    weekly: dict[int, int] = {}
    for d, minutes in per_day.items():
        weekly[d // 7] = weekly.get(d // 7, 0) + min(minutes, CAP)
    capacity = sum(min(m, budget) if budget else m for m in weekly.values())
    weights = [rng.uniform(0.2, 1.8) for _ in range(count)]
    scale = load * capacity / sum(weights)
    estimates = [max(1, min(10, round(w * scale / SLOT))) * SLOT for w in weights]
    days = weeks * 7
    if feasible:
        done, dues = 0, []
        for estimate in estimates:
            done += estimate
            share = min(1.0, 1.15 * done / capacity)
            dues.append(NOW.date() + timedelta(days=max(1, round(share * days)) - 1))
    else:
        dues = [NOW.date() + timedelta(days=rng.randrange(1, days)) for _ in range(count)]
    goals_n = 8
    per_goal = -(-count // goals_n)
    keys = [f"g{i // per_goal}/m/s{i}" for i in range(count)]
    afters: list[tuple[str, ...]] = []
    for i in range(count):
        g = i // per_goal
        after: list[str] = []
        if i > g * per_goal and rng.random() < 0.25 and dues[i - 1] <= dues[i]:
            after.append(keys[i - 1])
        if i >= per_goal and rng.random() < 0.1:
            j = rng.randrange(0, g * per_goal)
            if dues[j] <= dues[i] and (not feasible or j < i):
                after.append(keys[j])
        afters.append(tuple(after))
    goals = []
    for g in range(goals_n):
        steps = tuple(Step(keys[i], f"s{i}", f"Step {i}", f"g{g}", "m",
                           estimate_minutes=estimates[i], due=dues[i], after=afters[i])
                      for i in range(g * per_goal, min(count, (g + 1) * per_goal)))
        goals.append(Goal(f"g{g}", f"g{g}", f"Goal {g}", priority=1 + g % 4,
                          milestones=(Milestone(f"g{g}/m", "m", "M", f"g{g}", steps=steps),)))
    plan = Plan("bench.yaml", "Europe/Berlin", tuple(goals), weekly_hours=budget_hours)
    kind = "feasible" if feasible else f"{load:g}x"
    label = f"{kind:<8} n={count:<3} {weeks}w" + (f" {budget_hours:g}h/wk" if budget_hours
                                                  else "")
    return Instance(label, plan, BusyTime(tuple(events)), weeks, budget, slots)


def on_time(plan: Plan, result: Schedule) -> set[str]:
    minutes: dict[str, int] = {}
    last: dict[str, datetime] = {}
    for block in result.blocks:
        minutes[block.step] = minutes.get(block.step, 0) + block.minutes
        last[block.step] = max(last.get(block.step, block.end), block.end)
    done = set()
    for step in plan.steps():
        assert step.due is not None
        deadline = datetime.combine(step.due + timedelta(days=1), datetime.min.time(), ZONE)
        if minutes.get(step.key, 0) == step.estimate_minutes and last[step.key] <= deadline:
            done.add(step.key)
    return done


def priority_of(plan: Plan) -> dict[str, int]:
    return {s.key: g.priority for g in plan.goals for s in g.steps}


def optimum(inst: Instance, seconds: float, hint: Schedule | None = None,
            ) -> tuple[list[int], list[bool], list[int]]:
    """Lexicographic optimum: per priority 1..4 the most steps on time given the levels
    before; returns (counts, proved optimal per level, best bounds). ``hint`` (goalsync's
    schedule) is the solver's starting point, so its answer is never worse."""
    from ortools.sat.python import cp_model

    plan = inst.plan
    steps = list(plan.steps())
    prio = priority_of(plan)
    index = {s.key: i for i, s in enumerate(steps)}
    n_slots = len(inst.slots)
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    z = [model.NewBoolVar(f"z{i}") for i in range(len(steps))]
    start = [model.NewIntVar(0, n_slots, f"s{i}") for i in range(len(steps))]
    end = [model.NewIntVar(0, n_slots, f"e{i}") for i in range(len(steps))]
    per_slot: list[list[cp_model.IntVar]] = [[] for _ in range(n_slots)]
    for i, step in enumerate(steps):
        assert step.due is not None and step.estimate_minutes is not None
        deadline = datetime.combine(step.due + timedelta(days=1), datetime.min.time(), ZONE)
        mine = []
        for t, (moment, _, _) in enumerate(inst.slots):
            if moment + timedelta(minutes=SLOT) <= deadline and moment >= NOW:
                var = model.NewBoolVar(f"x{i}_{t}")
                x[i, t] = var
                mine.append(var)
                per_slot[t].append(var)
                model.Add(start[i] <= t).OnlyEnforceIf(var)
                model.Add(end[i] >= t + 1).OnlyEnforceIf(var)
        need = step.estimate_minutes // SLOT
        model.Add(sum(mine) == need * z[i]) if mine else model.Add(z[i] == 0)
        for pred in step.after:
            p = index[pred]
            model.AddImplication(z[i], z[p])
            model.Add(end[p] <= start[i]).OnlyEnforceIf(z[i])
    for vars_ in per_slot:
        if len(vars_) > 1:
            model.AddAtMostOne(vars_)
    by_day: dict[int, list[cp_model.IntVar]] = {}
    by_week: dict[int, list[cp_model.IntVar]] = {}
    for (_, t), var in x.items():
        by_day.setdefault(inst.slots[t][1], []).append(var)
        by_week.setdefault(inst.slots[t][2], []).append(var)
    for vars_ in by_day.values():
        model.Add(sum(vars_) <= CAP // SLOT)
    if inst.budget is not None:
        for vars_ in by_week.values():
            model.Add(sum(vars_) <= inst.budget // SLOT)
    # The incumbent: the best known solution (goalsync's first), as (steps on time, slots
    # booked). It is every solve's hint and the floor when a solve finds nothing better.
    good: set[str] = set()
    booked: set[tuple[int, int]] = set()
    if hint is not None:
        good = on_time(plan, hint)
        slot_of = {moment: t for t, (moment, _, _) in enumerate(inst.slots)}
        for block in hint.blocks:
            if block.step not in good:
                continue
            moment = block.start.astimezone(ZONE)
            while moment < block.end:
                booked.add((index[block.step], slot_of[moment]))
                moment += timedelta(minutes=SLOT)

    def give_hint() -> None:
        model.ClearHints()
        for key, var in x.items():
            model.AddHint(var, key in booked)
        for i, step in enumerate(steps):
            model.AddHint(z[i], step.key in good)
            mine = sorted(t for j, t in booked if j == i)
            if mine:
                model.AddHint(start[i], mine[0])
                model.AddHint(end[i], mine[-1] + 1)

    counts, proved, bounds = [], [], []
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    for level in range(1, 5):
        objective = sum(z[i] for i, s in enumerate(steps) if prio[s.key] == level)
        floor = sum(1 for s in steps if prio[s.key] == level and s.key in good)
        give_hint()
        model.Maximize(objective)
        status = solver.Solve(model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        value = round(solver.ObjectiveValue()) if found else floor
        if value > floor:  # a better solution: the new incumbent
            good = {s.key for i, s in enumerate(steps) if solver.Value(z[i])}
            booked = {key for key, var in x.items() if solver.Value(var)}
        value = max(value, floor)
        counts.append(value)
        proved.append(status == cp_model.OPTIMAL)
        bounds.append(round(solver.BestObjectiveBound()) if found
                      else sum(1 for s in steps if prio[s.key] == level))
        model.Add(objective >= value)
    return counts, proved, bounds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--more", action="store_true",
                        help="also 24 instances of other seeds (24-50 steps)")
    args = parser.parse_args()
    cases: list[tuple[int, int, int, float, bool, float | None]] = []
    sizes = (24,) if args.quick else (30, 40)
    seed = 100
    for count in sizes:
        for load, feasible in ((0.95, True), (2.7, False), (5.0, False)):
            for budget in (None, 20.0):
                seed += 1
                cases.append((seed, count, 2, load, feasible, budget))
    if args.more:
        seed = 300
        for count in (24, 30, 40, 50):
            for load, feasible in ((0.95, True), (2.7, False), (5.0, False)):
                for budget in (None, 20.0):
                    seed += 1
                    cases.append((seed, count, 2, load, feasible, budget))
    print(f"{'instance':<28} {'goalsync P1':>11} {'opt P1':>8} {'gap':>4} "
          f"{'goalsync all':>12} {'opt all':>9} {'gap':>6} {'sec':>6}  per level P1-P4")
    p1_misses = lex_misses = 0
    worst = 0.0
    for seed, count, weeks, load, feasible, budget in cases:
        inst = make_instance(seed, count, weeks, load, feasible, budget)
        started = time.perf_counter()
        result = schedule(inst.plan, RULES, now=NOW, busy=inst.busy,
                          horizon_end=NOW + timedelta(weeks=weeks))
        seconds = time.perf_counter() - started
        done = on_time(inst.plan, result)
        prio = priority_of(inst.plan)
        mine = [sum(1 for k in done if prio[k] == level) for level in range(1, 5)]
        counts, proved, bounds = optimum(inst, args.seconds, result)
        total, best = sum(mine), sum(counts)
        p1 = f"{counts[0]}{'*' if proved[0] else f' [{bounds[0]}]'}"
        gap_total = (best - total) / best * 100 if best else 0.0
        worst = max(worst, gap_total)
        p1_misses += mine[0] < counts[0]
        star = "*" if all(proved) else ""
        lex_misses += mine < counts
        levels = "=" if mine == counts else f"{mine} vs {counts}"
        print(f"{inst.label:<28} {mine[0]:>11} {p1:>8} {counts[0] - mine[0]:>4} "
              f"{total:>12} {str(best) + star:>9} {gap_total:>5.1f}% {seconds:>6.3f}  {levels}")
    print(f"\nP1 below the optimum on {p1_misses} of {len(cases)} instances; worst gap on the "
          f"total {worst:.1f} % (* = proved optimal; [n] = CP-SAT's bound when not proved); "
          f"lexicographically below the optimum (per level, P1 first) on {lex_misses}.")


if __name__ == "__main__":
    main()
