"""Requests and seconds of the Todoist adapter against the fake Todoist API (loopback).

    .venv/bin/python bench/todoist.py
    .venv/bin/python bench/todoist.py --steps 2000 --goals 40 --completions 300

Figures printed: the adapter on a Pro account (a project per goal) — the first push of N
steps' tasks, a no-change check (1 request), a rerun of the same push after the state
was lost (adoption, no writes), listing with C completions read back; then whole syncs
of a 20-goal, 1,000-step plan into a free account (the default: one project, a section
per goal, steps get their task as their work comes near): requests, seconds and the live
tasks, projects and sections it leaves, a no-change rerun, and, side by side, the same
plan with every step a task (``steps = "all"``), which the free plan's caps refuse
before anything is written. Peak memory via tracemalloc.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fake_todoist

from syncer.backends.base import CreateTask, TaskSpec  # noqa: E402
from syncer.backends.todoist import TodoistTasks  # noqa: E402
from tests.fake_todoist import FakeTodoist  # noqa: E402

T = TypeVar("T")
TOKEN = "bench-token"


def specs(steps: int, goals: int) -> list[TaskSpec]:
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    return [TaskSpec(
        key=f"g{n % goals}/m{n % 3}/s{n}", kind="step", title=f"Step {n}",
        goal_id=f"g{n % goals}", goal_title=f"Goal {n % goals}", milestone_id=f"m{n % 3}",
        milestone_title=f"Milestone {n % 3}", description="Specific: a measurable outcome.",
        due=start + timedelta(hours=n), duration_minutes=60, priority=1 + n % 4,
        labels=("career",), plan_id="bench") for n in range(steps)]


def measure(fake: FakeTodoist, label: str, action: Callable[[], T]) -> T:
    fake.reset_counters()
    began = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    print(f"{label:<56} {fake.count():>3} requests {seconds:>7.3f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--goals", type=int, default=10)
    parser.add_argument("--completions", type=int, default=100)
    parser.add_argument("--big-goals", type=int, default=20)
    parser.add_argument("--big-steps", type=int, default=1000)
    args = parser.parse_args()
    plan = [CreateTask(s) for s in specs(args.steps, args.goals)]
    tracemalloc.start()
    with FakeTodoist(token=TOKEN, tier="pro") as fake:
        with TodoistTasks(TOKEN, api_url=fake.url, layout="projects") as first:
            results = measure(fake, f"apply() of {args.steps} creates, cold adapter",
                              lambda: first.apply(plan))
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
            print(f"  batches: {[len(b) for b in fake.sync_batches()]}")
            _, token = first.changes_since(None)
            measure(fake, "no-change check", lambda: first.changes_since(token))
        with TodoistTasks(TOKEN, api_url=fake.url, layout="projects") as rerun:
            measure(fake, "same push after lost state (adoption)", lambda: rerun.apply(plan))
            assert len(fake.tasks()) == args.steps
        now = datetime.now(UTC)
        for n, result in enumerate(results[:args.completions]):
            fake.complete(result.remote_id or "", at=now - timedelta(hours=n))
        with TodoistTasks(TOKEN, api_url=fake.url, layout="projects") as reader:
            tasks = measure(fake, f"cold list with {args.completions} completions",
                            reader.list_tasks)
            done = sum(t.completed for t in tasks)
            assert done == min(args.completions, args.steps), done
            _, token = reader.changes_since(None)
            fake.complete(results[-1].remote_id or "")
            measure(fake, "check + warm list after one completion",
                    lambda: (reader.changes_since(token), reader.list_tasks()))
    with FakeTodoist(token=TOKEN, tier="pro") as fake, TodoistTasks(
            TOKEN, api_url=fake.url, layout="projects") as engine:
        def first_sync() -> None:  # what syncer.engine does on a first run
            _, before = engine.changes_since(None)
            engine.list_tasks()
            engine.apply(plan)
            engine.changes_since(before)
            engine.list_tasks()

        measure(fake, "first sync, engine order (check, list, push, re-read)", first_sync)
    _, peak = tracemalloc.get_traced_memory()
    print(f"peak memory (tracemalloc, fake included): {peak / 1e6:.1f} MB")
    free_account(args.big_goals, args.big_steps)


def free_account(goals: int, steps: int) -> None:
    """Whole syncs (syncer.engine.run) of a generated plan into a free account."""
    import tempfile

    from bench.gen_plan import generate
    from syncer.backends.memory import MemoryCalendarBackend
    from syncer.core.parse import parse_plan
    from syncer.engine import Backends, SyncSettings, run
    from syncer.errors import AccountLimit
    from syncer.policy import load_rules

    plan = parse_plan(generate(goals, steps // goals, seed=2027), "goals.yaml")
    rules = load_rules()
    now = datetime(2027, 1, 18, 7, tzinfo=UTC)
    print(f"\n{goals} goals, {sum(1 for _ in plan.steps())} steps into a free account "
          "(sections layout, calendar in memory):")
    for label, ahead in (("steps = ahead (21 days, the default)", 21),
                         ("steps = all (baseline)", None)):
        settings = SyncSettings(window_days=14, task_ahead_days=ahead)
        with tempfile.TemporaryDirectory() as state, FakeTodoist(token=TOKEN) as fake:
            calendar = MemoryCalendarBackend()

            def sync(fake: FakeTodoist = fake, calendar: MemoryCalendarBackend = calendar,
                     state: str = state, settings: SyncSettings = settings) -> str:
                with TodoistTasks(TOKEN, api_url=fake.url, plan_id=plan.id) as tasks:
                    try:
                        report = run(plan, rules, Backends(tasks, calendar, "bench"), state,
                                     now=now, settings=settings)
                    except AccountLimit as stopped:
                        return f"refused before writing (exit 4): {str(stopped)[:150]}…"
                return "ok" if report.ok else f"errors: {report.errors[:2]}"

            tracemalloc.reset_peak()
            outcome = measure(fake, f"first sync, {label}", sync)
            _, peak = tracemalloc.get_traced_memory()
            projects = [p for p in fake.projects() if not p["inbox_project"]]
            print(f"  {outcome}; {len(fake.active_tasks())} live tasks, {len(projects)} "
                  f"project(s), {len(fake.sections())} sections; peak {peak / 1e6:.1f} MB")
            if outcome == "ok":
                measure(fake, f"no-change rerun, {label}", sync)


if __name__ == "__main__":
    main()
