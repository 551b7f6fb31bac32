"""What the plan and its schedule want the remote side to look like (pure).

``desired_tasks`` turns a plan into one ``TaskSpec`` per milestone, open step and habit,
plus one recurring "Weekly review" task. ``desired_blocks`` turns the scheduled blocks
into ``BlockSpec`` values, but only those inside the rolling window (plus blocks that
already exist on the calendar, which are kept up to date wherever they are): the whole
horizon is planned, the calendar only shows the next few weeks.

Every task description carries the SMART context of its goal, so the person sees *why*
a step matters where they do it. Same input, same output: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from syncer.core.durations import format_duration
from syncer.core.identity import REVIEW_KEY
from syncer.core.model import Block, Goal, Habit, Milestone, Plan, Schedule, Step
from syncer.core.values import BlockSpec, TaskSpec

if TYPE_CHECKING:
    from syncer.core.review import ReviewRules

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Spread n sessions a week over the days as evenly as a person would.
_HABIT_DAYS = {
    1: ("MO",), 2: ("MO", "TH"), 3: ("MO", "WE", "FR"), 4: ("MO", "TU", "TH", "FR"),
    5: _DAYS[:5], 6: _DAYS[:6], 7: _DAYS,
}
DEFAULT_REVIEW_QUESTIONS = (
    "Am I meeting the deadlines I set?",
    "Have my priorities or aspirations changed?",
    "What new challenges or opportunities should I consider?",
)


# --------------------------------------------------------------------------- tasks


def desired_tasks(plan: Plan, schedule: Schedule, now: datetime,
                  review: ReviewRules | None = None, review_notes: str | None = None,
                  ) -> list[TaskSpec]:
    """Every task the plan wants, in plan order.

    Steps marked done in the plan file get no task (an existing one is left alone).
    A step's ``due`` is when its scheduled work ends (the end of its last block), but
    never after its own due date or its milestone's (then that date); without blocks,
    its own due date, else its milestone's, else its goal's deadline. Its ``deadline``
    is its milestone's due date (or its own due date). Habits and the review recur:
    their ``due`` is the date of their next occurrence (today included) in the plan's
    zone, the anchor a to-do app advances from. ``review`` is the ``[weekly]`` table of
    rules/review.toml (day, time, questions).
    """
    work_ends = _last_block_ends(schedule.blocks)
    today = now.astimezone(ZoneInfo(plan.timezone)).date()
    tasks: list[TaskSpec] = []
    for goal in plan.goals:
        for milestone in goal.milestones:
            tasks.append(_milestone_task(plan, goal, milestone))
            tasks.extend(_step_task(plan, goal, milestone, step, work_ends.get(step.key),
                                    plan.timezone)
                         for step in milestone.steps if not step.done)
        tasks.extend(_habit_task(plan, goal, habit, today,
                                 _habit_days(habit, schedule.blocks, plan.timezone, today))
                     for habit in goal.habits)
    if plan.goals:
        tasks.append(_review_task(plan, review, review_notes, today))
    return [_fitted(task) for task in tasks]


# What to-do apps accept (Todoist's "Usage limits": task names 500 characters,
# descriptions 16,383 with goalsync's marker line, label names 60): longer values are
# shortened here, for every backend alike, so no request fails and what is compared
# with the server is what was sent.
MAX_TITLE = 500
MAX_DESCRIPTION = 15_000  # leaves room for a marker line of long ids
MAX_LABEL = 60


def _fitted(spec: TaskSpec) -> TaskSpec:
    """``spec`` within the lengths apps accept: a long title is shortened with an
    ellipsis and kept whole at the top of the description; a long description is cut;
    long labels are shortened."""
    title, description = spec.title, spec.description
    if len(title) > MAX_TITLE:
        description = f"{title}\n\n{description}".strip()
        title = _shortened(title, MAX_TITLE)
    if len(description) > MAX_DESCRIPTION:
        description = _shortened(description, MAX_DESCRIPTION)
    labels = tuple(dict.fromkeys(_shortened(label, MAX_LABEL) for label in spec.labels))
    if (title, description, labels) == (spec.title, spec.description, spec.labels):
        return spec
    return replace(spec, title=title, description=description, labels=labels)


def _shortened(text: str, longest: int) -> str:
    return text if len(text) <= longest else text[:longest - 1].rstrip() + "…"


def next_occurrence(rrule: str, today: date) -> date:
    """The first day on or after ``today`` that a weekly ``BYDAY`` rule falls on
    (``today`` for any other rule): DTSTART/DUE of a recurring to-do."""
    parts = dict(p.split("=", 1) for p in rrule.upper().split(";") if "=" in p)
    days = {d[-2:] for d in parts.get("BYDAY", "").split(",") if d[-2:] in _DAYS}
    if parts.get("FREQ") != "WEEKLY" or not days:
        return today
    for ahead in range(7):
        day = today + timedelta(days=ahead)
        if _DAYS[day.weekday()] in days:
            return day
    return today  # unreachable: a non-empty BYDAY matches within a week


def plan_keys(plan: Plan) -> frozenset[str]:
    """Every key the plan knows, done steps included: objects with these keys are never
    deleted as "removed from the plan"."""
    keys: set[str] = {REVIEW_KEY} if plan.goals else set()
    for goal in plan.goals:
        keys.add(goal.key)
        keys.update(h.key for h in goal.habits)
        for milestone in goal.milestones:
            keys.add(milestone.key)
            keys.update(s.key for s in milestone.steps)
    return frozenset(keys)


def _last_block_ends(blocks: Iterable[Block]) -> dict[str, datetime]:
    """When each step's scheduled work ends: the end of its last block."""
    last: dict[str, datetime] = {}
    for block in blocks:
        if block.step not in last or block.end > last[block.step]:
            last[block.step] = block.end
    return last


