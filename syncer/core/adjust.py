"""Concrete adjustments for goals that are at risk, behind or infeasible.

Pure: the plan and its progress go in; ``Adjustment`` values come out, each one a single
edit that ``syncer.planedit.apply_adjustments`` can write back into the plan file:

* ``move-deadline``: the goal's ``deadline`` (or, with ``milestone`` set, the milestone's
  ``due``) becomes ``value`` (a date), and every due date in ``moves`` (milestone or step
  key → date) moves with it: what binds is the due date of the late work, so that is
  what moves. For work the scheduler could not fit, the dates come from the scheduler
  itself: the goal's work scheduled with its due dates lifted (the same budget, hours and
  other goals) finishes each milestone (and each step with its own due date) on a day,
  and a due date earlier than that day moves to it; the goal's deadline moves only when
  a milestone now ends after it (the milestones move within it otherwise). Without
  the scheduling rules (or when even that does not fit), the old deadline plus the
  weeks the missing hours take at the goal's capacity; else the forecast finish.
* ``weekly-hours``: the plan's ``weekly_hours`` becomes ``value`` (hours, in steps of
  half an hour): enough to finish the remaining work by the deadline. A goal with its
  own ``weekly_hours`` gets the new value there instead, and the plan's budget grows by
  the same amount (a goal's budget is a share of the plan's).
* ``drop-step``: the step is removed; steps that waited for it wait for what it waited
  for instead.
* ``shorten-step``: the step's ``estimate`` becomes ``value`` minutes.

Only a goal whose booked finish is after its deadline (``at risk``) or that has work
the scheduler could not book (``infeasible``) gets these; a goal that is only
``behind`` while its booked finish meets the deadline gets none (the review asks what
got in the way instead).

The shortfall is the remaining work that does not fit before the deadline: the missing
minutes reported by the scheduler when the goal is infeasible, else the remaining
minutes minus what the current velocity achieves by the deadline.

Ids are stable and readable so an answers file can accept them:
``pmp/move-deadline``, ``pmp/course/move-deadline``, ``pmp/weekly-hours``,
``pmp/course/study/drop``, ``pmp/course/study/shorten``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import MAX_WEEKLY_HOURS, Block, Goal, Plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    INFEASIBLE,
    GoalProgress,
    PlanProgress,
    StepProgress,
)
from syncer.core.schedule_rules import SchedulingRules

MOVE_DEADLINE = "move-deadline"
WEEKLY_HOURS = "weekly-hours"
DROP_STEP = "drop-step"
SHORTEN_STEP = "shorten-step"
KINDS = (MOVE_DEADLINE, WEEKLY_HOURS, DROP_STEP, SHORTEN_STEP)
TROUBLED = (AT_RISK, BEHIND, INFEASIBLE)
LATE = (AT_RISK, INFEASIBLE)  # the conditions that call for a plan change
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
    moves: tuple[tuple[str, date], ...] = ()  # move-deadline: (milestone/step key, due)

    def as_json(self) -> dict[str, object]:
        value = self.value.isoformat() if isinstance(self.value, date) else self.value
        return {"id": self.id, "kind": self.kind, "goal": self.goal,
                "milestone": self.milestone, "step": self.step, "value": value,
                "summary": self.summary,
                "moves": {key: day.isoformat() for key, day in self.moves}}


def propose(
    plan: Plan, progress: PlanProgress, missing: Mapping[str, int] | None = None,
    *, rules: SchedulingRules | None = None, existing: Sequence[Block] = (),
) -> list[Adjustment]:
    """Adjustments for every goal (and milestone) that is at risk or infeasible.

    ``missing`` maps step keys to the minutes the scheduler could not place; with the
    scheduling ``rules``, new due dates for work that could not be placed come from the
    scheduler (see the module doc), which keeps the ``existing`` blocks (those booked
    now) where they are still valid. The result is in plan order; every id is unique.
    """
    missing = missing or {}
    known = {s.key for s in plan.steps()} | {h.key for h in plan.habits()}
    late = [g for g in progress.goals if set(g.conditions) & set(LATE)]
    troubled = [g for g in late if INFEASIBLE in g.conditions]
    relaxed = _relaxed_finish(plan, progress, troubled, rules, missing,
                              [b for b in existing if b.step in known]) if rules else {}
    proposals: list[Adjustment] = []
    for goal in progress.goals:
        if goal in late:
            proposals.extend(_for_goal(plan, progress, goal, missing, relaxed))
        else:
            proposals.extend(_milestone_moves(goal))
    return proposals


def _relaxed_finish(plan: Plan, progress: PlanProgress, goals: list[GoalProgress],
                    rules: SchedulingRules, missing: Mapping[str, int],
                    existing: Sequence[Block]) -> dict[str, date | None]:
    """Per step of ``goals``: the day its work ends once the goal's due dates are all
    later by the fewest weeks (1, 2, 4, ... up to ``horizon_max``) that let every step
    of the goal be placed without leaving out work of another goal that fits now (the
    rest of the plan as it is, ``existing`` the blocks booked now, so the goal keeps its
    place among the others); None for a goal's steps when no shift does."""
    from syncer.core.schedule import plan_horizon, schedule

    todo = {g.id for g in goals}
    shift: dict[str, int] = {}
    ends: dict[str, date | None] = {}
    done = {s.key for g in progress.goals for s in g.steps if s.done}
    zone = ZoneInfo(plan.timezone)
    steps = {s.key: s for s in plan.steps()}
    weeks = 1
    while todo:
        weeks = min(weeks, rules.horizon_max_weeks)
        shift |= dict.fromkeys(todo, weeks)
        trial = replace(plan, goals=tuple(_later(g, shift[g.id]) if g.id in shift else g
                                          for g in plan.goals))
        result = schedule(trial, rules, now=progress.now, done=done, existing=existing,
                          horizon_end=plan_horizon(trial, rules, progress.now))
        left_out = {u.step for u in result.unscheduled if u.step in steps}
        short = {steps[k].goal_id for k in left_out}
        if any(steps[k].goal_id not in shift and k not in missing for k in left_out):
            short = set(todo)  # it would push another goal's work out: not a fix
        for goal_id in todo - short:
            prefix = f"{plan.goal(goal_id).key}/"
            for block in result.blocks:
                if block.step.startswith(prefix) and block.end > progress.now:
                    day = (block.end.astimezone(zone) - timedelta(microseconds=1)).date()
                    ends[block.step] = max(ends.get(block.step) or day, day)
        todo &= short
        if weeks >= rules.horizon_max_weeks:
            break
        weeks *= 2
    for goal_id in todo:
        ends |= dict.fromkeys((s.key for s in plan.goal(goal_id).steps), None)
    return ends


