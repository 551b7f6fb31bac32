"""Concrete adjustments for goals that are at risk, behind or infeasible.

Pure: the plan and its progress go in; ``Adjustment`` values come out, each one a single
edit that ``syncer.planedit.apply_adjustments`` can write back into the plan file:

* ``move-deadline``: the goal's ``deadline`` (or, with ``milestone`` set, the milestone's
  ``due``) becomes ``value`` (a date): the forecast finish, or, for work the scheduler
  could not fit, the old deadline plus the weeks the missing hours take.
* ``weekly-hours``: the plan's ``weekly_hours`` becomes ``value`` (hours, in steps of
  half an hour): enough to finish the remaining work by the deadline. A goal with its
  own ``weekly_hours`` gets the new value there instead, and the plan's budget grows by
  the same amount (a goal's budget is a share of the plan's).
* ``drop-step``: the step is removed; steps that waited for it wait for what it waited
  for instead.
* ``shorten-step``: the step's ``estimate`` becomes ``value`` minutes.

The shortfall is the remaining work that does not fit before the deadline: the missing
minutes reported by the scheduler when the goal is infeasible, else the remaining
minutes minus what the current velocity achieves by the deadline.

Ids are stable and readable so an answers file can accept them:
``pmp/move-deadline``, ``pmp/course/move-deadline``, ``pmp/weekly-hours``,
``pmp/course/study/drop``, ``pmp/course/study/shorten``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from syncer.core.model import MAX_WEEKLY_HOURS, Plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    INFEASIBLE,
    GoalProgress,
    PlanProgress,
    StepProgress,
)

MOVE_DEADLINE = "move-deadline"
WEEKLY_HOURS = "weekly-hours"
DROP_STEP = "drop-step"
SHORTEN_STEP = "shorten-step"
KINDS = (MOVE_DEADLINE, WEEKLY_HOURS, DROP_STEP, SHORTEN_STEP)
TROUBLED = (AT_RISK, BEHIND, INFEASIBLE)
FALLBACK_WEEKLY_HOURS = 5.0  # capacity assumed when neither velocity nor plan says one
MIN_ESTIMATE = 15


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One proposed edit of the plan. ``step`` is a step key; ``value`` is a date for
    move-deadline, hours for weekly-hours, minutes for shorten-step, None for drop."""

    id: str
    kind: str
    goal: str
    milestone: str | None
    step: str | None
    value: date | float | int | None
    summary: str

    def as_json(self) -> dict[str, object]:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {"id": self.id, "kind": self.kind, "goal": self.goal,
                "milestone": self.milestone, "step": self.step, "value": value,
                "summary": self.summary}


def propose(
    plan: Plan, progress: PlanProgress, missing: Mapping[str, int] | None = None,
) -> list[Adjustment]:
    """Adjustments for every goal (and milestone) that is at risk, behind or infeasible.

    ``missing`` maps step keys to the minutes the scheduler could not place. The result
    is in plan order; every id is unique.
    """
    missing = missing or {}
    proposals: list[Adjustment] = []
    for goal in progress.goals:
        if set(goal.conditions) & set(TROUBLED):
            proposals.extend(_for_goal(plan, progress, goal, missing))
        else:
            proposals.extend(_milestone_moves(goal))
    return proposals


def _for_goal(plan: Plan, progress: PlanProgress, goal: GoalProgress,
              missing: Mapping[str, int]) -> list[Adjustment]:
    shortfall = _shortfall(goal, progress.today, missing)
    capacity = goal.velocity_hours_per_week or plan.weekly_hours or FALLBACK_WEEKLY_HOURS
    proposals = [a for a in (_move_deadline(goal, shortfall, capacity),
                             _weekly_hours(plan, progress, goal)) if a is not None]
    if shortfall > 0:
        proposals.extend(_cuts(plan, goal, shortfall))
    return proposals


def _shortfall(goal: GoalProgress, today: date, missing: Mapping[str, int]) -> int:
    unplaced = sum(missing.get(s.key, 0) for s in goal.open_steps)
    if INFEASIBLE in goal.conditions and unplaced > 0:
        return unplaced
    if goal.deadline is None:
        return 0
    weeks = max(0, (goal.deadline - today).days) / 7
    achievable = goal.velocity_hours_per_week * weeks * 60
    return max(0, math.ceil(goal.remaining_minutes - achievable))


def _move_deadline(goal: GoalProgress, shortfall: int, capacity: float) -> Adjustment | None:
    if goal.deadline is None:
        return None
    new = None
    if goal.forecast is not None and goal.forecast > goal.deadline:
        new = goal.forecast
    elif shortfall > 0:
        new = goal.deadline + timedelta(weeks=math.ceil(shortfall / 60 / capacity))
    if new is None:
        return None
    return Adjustment(f"{goal.id}/{MOVE_DEADLINE}", MOVE_DEADLINE, goal.id, None, None, new,
                      f"Move the deadline of {goal.title} from {goal.deadline.isoformat()} "
                      f"to {new.isoformat()}.")


