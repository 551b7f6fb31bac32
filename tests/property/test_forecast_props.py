"""Hypothesis: forecasts on generated plans, scheduled by the real scheduler, keep
their order (never before a milestone waited for, nor before a step may start; a goal
never before its milestones), and with too little history "at risk" means exactly
booked-late or unbookable work.

The plans are ones the parser accepts (a step is not due after its goal's deadline, nor
may start after its own due date: ``step-after-milestone``, ``not-before-after-due``),
and ``infeasible`` is computed as the status and review commands compute it
(syncer/report.py): an unscheduled step with minutes missing before its deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from syncer.core.model import BusyTime, Plan
from syncer.core.progress import (
    AT_RISK,
    DONE,
    ProgressRules,
    compute_progress,
    infeasible_steps,
)
from syncer.core.schedule import SchedulingRules, plan_horizon, schedule
from tests.property.test_schedule_props import SETTINGS, instances


@SETTINGS
@given(instances(), st.data())
def test_forecasts_keep_the_plans_order(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
) -> None:
    plan, rules, now, busy = instance
    plan = _parseable(plan)
    steps = list(plan.steps())
    done = data.draw(st.sets(st.sampled_from([s.key for s in steps]), max_size=4)
                     if steps else st.just(set[str]()))
    completions = {key: now - timedelta(days=data.draw(st.integers(0, 40)))
                   for key in sorted(done)}
    result = schedule(plan, rules, now=now, busy=busy, done=done)
    pace = data.draw(st.booleans())
    progress_rules = ProgressRules(pace_min_days=1, pace_min_steps=1) if pace else \
        ProgressRules(pace_min_days=10_000)
    infeasible = infeasible_steps(plan, result.unscheduled,
                                  plan_horizon(plan, rules, now).date())
    progress = compute_progress(
        plan, completions, result.blocks, progress_rules, now, infeasible,
        since=now - timedelta(days=30), booked=result.blocks,
        unscheduled={u.step for u in result.unscheduled})
    zone = ZoneInfo(plan.timezone)
    of_step = {s.key: f"{s.goal_id}/{s.milestone_id}" for s in steps}
    milestones = {m.key: m for m in progress.milestones()}
    today = now.astimezone(zone).date()
    for m in milestones.values():  # open work is never forecast before today
        assert m.status == DONE or m.forecast is None or m.forecast >= today, m.key
    for step in steps:
        mine = milestones[of_step[step.key]]
        if mine.status == DONE or mine.forecast is None:
            continue
        if step.not_before is not None and step.key not in done:
            assert mine.forecast >= step.not_before
        for pred in step.after:
            other = milestones[of_step[pred]]
            if other.key != mine.key and other.status != DONE and other.forecast:
                assert mine.forecast >= other.forecast
    for goal in progress.goals:
        for m in goal.milestones:
            if m.status != DONE and m.forecast and goal.forecast:
                assert goal.forecast >= m.forecast
    if pace:
        return
    ends: dict[str, datetime] = {}
    for block in result.blocks:
        ends[block.step] = max(ends.get(block.step, block.end), block.end)
    for m in progress.milestones():
        if m.status == DONE or m.due is None:
            continue
        open_steps = [s for s in m.steps if not s.done]
        late = any(s.key in ends and (ends[s.key].astimezone(zone)
                                      - timedelta(microseconds=1)).date() > m.due
                   for s in open_steps)
        moved_late = m.forecast is not None and m.forecast > m.due
        risky = late or moved_late or any(s.infeasible for s in open_steps)
        assert (AT_RISK in m.conditions) == risky, m.key


def _parseable(plan: Plan) -> Plan:
    """``plan`` as the parser would accept it: each step due by its goal's deadline (the
    milestones carry no due date here) and startable by its own due date."""
    goals = []
    for goal in plan.goals:
        milestones = []
        for milestone in goal.milestones:
            steps = []
            for step in milestone.steps:
                due = step.due
                if due is not None and goal.deadline is not None:
                    due = min(due, goal.deadline)
                not_before = step.not_before
                if due is not None and not_before is not None:
                    not_before = min(not_before, due)
                steps.append(replace(step, due=due, not_before=not_before))
            milestones.append(replace(milestone, steps=tuple(steps)))
        goals.append(replace(goal, milestones=tuple(milestones)))
    return replace(plan, goals=tuple(goals))
