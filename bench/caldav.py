"""Benchmark: the CalDAV adapters against the embedded Radicale.

Prints HTTP requests and seconds to start the server, write 500 blocks, list them,
detect "nothing changed", and the same for 500 tasks; plus the PUT time per block as the
calendar grows and the peak memory of the client process (the server is not counted).
Run: ``.venv/bin/python bench/caldav.py``. Not a test: figures vary by machine.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

# Run as a script, this file's folder is sys.path[0], and this file's name would hide
# the caldav package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from syncer.backends.base import BlockSpec, CreateTask, TaskSpec  # noqa: E402
from syncer.backends.caldav_calendar import CalDAVCalendar  # noqa: E402
from syncer.backends.caldav_tasks import CalDAVTasks  # noqa: E402
from syncer.embedded import EmbeddedServer  # noqa: E402
from syncer.ical import block_uid  # noqa: E402

N = 500
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2030, 3, 4, 9, tzinfo=BERLIN)
WINDOW = (START - timedelta(days=1), START + timedelta(days=N // 4 + 2))
T = TypeVar("T")


def blocks() -> list[BlockSpec]:
    out = []
    for i in range(N):
        start = START + timedelta(days=i // 4, hours=2 * (i % 4))
        out.append(BlockSpec(
            uid=block_uid(f"goal/ms/step-{i % 50}", i, "bench"), key=f"goal/ms/step-{i % 50}",
            title=f"Work on step {i % 50}", start=start, end=start + timedelta(minutes=90),
            goal_id="goal", milestone_id="ms", description="Specific: ship it",
            timezone="Europe/Berlin", plan_id="bench",
        ))
    return out


def tasks() -> list[TaskSpec]:
    return [TaskSpec(key=f"goal/ms/step-{i:03d}", kind="step", title=f"Step {i}",
                     goal_id="goal", goal_title="Goal", milestone_id="ms",
                     description="Specific: ship it", plan_id="bench") for i in range(N)]


def measure(label: str, backend: Any, action: Callable[[], T]) -> T:
    before, began = backend.requests, time.perf_counter()
    result = action()
    seconds = time.perf_counter() - began
    print(f"{label:<44} {backend.requests - before:>5} requests {seconds:>8.2f} s")
    return result


def bench_calendar(server: EmbeddedServer) -> None:
    calendar = CalDAVCalendar(server.url, "goalsync", "x", "Bench calendar")
    measure("calendar: discover + create calendar", calendar, lambda: calendar.target)
    specs = blocks()
    put_times: list[float] = []

    def write_all() -> None:
        for spec in specs:
            began = time.perf_counter()
            calendar.create(spec)
            put_times.append(time.perf_counter() - began)

    measure(f"calendar: write {N} blocks", calendar, write_all)
    listed = measure(f"calendar: list {N} blocks", calendar,
                     lambda: calendar.list_blocks(*WINDOW))
    assert len(listed) == N, len(listed)
    _, token = calendar.changes_since(None)
    changed = measure("calendar: detect nothing changed", calendar,
                      lambda: calendar.changes_since(token))
    assert changed == (False, token)
    measure("calendar: busy time over the window", calendar, lambda: calendar.busy(*WINDOW))
    for upto in (100, 250, 500):
        chunk = put_times[upto - 50:upto]
        print(f"  PUT time around {upto:>3} objects: {1000 * sum(chunk) / len(chunk):6.1f} ms")


def bench_tasks(server: EmbeddedServer) -> None:
    backend = CalDAVTasks(server.url, "goalsync", "x", "Bench tasks")
    measure("tasks: discover + create task list", backend, lambda: backend.target)
    results = measure(f"tasks: create {N} tasks", backend,
                      lambda: backend.apply([CreateTask(t) for t in tasks()]))
    assert all(r.ok for r in results)
    listed = measure(f"tasks: list {N} tasks", backend, backend.list_tasks)
    assert len(listed) == N
    _, token = backend.changes_since(None)
    measure("tasks: detect nothing changed", backend, lambda: backend.changes_since(token))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        with EmbeddedServer(Path(folder)) as server:
            print(f"{'embedded Radicale: start until it answers':<44} {'':>14} "
                  f"{server.startup_seconds:>8.2f} s")
            bench_calendar(server)
            bench_tasks(server)
            stop_began = time.perf_counter()
        print(f"{'embedded Radicale: stop':<44} {'':>14} "
              f"{time.perf_counter() - stop_began:>8.2f} s")
        print(f"{'total':<44} {'':>14} {time.perf_counter() - began:>8.2f} s")
    # ru_maxrss (KiB on Linux) rather than tracemalloc, which slows parsing severalfold
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak memory of the goalsync process (max RSS): {peak / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