def _weekly_hours(plan: Plan, progress: PlanProgress, goal: GoalProgress) -> Adjustment | None:
    if goal.deadline is None or goal.remaining_minutes == 0:
        return None
    weeks = (goal.deadline - progress.today).days / 7
    if weeks <= 0:
        return None
    needed = goal.remaining_minutes / 60 / weeks
    extra = needed - goal.velocity_hours_per_week
    if extra <= 0:
        return None
    own = plan.goal(goal.id).weekly_hours
    if own is not None:  # the goal's own budget binds first; the plan's grows with it
        new = math.ceil((own + extra) * 2) / 2
        if new > MAX_WEEKLY_HOURS:
            return None
        return Adjustment(f"{goal.id}/{WEEKLY_HOURS}", WEEKLY_HOURS, goal.id, None, None, new,
                          f"Give {goal.title} {new:g} hours a week (now {own:g}) so it can "
                          f"finish by {goal.deadline.isoformat()}.")
    base = plan.weekly_hours
    if base is None:
        base = sum(g.velocity_hours_per_week for g in progress.goals)
    new = math.ceil((base + extra) * 2) / 2
    if new > MAX_WEEKLY_HOURS:  # more than a week holds: not a plan anyone can keep
        return None
    return Adjustment(f"{goal.id}/{WEEKLY_HOURS}", WEEKLY_HOURS, goal.id, None, None, new,
                      f"Give goal work {new:g} hours a week (now {base:g}) so "
                      f"{goal.title} can finish by {goal.deadline.isoformat()}.")


def _cuts(plan: Plan, goal: GoalProgress, shortfall: int) -> list[Adjustment]:
    waited_on = {k for s in plan.goal(goal.id).steps if not _done(goal, s.key) for k in s.after}
    leaves = [s for s in goal.open_steps if s.key not in waited_on]
    proposals = []
    fitting = sorted((s for s in leaves if s.weight_minutes >= shortfall),
                     key=lambda s: s.weight_minutes)
    drop = fitting[0] if fitting else max(leaves, key=lambda s: s.weight_minutes, default=None)
    if drop is not None:
        proposals.append(Adjustment(f"{drop.key}/drop", DROP_STEP, goal.id, drop.milestone,
                                    drop.key, None,
                                    f"Drop the step {drop.title!r} "
                                    f"({_hours(drop.weight_minutes)}) from {goal.title}."))
    shorten = _shorten(plan, goal, shortfall)
    if shorten is not None:
        proposals.append(shorten)
    return proposals


def _shorten(plan: Plan, goal: GoalProgress, shortfall: int) -> Adjustment | None:
    estimated = [s for s in goal.open_steps
                 if plan.step(s.key).estimate_minutes and s.weight_minutes > MIN_ESTIMATE]
    step: StepProgress | None = max(estimated, key=lambda s: s.weight_minutes, default=None)
    if step is None:
        return None
    # never below half: cutting a step further is dropping it, which is proposed apart
    new = max(MIN_ESTIMATE, step.weight_minutes - shortfall, step.weight_minutes // 2)
    new = math.ceil(new / MIN_ESTIMATE) * MIN_ESTIMATE
    if new >= step.weight_minutes:
        return None
    return Adjustment(f"{step.key}/shorten", SHORTEN_STEP, goal.id, step.milestone, step.key,
                      new, f"Shorten {step.title!r} from {_hours(step.weight_minutes)} to "
                      f"{_hours(new)}.")


def _milestone_moves(goal: GoalProgress) -> list[Adjustment]:
    proposals = []
    for m in goal.milestones:
        if not set(m.conditions) & set(TROUBLED) or m.forecast is None or m.due is None:
            continue
        if m.forecast <= m.due or (goal.deadline and m.forecast > goal.deadline):
            continue
        proposals.append(Adjustment(f"{goal.id}/{m.id}/{MOVE_DEADLINE}", MOVE_DEADLINE,
                                    goal.id, m.id, None, m.forecast,
                                    f"Move the due date of {m.title} from {m.due.isoformat()} "
                                    f"to {m.forecast.isoformat()}."))
    return proposals


def _done(goal: GoalProgress, key: str) -> bool:
    return any(s.key == key and s.done for s in goal.steps)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest:02d}m"
    return f"{hours}h" if hours else f"{rest}m"


def format_estimate(minutes: int) -> str:
    """Minutes as a plan duration: ``90`` → ``"1h30m"``, ``120`` → ``"2h"``."""
    return _hours(minutes)
