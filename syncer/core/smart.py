"""SMART checks: warnings about goals that are not Specific, Measurable, Achievable,
Relevant or Time-bound.

Pure: a function of the plan, the rules (rules/smart.toml, see ``SmartRules``) and ``now``.
Every warning is a ``Problem`` with severity "warning", a stable code (``smart-...``) and
the position of the field it is about (or of the goal/step when the field is missing).

Capacity (Achievable): goals are taken in deadline order; for each deadline the open
step estimates plus habit time of every goal due by then must fit in the weeks left at
the plan's weekly hours. This is the earliest-deadline-first bound, so a warning means
no schedule at all can meet the deadlines, not just that a heuristic failed.
"""

from __future__ import annotations

import difflib
import re
import zoneinfo
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from typing import Any

from syncer.core.model import Goal, Plan, Problem, pos_of
from syncer.core.moments import require_aware
from syncer.errors import ConfigError
from syncer.wording import count


@dataclass(frozen=True, slots=True)
class SmartRules:
    """The ``smart`` rules; each field is documented in rules/smart.toml."""

    vague_phrases: tuple[str, ...] = ("get better at", "improve", "work on", "try to")
    min_specific_words: int = 5
    default_weekly_hours: float = 10.0
    capacity_warn_ratio: float = 1.0
    short_term_days: int = 365
    ignore: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SmartRules:
        """Build from the ``smart`` table of the merged rules (``syncer.policy``).

        Raises ConfigError for an unknown key (with a did-you-mean), a wrong type or a
        value out of range.
        """
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean `{close[0]}`?" if close else ""
                raise ConfigError(f"unknown setting `rules.smart.{key}`{hint}",
                                  hint=f"settings are: {', '.join(known)}")
        base = cls()
        rules = cls(
            vague_phrases=_strings(data, "vague_phrases", base.vague_phrases),
            min_specific_words=int(_number(data, "min_specific_words", base.min_specific_words)),
            default_weekly_hours=_number(data, "default_weekly_hours",
                                         base.default_weekly_hours),
            capacity_warn_ratio=_number(data, "capacity_warn_ratio", base.capacity_warn_ratio),
            short_term_days=int(_number(data, "short_term_days", base.short_term_days)),
            ignore=_strings(data, "ignore", base.ignore),
        )
        if rules.default_weekly_hours <= 0 or rules.capacity_warn_ratio <= 0:
            raise ConfigError("`rules.smart.default_weekly_hours` and "
                              "`rules.smart.capacity_warn_ratio` must be more than zero")
        return rules


def _number(data: Mapping[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"`rules.smart.{key}` must be a number of zero or more, got {value!r}")
    return float(value)


def _strings(data: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = data.get(key, default)
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"`rules.smart.{key}` must be a list of strings")
    return tuple(value)


def plan_today(plan: Plan, now: datetime) -> date:
    """The calendar date of ``now`` (aware, else ValueError) in the plan's timezone."""
    require_aware(now, "smart_check")
    return now.astimezone(zoneinfo.ZoneInfo(plan.timezone)).date()


def effective_horizon(goal: Goal, today: date, short_term_days: int = 365) -> str | None:
    """The goal's ``horizon``; when absent, short-term if the deadline is at most
    ``short_term_days`` after ``today``, else long-term; None without a deadline."""
    if goal.horizon:
        return goal.horizon
    if goal.deadline is None:
        return None
    return "short-term" if goal.deadline <= today + timedelta(days=short_term_days) else "long-term"


def smart_check(plan: Plan, rules: SmartRules, now: datetime) -> list[Problem]:
    """Every SMART warning for ``plan`` at ``now``, in plan order."""
    today = plan_today(plan, now)
    found = [p for goal in plan.goals for p in _goal_warnings(goal, rules, today)]
    found += _capacity_warnings(plan, rules, today)
    return [p for p in found if p.code not in rules.ignore]


def _warn(pos: Any, code: str, message: str) -> Problem:
    return Problem(pos, code, message, severity="warning")


def _goal_warnings(goal: Goal, rules: SmartRules, today: date) -> Iterator[Problem]:
    yield from _specific(goal, rules)
    yield from _measurable(goal)
    yield from _achievable(goal)
    if not goal.relevant:
        yield _warn(goal.pos, "smart-relevant-missing",
                    f"goal `{goal.id}` does not say why it matters; add `relevant:`")
    yield from _time_bound(goal, rules, today)


def _specific(goal: Goal, rules: SmartRules) -> Iterator[Problem]:
    if not goal.specific:
        yield _warn(goal.pos, "smart-specific-missing",
                    f"goal `{goal.id}` has no `specific:` statement of exactly what you will "
                    "achieve")
    elif len(goal.specific.split()) < rules.min_specific_words:
        yield _warn(pos_of(goal, "specific"), "smart-specific-short",
                    f"the `specific` statement of goal `{goal.id}` has fewer than "
                    f"{rules.min_specific_words} words; say what, where and how")
    for name in ("title", "specific"):
        phrase = _vague_phrase(getattr(goal, name), rules.vague_phrases)
        if phrase:
            yield _warn(pos_of(goal, name), "smart-specific-vague",
                        f"the {name} of goal `{goal.id}` is vague (\"{phrase}\"); "
                        "name the concrete result instead")


def _vague_phrase(text: str, phrases: Sequence[str]) -> str | None:
    for phrase in phrases:
        if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text, re.IGNORECASE):
            return phrase
    return None