def _later(goal: Goal, weeks: int) -> Goal:
    def later(day: date | None) -> date | None:
        return None if day is None else day + timedelta(weeks=weeks)

    return replace(goal, deadline=later(goal.deadline), milestones=tuple(
        replace(m, due=later(m.due), steps=tuple(replace(s, due=later(s.due))
                                                 for s in m.steps))
        for m in goal.milestones))


def _for_goal(plan: Plan, progress: PlanProgress, goal: GoalProgress,
              missing: Mapping[str, int], relaxed: Mapping[str, date | None],
              ) -> list[Adjustment]:
    shortfall = _shortfall(goal, progress.today, missing)
    capacity = goal.velocity_hours_per_week or plan.weekly_hours or FALLBACK_WEEKLY_HOURS
    move = _scheduled_move(plan, goal, relaxed) if INFEASIBLE in goal.conditions \
        and relaxed else None
    if move is None:
        move = _move_deadline(plan, goal, shortfall, capacity)
    proposals = [a for a in (move, _weekly_hours(plan, progress, goal, missing))
                 if a is not None]
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


def _scheduled_move(plan: Plan, goal: GoalProgress,
                    relaxed: Mapping[str, date | None]) -> Adjustment | None:
    """The move-deadline the scheduler vouches for (see the module doc), or None when
    the goal's work does not fit even with its due dates lifted, or nothing binds."""
    model = plan.goal(goal.id)
    if goal.deadline is None:
        return None
    moves: list[tuple[str, date]] = []
    latest = goal.deadline
    for milestone in model.milestones:
        ends: list[date] = []
        for step in milestone.steps:
            if _done(goal, step.key) or step.key not in relaxed:
                continue
            end = relaxed[step.key]
            if end is None:
                return None
            ends.append(end)
            if step.due is not None and end > step.due:
                moves.append((step.key, end))
        finish = max(ends, default=None)
        if finish is None:
            continue
        latest = max(latest, finish)
        if milestone.due is not None and finish > milestone.due:
            moves.append((milestone.key, finish))
    if not moves and latest == goal.deadline:
        return None
    return _deadline_adjustment(plan, goal, latest, tuple(moves))


