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
* **Expected** (what should be done by ``now``), per step, from the schedules: an open
  step that the current schedule (``booked``) still books is expected by the share of its
  weight that schedule no longer books (weight minus the minutes of its blocks ending
  after ``now``, at least 0): a missed block that the sync booked again is not expected
  twice, nor at all; an open step that is not booked again, and a done one, by the
  minutes of its baseline blocks that *ended* by ``now`` over its weight (at most 1); an
  open step past its due date counts as expected done (so expected progress reaches 1
  by the deadline), and a step without blocks when it is done too; else nothing. A
  milestone's or goal's expected progress is the weighted mean.
  Without any baseline (no schedule yet) it is linear in time from ``since`` (when
  tracking began; else the first completion; else ``now``) to the end of the due date.
  ``None`` when there is neither a baseline nor a due date.
* **Velocity** of a goal = estimated hours of its steps completed in the trailing
  ``velocity_window_days`` (or since tracking began, when that is shorter), per week.
* **Forecast** (a date in the plan's timezone), from the schedule first:
  the *booked finish* is when the remaining work is booked to end: per open step the end
  of its last booked block (``booked``: the current schedule, which respects the budget,
  working hours, ``not_before`` and ``after``); a step with no time to book (no estimate)
  finishes with the latest of its ``after`` steps, its ``not_before`` day and ``now``
  (open work is never forecast before today, even at exactly midnight); a
  step the scheduler could not book (``unscheduled``) has no booked finish, nor has
  its milestone or goal. Measured pace (``now`` + remaining hours / velocity) counts only
  once there is enough history: tracking began ``pace_min_days`` ago and
  ``pace_min_steps`` steps of the goal were completed in the window; then the forecast
  is the mean of the booked finish and the pace date (the pace date alone when nothing
  is booked). A milestone is never forecast before a milestone it waits for (a step of
  it comes ``after`` a step of the other) nor before the ``not_before`` day of an open
  step; a goal never before its milestones. ``None`` when nothing is known; the date of
  the last completion when all is done. Without any booked block at all (no schedule
  yet) the pace rule alone applies.
* **Status**, first match wins (``conditions`` keeps every one that matches, so a
  stalled goal that is also behind raises both review prompts):
  ``done`` (nothing remains) · ``infeasible`` (an open step is in ``infeasible``: the
  scheduler could not fit it before its deadline) ·
  ``stalled`` (work remains and nothing was completed for ``stalled_days`` since the
  latest of: the last completion, ``since``, the first planned block) · ``behind``
  (expected − progress > ``behind_threshold``: work missed and not booked again, or
  overdue) · ``at risk`` (forecast later than the due
  date plus ``at_risk_grace_days``, or an open step could not be booked before its
  deadline: ``infeasible``) · ``on track``. A step the scheduler left for a later
  horizon (due after the planned weeks) leaves the forecast unknown, not at risk. A
  slow first day is not a risk: the pace counts only with enough history.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
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
    pace_min_days: int = 14
    pace_min_steps: int = 3

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
            ("pace_min_days", int, 1, None),
            ("pace_min_steps", int, 1, None),
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
    finish: Mapping[str, datetime | None]  # open step -> booked finish (None: unbooked)
    ahead: Mapping[str, int]  # step -> minutes of its booked blocks ending after now
    scheduled: bool  # whether any booked schedule is known


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
    booked: Sequence[Block] | None = None,
    unscheduled: Collection[str] = (),
) -> PlanProgress:
    """Progress of every goal and milestone of ``plan`` at ``now`` (see module docstring).

    ``completions`` maps step keys to completion times (later ones count as ``now``);
    ``baseline`` is the last full schedule; ``infeasible`` holds step keys the scheduler
    could not fit before their deadline; ``metrics`` maps goal ids to the latest
    recorded value of their measurable target; ``since`` is when tracking began.
    ``booked`` is the current schedule (default: the baseline's blocks that end after
    ``now``) and ``unscheduled`` the steps it could not book; forecasts rest on them.
    ``now`` must be aware.
    """
    zone = ZoneInfo(plan.timezone)
    keys = {s.key for s in plan.steps()}
    blocks: dict[str, list[Block]] = {}
    for block in baseline:
        if block.step in keys:
            blocks.setdefault(block.step, []).append(block)
    clipped = {k: min(t, now) for k, t in completions.items()}
    future = [b for b in (baseline if booked is None else booked)
              if b.step in keys and b.end > now]
    unbooked = frozenset(unscheduled) & keys
    ctx = _Context(
        zone=zone,
        now=now,
        today=now.astimezone(zone).date(),
        rules=rules,
        completions=clipped,
        blocks={k: tuple(v) for k, v in blocks.items()},
        has_baseline=bool(blocks),
        infeasible=frozenset(infeasible),
        since=since,
        finish=_booked_finish(plan, clipped, future, unbooked, now),
        ahead=_minutes_ahead(future),
        scheduled=bool(future) or bool(unbooked),
    )
    goals = [_goal(goal, ctx, (metrics or {}).get(goal.id)) for goal in plan.goals]
    return PlanProgress(now=now, today=ctx.today, goals=_in_order(plan, goals, ctx))


