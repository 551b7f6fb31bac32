"""Requests and seconds of the Todoist adapter against the fake Todoist API (loopback).

    .venv/bin/python bench/todoist.py
    .venv/bin/python bench/todoist.py --steps 2000 --goals 40 --completions 300

Figures printed (targets from the issue): the first push of N steps' tasks (≤ 10
requests for 500), a no-change check (1 request), a rerun of the same push after the
state was lost (adoption, no writes), and listing with C completions read back. Peak
memory via tracemalloc.
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
    args = parser.parse_args()
    plan = [CreateTask(s) for s in specs(args.steps, args.goals)]
    tracemalloc.start()
    with FakeTodoist(token=TOKEN) as fake:
        with TodoistTasks(TOKEN, api_url=fake.url) as first:
            results = measure(fake, f"apply() of {args.steps} creates, cold adapter",
                              lambda: first.apply(plan))
            assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
            print(f"  batches: {[len(b) for b in fake.sync_batches()]}")
            _, token = first.changes_since(None)
            measure(fake, "no-change check", lambda: first.changes_since(token))
        with TodoistTasks(TOKEN, api_url=fake.url) as rerun:
            measure(fake, "same push after lost state (adoption)", lambda: rerun.apply(plan))
            assert len(fake.tasks()) == args.steps
        now = datetime.now(UTC)
        for n, result in enumerate(results[:args.completions]):
            fake.complete(result.remote_id or "", at=now - timedelta(hours=n))
        with TodoistTasks(TOKEN, api_url=fake.url) as reader:
            tasks = measure(fake, f"cold list with {args.completions} completions",
                            reader.list_tasks)
            done = sum(t.completed for t in tasks)
            assert done == min(args.completions, args.steps), done
            _, token = reader.changes_since(None)
            fake.complete(results[-1].remote_id or "")
            measure(fake, "check + warm list after one completion",
                    lambda: (reader.changes_since(token), reader.list_tasks()))
    with FakeTodoist(token=TOKEN) as fake, TodoistTasks(TOKEN, api_url=fake.url) as engine:
        def first_sync() -> None:  # what syncer.engine does on a first run
            _, before = engine.changes_since(None)
            engine.list_tasks()
            engine.apply(plan)
            engine.changes_since(before)
            engine.list_tasks()

        measure(fake, "first sync, engine order (check, list, push, re-read)", first_sync)
    _, peak = tracemalloc.get_traced_memory()
    print(f"peak memory (tracemalloc, fake included): {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
