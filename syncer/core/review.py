"""Review triggers: which prompts a review should raise at ``now``, from rules/review.toml.

Pure: the plan, its progress, the rules, ``now`` and what earlier reviews recorded go in;
a list of ``Prompt`` values comes out, in a stable order (check-ins first, then per goal
in plan order). Each trigger fires exactly when its rule says:

* ``weekly``: the latest weekly slot (``[weekly] day``/``time`` in the plan's timezone)
  at or before ``now`` is later than the last review (or there was none).
* ``quarterly``: enabled, a weekly slot has passed since the quarter began (January,
  April, July, October), and no quarterly check-in was recorded this quarter.
* ``monthly``: enabled, a weekly slot has passed since the month began, no monthly or
  quarterly check-in was recorded this month, and the quarterly one does not fire now.
* ``milestone-done``: a milestone is done and was not celebrated in an earlier review.
* ``infeasible`` / ``stalled`` / ``behind`` / ``at-risk``: that condition holds for a
  goal (whether or not it is the goal's status: a stalled goal can be behind too), or
  for a milestone while it does not hold for its goal.
* ``overdue``: a goal has open steps whose due date has passed (one prompt per goal).
* ``missed``: a goal has open steps whose planned blocks passed ``missed_times`` times or
  more (one prompt per goal); a ``missed_counts`` entry from history overrides the
  count derived from the baseline.
* ``deadline-near``: a goal or milestone that is not done is due within
  ``deadline_near_days`` days (today included, past due excluded) with progress below
  ``deadline_near_progress``.
* ``no-next-step``: a goal that is not done has no open step and no habit, or has no
  open step while its recorded measurable value is below the target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncer.core.desired import REVIEW_KEY
from syncer.core.model import Block, Plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    DONE,
    INFEASIBLE,
    STALLED,
    GoalProgress,
    MilestoneProgress,
    PlanProgress,
    ProgressRules,
)
from syncer.errors import ConfigError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
MILESTONE_DONE = "milestone-done"
STATUS_TRIGGERS = {INFEASIBLE: "infeasible", STALLED: "stalled", BEHIND: "behind",
                   AT_RISK: "at-risk"}
OVERDUE = "overdue"
MISSED = "missed"
DEADLINE_NEAR = "deadline-near"
NO_NEXT_STEP = "no-next-step"
TRIGGERS = (WEEKLY, MONTHLY, QUARTERLY, MILESTONE_DONE, *STATUS_TRIGGERS.values(), OVERDUE,
            MISSED, DEADLINE_NEAR, NO_NEXT_STEP)
_SWITCHES = {"milestone_done": MILESTONE_DONE, "behind": "behind", "at_risk": "at-risk",
             "infeasible": "infeasible", "stalled": "stalled", "overdue": OVERDUE,
             "missed": MISSED, "deadline_near": DEADLINE_NEAR, "no_next_step": NO_NEXT_STEP}

DEFAULT_WEEKLY_QUESTIONS = (
    "Am I meeting the deadlines I set?",
    "Have my priorities or aspirations changed?",
    "What new challenges or opportunities should I consider?",
    "What went well, and what will I change?",
)
DEFAULT_MONTHLY_QUESTIONS = (
    "Are my goals still aligned with my vision and my values?",
    "Which goal should I add, drop or re-scope?",
    "What did feedback from mentors and colleagues say?",
)
DEFAULT_QUARTERLY_QUESTIONS = (
    *DEFAULT_MONTHLY_QUESTIONS,
    "Which skills and relationships do I need for the next quarter?",
    "Is the balance between my short-term and long-term goals right?",
)


@dataclass(frozen=True, slots=True)
class ReviewRules:
    """rules/review.toml; its ``[progress]`` table is ``progress``."""

    weekday: int = 6  # Monday = 0
    at: time = time(18, 0)
    duration_minutes: int = 30
    weekly_questions: tuple[str, ...] = DEFAULT_WEEKLY_QUESTIONS
    monthly: bool = True
    monthly_questions: tuple[str, ...] = DEFAULT_MONTHLY_QUESTIONS
    quarterly: bool = True
    quarterly_questions: tuple[str, ...] = DEFAULT_QUARTERLY_QUESTIONS
    enabled: frozenset[str] = frozenset(TRIGGERS)
    missed_times: int = 2
    deadline_near_days: int = 14
    deadline_near_progress: float = 0.8
    progress: ProgressRules = ProgressRules()

    @classmethod
    def from_mapping(cls, rules: Mapping[str, Any]) -> ReviewRules:
        """Build from the review rules mapping (review.toml's tables, ``[progress]``
        included). Missing keys keep their defaults; wrong values raise ConfigError
        naming the key."""
        weekly = _table(rules, "weekly")
        monthly = _table(rules, "monthly")
        quarterly = _table(rules, "quarterly")
        trig = _table(rules, "triggers")
        values: dict[str, Any] = {}
        if "day" in weekly:
            values["weekday"] = _weekday(weekly["day"])
        if "time" in weekly:
            values["at"] = _clock(weekly["time"])
        _put(values, "duration_minutes", weekly, "duration_minutes", "weekly", _positive)
        _put(values, "weekly_questions", weekly, "questions", "weekly", _questions)
        _put(values, "monthly", monthly, "enabled", "monthly", _flag)
        _put(values, "monthly_questions", monthly, "questions", "monthly", _questions)
        _put(values, "quarterly", quarterly, "enabled", "quarterly", _flag)
        _put(values, "quarterly_questions", quarterly, "questions", "quarterly", _questions)
        _put(values, "missed_times", trig, "missed_times", "triggers", _positive)
        _put(values, "deadline_near_days", trig, "deadline_near_days", "triggers",
             _non_negative)
        _put(values, "deadline_near_progress", trig, "deadline_near_progress", "triggers",
             _share)
        off = {name for key, name in _SWITCHES.items() if _flag(trig.get(key, True),
                                                                  f"triggers.{key}") is False}
        values["enabled"] = frozenset(TRIGGERS) - off
        values["progress"] = ProgressRules.from_mapping(rules)
        return cls(**values)


def _table(rules: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = rules.get(name, {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"review rules: [{name}] must be a table")
    return table


def _put(values: dict[str, Any], field_name: str, table: Mapping[str, Any], key: str,
         section: str, check: Any) -> None:
    if key in table:
        values[field_name] = check(table[key], f"{section}.{key}")


def _weekday(value: object) -> int:
    name = str(value).strip().lower()
    for index, day in enumerate(WEEKDAYS):
        if name in (day, day[:3]):
            return index
    raise ConfigError(f"review rules: weekly.day must be a weekday such as \"sunday\", "
                      f"not {value!r}")


def _clock(value: object) -> time:
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ConfigError(f"review rules: weekly.time must be HH:MM, not {value!r}") from None


def _flag(value: object, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"review rules: {name} must be true or false, not {value!r}")
    return value


def _positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"review rules: {name} must be a whole number of at least 1, "
                          f"not {value!r}")
    return value


def _non_negative(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"review rules: {name} must be a whole number of at least 0, "
                          f"not {value!r}")
    return value


def _share(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"review rules: {name} must be a number between 0 and 1, "
                          f"not {value!r}")
    return float(value)


def _questions(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(q, str) for q in value):
        raise ConfigError(f"review rules: {name} must be a list of questions (strings)")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class ReviewHistory:
    """What earlier reviews recorded (from the state's review journal)."""

    last_monthly: datetime | None = None  # the last monthly *or* quarterly check-in
    last_quarterly: datetime | None = None
    celebrated: frozenset[str] = frozenset()  # milestone keys already celebrated
    missed_counts: Mapping[str, int] = field(default_factory=dict)  # step key → times


@dataclass(frozen=True, slots=True)
class Prompt:
    """One thing the review asks about. ``goal``/``milestone`` are ids (None for
    plan-wide check-ins)."""

    trigger: str
    goal: str | None
    milestone: str | None
    text: str
    questions: tuple[str, ...] = ()

    def as_json(self) -> dict[str, object]:
        return {"trigger": self.trigger, "goal": self.goal, "milestone": self.milestone,
                "text": self.text}


def last_weekly_slot(now: datetime, rules: ReviewRules, zone: ZoneInfo) -> datetime:
    """The latest weekly review slot at or before ``now`` (aware, in ``zone``)."""
    local = now.astimezone(zone)
    back = (local.weekday() - rules.weekday) % 7
    slot = datetime.combine(local.date() - timedelta(days=back), rules.at, zone)
    if slot > local:
        slot = datetime.combine(slot.date() - timedelta(days=7), rules.at, zone)
    return slot


def next_weekly_slot(now: datetime, rules: ReviewRules, zone: ZoneInfo) -> datetime:
    """The first weekly review slot after ``now`` (where the review block goes)."""
    slot = last_weekly_slot(now, rules, zone)
    return datetime.combine(slot.date() + timedelta(days=7), rules.at, zone)


def review_blocks(plan: Plan, rules: ReviewRules, now: datetime,
                  existing: Sequence[Block]) -> tuple[Block, ...]:
    """The "Weekly review" time blocks the calendar should hold at ``now``.

    ``existing`` are goalsync's blocks on the calendar (any key; only ``REVIEW_KEY``
    ones are looked at). Past review blocks stay as they are. In the future: a review
    block the user moved (pinned) stays where they put it and no other is added; else
    the block at the next slot (the current one while it runs) is kept, with its UID, or
    a new one (``uid=None``) is returned for the engine to create. Empty for a plan
    without goals.
    """
    if not plan.goals:
        return ()
    zone = ZoneInfo(plan.timezone)
    length = timedelta(minutes=rules.duration_minutes)
    current = last_weekly_slot(now, rules, zone)
    start = current if current + length > now else next_weekly_slot(now, rules, zone)
    ours = [b for b in existing if b.step == REVIEW_KEY]
    past = tuple(b for b in ours if b.end <= now)
    future = [b for b in ours if b.end > now]
    moved = tuple(b for b in future if b.pinned)
    if moved:
        return past + moved
    same = [b for b in future if b.start == start and b.end == start + length]
    return past + (same[0] if same else Block(REVIEW_KEY, start, start + length,
                                                why="the weekly review slot"),)


def triggers(
    plan: Plan,
    progress: PlanProgress,
    rules: ReviewRules,
    now: datetime,
    last_review: datetime | None,
    history: ReviewHistory | None = None,
) -> list[Prompt]:
    """Every prompt due at ``now`` (see the module docstring for each rule)."""
    history = history or ReviewHistory()
    zone = ZoneInfo(plan.timezone)
    prompts = _check_ins(plan, rules, now, last_review, history, zone)
    for goal in progress.goals:
        prompts.extend(_goal_prompts(goal, rules, progress.today, history))
    return [p for p in prompts if p.trigger in rules.enabled]


def _check_ins(plan: Plan, rules: ReviewRules, now: datetime, last_review: datetime | None,
               history: ReviewHistory, zone: ZoneInfo) -> list[Prompt]:
    slot = last_weekly_slot(now, rules, zone)
    prompts: list[Prompt] = []
    if last_review is None or last_review < slot:
        questions = (*rules.weekly_questions, *plan.reflection)
        prompts.append(Prompt(WEEKLY, None, None, "Weekly review: look back at the week "
                              "and ahead at the next one.", questions))
    month_start = datetime.combine(slot.date().replace(day=1), time(), zone)
    quarter_start = month_start.replace(month=(month_start.month - 1) // 3 * 3 + 1)
    local_month = datetime.combine(now.astimezone(zone).date().replace(day=1), time(), zone)
    local_quarter = local_month.replace(month=(local_month.month - 1) // 3 * 3 + 1)
    quarterly = (rules.quarterly and quarter_start == local_quarter
                 and _not_since(history.last_quarterly, local_quarter))
    monthly = (rules.monthly and not quarterly and month_start == local_month
               and _not_since(history.last_monthly, local_month))
    vision = f" Your vision: {plan.vision}" if plan.vision else ""
    if quarterly:
        prompts.append(Prompt(QUARTERLY, None, None, "Quarterly check-in: step back and "
                              "look at the whole plan." + vision, rules.quarterly_questions))
    if monthly:
        prompts.append(Prompt(MONTHLY, None, None, "Monthly check-in: is the plan still "
                              "the right plan?" + vision, rules.monthly_questions))
    return prompts


def _not_since(last: datetime | None, start: datetime) -> bool:
    return last is None or last < start


def _goal_prompts(goal: GoalProgress, rules: ReviewRules, today: date,
                  history: ReviewHistory) -> list[Prompt]:
    prompts = [_celebrate(m) for m in goal.milestones
               if m.status == DONE and m.key not in history.celebrated]
    prompts.extend(_status_prompts(goal))
    prompts.extend(_step_prompts(goal, rules, history))
    prompts.extend(_deadline_prompts(goal, rules, today))
    if _no_next_step(goal):
        prompts.append(Prompt(NO_NEXT_STEP, goal.id, None,
                              f"{goal.title} has no next step.",
                              ("What is the next concrete step for this goal?",
                               "Is the goal reached, or should it be re-scoped?")))
    return prompts


def _celebrate(milestone: MilestoneProgress) -> Prompt:
    reward = (f" Celebrate: {milestone.celebrate}." if milestone.celebrate
              else " Take a moment to celebrate it.")
    return Prompt(MILESTONE_DONE, milestone.goal, milestone.id,
                  f"Milestone done: {milestone.title}!{reward}",
                  ("What helped you get there?",))


_STATUS_QUESTIONS = {
    INFEASIBLE: ("The remaining work does not fit before the deadline: move the deadline, "
                 "add weekly hours, or drop or shorten a step?",),
    STALLED: ("What is blocking this goal?", "What is the smallest next step?"),
    BEHIND: ("What got in the way?", "What will you change this week to catch up?"),
    AT_RISK: ("At this pace the deadline slips: move it, add weekly hours, or cut scope?",),
}


def _status_prompts(goal: GoalProgress) -> list[Prompt]:
    prompts = [_status_prompt(c, goal.id, None, goal.title, goal.progress, goal.expected,
                              goal.forecast, goal.deadline)
               for c in goal.conditions if c in STATUS_TRIGGERS]
    for m in goal.milestones:
        prompts += [_status_prompt(c, goal.id, m.id, m.title, m.progress, m.expected,
                                   m.forecast, m.due)
                    for c in m.conditions if c in STATUS_TRIGGERS and c not in goal.conditions]
    return prompts


def _status_prompt(status: str, goal: str, milestone: str | None, title: str,
                   progress: float, expected: float | None, forecast: date | None,
                   due: date | None) -> Prompt:
    facts = f"{progress:.0%} done"
    if expected is not None:
        facts += f", {expected:.0%} expected by now"
    if forecast is not None:
        facts += f", forecast {forecast.isoformat()}"
    if due is not None:
        facts += f", due {due.isoformat()}"
    return Prompt(STATUS_TRIGGERS[status], goal, milestone, f"{title} is {status} ({facts}).",
                  _STATUS_QUESTIONS[status])


def _step_prompts(goal: GoalProgress, rules: ReviewRules,
                  history: ReviewHistory) -> list[Prompt]:
    prompts = []
    overdue = [s for s in goal.open_steps if s.overdue]
    if overdue:
        names = "; ".join(f"{s.title} (due {s.due.isoformat()})" for s in overdue if s.due)
        prompts.append(Prompt(OVERDUE, goal.id, _common_milestone(overdue),
                              f"Overdue in {goal.title}: {names}.",
                              ("Do these steps still matter? Re-date, shorten or drop them?",)))
    missed = [(s, history.missed_counts.get(s.key, s.missed)) for s in goal.open_steps]
    missed = [(s, n) for s, n in missed if n >= rules.missed_times]
    if missed:
        names = "; ".join(f"{s.title} ({n} times)" for s, n in missed)
        prompts.append(Prompt(MISSED, goal.id, _common_milestone([s for s, _ in missed]),
                              f"Planned time missed in {goal.title}: {names}.",
                              ("What keeps these blocks from happening?",
                               "Should they move to a better time, or shrink?")))
    return prompts


def _common_milestone(steps: Sequence[Any]) -> str | None:
    milestones = {s.milestone for s in steps}
    return milestones.pop() if len(milestones) == 1 else None


def _deadline_prompts(goal: GoalProgress, rules: ReviewRules, today: date) -> list[Prompt]:
    items: list[tuple[str | None, str, date | None, float, str]] = [
        (None, goal.title, goal.deadline, goal.progress, goal.status)]
    items += [(m.id, m.title, m.due, m.progress, m.status) for m in goal.milestones]
    prompts = []
    for milestone, title, due, share, status in items:
        if status == DONE or due is None or share >= rules.deadline_near_progress:
            continue
        days = (due - today).days
        if 0 <= days <= rules.deadline_near_days:
            prompts.append(Prompt(DEADLINE_NEAR, goal.id, milestone,
                                  f"{title} is due {due.isoformat()} (in {days} days) and is "
                                  f"{share:.0%} done.",
                                  ("What must happen before the deadline?",
                                   "Is the deadline still realistic?")))
    return prompts


def _no_next_step(goal: GoalProgress) -> bool:
    if goal.open_steps:
        return False
    if not goal.steps:
        return goal.status != DONE and not goal.has_habits
    return goal.target is not None and goal.current is not None and goal.current < goal.target
