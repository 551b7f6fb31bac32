"""Does the plan fit its week? The scheduler's own answer, as ``goalsync check`` warnings.

``fit_warnings`` schedules the plan on an empty calendar (no busy time: the best case)
with the scheduling rules, the plan's ``weekly_hours`` and each goal's, from the start
of the current Monday-to-Sunday week (so the answer does not depend on the day or the
hour ``check`` runs), and warns when work cannot be booked before its deadline: how
many hours are missing and *why*, each part named by what the person can change:

* the weekly budget: the hours that fit once ``weekly_hours`` (the plan's and the
  goals') no longer caps the week; with the first week that overflows (the first week,
  up to the earliest missed deadline, whose goal work is booked up to its budget);
* public holidays of the ``holidays`` region (the plan's, else the rules'): the hours
  that fit once they are booked too;
* the goal hours (hour sets, daily cap) before the deadlines: the rest, with what each
  hour set used can hold in a week at most.

Steps name their first missed deadline (the step's due, else its milestone's, else the
goal's); a habit names the first week that lacks sessions. A goal whose own
``weekly_hours`` exceeds the plan's gets a warning of its own (``goal-budget``): a
goal's budget is a share of the plan's, so the excess can never be booked. Pure:
values in, values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncer.core.durations import format_duration
from syncer.core.model import Plan, Problem, Schedule, Unscheduled, pos_of
from syncer.core.schedule import holiday_region, plan_horizon, schedule
from syncer.core.schedule_rules import SchedulingRules

OVER_BUDGET = "over-budget"
GOAL_BUDGET = "goal-budget"


def fit_warnings(plan: Plan, rules: SchedulingRules, now: datetime, *,
                 review_minutes: int = 0) -> list[Problem]:
    """Warnings about work that does not fit the budget and goal hours (may be empty).
    ``review_minutes`` are the weekly review's, taken off every week's budget as the
    sync does. Raises PlanError when a goal or habit names an hour set the rules do not
    have."""
    zone = ZoneInfo(plan.timezone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today - timedelta(days=today.weekday()), time(), zone)
    warnings = list(_goal_budgets(plan))

    def run(p: Plan, r: SchedulingRules) -> Schedule:
        # what does not fit is the question, not which steps give way: no rescue pass
        return schedule(p, r, now=start, horizon_end=plan_horizon(p, r, start),
                        review_minutes=review_minutes, rescue=False)

    result = run(plan, rules)
    dues = _dues(plan)
    # work whose deadline has passed is the SMART check's to report, not the budget's
    missing = [u for u in result.unscheduled if u.missing_minutes > 0
               and _not_past(dues.get(u.step), today)]
    if not missing:
        return warnings
    total = _minutes(missing)
    free = _unbudgeted(plan)
    within_hours = total  # what is missing with no budget at all
    if free is not plan and _budget_may_bind(plan, rules):
        within_hours = _minutes(_still_missing(run(free, rules), dues, today))
    outside_holidays = within_hours  # ...and with public holidays booked too
    if within_hours and holiday_region(plan, rules) and not rules.book_holidays:
        outside_holidays = _minutes(_still_missing(
            run(free, replace(rules, book_holidays=True)), dues, today))
    parts = _parts(plan, rules, result, missing, today, zone, dues,
                   budget=max(0, total - within_hours),
                   holidays=max(0, within_hours - outside_holidays),
                   hours=min(total, outside_holidays), review_minutes=review_minutes)
    where = pos_of(plan, "weekly_hours") if plan.weekly_hours is not None else plan.pos
    warnings.append(Problem(
        where, OVER_BUDGET,
        f"the plan does not fit its week: {format_duration(total)} of work "
        f"({_what(plan, missing)}) cannot be booked before the deadlines: "
        + "; ".join(parts) + " (`goalsync schedule` lists each one)", severity="warning"))
    return warnings


def _goal_budgets(plan: Plan) -> Iterator[Problem]:
    """A goal's own ``weekly_hours`` above the plan's: the excess is never booked."""
    if plan.weekly_hours is None:
        return
    for goal in plan.goals:
        if goal.weekly_hours is not None and goal.weekly_hours > plan.weekly_hours:
            yield Problem(
                pos_of(goal, "weekly_hours"), GOAL_BUDGET,
                f"goal `{goal.id}` has `weekly_hours: {goal.weekly_hours:g}`, more than the "
                f"plan's {plan.weekly_hours:g} h a week: a goal's budget is a share of the "
                f"plan's, so it gets at most {plan.weekly_hours:g} h; lower the goal's or "
                "raise the plan's `weekly_hours`", severity="warning")


def _parts(plan: Plan, rules: SchedulingRules, result: Schedule,
           missing: Sequence[Unscheduled], today: date, zone: ZoneInfo,
           dues: dict[str, date | None], *, budget: int, holidays: int,
           hours: int, review_minutes: int) -> list[str]:
    """One sentence per cause with the hours it leaves out and what to change."""
    steps = {s.key for s in plan.steps()}
    step_dues = [dues[u.step] for u in missing if u.step in steps]
    first_due = min((d for d in step_dues if d is not None), default=None)
    deadline = f" (first missed deadline {_day(first_due)})" if first_due else ""
    habit_week = _first_short_habit_week(plan, result, missing, today, zone)
    if habit_week is not None:
        deadline += f" (habit sessions missing from the week of {_day(habit_week)})"
    parts = []
    if budget:
        week = _first_full_week(plan, rules, today, first_due, result, zone,
                                review_minutes)
        when = f", the first week that overflows starts {_day(week)}" if week else ""
        parts.append(f"{format_duration(budget)} because of the weekly budget "
                     f"({_budgets(plan)}{when}): raise `weekly_hours`")
    if holidays:
        how = ("`holidays: none` in the plan" if plan.holidays is not None
               else "`book_holidays = true`")
        parts.append(f"{format_duration(holidays)} fall on public holidays "
                     f"({holiday_region(plan, rules)}): {how} books them, or choose "
                     "more hours")
    if hours:
        parts.append(f"{format_duration(hours)} do not fit inside the goal hours "
                     f"({_capacities(plan, rules, missing)}) before the deadlines: choose "
                     "more hours, move deadlines or cut steps")
    if parts:
        parts[-1] += deadline
    return parts


def _what(plan: Plan, missing: Sequence[Unscheduled]) -> str:
    steps = {s.key for s in plan.steps()}
    count_steps = sum(1 for u in missing if u.step in steps)
    count_habits = len(missing) - count_steps
    return " and ".join(part for part in (
        _counted(count_steps, "step") if count_steps else "",
        _counted(count_habits, "habit") if count_habits else "") if part)


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _budgets(plan: Plan) -> str:
    own = [f"`{g.id}` {g.weekly_hours:g} h" for g in plan.goals if g.weekly_hours is not None]
    text = f"{plan.weekly_hours:g} h a week" if plan.weekly_hours is not None else ""
    if own:
        text = ", ".join([text, *own]) if text else ", ".join(own) + " a week"
    return text


def _capacities(plan: Plan, rules: SchedulingRules, missing: Sequence[Unscheduled]) -> str:
    """What each hour set the missing work uses holds in a week at most (its windows,
    each day held to the daily cap)."""
    sets: dict[str, None] = {}
    for goal in plan.goals:
        keys = {s.key for s in goal.steps} | {h.key for h in goal.habits}
        for item in missing:
            if item.step in keys:
                habit = next((h for h in goal.habits if h.key == item.step), None)
                name = (habit.hours if habit is not None else None) or goal.hours \
                    or rules.goal_hours
                sets[name] = None
    return "; ".join(f"`{name}`: at most {format_duration(_week_minutes(rules, name))} a week"
                     for name in sets)


def _week_minutes(rules: SchedulingRules, name: str) -> int:
    return sum(min(rules.daily_cap, sum(b - a for a, b in day))
               for day in rules.week_of(name))


def _budget_may_bind(plan: Plan, rules: SchedulingRules) -> bool:
    """Whether a budget is below what the hour sets could hold in a week (else lifting
    the budgets cannot change anything, and the second run is skipped)."""
    names = {rules.goal_hours} | {g.hours for g in plan.goals if g.hours} | {
        h.hours for h in plan.habits() if h.hours}
    days = [_union(w for name in names for w in rules.week_of(name)[d]) for d in range(7)]
    most = sum(min(rules.daily_cap, sum(b - a for a, b in spans)) for spans in days)
    if plan.weekly_hours is not None and plan.weekly_hours * 60 < most:
        return True
    return any(g.weekly_hours is not None and g.weekly_hours * 60 < most for g in plan.goals)


def _union(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _unbudgeted(plan: Plan) -> Plan:
    if plan.weekly_hours is None and all(g.weekly_hours is None for g in plan.goals):
        return plan
    return replace(plan, weekly_hours=None,
                   goals=tuple(replace(g, weekly_hours=None) for g in plan.goals))


def _still_missing(result: Schedule, dues: dict[str, date | None],
                   today: date) -> list[Unscheduled]:
    return [u for u in result.unscheduled if u.missing_minutes > 0
            and _not_past(dues.get(u.step), today)]


def _minutes(items: Iterable[Unscheduled]) -> int:
    return sum(u.missing_minutes for u in items)


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


def _first_short_habit_week(plan: Plan, result: Schedule, missing: Sequence[Unscheduled],
                            today: date, zone: ZoneInfo) -> date | None:
    """Monday of the first whole week (from this one) in which a habit that misses
    sessions has fewer than its ``per_week``."""
    short = {u.step for u in missing}
    first: date | None = None
    monday = today - timedelta(days=today.weekday())
    for habit in plan.habits():
        if habit.key not in short:
            continue
        counts: dict[date, int] = {}
        for block in result.blocks:
            if block.step == habit.key:
                day = block.start.astimezone(zone).date()
                week = day - timedelta(days=day.weekday())
                counts[week] = counts.get(week, 0) + 1
        deadline = plan.goal(habit.goal_id).deadline
        last = max([monday, *counts])  # the planning horizon's last booked week
        if deadline is not None:
            last = min(deadline, last + timedelta(days=6))
        week = monday
        while week + timedelta(days=6) <= last:
            if counts.get(week, 0) < habit.per_week:
                first = week if first is None else min(first, week)
                break
            week += timedelta(days=7)
    return first


def _first_full_week(plan: Plan, rules: SchedulingRules, today: date, until: date | None,
                     result: Schedule, zone: ZoneInfo, review_minutes: int) -> date | None:
    """Monday of the first week up to ``until`` whose booked goal work reaches the
    weekly budget (less the review's minutes), or that has no room left for one more
    session."""
    booked: dict[date, int] = {}
    for block in result.blocks:
        day = block.start.astimezone(zone).date()
        monday = day - timedelta(days=day.weekday())
        booked[monday] = booked.get(monday, 0) + block.minutes
    monday = today - timedelta(days=today.weekday())
    last = until or max(booked, default=monday)
    budget = None if plan.weekly_hours is None else \
        round(plan.weekly_hours * 60) - review_minutes
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