def _deadline_adjustment(plan: Plan, goal: GoalProgress, new: date,
                         moves: tuple[tuple[str, date], ...]) -> Adjustment:
    assert goal.deadline is not None
    names = {m.key: m.title for m in plan.goal(goal.id).milestones}
    names |= {s.key: s.title for s in plan.goal(goal.id).steps}
    olds = {m.key: m.due for m in plan.goal(goal.id).milestones}
    olds |= {s.key: s.due for s in plan.goal(goal.id).steps}
    detail = ", ".join(f"{names[k]} {_iso(olds[k])} → {d.isoformat()}" for k, d in moves)
    if new > goal.deadline:
        text = (f"Move the deadline of {goal.title} from {goal.deadline.isoformat()} to "
                f"{new.isoformat()}" + (f" (due dates: {detail})" if detail else "") + ".")
    else:
        text = (f"Move the due dates in {goal.title} ({detail}); the deadline "
                f"{goal.deadline.isoformat()} holds.")
    return Adjustment(f"{goal.id}/{MOVE_DEADLINE}", MOVE_DEADLINE, goal.id, None, None, new,
                      text, moves)


def _iso(day: date | None) -> str:
    return day.isoformat() if day is not None else "-"


def _move_deadline(plan: Plan, goal: GoalProgress, shortfall: int,
                   capacity: float) -> Adjustment | None:
    if goal.deadline is None:
        return None
    new = None
    if goal.forecast is not None and goal.forecast > goal.deadline:
        new = goal.forecast
    elif shortfall > 0:
        new = goal.deadline + timedelta(weeks=math.ceil(shortfall / 60 / capacity))
    if new is None:
        return None
    # the due dates of the late milestones bind first: they move by as much (within
    # the new deadline)
    shift = new - goal.deadline
    moves = []
    for m in goal.milestones:
        late = any(s.infeasible for s in m.steps if not s.done) or (
            m.forecast is not None and m.due is not None and m.forecast > m.due)
        if late and m.due is not None and m.status != "done":
            moves.append((m.key, min(new, max(m.due + shift, m.forecast or m.due))))
    return _deadline_adjustment(plan, goal, new, tuple(moves))


def _weekly_hours(plan: Plan, progress: PlanProgress, goal: GoalProgress,
                  missing: Mapping[str, int]) -> Adjustment | None:
    if goal.deadline is None or goal.remaining_minutes == 0:
        return None
    weeks = (goal.deadline - progress.today).days / 7
    if weeks <= 0:
        return None
    unplaced = [(s.due, missing[s.key]) for s in goal.open_steps
                if missing.get(s.key, 0) > 0 and s.due is not None]
    if INFEASIBLE in goal.conditions and unplaced:
        # what the scheduler could not place, spread over the weeks before each due
        # date it must meet (the goal already gets the rest)
        extra = max(sum(m for d, m in unplaced if d <= due) / 60
                    / max((due - progress.today).days / 7, 1 / 7) for due, _ in unplaced)
    else:
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