def _milestone_task(plan: Plan, goal: Goal, milestone: Milestone) -> TaskSpec:
    lines = [f"Milestone of: {goal.title}"]
    if milestone.due:
        lines.append(f"Due: {milestone.due.isoformat()}")
    if milestone.celebrate:
        lines.append(f"Celebrate: {milestone.celebrate}")
    lines += ["", *smart_context(goal)]
    return TaskSpec(
        key=milestone.key, kind="milestone", title=milestone.title, goal_id=goal.id,
        goal_title=goal.title, description="\n".join(lines).strip(),
        milestone_id=milestone.id, milestone_title=milestone.title,
        due=milestone.due, deadline=milestone.due, priority=goal.priority,
        labels=goal.labels, plan_id=plan.id,
    )


def _step_task(plan: Plan, goal: Goal, milestone: Milestone, step: Step,
               work_end: datetime | None, zone: str) -> TaskSpec:
    deadline = step.due or milestone.due
    latest = min((d for d in (step.due, milestone.due) if d is not None), default=None)
    due: date | datetime | None = step.due or milestone.due or goal.deadline
    if work_end is not None:
        # a block ending at midnight is work of the day before
        last_day = (work_end.astimezone(ZoneInfo(zone)) - timedelta(microseconds=1)).date()
        due = latest if latest is not None and last_day > latest else work_end
    return TaskSpec(
        key=step.key, kind="step", title=step.title, goal_id=goal.id,
        goal_title=goal.title, description=step_description(goal, milestone, step),
        milestone_id=milestone.id, milestone_title=milestone.title, due=due,
        deadline=deadline, duration_minutes=step.estimate_minutes or None,
        priority=goal.priority, labels=goal.labels, parent_key=milestone.key,
        plan_id=plan.id,
    )


HABIT_DAYS_WEEKS = 4  # how many weeks of booked sessions choose a habit task's weekdays


def _habit_days(habit: Habit, blocks: Sequence[Block], timezone: str,
                today: date) -> tuple[str, ...]:
    """The weekdays a habit's recurring task repeats on: the days its sessions are
    booked on most often in the next ``HABIT_DAYS_WEEKS`` weeks (so the to-do app and the
    calendar agree), filled up from the fixed spread (``_HABIT_DAYS``) when fewer days
    are booked, in weekday order."""
    count = max(1, min(7, habit.per_week))
    zone = ZoneInfo(timezone)
    until = today + timedelta(weeks=HABIT_DAYS_WEEKS)
    booked: dict[int, int] = {}
    for block in blocks:
        if block.step == habit.key:
            day = block.start.astimezone(zone).date()
            if today <= day < until:
                booked[day.weekday()] = booked.get(day.weekday(), 0) + 1
    chosen = sorted(booked, key=lambda d: (-booked[d], d))[:count]
    for fill in _HABIT_DAYS[count]:
        if len(chosen) >= count:
            break
        if _DAYS.index(fill) not in chosen:
            chosen.append(_DAYS.index(fill))
    return tuple(_DAYS[d] for d in sorted(chosen))


def _habit_task(plan: Plan, goal: Goal, habit: Habit, today: date,
                days: tuple[str, ...]) -> TaskSpec:
    recurrence = "FREQ=WEEKLY;BYDAY=" + ",".join(days)
    return TaskSpec(
        key=habit.key, kind="habit", title=habit.title, goal_id=goal.id,
        goal_title=goal.title,
        description="\n".join([f"Habit for: {goal.title}",
                               f"{habit.per_week}× a week, "
                               f"{format_duration(habit.duration_minutes)} each", "",
                               *smart_context(goal)]).strip(),
        duration_minutes=habit.duration_minutes or None, priority=goal.priority,
        labels=goal.labels, recurrence=recurrence,
        due=next_occurrence(recurrence, today), plan_id=plan.id,
    )


