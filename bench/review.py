"""Benchmark progress, review triggers, adjustments and the HTML report on a large plan.

Run: ``.venv/bin/python bench/review.py [PLAN]`` (default examples/large.yaml).

Builds a baseline of 2-hour blocks for every step (one per step, spread over the plan's
horizon) and completions for a third of the steps, then prints seconds and peak memory
(tracemalloc, separate run) for: compute_progress, triggers + propose, and
render_report. No server is involved: this is the pure part plus the page rendering.
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from syncer.core.adjust import propose  # noqa: E402
from syncer.core.model import Block, Plan  # noqa: E402
from syncer.core.progress import ProgressRules, compute_progress  # noqa: E402
from syncer.core.review import ReviewRules, triggers  # noqa: E402
from syncer.planfile import load_plan  # noqa: E402
from syncer.report import StatusSnapshot, render_report  # noqa: E402

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def inputs(plan: Plan) -> tuple[dict[str, datetime], list[Block]]:
    steps = list(plan.steps())
    start = NOW - timedelta(days=60)
    blocks = [Block(s.key, start + timedelta(hours=7 * i), start + timedelta(hours=7 * i + 2))
              for i, s in enumerate(steps)]
    done = {s.key: start + timedelta(hours=7 * i + 2)
            for i, s in enumerate(steps) if i % 3 == 0 and start + timedelta(hours=7 * i) < NOW}
    return done, blocks


def measure(label: str, run: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - began
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<28} {seconds * 1000:8.1f} ms   peak {peak / 1e6:6.2f} MB")
    return result


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "examples/large.yaml"
    plan = load_plan(path)
    done, blocks = inputs(plan)
    print(f"{path}: {len(plan.goals)} goals, {sum(1 for _ in plan.steps())} steps, "
          f"{len(blocks)} baseline blocks, {len(done)} completions")
    progress = measure("compute_progress", lambda: compute_progress(
        plan, done, blocks, ProgressRules(), NOW))
    prompts = measure("triggers", lambda: triggers(plan, progress, ReviewRules(), NOW, None))
    adjustments = measure("propose (adjustments)", lambda: propose(plan, progress))
    snapshot = StatusSnapshot(plan, NOW, progress, tuple(prompts), (), tuple(blocks), done,
                              ReviewRules(), None, proposals=lambda: tuple(adjustments))
    page = measure("render_report (HTML)", lambda: render_report(snapshot))
    print(f"{len(prompts)} prompts, {len(adjustments)} adjustments, "
          f"report {len(page) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
