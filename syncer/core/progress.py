"""Progress, expected progress, velocity, forecast and status of every goal and milestone.

Pure: the plan, the completion times, the baseline schedule, the rules and ``now`` go in;
a ``PlanProgress`` value comes out.

Definitions (docs/review.md explains them for users):

* **Weight.** Each step weighs its estimate in minutes; a step without an estimate weighs
  ``default_estimate_minutes`` (rules/review.toml, 60 by default).
* **Done.** A step is done when it is marked ``done: true`` in the plan or its task was
  completed (``completions``). A completion stamped later than ``now`` (the app's clock
  ahead, or ``--now`` in the past) still counts, as if it happened at ``now``: the task
  *is* done.
* **Progress** of a milestone or goal = weight of its done steps / weight of all its steps
  (0..1). A goal or milestone with no steps has progress 0 (1 when its measurable target
  is reached).
* **Expected** (what should be done by ``now``), per step, from the baseline schedule:
  the minutes of its blocks that *ended* by ``now`` over its weight (at most 1; when
  blocks cover the whole estimate, the share of its planned minutes that passed); a step
  without blocks counts as expected done when it is done or its due date has passed, and
  not expected otherwise. A milestone's or goal's expected progress is the weighted mean.
  Without any baseline (no schedule yet) it is linear in time from ``since`` (when
  tracking began; else the first completion; else ``now``) to the end of the due date.
  ``None`` when there is neither a baseline nor a due date.
* **Velocity** of a goal = estimated hours of its steps completed in the trailing
  ``velocity_window_days``, per week.
* **Forecast** = ``now`` + remaining hours / velocity (a date in the plan's timezone);
  for a milestone, its own remaining hours at its goal's velocity. ``None`` when work
  remains and the velocity is zero; the date of the last completion when all is done.
* **Status**, first match wins (``conditions`` keeps every one that matches, so a
  stalled goal that is also behind raises both review prompts):
  ``done`` (nothing remains) · ``infeasible`` (an open step is in ``infeasible``: the
  scheduler could not fit it before its deadline) ·
  ``stalled`` (work remains and nothing was completed for ``stalled_days`` since the
  latest of: the last completion, ``since``, the first planned block) · ``behind``
  (expected − progress > ``behind_threshold``) · ``at risk`` (forecast later than the due
  date plus ``at_risk_grace_days``) · ``on track``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from syncer.core.model import Block, Goal, Milestone, Plan, Step, Unscheduled
from syncer.errors import ConfigError

DONE = "done"
ON_TRACK = "on track"
AT_RISK = "at risk"
BEHIND = "behind"
STALLED = "stalled"
INFEASIBLE = "infeasible"
STATUSES = (DONE, ON_TRACK, AT_RISK, BEHIND, STALLED, INFEASIBLE)


@dataclass(frozen=True, slots=True)
class ProgressRules:
    """The ``[progress]`` table of rules/review.toml."""

    default_estimate_minutes: int = 60
    velocity_window_days: int = 28
    behind_threshold: float = 0.15
    stalled_days: int = 14
    at_risk_grace_days: int = 0

    @classmethod
    def from_mapping(cls, rules: Mapping[str, Any]) -> ProgressRules:
        """Build from the review rules (the whole review.toml mapping, or its
        ``progress`` table). Missing keys keep their defaults; wrong values raise
        ConfigError naming the key."""
        table = rules.get("progress", rules)
        if not isinstance(table, Mapping):
            raise ConfigError("review rules: [progress] must be a table")
        values: dict[str, Any] = {}
        for name, kind, low, high in (
            ("default_estimate_minutes", int, 1, None),
            ("velocity_window_days", int, 1, None),
            ("behind_threshold", float, 0.0, 1.0),
            ("stalled_days", int, 1, None),
            ("at_risk_grace_days", int, 0, None),
        ):
            if name in table:
                values[name] = _number(f"progress.{name}", table[name], kind, low, high)
        return cls(**values)


def _number(name: str, value: object, kind: type, low: float, high: float | None) -> Any:
    ok_type = isinstance(value, int | float) if kind is float else isinstance(value, int)
    if isinstance(value, bool) or not ok_type:
        raise ConfigError(f"review rules: {name} must be a {kind.__name__}, not {value!r}")
    assert isinstance(value, int | float)
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"review rules: {name} must be {bound}, not {value!r}")
    return kind(value)


@dataclass(frozen=True, slots=True)
class StepProgress:
    key: str
    title: str
    goal: str
    milestone: str
    weight_minutes: int
    done: bool
    completed_at: datetime | None
    expected: float  # 0..1, share of this step expected done by now
    due: date | None  # the step's due date, else its milestone's, else its goal's
    overdue: bool  # open and its due date has passed
    missed: int  # baseline blocks that ended while the step stayed open
    infeasible: bool


@dataclass(frozen=True, slots=True)
class MilestoneProgress:
    key: str
    id: str
    title: str
    goal: str
    due: date | None
    celebrate: str
    progress: float
    expected: float | None
    status: str
    forecast: date | None
    done_at: datetime | None  # latest completion, when the milestone is done
    total_minutes: int
    remaining_minutes: int
    steps: tuple[StepProgress, ...]
    conditions: tuple[str, ...] = ()  # every problem status that holds, worst first


@dataclass(frozen=True, slots=True)
class GoalProgress:
    key: str
    id: str
    title: str
    deadline: date | None
    progress: float
    expected: float | None
    status: str
    forecast: date | None
    velocity_hours_per_week: float
    last_completion: datetime | None
    total_minutes: int
    remaining_minutes: int
    milestones: tuple[MilestoneProgress, ...]
    has_habits: bool = False
    metric: str | None = None  # the measurable target, when the goal has one
    target: float | None = None
    unit: str = ""
    current: float | None = None  # the latest value recorded in a review (or the plan's)
    current_at: datetime | None = None
    conditions: tuple[str, ...] = ()  # every problem status that holds, worst first

    @property
    def steps(self) -> tuple[StepProgress, ...]:
        return tuple(s for m in self.milestones for s in m.steps)

    @property
    def open_steps(self) -> tuple[StepProgress, ...]:
        return tuple(s for s in self.steps if not s.done)


@dataclass(frozen=True, slots=True)
class PlanProgress:
    now: datetime
    today: date  # ``now`` in the plan's timezone
    goals: tuple[GoalProgress, ...]

    def goal(self, goal_id: str) -> GoalProgress:
        for goal in self.goals:
            if goal.id == goal_id:
                return goal
        raise KeyError(goal_id)

    def milestones(self) -> Iterator[MilestoneProgress]:
        for goal in self.goals:
            yield from goal.milestones

    def steps(self) -> Iterator[StepProgress]:
        for goal in self.goals:
            yield from goal.steps


@dataclass(frozen=True, slots=True)
class _Context:
    """Everything the per-item functions share."""

    zone: ZoneInfo
    now: datetime
    today: date
    rules: ProgressRules
    completions: Mapping[str, datetime]
    blocks: Mapping[str, tuple[Block, ...]]
    has_baseline: bool
    infeasible: frozenset[str]
    since: datetime | None


def infeasible_steps(plan: Plan, unscheduled: Iterable[Unscheduled],
                     horizon_end: date) -> dict[str, int]:
    """The unscheduled steps that prove a deadline cannot be met, with their missing
    minutes: those due on or before ``horizon_end`` (the last day the scheduler
    planned). A step due later, or without a due date, may still fit once the horizon
    moves on, so it is not counted as infeasible."""
    due: dict[str, date | None] = {}
    for goal in plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                due[step.key] = step.due or milestone.due or goal.deadline
    found = {}
    for item in unscheduled:
        day = due.get(item.step)
        if day is not None and day <= horizon_end and item.missing_minutes > 0:
            found[item.step] = item.missing_minutes
    return found


def compute_progress(
    plan: Plan,
    completions: Mapping[str, datetime],
    baseline: Sequence[Block],
    rules: ProgressRules,
    now: datetime,
    infeasible: Collection[str] = (),
    *,
    metrics: Mapping[str, tuple[float, datetime]] | None = None,
    since: datetime | None = None,
) -> PlanProgress:
    """Progress of every goal and milestone of ``plan`` at ``now`` (see module docstring).

    ``completions`` maps step keys to completion times (later ones count as ``now``);
    ``baseline`` is the last full schedule; ``infeasible`` holds step keys the scheduler
    could not fit; ``metrics`` maps goal ids to the latest recorded value of their
    measurable target; ``since`` is when tracking began. ``now`` must be aware.
    """
    zone = ZoneInfo(plan.timezone)
    keys = {s.key for s in plan.steps()}
    blocks: dict[str, list[Block]] = {}
    for block in baseline:
        if block.step in keys:
            blocks.setdefault(block.step, []).append(block)
    ctx = _Context(
        zone=zone,
        now=now,
        today=now.astimezone(zone).date(),
        rules=rules,
        completions={k: min(t, now) for k, t in completions.items()},
        blocks={k: tuple(v) for k, v in blocks.items()},
        has_baseline=bool(blocks),
        infeasible=frozenset(infeasible),
        since=since,
    )
    goals = tuple(_goal(goal, ctx, (metrics or {}).get(goal.id)) for goal in plan.goals)
    return PlanProgress(now=now, today=ctx.today, goals=goals)


def _goal(goal: Goal, ctx: _Context, metric: tuple[float, datetime] | None) -> GoalProgress:
    steps = [_step(s, goal, m, ctx) for m in goal.milestones for s in m.steps]
    velocity = _velocity(steps, ctx)
    milestones = tuple(_milestone(m, goal, steps, velocity, ctx) for m in goal.milestones)
    current, current_at = _current(goal, metric)
    target_met = _target_met(goal, current)
    total, remaining = _minutes(steps)
    progress = _share(steps, target_met)
    expected = _expected(steps, goal.deadline, ctx)
    forecast = _forecast(steps, remaining, velocity, ctx)
    conditions = _conditions(steps, progress, expected, forecast, goal.deadline,
                             target_met, ctx)
    status = conditions[0] if conditions else ON_TRACK
    completed = [s.completed_at for s in steps if s.completed_at is not None]
    return GoalProgress(
        key=goal.key, id=goal.id, title=goal.title, deadline=goal.deadline,
        progress=progress, expected=expected, status=status, forecast=forecast,
        conditions=tuple(c for c in conditions if c != DONE),
        velocity_hours_per_week=velocity, last_completion=max(completed, default=None),
        total_minutes=total, remaining_minutes=remaining, milestones=milestones,
        has_habits=bool(goal.habits),
        metric=goal.measurable.metric if goal.measurable else None,
        target=goal.measurable.target if goal.measurable else None,
        unit=goal.measurable.unit if goal.measurable else "",
        current=current, current_at=current_at,
    )


def _milestone(
    milestone: Milestone, goal: Goal, all_steps: list[StepProgress], velocity: float,
    ctx: _Context,
) -> MilestoneProgress:
    steps = [s for s in all_steps if s.milestone == milestone.id]
    due = milestone.due or goal.deadline
    total, remaining = _minutes(steps)
    progress = _share(steps, False)
    expected = _expected(steps, due, ctx)
    forecast = _forecast(steps, remaining, velocity, ctx)
    conditions = _conditions(steps, progress, expected, forecast, due, False, ctx)
    status = conditions[0] if conditions else ON_TRACK
    done_times = [s.completed_at for s in steps if s.completed_at is not None]
    return MilestoneProgress(
        key=milestone.key, id=milestone.id, title=milestone.title, goal=goal.id, due=due,
        celebrate=milestone.celebrate, progress=progress, expected=expected, status=status,
        forecast=forecast,
        done_at=max(done_times, default=None) if status == DONE else None,
        total_minutes=total, remaining_minutes=remaining, steps=tuple(steps),
        conditions=tuple(c for c in conditions if c != DONE),
    )


def _step(step: Step, goal: Goal, milestone: Milestone, ctx: _Context) -> StepProgress:
    completed_at = ctx.completions.get(step.key)
    done = step.done or completed_at is not None
    due = step.due or milestone.due or goal.deadline
    overdue = not done and due is not None and due < ctx.today
    blocks = ctx.blocks.get(step.key, ())
    ended = [b for b in blocks if b.end <= ctx.now]
    weight = step.estimate_minutes or ctx.rules.default_estimate_minutes
    if blocks:
        # Against the step's weight, not its planned minutes: a missed block and the
        # block that replaced it must not halve what is expected.
        expected = min(1.0, sum(b.minutes for b in ended) / weight)
    else:
        expected = 1.0 if done or overdue else 0.0
    return StepProgress(
        key=step.key, title=step.title, goal=goal.id, milestone=milestone.id,
        weight_minutes=weight, done=done, completed_at=completed_at, expected=expected,
        due=due, overdue=overdue, missed=0 if done else len(ended),
        infeasible=not done and step.key in ctx.infeasible,
    )


def _minutes(steps: Sequence[StepProgress]) -> tuple[int, int]:
    total = sum(s.weight_minutes for s in steps)
    return total, sum(s.weight_minutes for s in steps if not s.done)


def _share(steps: Sequence[StepProgress], target_met: bool) -> float:
    total, remaining = _minutes(steps)
    if total == 0:
        return 1.0 if target_met else 0.0
    return (total - remaining) / total


def _expected(steps: Sequence[StepProgress], due: date | None, ctx: _Context) -> float | None:
    total = sum(s.weight_minutes for s in steps)
    if ctx.has_baseline and total > 0:
        return sum(s.weight_minutes * s.expected for s in steps) / total
    if due is None:
        return None
    end = datetime.combine(due + timedelta(days=1), time(), ctx.zone)
    done_times = [s.completed_at for s in steps if s.completed_at is not None]
    start = ctx.since or min(done_times, default=None) or ctx.now
    if end <= start:
        return 1.0 if ctx.now >= end else 0.0
    share = (ctx.now - start) / (end - start)
    return max(0.0, min(1.0, share))


def _velocity(steps: Sequence[StepProgress], ctx: _Context) -> float:
    window = timedelta(days=ctx.rules.velocity_window_days)
    minutes = sum(
        s.weight_minutes for s in steps
        if s.completed_at is not None and ctx.now - window < s.completed_at <= ctx.now
    )
    return minutes / 60 / (ctx.rules.velocity_window_days / 7)


def _forecast(
    steps: Sequence[StepProgress], remaining: int, velocity: float, ctx: _Context,
) -> date | None:
    if not steps:
        return None
    if remaining == 0:
        times = [s.completed_at for s in steps if s.completed_at is not None]
        last = max(times, default=None)
        return last.astimezone(ctx.zone).date() if last else None
    if velocity <= 0:
        return None
    weeks = remaining / 60 / velocity
    return (ctx.now + timedelta(weeks=weeks)).astimezone(ctx.zone).date()


def _conditions(
    steps: Sequence[StepProgress], progress: float, expected: float | None,
    forecast: date | None, due: date | None, target_met: bool, ctx: _Context,
) -> tuple[str, ...]:
    """``(DONE,)``, or every problem status that holds, in precedence order (the first
    is the status); empty means on track."""
    remaining = [s for s in steps if not s.done]
    if (steps and not remaining) or (not steps and target_met):
        return (DONE,)
    found = []
    if any(s.infeasible for s in remaining):
        found.append(INFEASIBLE)
    if remaining and _stalled(steps, ctx):
        found.append(STALLED)
    if expected is not None and expected - progress > ctx.rules.behind_threshold:
        found.append(BEHIND)
    grace = timedelta(days=ctx.rules.at_risk_grace_days)
    if forecast is not None and due is not None and forecast > due + grace:
        found.append(AT_RISK)
    return tuple(found)


def _stalled(steps: Sequence[StepProgress], ctx: _Context) -> bool:
    marks = [s.completed_at for s in steps if s.completed_at is not None]
    starts = [b.start for s in steps for b in ctx.blocks.get(s.key, ())]
    if starts:
        marks.append(min(starts))
    if ctx.since is not None:
        marks.append(ctx.since)
    if not marks:
        return False
    return ctx.now - max(marks) >= timedelta(days=ctx.rules.stalled_days)


def _current(
    goal: Goal, metric: tuple[float, datetime] | None,
) -> tuple[float | None, datetime | None]:
    if metric is not None:
        return metric
    if goal.measurable is not None and goal.measurable.current is not None:
        return goal.measurable.current, None
    return None, None


def _target_met(goal: Goal, current: float | None) -> bool:
    if goal.measurable is None or current is None:
        return False
    return current >= goal.measurable.target