def _minutes_ahead(future: Sequence[Block]) -> dict[str, int]:
    ahead: dict[str, int] = {}
    for block in future:
        ahead[block.step] = ahead.get(block.step, 0) + block.minutes
    return ahead


def _booked_finish(plan: Plan, completions: Mapping[str, datetime], future: Sequence[Block],
                   unbooked: frozenset[str], now: datetime) -> dict[str, datetime | None]:
    """When each open step's booked work ends (see the module doc), in dependency order
    (Kahn's algorithm: steps in a loop keep None)."""
    zone = ZoneInfo(plan.timezone)
    last: dict[str, datetime] = {}
    for block in future:
        last[block.step] = max(last.get(block.step, block.end), block.end)
    steps = {s.key: s for s in plan.steps() if not s.done and s.key not in completions}
    waiting = {k: [p for p in s.after if p in steps] for k, s in steps.items()}
    followers: dict[str, list[str]] = {}
    for key, preds in waiting.items():
        for pred in preds:
            followers.setdefault(pred, []).append(key)
    count = {k: len(v) for k, v in waiting.items()}
    ready = [k for k, n in count.items() if n == 0]
    finish: dict[str, datetime | None] = dict.fromkeys(steps)
    while ready:
        key = ready.pop()
        step = steps[key]
        if key in last:
            finish[key] = last[key]
        elif key not in unbooked:
            bounds: list[datetime | None] = [now, *(finish[p] for p in waiting[key])]
            if step.not_before is not None:
                bounds.append(datetime.combine(step.not_before, time(), zone))
            known = [b for b in bounds if b is not None]
            finish[key] = max(known) if len(known) == len(bounds) else None
        for follower in followers.get(key, ()):
            count[follower] -= 1
            if count[follower] == 0:
                ready.append(follower)
    return finish


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
    forecast = _not_before(forecast, [m.forecast for m in milestones if m.status != DONE])
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
    forecast = _forecast(steps, remaining, velocity, ctx, all_steps)
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
    ahead = ctx.ahead.get(step.key, 0)
    if not done and ahead > 0:
        # booked again: only what the current schedule no longer books is expected
        expected = max(0.0, min(1.0, (weight - ahead) / weight))
    elif blocks and not overdue:
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
    history: Sequence[StepProgress] | None = None,
) -> date | None:
    """The booked finish, blended with the pace once there is enough history (of
    ``history``, the goal's steps; default ``steps``), see the module doc."""
    if not steps:
        return None
    if remaining == 0:
        times = [s.completed_at for s in steps if s.completed_at is not None]
        last = max(times, default=None)
        return last.astimezone(ctx.zone).date() if last else None
    pace = None
    if velocity > 0 and _enough_history(steps if history is None else history, ctx):
        weeks = remaining / 60 / velocity
        pace = (ctx.now + timedelta(weeks=weeks)).astimezone(ctx.zone).date()
    if not ctx.scheduled:
        return pace
    ends = [ctx.finish.get(s.key) for s in steps if not s.done]
    if None in ends:
        return pace  # work that could not be booked: no booked finish
    booked = max(e for e in ends if e is not None)
    # a block ending at midnight is work of the day before; but a step without an
    # estimate finishes at ``now``, and open work never finishes before today
    booked_day = max((booked.astimezone(ctx.zone) - timedelta(microseconds=1)).date(),
                     ctx.today)
    if pace is None:
        return booked_day
    middle = (booked_day.toordinal() + pace.toordinal() + 1) // 2
    return date.fromordinal(middle)


