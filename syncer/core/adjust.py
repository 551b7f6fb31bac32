"""Concrete adjustments for goals that are at risk or infeasible.

Pure: the plan and its progress go in; ``Adjustment`` values come out, each one a single
edit that ``syncer.planedit.apply_adjustments`` can write back into the plan file:

* ``move-deadline``: the goal's ``deadline`` (or, with ``milestone`` set, the milestone's
  ``due``) becomes ``value`` (a date; a goal without a deadline gets none), and every
  due date in ``moves`` (milestone or step key → date) moves with it: what binds is the
  due date of the late work, so that is what moves. For work the scheduler could not
  fit, the dates come from the scheduler itself (``_scheduled_dues``): the goal's dates
  made later by the weeks its missing hours take at its budget (doubled while that is
  not enough), each date that binds moved to the day the work it covers then ends, and
  those exact dates checked by one more run (keeping what is booked now and the weekly
  review's time, pushing no other goal's work out; at most ``PROBES`` runs); the goal's
  deadline moves only when a milestone now ends after it (the milestones move within it
  otherwise). Without the scheduling rules (or when nothing tried fits), the old
  deadline plus the weeks the missing hours take at the goal's capacity; for a goal
  whose forecast is late, the forecast finish.
* ``weekly-hours``: the plan's ``weekly_hours`` becomes ``value`` (hours, in steps of
  half an hour): enough to finish the remaining work by the deadline; with the
  scheduling rules, a value the scheduler confirms (see ``_weekly_hours``), none when no
  estimate does. A goal with its own ``weekly_hours`` gets the new value there instead,
  and the plan's budget grows by the same amount (a goal's budget is a share of the
  plan's).
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import MAX_WEEKLY_HOURS, Block, Goal, Plan, Schedule
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
    review_minutes: int = 0,
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
    relaxed = _scheduled_dues(plan, progress, troubled, rules, missing,
                              [b for b in existing if b.step in known],
                              review_minutes) if rules else {}
    check = _hour_check(plan, progress, rules, existing, review_minutes) if rules else None
    proposals: list[Adjustment] = []
    for goal in progress.goals:
        if goal in late:
            proposals.extend(_for_goal(plan, progress, goal, missing, relaxed, check))
        else:
            proposals.extend(_milestone_moves(goal))
    return proposals


PROBES = 4  # schedules tried per review at most (each one is a whole scheduler run)

Dues = dict[str, date]  # goal, milestone or step key -> its new due date


def _what_fits(trial: Plan, rules: SchedulingRules, now: datetime, done: set[str],
               existing: Sequence[Block], review_minutes: int) -> Schedule:
    """The schedule of a what-if ``trial`` plan, as the next sync would start it. Without
    the rescue pass: the question is whether the work fits without pushing others out,
    not which less important work would give way to make room."""
    from syncer.core.schedule import plan_horizon, schedule

    return schedule(trial, rules, now=now, done=done, existing=existing,
                    horizon_end=plan_horizon(trial, rules, now),
                    review_minutes=review_minutes, rescue=False)


def _scheduled_dues(plan: Plan, progress: PlanProgress, goals: list[GoalProgress],
                    rules: SchedulingRules, missing: Mapping[str, int],
                    existing: Sequence[Block], review_minutes: int) -> dict[str, Dues]:
    """Per goal of ``goals``: the due dates (goal deadline, milestone and step dues)
    under which the scheduler places all of the goal's work without leaving out work of
    another goal that fits now (the rest of the plan as it is, ``existing`` the blocks
    booked now, the weekly review's minutes reserved), only those that change.

    A goal's dates are first all made later by the weeks its missing hours take at its
    budget; each date that binds then becomes the day the work it covers ends in that
    schedule, and a further run checks those dates (shift doubled when either fails),
    for at most ``PROBES`` runs. A goal missing from the result: nothing tried fits."""
    shift: dict[str, int] = {}
    for goal in goals:
        hours = sum(missing.get(s.key, 0) for s in goal.open_steps) / 60
        capacity = plan.goal(goal.id).weekly_hours or plan.weekly_hours \
            or FALLBACK_WEEKLY_HOURS
        shift[goal.id] = min(max(1, math.ceil(hours / capacity)), rules.horizon_max_weeks)
    trying: dict[str, Dues] = {}  # candidate dates, checked by the next run
    found: dict[str, Dues] = {}
    unchecked: dict[str, Dues] = {}
    done = {s.key for g in progress.goals for s in g.steps if s.done}
    steps = {s.key: s for s in plan.steps()}
    for _ in range(PROBES):
        if not shift and not trying:
            break
        trial = replace(plan, goals=tuple(
            _later(g, shift[g.id]) if g.id in shift else
            _with_dues(g, trying[g.id]) if g.id in trying else g for g in plan.goals))
        result = _what_fits(trial, rules, progress.now, done, existing, review_minutes)
        left_out = {u.step for u in result.unscheduled if u.step in steps}
        short = {steps[k].goal_id for k in left_out}
        if any(steps[k].goal_id not in shift and steps[k].goal_id not in trying
               and k not in missing for k in left_out):
            short |= set(shift) | set(trying)  # another goal's work pushed out: no fix
        for goal_id, dues in list(trying.items()):
            del trying[goal_id]
            if goal_id in short:
                shift[goal_id] = min(2 * _weeks_of(plan, goal_id, dues),
                                     rules.horizon_max_weeks)
            else:
                found[goal_id] = dues
        for goal_id, weeks in list(shift.items()):
            if goal_id in short:
                if weeks >= rules.horizon_max_weeks:
                    del shift[goal_id]
                else:
                    shift[goal_id] = min(weeks * 2, rules.horizon_max_weeks)
                continue
            del shift[goal_id]
            trying[goal_id] = unchecked[goal_id] = _binding_dues(
                plan.goal(goal_id), _ends(result, plan.goal(goal_id), progress, plan))
    for goal_id, dues in unchecked.items():
        found.setdefault(goal_id, dues)  # no run left to check them: the best known
    return found


def _ends(result: Schedule, goal: Goal, progress: PlanProgress, plan: Plan) -> dict[str, date]:
    """The local day each of ``goal``'s steps' booked work ends in ``result``."""
    zone = ZoneInfo(plan.timezone)
    ends: dict[str, date] = {}
    prefix = f"{goal.key}/"
    for block in result.blocks:
        if block.step.startswith(prefix) and block.end > progress.now:
            day = (block.end.astimezone(zone) - timedelta(microseconds=1)).date()
            ends[block.step] = max(ends.get(block.step, day), day)
    return ends


def _binding_dues(goal: Goal, ends: Mapping[str, date]) -> Dues:
    """The due dates of ``goal`` that its work's ``ends`` pass, moved to those days
    (a milestone's to its last step's end; the goal's deadline to the latest end)."""
    dues: Dues = {}
    latest = None
    for milestone in goal.milestones:
        finish = max((ends[s.key] for s in milestone.steps if s.key in ends), default=None)
        for step in milestone.steps:
            if step.key in ends and step.due is not None and ends[step.key] > step.due:
                dues[step.key] = ends[step.key]
        if finish is None:
            continue
        latest = finish if latest is None else max(latest, finish)
        if milestone.due is not None and finish > milestone.due:
            dues[milestone.key] = finish
    if goal.deadline is not None and latest is not None and latest > goal.deadline:
        dues[goal.key] = latest
    return dues


def _weeks_of(plan: Plan, goal_id: str, dues: Dues) -> int:
    """Weeks the furthest of ``dues`` lies after the date it replaces (at least 1)."""
    goal = plan.goal(goal_id)
    old: dict[str, date | None] = {goal.key: goal.deadline}
    old |= {m.key: m.due for m in goal.milestones}
    old |= {s.key: s.due for s in goal.steps}
    days = [(day - was).days for key, day in dues.items() if (was := old.get(key))]
    return max(1, math.ceil(max(days, default=7) / 7))


HOUR_PROBES = 3  # runs per review that check a "more weekly hours" proposal


def _hour_check(plan: Plan, progress: PlanProgress, rules: SchedulingRules,
                existing: Sequence[Block], review_minutes: int) -> HourCheck:
    """``check(goal id, plan hours, goal hours)``: whether the goal's work all fits with
    those budgets (the rest as it is); None once ``HOUR_PROBES`` runs are used."""
    runs = [HOUR_PROBES]
    done = {s.key for g in progress.goals for s in g.steps if s.done}

    def check(goal_id: str, hours: float, own: float | None) -> bool | None:
        if runs[0] <= 0:
            return None
        runs[0] -= 1
        trial = replace(plan, weekly_hours=hours if plan.weekly_hours is not None
                        or own is None else None,
                        goals=tuple(replace(g, weekly_hours=own)
                                    if g.id == goal_id and own is not None else g
                                    for g in plan.goals))
        result = _what_fits(trial, rules, progress.now, done, existing, review_minutes)
        goal = plan.goal(goal_id)
        return not any(u.step.startswith(f"{goal.key}/") and "/habit:" not in u.step
                       for u in result.unscheduled)

    return check


def _later(goal: Goal, weeks: int) -> Goal:
    def later(day: date | None) -> date | None:
        if day is None or date.max - day < timedelta(weeks=weeks):
            return day  # none, or so far off that it binds nothing anyway
        return day + timedelta(weeks=weeks)

    return replace(goal, deadline=later(goal.deadline), milestones=tuple(
        replace(m, due=later(m.due), steps=tuple(replace(s, due=later(s.due))
                                                 for s in m.steps))
        for m in goal.milestones))


def _with_dues(goal: Goal, dues: Dues) -> Goal:
    return replace(goal, deadline=dues.get(goal.key, goal.deadline), milestones=tuple(
        replace(m, due=dues.get(m.key, m.due), steps=tuple(
            replace(s, due=dues.get(s.key, s.due)) for s in m.steps))
        for m in goal.milestones))


def _for_goal(plan: Plan, progress: PlanProgress, goal: GoalProgress,
              missing: Mapping[str, int], relaxed: Mapping[str, Dues],
              check: HourCheck | None) -> list[Adjustment]:
    shortfall = _shortfall(goal, progress.today, missing)
    capacity = goal.velocity_hours_per_week or plan.weekly_hours or FALLBACK_WEEKLY_HOURS
    move = _scheduled_move(plan, goal, relaxed.get(goal.id)) \
        if INFEASIBLE in goal.conditions else None
    if move is None:
        move = _move_deadline(plan, goal, shortfall, capacity)
    proposals = [a for a in (move, _weekly_hours(plan, progress, goal, missing, check))
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


def _scheduled_move(plan: Plan, goal: GoalProgress, dues: Dues | None) -> Adjustment | None:
    """The move-deadline the scheduler vouches for (see the module doc), or None when
    nothing tried fits, or nothing binds."""
    if not dues:
        return None
    model = plan.goal(goal.id)
    moves = tuple((key, day) for key, day in dues.items() if key != model.key)
    new = dues.get(model.key, goal.deadline) or max(dues.values())
    return _deadline_adjustment(plan, goal, new, moves)


def _deadline_adjustment(plan: Plan, goal: GoalProgress, new: date,
                         moves: tuple[tuple[str, date], ...]) -> Adjustment:
    names = {m.key: m.title for m in plan.goal(goal.id).milestones}
    names |= {s.key: s.title for s in plan.goal(goal.id).steps}
    olds = {m.key: m.due for m in plan.goal(goal.id).milestones}
    olds |= {s.key: s.due for s in plan.goal(goal.id).steps}
    detail = ", ".join(f"{names[k]} {_iso(olds[k])} → {d.isoformat()}" for k, d in moves)
    if goal.deadline is None:  # no deadline of its own: the due dates alone move
        text = f"Move the due dates in {goal.title} ({detail})."
    elif new > goal.deadline:
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


HourCheck = Callable[[str, float, float | None], bool | None]


def _weekly_hours(plan: Plan, progress: PlanProgress, goal: GoalProgress,
                  missing: Mapping[str, int], check: HourCheck | None) -> Adjustment | None:
    """More weekly hours: for an infeasible goal, the fewer of two estimates (the hours
    the scheduler could not place spread over the weeks before the due dates they must
    meet; the remaining work over the weeks left) that ``check`` finds the goal's work
    fits with (none when neither does: the budget is not what binds); else the second.
    Unchecked (no ``check``, or its runs used up): the larger."""
    if goal.deadline is None or goal.remaining_minutes == 0:
        return None
    weeks = (goal.deadline - progress.today).days / 7
    if weeks <= 0:
        return None
    extras = [goal.remaining_minutes / 60 / weeks - goal.velocity_hours_per_week]
    unplaced = [(s.due, missing[s.key]) for s in goal.open_steps
                if missing.get(s.key, 0) > 0 and s.due is not None]
    if INFEASIBLE in goal.conditions and unplaced:
        extras.append(max(sum(m for d, m in unplaced if d <= due) / 60
                          / max((due - progress.today).days / 7, 1 / 7)
                          for due, _ in unplaced))
    own = plan.goal(goal.id).weekly_hours
    base = plan.weekly_hours
    if base is None and own is None:
        base = sum(g.velocity_hours_per_week for g in progress.goals)
    candidates = sorted({math.ceil(((own if own is not None else base or 0) + e) * 2) / 2
                         for e in extras if e > 0})
    candidates = [c for c in candidates if c <= MAX_WEEKLY_HOURS]
    new = None
    for value in candidates:
        verdict = None if check is None else check(
            goal.id, value if own is None else (base or 0) + value - own,
            value if own is not None else None)
        if verdict is None:
            new = candidates[-1]
            break
        if verdict:
            new = value
            break
    if new is None:
        return None
    if own is not None:  # the goal's own budget binds first; the plan's grows with it
        return Adjustment(f"{goal.id}/{WEEKLY_HOURS}", WEEKLY_HOURS, goal.id, None, None, new,
                          f"Give {goal.title} {new:g} hours a week (now {own:g}) so it can "
                          f"finish by {goal.deadline.isoformat()}.")
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
