"""Does the plan fit its week? The scheduler's own answer, as ``goalsync check`` warnings.

``fit_warnings`` schedules the plan on an empty calendar (no busy time: the best case)
with the scheduling rules, the plan's ``weekly_hours`` and each goal's, and warns when
work cannot be booked before its deadline: how many hours are missing, and the first
week that overflows (the first week, up to the earliest missed deadline, whose goal work
is booked up to its budget or its goal hours). Pure: values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from syncer.core.durations import format_duration
from syncer.core.model import Plan, Problem, Schedule, pos_of
from syncer.core.schedule import plan_horizon, schedule
from syncer.core.schedule_rules import SchedulingRules

OVER_BUDGET = "over-budget"


def fit_warnings(plan: Plan, rules: SchedulingRules, now: datetime) -> list[Problem]:
    """Warnings about work that does not fit the budget and goal hours (may be empty).
    Raises PlanError when a goal or habit names an hour set the rules do not have."""
    result = schedule(plan, rules, now=now, horizon_end=plan_horizon(plan, rules, now))
    return list(_warnings(plan, rules, now, result))


def _warnings(plan: Plan, rules: SchedulingRules, now: datetime,
              result: Schedule) -> Iterator[Problem]:
    zone = ZoneInfo(plan.timezone)
    today = now.astimezone(zone).date()
    open_dues = _dues(plan)
    # work whose deadline has passed is the SMART check's to report, not the budget's
    missing = [u for u in result.unscheduled if u.missing_minutes > 0
               and _not_past(open_dues.get(u.step), today)]
    if not missing:
        return
    steps = {s.key: s for s in plan.steps()}
    hours = sum(u.missing_minutes for u in missing)
    dues = [open_dues[u.step] for u in missing if open_dues.get(u.step) is not None]
    first_due = min((d for d in dues if d is not None), default=None)
    week = _first_full_week(plan, rules, today, first_due, result, zone)
    count_steps = sum(1 for u in missing if u.step in steps)
    count_habits = len(missing) - count_steps
    what = " and ".join(part for part in (
        f"{count_steps} step(s)" if count_steps else "",
        f"{count_habits} habit(s)" if count_habits else "") if part)
    budget = (f"{plan.weekly_hours:g} h a week" if plan.weekly_hours is not None
              else "no weekly budget")
    when = f"; the first week that overflows starts {_day(week)}" if week else ""
    deadline = f" (first missed deadline {_day(first_due)})" if first_due else ""
    where = pos_of(plan, "weekly_hours") if plan.weekly_hours is not None else plan.pos
    yield Problem(
        where, OVER_BUDGET,
        f"the plan does not fit its week: {format_duration(hours)} of work ({what}) cannot "
        f"be booked before the deadlines with {budget} inside the goal hours{when}"
        f"{deadline}; raise `weekly_hours`, choose more hours, move deadlines or cut "
        "steps (`goalsync schedule` lists each one)", severity="warning")


def _not_past(due: date | None, today: date) -> bool:
    return due is None or due >= today


def _dues(plan: Plan) -> dict[str, date | None]:
    """Each step's and habit's deadline (step due, else milestone due, else goal's)."""
    out: dict[str, date | None] = {}
    for goal in plan.goals:
        for habit in goal.habits:
            out[habit.key] = goal.deadline
        for milestone in goal.milestones:
            for step in milestone.steps:
                out[step.key] = step.due or milestone.due or goal.deadline
    return out


def _first_full_week(plan: Plan, rules: SchedulingRules, today: date, until: date | None,
                     result: Schedule, zone: ZoneInfo) -> date | None:
    """Monday of the first week up to ``until`` whose booked goal work reaches the
    weekly budget, or that has no room left for one more session."""
    booked: dict[date, int] = {}
    for block in result.blocks:
        day = block.start.astimezone(zone).date()
        monday = day - timedelta(days=day.weekday())
        booked[monday] = booked.get(monday, 0) + block.minutes
    monday = today - timedelta(days=today.weekday())
    last = until or max(booked, default=monday)
    budget = None if plan.weekly_hours is None else round(plan.weekly_hours * 60)
    fallback = None
    while monday <= last:
        used = booked.get(monday, 0)
        if budget is not None and used + rules.min_block > budget:
            return monday
        if fallback is None and used > 0:
            fallback = monday
        monday += timedelta(days=7)
    return fallback


def _day(day: date | None) -> str:
    return "" if day is None else f"{day:%a} {day.day} {day:%b %Y}"
