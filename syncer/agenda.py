"""``goalsync today`` / ``goalsync week``: the blocks and due steps of a day or a week,
and what to do first, with the reason.

Pure: the plan's progress (``syncer.core.progress``), the blocks the last sync left
(the calendar's, then the last full schedule's for the days beyond the write window) and
``now`` go in; an ``Agenda`` comes out. The command (``syncer.commands.today_cmd``)
reads them from the state, or with ``--fresh`` from a dry-run sync.

What comes first, in this order (the first rule that separates two steps wins):

1. an **overdue** step (its due date, or its milestone's, has passed);
2. a step of a goal in trouble (``behind``, ``at risk``, ``stalled``, ``infeasible``);
3. the **earlier due date** (within the period);
4. the **earlier booked block** in the period;
5. the goal's **priority** (urgent-important first), then plan order.

Only open steps whose ``after:`` steps are all done are candidates; the three first
are shown, each with every reason that applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncer.core.model import Block, Plan
from syncer.core.progress import GoalProgress, PlanProgress, StepProgress
from syncer.wording import count

TROUBLE = ("behind", "at risk", "stalled", "infeasible")
FIRST_COUNT = 3


@dataclass(frozen=True)
class AgendaBlock:
    step: str
    title: str
    goal: str
    start: datetime
    end: datetime
    done: bool
    habit: bool
    why: str = ""


@dataclass(frozen=True)
class Due:
    step: str
    title: str
    goal: str
    milestone: str
    due: date
    overdue: bool


@dataclass(frozen=True)
class First:
    step: str
    title: str
    goal: str
    reasons: tuple[str, ...]
    block: AgendaBlock | None = None


@dataclass(frozen=True)
class Agenda:
    kind: str  # "today" or "week"
    start: date
    end: date  # inclusive
    now: datetime
    timezone: str
    blocks: tuple[AgendaBlock, ...]
    due: tuple[Due, ...]
    first: tuple[First, ...]
    milestones: tuple[tuple[str, str, date], ...] = field(default=())  # goal, title, due


def period(kind: str, today: date) -> tuple[date, date]:
    """Today alone, or the rest of the ISO week (today through Sunday)."""
    if kind == "today":
        return today, today
    return today, today + timedelta(days=6 - today.weekday())


def merged_blocks(on_calendar: Iterable[Block], planned: Iterable[Block]) -> list[Block]:
    """What is on the calendar, plus the last schedule's blocks the calendar does not
    hold (beyond the write window): a moved block is shown where the person put it."""
    calendar = list(on_calendar)
    uids = {b.uid for b in calendar if b.uid}
    seen = {(b.step, b.start) for b in calendar}
    steps_on_calendar = {b.step for b in calendar}
    last = max((b.end for b in calendar), default=None)
    extra = [b for b in planned
             if not (b.uid and b.uid in uids) and (b.step, b.start) not in seen
             and not (last is not None and b.step in steps_on_calendar and b.start < last)]
    return sorted(calendar + extra, key=lambda b: (b.start, b.step))


def build(kind: str, plan: Plan, progress: PlanProgress, blocks: Sequence[Block],
          now: datetime) -> Agenda:
    """The agenda of ``kind`` ("today" or "week") as of ``now`` (aware)."""
    zone = ZoneInfo(plan.timezone)
    local = now.astimezone(zone)
    first_day, last_day = period(kind, local.date())
    begin = datetime.combine(first_day, time(), zone)
    end = datetime.combine(last_day + timedelta(days=1), time(), zone)
    steps = {s.key: s for g in progress.goals for s in g.steps}
    goals = {g.id: g for g in progress.goals}
    titles = _titles(plan)
    shown = [AgendaBlock(b.step, titles.get(b.step, (b.step, "", False))[0],
                         titles.get(b.step, ("", "", False))[1], b.start, b.end,
                         done=steps[b.step].done if b.step in steps else False,
                         habit=titles.get(b.step, ("", "", False))[2], why=b.why)
             for b in blocks if b.end > begin and b.start < end]
    due = [Due(s.key, s.title, s.goal, s.milestone, s.due, s.overdue)
           for s in steps.values()
           if not s.done and s.due is not None and (s.overdue or s.due <= last_day)]
    due.sort(key=lambda d: (d.due, d.step))
    milestones = tuple((g.id, m.title, m.due) for g in progress.goals for m in g.milestones
                       if m.due is not None and first_day <= m.due <= last_day
                       and m.status != "done")
    first = _first(plan, steps, goals, shown, last_day, now)
    return Agenda(kind, first_day, last_day, now, plan.timezone, tuple(shown), tuple(due),
                  tuple(first), milestones)


def _titles(plan: Plan) -> dict[str, tuple[str, str, bool]]:
    """key → (title, goal id, is a habit); the weekly review block too."""
    from syncer.core.desired import REVIEW_KEY

    out: dict[str, tuple[str, str, bool]] = {REVIEW_KEY: ("Weekly review", "", True)}
    for goal in plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                out[step.key] = (step.title, goal.id, False)
        for habit in goal.habits:
            out[habit.key] = (habit.title, goal.id, True)
    return out


def _first(plan: Plan, steps: Mapping[str, StepProgress], goals: Mapping[str, GoalProgress],
           blocks: Sequence[AgendaBlock], last_day: date, now: datetime) -> list[First]:
    after = {s.key: s.after for s in plan.steps()}
    order = {s.key: n for n, s in enumerate(plan.steps())}
    priority = {g.id: g.priority for g in plan.goals}
    booked: dict[str, AgendaBlock] = {}
    for shown in blocks:
        if not shown.habit and shown.end > now:
            booked.setdefault(shown.step, shown)
    zone = ZoneInfo(plan.timezone)

    def waiting(key: str) -> list[str]:
        return [k for k in after.get(key, ()) if k in steps and not steps[k].done]

    # a step that is booked or due but waits for another: that one comes first
    needed: dict[str, list[str]] = {}
    for key, step in steps.items():
        due_soon = step.due is not None and step.due <= last_day
        if step.done or not (key in booked or due_soon or step.overdue):
            continue
        todo, seen = waiting(key), {key}
        while todo:
            blocker = todo.pop(0)
            if blocker in seen:
                continue
            seen.add(blocker)
            if waiting(blocker):
                todo.extend(waiting(blocker))
            else:
                needed.setdefault(blocker, []).append(step.title)
    ranked = []
    for key, step in steps.items():
        if step.done or waiting(key):
            continue
        block = booked.get(key)
        due_soon = step.due is not None and step.due <= last_day
        goal = goals.get(step.goal)
        trouble = goal is not None and goal.status in TROUBLE
        blocking = needed.get(key, [])
        if not (step.overdue or due_soon or block is not None or blocking or step.missed):
            continue
        reasons = []
        if step.overdue and step.due is not None:
            reasons.append(f"overdue since {step.due:%a %d %b}")
        elif due_soon and step.due is not None:
            reasons.append(f"due {step.due:%a %d %b}")
        if trouble and goal is not None:
            expected = "" if goal.expected is None else f", {goal.expected:.0%} expected"
            reasons.append(f"{goal.title} is {goal.status} ({goal.progress:.0%} done"
                           f"{expected})")
        if block is not None:
            start = block.start.astimezone(zone)
            reasons.append(f"booked {start:%a %H:%M}–{block.end.astimezone(zone):%H:%M}")
        if blocking:
            reasons.append("needed before “" + "”, “".join(blocking[:2]) + "”"
                           + (f" and {len(blocking) - 2} more" if len(blocking) > 2 else ""))
        if step.missed:
            reasons.append(f"{count(step.missed, 'booked block')} passed without it being done")
        rank = (not step.overdue, not trouble, not (blocking or step.missed),
                step.due or date.max,
                block.start if block is not None else datetime.max.replace(tzinfo=zone),
                priority.get(step.goal, 2), order.get(key, 0))
        ranked.append((rank, First(key, step.title, step.goal, tuple(reasons), block)))
    ranked.sort(key=lambda pair: pair[0])
    return [item for _, item in ranked[:FIRST_COUNT]]