def _enough_history(steps: Sequence[StepProgress], ctx: _Context) -> bool:
    """Tracking began ``pace_min_days`` ago and ``pace_min_steps`` steps were completed
    in the velocity window."""
    done_times = [s.completed_at for s in steps if s.completed_at is not None]
    began = ctx.since or min(done_times, default=None)
    if began is None or ctx.now - began < timedelta(days=ctx.rules.pace_min_days):
        return False
    window = timedelta(days=ctx.rules.velocity_window_days)
    recent = sum(1 for t in done_times if ctx.now - window < t <= ctx.now)
    return recent >= ctx.rules.pace_min_steps


def _not_before(forecast: date | None, bounds: Iterable[date | None]) -> date | None:
    """``forecast`` moved to the latest known bound (unchanged when it is unknown)."""
    if forecast is None:
        return None
    return max([forecast, *(b for b in bounds if b is not None)])


def _in_order(plan: Plan, goals: list[GoalProgress], ctx: _Context,
              ) -> tuple[GoalProgress, ...]:
    """Milestone forecasts never before a milestone they wait for, nor before an open
    step's ``not_before`` day; a goal's never before its milestones'. Statuses follow
    the moved forecasts."""
    of_step = {s.key: m.key for g in plan.goals for m in g.milestones for s in m.steps}
    steps = {s.key: s for s in plan.steps()}
    progress = {m.key: m for g in goals for m in g.milestones}
    deps: dict[str, set[str]] = {key: set() for key in progress}
    starts: dict[str, list[date]] = {key: [] for key in progress}
    for key, step in steps.items():
        mine = of_step[key]
        deps[mine] |= {of_step[p] for p in step.after if p in of_step} - {mine}
        if step.not_before is not None and not (step.done or key in ctx.completions):
            starts[mine].append(step.not_before)
    order = _milestone_order(deps)
    for key in order:
        m = progress[key]
        if m.status == DONE or m.forecast is None:
            continue
        bounds = [progress[d].forecast for d in deps[key] if progress[d].status != DONE]
        moved = _not_before(m.forecast, [*bounds, *starts[key]])
        if moved != m.forecast:
            progress[key] = _with_forecast(m, moved, ctx)
    out = []
    for goal in goals:
        milestones = tuple(progress[m.key] for m in goal.milestones)
        forecast = _not_before(goal.forecast, [m.forecast for m in milestones
                                               if m.status != DONE])
        goal = replace(goal, milestones=milestones)
        if forecast != goal.forecast:
            goal = _with_forecast(goal, forecast, ctx)
        out.append(goal)
    return tuple(out)


def _milestone_order(deps: Mapping[str, set[str]]) -> list[str]:
    """Milestone keys, each after those it waits for (a loop keeps plan order)."""
    count = {k: len(v) for k, v in deps.items()}
    followers: dict[str, list[str]] = {}
    for key, needs in deps.items():
        for need in needs:
            followers.setdefault(need, []).append(key)
    ready = [k for k in deps if count[k] == 0]
    order: list[str] = []
    while ready:
        key = ready.pop(0)
        order.append(key)
        for follower in followers.get(key, ()):
            count[follower] -= 1
            if count[follower] == 0:
                ready.append(follower)
    return order + [k for k in deps if k not in order]


_T = TypeVar("_T", MilestoneProgress, GoalProgress)


def _with_forecast(item: _T, forecast: date | None, ctx: _Context) -> _T:
    """``item`` with a later forecast; "at risk" added when it now passes the due date."""
    due = item.due if isinstance(item, MilestoneProgress) else item.deadline
    conditions = [c for c in item.conditions if c != AT_RISK]
    grace = timedelta(days=ctx.rules.at_risk_grace_days)
    if forecast is not None and due is not None and forecast > due + grace or (
            AT_RISK in item.conditions and _unbooked_risk(item)):
        conditions.append(AT_RISK)
    conditions.sort(key=_PRECEDENCE.index)
    status = item.status if item.status == DONE else (conditions[0] if conditions
                                                       else ON_TRACK)
    return replace(item, forecast=forecast, conditions=tuple(conditions), status=status)


def _unbooked_risk(item: MilestoneProgress | GoalProgress) -> bool:
    """Whether an open step of ``item`` could not be booked before its deadline."""
    return any(s.infeasible for s in item.steps if not s.done)


_PRECEDENCE = (INFEASIBLE, STALLED, BEHIND, AT_RISK)


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
    late = forecast is not None and due is not None and forecast > due + grace
    if late or any(s.infeasible for s in remaining):
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
