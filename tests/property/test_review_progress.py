"""Property tests: progress stays a share, adds up across milestones, and a goal is done
exactly when every step is."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncer.core.model import Block, Goal, Milestone, Plan, Step
from syncer.core.progress import DONE, ProgressRules, compute_progress

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
STEP = st.tuples(st.none() | st.integers(1, 600), st.booleans(), st.booleans(),
                 st.integers(-40, 40))  # estimate, done in plan, completed, block offset


def build(milestones: list[list[tuple[int | None, bool, bool, int]]]
          ) -> tuple[Plan, dict[str, datetime], list[Block]]:
    done: dict[str, datetime] = {}
    blocks: list[Block] = []
    ms = []
    for i, steps in enumerate(milestones):
        items = []
        for j, (estimate, in_plan, completed, offset) in enumerate(steps):
            key = f"g/m{i}/s{j}"
            items.append(Step(key, f"s{j}", f"S{j}", "g", f"m{i}", estimate, done=in_plan))
            if completed:
                done[key] = NOW - timedelta(days=abs(offset))
            start = NOW + timedelta(days=offset)
            blocks.append(Block(key, start, start + timedelta(minutes=estimate or 60)))
        ms.append(Milestone(f"g/m{i}", f"m{i}", f"M{i}", "g", due=date(2026, 12, 20),
                            steps=tuple(items)))
    goal = Goal("g", "g", "G", deadline=date(2026, 12, 31), milestones=tuple(ms))
    return Plan("p.yaml", "UTC", (goal,)), done, blocks


@given(st.lists(st.lists(STEP, min_size=1, max_size=6), min_size=1, max_size=4),
       st.booleans())
def test_progress_is_a_weighted_share_and_done_means_all_steps_done(
        milestones: list[list[tuple[int | None, bool, bool, int]]], with_baseline: bool
) -> None:
    plan, done, blocks = build(milestones)
    result = compute_progress(plan, done, blocks if with_baseline else [], ProgressRules(),
                              NOW, since=NOW - timedelta(days=30))
    goal = result.goal("g")
    assert 0.0 <= goal.progress <= 1.0
    assert goal.expected is None or 0.0 <= goal.expected <= 1.0
    weighted = sum(m.progress * m.total_minutes for m in goal.milestones) / goal.total_minutes
    assert goal.progress == pytest.approx(weighted)
    all_done = all(s.done or s.key in done for s in plan.steps())
    assert (goal.status == DONE) == all_done
    assert (goal.progress == 1.0) == all_done
    for m in goal.milestones:
        assert (m.status == DONE) == (m.remaining_minutes == 0)
    if goal.forecast is not None and goal.status != DONE:
        assert goal.forecast >= NOW.date()