def _measurable(goal: Goal) -> Iterator[Problem]:
    if goal.measurable is None:
        yield _warn(goal.pos, "smart-measurable-missing",
                    f"goal `{goal.id}` has no measurable target; add "
                    "`measurable: {metric: ..., target: ..., unit: ...}`")
    elif goal.measurable.current is not None and goal.measurable.current >= \
            goal.measurable.target:
        yield _warn(goal.measurable.pos, "smart-measurable-met",
                    f"goal `{goal.id}` already meets its target "
                    f"({goal.measurable.current:g} of {goal.measurable.target:g}); "
                    "raise the target or close the goal")


def _achievable(goal: Goal) -> Iterator[Problem]:
    if not goal.achievable:
        yield _warn(goal.pos, "smart-achievable-missing",
                    f"goal `{goal.id}` does not say how it is achievable; add `achievable:`")
    if not goal.steps and not goal.habits:
        yield _warn(goal.pos, "smart-achievable-no-steps",
                    f"goal `{goal.id}` has no steps or habits; add milestones with steps")
    for step in goal.steps:
        if step.estimate_minutes is None and not step.done:
            yield _warn(step.pos, "smart-estimate-missing",
                        f"step `{step.key}` has no estimate, so it gets no time on the "
                        "calendar; add e.g. `estimate: 1h`")


def _time_bound(goal: Goal, rules: SmartRules, today: date) -> Iterator[Problem]:
    if goal.deadline is None:
        yield _warn(goal.pos, "smart-deadline-missing",
                    f"goal `{goal.id}` has no deadline; add `deadline: YYYY-MM-DD`")
        return
    if goal.deadline < today:
        yield _warn(pos_of(goal, "deadline"), "smart-deadline-past",
                    f"the deadline of goal `{goal.id}` ({goal.deadline}) has passed; "
                    "set a new one or close the goal")
    for milestone in goal.milestones:
        open_steps = [s for s in milestone.steps if not s.done]
        if milestone.due and milestone.due < today and open_steps:
            yield _warn(pos_of(milestone, "due"), "smart-milestone-overdue",
                        f"milestone `{milestone.key}` was due {milestone.due} and has "
                        f"{count(len(open_steps), 'open step')}")
    natural = effective_horizon(replace(goal, horizon=None), today, rules.short_term_days)
    if goal.horizon and goal.horizon != natural and goal.deadline >= today:
        yield _warn(pos_of(goal, "horizon"), "smart-horizon-mismatch",
                    f"goal `{goal.id}` is marked {goal.horizon} but its deadline "
                    f"{goal.deadline} makes it {natural}")


def _open_hours(goal: Goal) -> float:
    return sum(s.estimate_minutes or 0 for s in goal.steps if not s.done) / 60


def _habit_hours(goal: Goal, weeks: float) -> float:
    return sum(h.per_week * h.duration_minutes for h in goal.habits) / 60 * weeks


def _capacity_warnings(plan: Plan, rules: SmartRules, today: date) -> Iterator[Problem]:
    weekly = plan.weekly_hours or rules.default_weekly_hours
    dated = sorted((g for g in plan.goals if g.deadline and g.deadline >= today),
                   key=lambda g: g.deadline or today)
    steps_due = habits_due = 0.0
    for index, goal in enumerate(dated):
        assert goal.deadline is not None
        weeks = max((goal.deadline - today).days, 1) / 7
        steps_due += _open_hours(goal)
        habits_due += _habit_hours(goal, weeks)
        available = weeks * weekly
        if steps_due + habits_due > available * rules.capacity_warn_ratio:
            goals = ", ".join(f"`{g.id}`" for g in dated[: index + 1])
            yield _warn(pos_of(goal, "deadline"), "smart-over-capacity",
                        f"goals {goals} need about {steps_due + habits_due:.0f} h by "
                        f"{goal.deadline} ({steps_due:.0f} h of steps, {habits_due:.0f} h of "
                        f"habits), but {weeks:.0f} weeks at {weekly:g} h/week give "
                        f"{available:.0f} h; move the deadline, cut steps or raise "
                        "`weekly_hours`")
            return