def _review_task(plan: Plan, review: ReviewRules | None, notes: str | None,
                 today: date) -> TaskSpec:
    day = _DAYS[review.weekday] if review is not None else "SU"
    recurrence = f"FREQ=WEEKLY;BYDAY={day}"
    questions = (review.weekly_questions if review is not None
                 else DEFAULT_REVIEW_QUESTIONS) + plan.reflection
    lines = ["Run `goalsync review` and answer:", *(f"- {q}" for q in questions)]
    if notes:  # the prompts of the last `goalsync review --non-interactive`
        lines = [notes]
    if plan.vision:
        lines = [f"Vision: {plan.vision}", "", *lines]
    return TaskSpec(
        key=REVIEW_KEY, kind="review", title="Weekly review", goal_id="", goal_title="",
        description="\n".join(lines),
        duration_minutes=review.duration_minutes if review is not None else None,
        priority=2, recurrence=recurrence, due=next_occurrence(recurrence, today),
        plan_id=plan.id,
    )


def smart_context(goal: Goal) -> list[str]:
    """The goal's SMART statement, one line per letter that is filled in."""
    lines = [f"Goal: {goal.title}"]
    if goal.specific:
        lines.append(f"Specific: {goal.specific}")
    if goal.measurable:
        m = goal.measurable
        unit = f" {m.unit}" if m.unit else ""
        lines.append(f"Measurable: {m.metric}, target {_number(m.target)}{unit}")
    if goal.achievable:
        lines.append(f"Achievable: {goal.achievable}")
    if goal.relevant:
        lines.append(f"Relevant: {goal.relevant}")
    if goal.deadline:
        lines.append(f"Time-bound: by {goal.deadline.isoformat()}")
    return lines


def step_description(goal: Goal, milestone: Milestone, step: Step) -> str:
    """A step's task text: its notes, the milestone it serves, the goal's SMART context."""
    lines: list[str] = []
    if step.notes:
        lines += [step.notes.strip(), ""]
    due = f" (due {milestone.due.isoformat()})" if milestone.due else ""
    lines.append(f"Milestone: {milestone.title}{due}")
    if step.estimate_minutes:
        lines.append(f"Estimate: {format_duration(step.estimate_minutes)}")
    lines += ["", *smart_context(goal)]
    return "\n".join(lines).strip()


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# -------------------------------------------------------------------------- blocks


def blocks_needing_uids(schedule: Schedule, window_start: datetime,
                        window_end: datetime) -> list[Block]:
    """Scheduled blocks inside the window that have no UID yet (the engine allocates
    one for each, journaled, before ``desired_blocks``)."""
    return [b for b in schedule.blocks
            if b.uid is None and _in_window(b, window_start, window_end)]


def desired_blocks(plan: Plan, schedule: Schedule, window_start: datetime,
                   window_end: datetime,
                   uids: Mapping[tuple[str, datetime], str]) -> list[BlockSpec]:
    """The blocks to have on the calendar: every scheduled block inside
    [window_start, window_end), and every block that already has a UID (it exists on
    the calendar, so it is kept current wherever it is). ``uids`` gives the UID of each
    new in-window block by ``(step key, start)``; a missing one raises KeyError."""
    titles = _titles(plan)
    specs: list[BlockSpec] = []
    for block in schedule.blocks:
        if block.uid is None and not _in_window(block, window_start, window_end):
            continue
        uid = block.uid or uids[(block.step, block.start)]
        specs.append(_block_spec(plan, block, uid, titles))
    return specs


def _in_window(block: Block, start: datetime, end: datetime) -> bool:
    return block.end > start and block.start < end


def _titles(plan: Plan) -> dict[str, tuple[str, Goal, Milestone | None]]:
    found: dict[str, tuple[str, Goal, Milestone | None]] = {}
    for goal in plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                found[step.key] = (step.title, goal, milestone)
        for habit in goal.habits:
            found[habit.key] = (habit.title, goal, None)
    return found


def _block_spec(plan: Plan, block: Block, uid: str,
                titles: Mapping[str, tuple[str, Goal, Milestone | None]]) -> BlockSpec:
    entry = titles.get(block.step)
    title, goal, milestone = entry if entry else (_fallback_title(block.step), None, None)
    context = smart_context(goal) if goal else []
    lines = context[:1]
    if milestone:
        lines.append(f"Milestone: {milestone.title}")
    if block.why:
        lines.append(block.why)
    if len(context) > 1:  # the SMART statement, so the block says why it matters
        lines += ["", *context[1:]]
    return BlockSpec(
        uid=uid, key=block.step, title=title, start=block.start, end=block.end,
        goal_id=goal.id if goal else "", milestone_id=milestone.id if milestone else None,
        description="\n".join(lines), timezone=plan.timezone, plan_id=plan.id,
    )


def _fallback_title(key: str) -> str:
    return "Weekly review" if key == REVIEW_KEY else key.rsplit("/", 1)[-1]


def block_fields(spec: BlockSpec) -> dict[str, Any]:
    """The owned values of a block, as pushed (what the base remembers)."""
    return {"title": spec.title, "start": spec.start, "end": spec.end}


def task_fields(spec: TaskSpec) -> dict[str, Any]:
    """The owned values of a task, as pushed (what the base remembers)."""
    return {name: getattr(spec, name) for name in TASK_FIELDS}


TASK_FIELDS: Sequence[str] = ("title", "description", "due", "deadline",
                              "duration_minutes", "priority", "labels")
