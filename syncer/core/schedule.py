"""Time blocking: turn open steps and habits into calendar blocks, or say why not.

``schedule()`` is pure and deterministic (no clock, no set-order dependence). Guarantees
of every returned schedule, for the blocks it places itself:

* no block overlaps a busy interval or another block, and ``buffer`` minutes separate
  it from both; every block lies inside one window of its hour set on its local day
  (the goal's or habit's ``hours``, else the rules' ``goal_hours``; the day job's hours
  cut out unless chosen; windows are local wall-clock times, so a DST day keeps
  18:30-21:00), never on a public holiday of the plan's ``holidays`` region (else the
  rules', see ``holiday_region``) unless ``book_holidays``; no day holds more than
  ``daily_cap`` minutes of goal work, no Monday-to-Sunday week more than the plan's
  ``weekly_hours``, no goal's week more than its own ``weekly_hours`` (pinned blocks
  count, and may exceed them);
* a step needing up to ``keep_whole`` (at most ``max_block``) gets one block; longer
  work gets blocks of ``min_block``..``max_block`` that leave no rest shorter than
  ``min_block``; blocks start on the ``align`` grid;
* a step's blocks add up to its remaining estimate, all end by its deadline (end of the
  due day in the plan's zone, or the horizon end), start at or after ``now``, its
  ``not_before`` day, and the end of the last block of every step it comes ``after``;
* a step that cannot be placed in full gets no new blocks; it is reported as
  ``Unscheduled`` with a reason and the missing minutes, and so is every step after it;
* re-running with the previous blocks as ``existing`` gives the identical schedule.

Algorithm. Steps are taken in a topological order that is earliest-(effective)-
deadline first, then priority, then plan order (a step inherits the earliest deadline
and best priority of the steps waiting for it). Each is placed as early as possible
(``asap``) or spread toward its deadline (``spread``) in the free-slot structure of
``schedule_calendar``; split work of a step nobody waits for goes one session a day on
consecutive free days first.
When a step does not fit before its deadline, the Moore-Hodgson repair runs, generalised
to windows, budgets and dependencies: placed steps less important than the newcomer (a
worse inherited priority ``rank[1]``, or the same and longer) whose blocks lie in its
window are taken out, least important level first and within it the one losing the
fewest steps (itself and its placed dependants) and freeing the most minutes in the
window, with the steps that depend on them. A placement is tried only once the freed
minutes could hold the newcomer; if it still does not fit, everything taken out is put
back (no futile drops); if it fits, the steps taken out are placed again where they
still fit. Nothing is ever placed late, so lateness cannot cascade. The chosen steps are
then placed once more from scratch in order (the repair leaves holes; if that ever
fails the repaired placement stays), and a pass retries every left-out step, most
important and shortest first, against the finished calendar. Then ``_improve`` tries to
put each left-out step in (with the steps it waits for) by moving or taking out others,
three ways, keeping a move only for a strict lexicographic gain (steps on time per
priority, P1 first, then minutes freed), within a work bound; the left-out steps near
where it changed blocks are retried once more, so a re-run finds nothing new to place.
Reasons are worded against that same final calendar.

Within a day, a slot that takes a whole chunk (up to ``max_block``) is preferred over
an earlier sliver, so a 2h step is not split around lunch when the afternoon is free;
among those the tightest free span (best fit, so long stretches stay whole), except for
a step others wait for, which takes the earliest. When the rest of a step then finds
no room after that chunk, the placement is tried again searching from the first day
with room, so the sliver passed over is used rather than the step left out.

Existing blocks: pinned blocks and blocks already under way stay exactly as they are
and count as placed. Other future blocks stay put while still valid (inside a free
window, within the cap and min/max block length, before the deadline, after their
predecessors, which must be fully booked, and not more than the estimate); invalid ones
are dropped and their time placed again (before the blocks of the steps waiting for it,
around every block still to be kept, else as early as it fits; see ``_settle``). When
keeping leaves out a step that was booked and a plan from the fixed blocks only leaves
fewer out, the longest prefix of the old plan that leaves out no more is kept instead.
When a step with a due date is still left out while less important blocks lie before
that date, ``_priority_first`` plans again with those blocks free (only the ones in the
way, when that rescues as much) and takes the outcome for fewer steps left out, priority
by priority, within a churn bound. Past blocks of open steps are ``missed`` and their
time is placed again. Past habit blocks still count toward their week.

Steps without an estimate use ``default_estimate`` (default 0: no blocks, never
reported as unscheduled); they still order their dependants. Habits are placed before
steps, more important goals' first: ``per_week`` blocks of ``duration`` per local
Monday-to-Sunday week, one per day, spread evenly over the days its hour set allows,
each habit's pattern turned by its own offset (a partial first or last week gets its
share). Every block counts toward the daily cap and the weekly budgets (``weekly_hours``
of the plan, and of its goal).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from syncer.core.durations import format_duration
from syncer.core.model import (
    Block,
    BusyTime,
    Goal,
    Habit,
    Interval,
    Plan,
    Problem,
    Schedule,
    Step,
    Unscheduled,
    pos_of,
)
from syncer.core.moments import require_aware
from syncer.core.public_holidays import holiday_dates, region_problem
from syncer.core.schedule_calendar import (
    Calendar,
    Span,
    at_minute,
    ceil_minute,
    floor_minute,
    local_minute,
)
from syncer.core.schedule_rules import SchedulingRules
from syncer.errors import PlanError
from syncer.wording import count

__all__ = ["SchedulingRules", "holiday_region", "hour_sets_used", "schedule"]

_OK, _TODO, _DROPPED, _BLOCKED, _CYCLE = "ok", "todo", "dropped", "blocked", "cycle"


_NO_BUSY = BusyTime()


def holiday_region(plan: Plan, rules: SchedulingRules) -> str:
    """The region whose public holidays get no blocks: the plan's ``holidays:`` when
    given (``""`` for ``none``), else the rules' ``holidays``. Raises PlanError at the
    plan's key when the plan names a country (or subdivision) the ``holidays`` package
    does not know; the rules' value was checked when they were loaded."""
    if plan.holidays is None:
        return rules.holidays
    if plan.holidays:
        problem = region_problem(plan.holidays)
        if problem is not None:
            reason, hint = problem
            raise PlanError([Problem(pos_of(plan, "holidays"), "unknown-holidays",
                                     f"`holidays: {plan.holidays}` of the plan: {reason}; "
                                     f"{hint[0].lower()}{hint[1:]}")],
                            hint="or write `holidays: none` to book public holidays")
    return plan.holidays


def hour_sets_used(plan: Plan, rules: SchedulingRules) -> set[str]:
    """Hour sets the plan's goals and habits choose besides the rules' default; raises
    PlanError (at each ``hours:``) for names the rules do not have. Cheap: the engine
    asks before it touches the state or a server, so such a plan writes nothing."""
    known = set(rules.hour_set_names())
    problems, used = [], set()
    for goal in plan.goals:
        named = [(pos_of(goal, "hours"), f"goal `{goal.id}`", goal.hours)]
        named += [(h.pos, f"habit `{h.id}`", h.hours) for h in goal.habits]
        for pos, where, name in named:
            if name is None:
                continue
            if name not in known:
                problems.append(Problem(
                    pos, "unknown-hours",
                    f"`hours: {name}` of {where} names no hour set; the scheduling "
                    f"rules have {', '.join(sorted(known))}"))
            elif name != rules.goal_hours:
                used.add(name)
    if problems:
        raise PlanError(problems, hint="add the hour set under [rules.scheduling.hours] "
                        "in your config, or use one that exists")
    return used


def plan_horizon(plan: Plan, rules: SchedulingRules, now: datetime) -> datetime:
    """Where planning stops: ``horizon`` weeks from ``now`` at least, and on to the end of
    the latest open step's deadline (step due, else milestone due, else goal deadline;
    goals with habits count their deadline), but at most ``horizon_max`` weeks ahead.
    ``now`` must be aware (ValueError)."""
    require_aware(now, "plan_horizon")
    zone = ZoneInfo(plan.timezone)
    shortest = now + timedelta(weeks=rules.horizon_weeks)
    longest = now + timedelta(weeks=max(rules.horizon_weeks, rules.horizon_max_weeks))
    ends = [datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
            for day in _open_deadlines(plan)]
    return min(max([shortest, *ends]), longest)


def _open_deadlines(plan: Plan) -> Iterator[date]:
    for goal in plan.goals:
        if goal.habits and goal.deadline is not None:
            yield goal.deadline
        for milestone in goal.milestones:
            for step in milestone.steps:
                due = step.due or milestone.due or goal.deadline
                if due is not None and not step.done:
                    yield due


def schedule(plan: Plan, rules: SchedulingRules, *, now: datetime,
             busy: BusyTime = _NO_BUSY, existing: Sequence[Block] = (),
             done: Collection[str] = (), horizon_end: datetime | None = None,
             review_minutes: int = 0, rescue: bool = True) -> Schedule:
    """Place blocks for every open step with an estimate and every habit; see the module
    docstring for the guarantees. ``done`` holds keys of completed steps and habits.
    ``review_minutes`` are taken off the plan's weekly budget in every week (the weekly
    review's block, which the caller books as busy time where it falls).
    ``rescue=False`` skips ``_priority_first`` (for counting what does not fit).
    ``horizon_end`` defaults to ``plan_horizon(plan, rules, now)``. ``now`` must be
    aware (ValueError); a naive ``horizon_end`` is read in the plan's timezone. Blocks
    placed here have ``uid=None`` and UTC times; kept blocks are returned unchanged."""
    planner = _Planner(plan, rules, now, busy, existing, done, horizon_end,
                       review_minutes=review_minutes)
    found, result = _keep_or_replan(planner, plan, rules, now, busy, existing, done,
                                    horizon_end, review_minutes)
    if not rescue:
        return result
    return _priority_first(found, result, plan, rules, now, busy, existing, done,
                           horizon_end, review_minutes)


def _keep_or_replan(planner: _Planner, plan: Plan, rules: SchedulingRules, now: datetime,
                    busy: BusyTime, existing: Sequence[Block], done: Collection[str],
                    horizon_end: datetime | None, review_minutes: int,
                    ) -> tuple[_Planner, Schedule]:
    """The schedule, and the planner whose calendar holds it."""
    result = planner.run()
    steps = planner.jobs.keys()
    left_out = {u.step for u in result.unscheduled} & steps
    if not left_out & planner.candidates.keys():
        return planner, result
    # Keeping the plan cost a step that was booked. Plan again from what must stay
    # (pinned blocks, blocks under way, the past); when that leaves out only steps this
    # leaves out too, and fewer, free only the old blocks in the way of the lost steps,
    # else keep the longest start of the old plan that still does so (binary search
    # over block starts) and plan the rest again: stability never costs
    # a step that fits. Under overload, where a new plan would leave out other steps,
    # the kept plan stands; so does a habit session that no longer fits its week (it is
    # reported, not bought by moving the plan).
    now_minute = ceil_minute(require_aware(now, "schedule"))

    def fixed(block: Block) -> bool:
        return block.pinned or floor_minute(block.start) < now_minute

    fresh = _Planner(plan, rules, now, busy, [b for b in existing if fixed(b)], done,
                     horizon_end, review_minutes=review_minutes)
    again = fresh.run()
    best = {u.step for u in again.unscheduled} & steps
    if not best < left_out:
        return planner, result
    # First free only the blocks in the way: those the lost steps' blocks in the new
    # plan overlap, else those on their days, else in their weeks (a weekly budget);
    # the rest of the old plan stays.
    lost = left_out - best
    taken = [b for b in again.blocks if b.step in lost]
    movable = [b for b in existing if not fixed(b)]
    habits_short = _habit_minutes(again, steps)
    for way in _in_the_way(fresh, movable, taken):
        if len(way) == len(movable):
            break
        gone = {id(b) for b in way}
        trier = _Planner(plan, rules, now, busy, [b for b in existing if id(b) not in gone],
                         done, horizon_end, review_minutes=review_minutes)
        trial = trier.run()
        if ({u.step for u in trial.unscheduled} & steps <= best
                and _habit_minutes(trial, steps) <= habits_short):
            return trier, trial
    # Else keep the longest start of the old plan that still leaves out no more.
    cuts = sorted({b.start for b in movable})
    low, high = 0, len(cuts) - 1
    while low <= high:
        middle = (low + high) // 2
        kept = [b for b in existing if fixed(b) or b.start < cuts[middle]]
        trier = _Planner(plan, rules, now, busy, kept, done, horizon_end,
                         review_minutes=review_minutes)
        trial = trier.run()
        if {u.step for u in trial.unscheduled} & steps <= best:
            fresh, again, low = trier, trial, middle + 1
        else:
            high = middle - 1
    return fresh, again


def _priority_first(planner: _Planner, result: Schedule, plan: Plan, rules: SchedulingRules,
                    now: datetime, busy: BusyTime, existing: Sequence[Block],
                    done: Collection[str], horizon_end: datetime | None,
                    review_minutes: int) -> Schedule:
    """Blocks of less important work never keep a more important step from its
    deadline. When a step with a deadline (its own or one it inherits from a step waiting
    for it) is left out while blocks of work that gives way to it (steps and habit
    sessions of a worse priority, steps of its priority with no deadline; not pinned,
    not under way) lie before that deadline, or blocks of
    the steps it waits for lie after it, and a cheap test on the finished run says it
    would fit without them, the plan is made again with them free — as a sync would make
    it, the keep-or-replan guard included — and taken when it leaves out fewer steps,
    counted priority by priority (P1 first; at each priority those with a deadline
    first). Then the same with only the blocks in the
    way freed (``_in_the_way``), so the rest of the calendar stays; of the outcomes that
    move at most ``_RESCUE_CHURN`` times the minutes they book for rescued steps (at
    least ``_RESCUE_MINUTES``) of the blocks on the calendar, the one leaving out fewest
    and then moving least is taken: an overloaded plan, where a slightly better
    arrangement can always be found, is not reshuffled every day. Most important
    level first, again from the top after a gain, at
    most ``_RESCUE_RUNS`` extra runs, so that running again on the result finds nothing
    more (the property tests check a re-run changes nothing)."""
    jobs = planner.jobs
    if not result.unscheduled or not jobs:
        return result
    now_minute = ceil_minute(require_aware(now, "schedule"))
    past = [b for b in existing if ceil_minute(b.end) <= now_minute]

    def score(found: Schedule) -> tuple[int, ...]:
        """Steps left out per priority, P1 first: those with a deadline (their own or
        inherited), then all."""
        counts = [0] * 10
        for u in found.unscheduled:
            if u.step in jobs:
                job = jobs[u.step]
                level = min(job.rank[1], 5) - 1
                counts[2 * level] += job.rank[0] < planner.horizon
                counts[2 * level + 1] += 1
        return tuple(counts)

    base = result
    on_calendar = {(b.step, b.start, b.end) for b in existing
                   if ceil_minute(b.end) > now_minute}

    def moves(found: Schedule) -> int:
        """Minutes of the blocks on the calendar this run kept that ``found`` moves."""
        kept = {(b.step, b.start, b.end) for b in found.blocks}
        return sum(b.minutes for b in base.blocks if (b.step, b.start, b.end) in on_calendar
                   and (b.step, b.start, b.end) not in kept)

    def gain(found: Schedule) -> int:
        """Minutes ``found`` books for steps this run left out."""
        rescued = {u.step for u in base.unscheduled} - {u.step for u in found.unscheduled}
        return sum(b.minutes for b in found.blocks if b.step in rescued)

    def attempt(moved: list[Block]) -> tuple[_Planner, Schedule] | None:
        """Plan again with ``moved`` free; the planner and its schedule when that
        leaves out fewer steps, read priority by priority."""
        gone = {id(b) for b in moved}
        kept = past + [b for b in result.blocks if id(b) not in gone]
        trier = _Planner(plan, rules, now, busy, kept, done, horizon_end,
                         review_minutes=review_minutes)
        found = _keep_or_replan(trier, plan, rules, now, busy, kept, done, horizon_end,
                                review_minutes)
        return found if score(found[1]) < score(result) else None

    runs = 0
    tried: set[int] = set()
    while runs < _RESCUE_RUNS:
        late = [jobs[u.step] for u in result.unscheduled
                if u.step in jobs and jobs[u.step].rank[0] < planner.horizon]
        levels = sorted({job.rank[1] for job in late} - tried)
        if not levels:
            return result
        top = levels[0]
        tried.add(top)
        chosen = [job for job in late if job.rank[1] == top]
        until = max(job.rank[0] for job in chosen)
        held = {(b.step, b.start, b.end) for b in planner.blocks_behind(chosen)}
        behind = [b for b in result.blocks if (b.step, b.start, b.end) in held]
        if not behind and not planner.could_rescue(top, until):
            continue
        moved = [b for b in result.blocks
                 if not b.pinned and floor_minute(b.start) >= now_minute
                 and floor_minute(b.start) < until and planner.gives_way(b.step, top)]
        moved += [b for b in behind if b not in moved]
        found = attempt(moved)
        runs += 1
        if found is None:
            continue
        # Only the blocks in the way need to go: plan again freeing just those the
        # rescued steps' blocks overlap, else those on their days or weeks (with the
        # blocks behind); of the outcomes within the churn bound, the one leaving out
        # the fewest steps and, of those, moving the fewest minutes is taken.
        rescued = {job.key for job in chosen} - {u.step for u in found[1].unscheduled}
        taken = [b for b in found[1].blocks if b.step in rescued]
        outcomes = [found]
        for fewer in _in_the_way(found[0], moved, taken, also=behind):
            if len(fewer) >= len(moved) or runs >= _RESCUE_RUNS:
                break
            runs += 1
            closer = attempt(fewer)
            if closer is not None:
                outcomes.append(closer)
                if score(closer[1]) <= score(found[1]):
                    break  # as good as freeing them all: no bigger subset is needed
        fair = [(score(o[1]), moves(o[1]), n, o) for n, o in enumerate(outcomes)
                if moves(o[1]) <= max(_RESCUE_MINUTES, _RESCUE_CHURN * gain(o[1]))]
        if not fair:
            continue
        (planner, result), tried = min(fair)[3], set()
        jobs = planner.jobs
    return result


# _priority_first: a rescue may move up to _RESCUE_CHURN times the minutes it books for
# the steps it rescues (at least _RESCUE_MINUTES) of the blocks on the calendar, and
# spend up to _RESCUE_RUNS extra scheduler runs.
_RESCUE_CHURN, _RESCUE_MINUTES, _RESCUE_RUNS = 3, 120, 8


def _habit_minutes(found: Schedule, steps: Collection[str]) -> int:
    """Minutes of habit sessions ``found`` leaves out."""
    return sum(u.missing_minutes for u in found.unscheduled if u.step not in steps)


def _in_the_way(planner: _Planner, blocks: Sequence[Block], taken: Sequence[Block],
                also: Sequence[Block] = ()) -> Iterator[list[Block]]:
    """Growing subsets of ``blocks`` that may stand in the way of ``taken`` (the blocks
    a plan made with all of ``blocks`` free gave the steps it rescued): those ``taken``
    overlaps (buffer included), those on its days (the daily cap), those in its weeks
    (the weekly budgets), each with ``also`` (those of ``blocks`` in it) added. Each
    differs from the one before; empty ones are skipped."""
    pad = timedelta(minutes=planner.rules.buffer)
    days = {planner.day_of(b.start) for b in taken}
    weeks = {planner.week_of(b.start) for b in taken}
    last = 0
    extra = [b for b in also if b in blocks]
    for way in ([b for b in blocks
                 if any(b.start < t.end + pad and t.start < b.end + pad for t in taken)],
                [b for b in blocks if planner.day_of(b.start) in days],
                [b for b in blocks if planner.week_of(b.start) in weeks]):
        way += [b for b in extra if b not in way]
        if len(way) > last:
            last = len(way)
            yield way


@dataclass(eq=False)
class _Job:
    """One open step while it is being scheduled."""

    step: Step
    goal: Goal
    index: int
    due: date | None
    due_end: int | None
    priority: int
    preds: tuple[str, ...]
    need: int  # minutes still to place
    estimate: int = 0  # minutes in all
    succs: list[str] = field(default_factory=list)
    kept: list[Block] = field(default_factory=list)
    new: list[Span] = field(default_factory=list)
    state: str = _TODO
    earliest: int = 0
    latest: int = 0
    spread_end: int = 0
    cause: str = ""
    rank: tuple[int, int, int] = (0, 0, 0)
    hours: str = ""  # hour set ("" = the rules' default)

    @property
    def key(self) -> str:
        return self.step.key

    @property
    def budget(self) -> str:
        return self.goal.key

    def latest_bound(self, planner: _Planner) -> int:
        """Its deadline within the horizon."""
        due = planner.horizon if self.due_end is None else self.due_end
        return min(due, planner.horizon)


@dataclass(eq=False)
class _HabitJob:
    habit: Habit
    goal: Goal
    index: int
    end: int
    kept: list[Block] = field(default_factory=list)
    counted: dict[date, int] = field(default_factory=dict)  # week → past + kept blocks
    days: set[date] = field(default_factory=set)  # days that already have a block
    new: list[tuple[Span, str]] = field(default_factory=list)
    missing: int = 0
    first_missing_week: date | None = None
    hours: str = ""  # hour set ("" = the rules' default)
    missing_weeks: list[date] = field(default_factory=list)  # a Monday per missing session
    needs: dict[date, int] = field(default_factory=dict)  # _week_need's answers by week


class _Planner:
    # What _improve may spend (0: no improvement), in units of about one placement
    # in a two-week calendar (some 50 µs): plans of 24-50 steps need up to about 3000
    # to reach the exact optimum on bench/optimum.py's instances; bigger plans get less
    # (improve_work * 50 // steps), as one move there costs more and gains less.
    improve_work = 3000
    def __init__(self, plan: Plan, rules: SchedulingRules, now: datetime, busy: BusyTime,
                 existing: Sequence[Block], done: Collection[str],
                 horizon_end: datetime | None, plain_edf: bool = False,
                 review_minutes: int = 0) -> None:
        self.plan = plan
        self.rules = rules
        self.zone = ZoneInfo(plan.timezone)
        self.plain_edf = plain_edf  # baseline for benchmarks: no repair, may be late
        self.now = ceil_minute(require_aware(now, "schedule"))
        self.start = -(-self.now // rules.align) * rules.align
        end = horizon_end or plan_horizon(plan, rules, now)
        self.horizon = floor_minute(end if end.tzinfo else end.replace(tzinfo=self.zone))
        self.done = set(done)
        self.review_minutes = review_minutes
        self.calendar = self._calendar(busy)
        self.jobs = self._jobs()
        self.habits = self._habits()
        self.order = self._order()
        self.position = {job.key: n for n, job in enumerate(self.order)}
        self.waiting: list[_Job] = []  # steps whose blocks wait for a predecessor's time
        self.missed: list[Block] = []
        self._levels: dict[int, int] = {}  # goal priority → index, for _improve
        self.skipped = False  # see _chunks
        self._work = 0  # what _improve may still spend, in placements tried
        self._scan = 1 + len(self.order) // 32  # the cost of one look at every step
        self._try = 1 + len(self.calendar.days) // 16  # the cost of one placement
        self._sort_existing(existing)

    # ----------------------------------------------------------------- set-up

    def _local_date(self, minute: int) -> date:
        return at_minute(minute).astimezone(self.zone).date()

    def _day_end(self, day: date) -> int:
        return local_minute(day, 24 * 60, self.zone)

    def _calendar(self, busy: BusyTime) -> Calendar:
        first = self._local_date(self.now)
        last = self._local_date(max(self.now, self.horizon - 1))
        spans = []
        for interval in busy.intervals:
            s, e = floor_minute(interval.start), ceil_minute(interval.end)
            if s < e:
                spans.append((s, e))
        blocked: list[date] = []
        if self.rules.all_day_blocks_day:
            for interval in busy.all_day:
                blocked.extend(_all_day_dates(interval))
        plan = self.plan
        budget = None if plan.weekly_hours is None else round(plan.weekly_hours * 60)
        goal_budgets = {g.key: round(g.weekly_hours * 60) for g in plan.goals
                        if g.weekly_hours is not None}
        return Calendar(self.rules, self.zone, first, last, self.horizon, sorted(spans),
                        blocked, sets=self._hour_sets(),
                        holidays=holiday_dates(holiday_region(plan, self.rules), first,
                                               last),
                        week_budget=budget, goal_budgets=goal_budgets,
                        week_reserved=self.review_minutes)

    def _hour_sets(self) -> set[str]:
        """Hour sets the plan chooses besides the default; PlanError for unknown ones."""
        return hour_sets_used(self.plan, self.rules)

    def _set(self, *names: str | None) -> str:
        """The calendar's name of the first hour set given ("" for the default)."""
        name = next((n for n in names if n is not None), None)
        return "" if name is None or name == self.rules.goal_hours else name

    def _jobs(self) -> dict[str, _Job]:
        jobs: dict[str, _Job] = {}
        for goal in self.plan.goals:
            for milestone in goal.milestones:
                for step in milestone.steps:
                    if step.done or step.key in self.done:
                        continue
                    due = step.due or milestone.due or goal.deadline
                    estimate = step.estimate_minutes
                    jobs[step.key] = _Job(
                        step=step, goal=goal, index=len(jobs), due=due,
                        due_end=None if due is None else self._day_end(due),
                        priority=goal.priority, preds=(),
                        need=self.rules.default_estimate if estimate is None else estimate,
                        hours=self._set(goal.hours))
                    jobs[step.key].estimate = jobs[step.key].need
        for job in jobs.values():
            job.preds = tuple(dict.fromkeys(k for k in job.step.after if k in jobs))
            for pred in job.preds:
                jobs[pred].succs.append(job.key)
        return jobs

    def _habits(self) -> dict[str, _HabitJob]:
        habits: dict[str, _HabitJob] = {}
        for goal in self.plan.goals:
            end = self.horizon if goal.deadline is None else min(
                self.horizon, self._day_end(goal.deadline))
            for habit in goal.habits:
                if habit.key in self.done or habit.per_week < 1 or habit.duration_minutes < 1:
                    continue
                habits[habit.key] = _HabitJob(habit, goal, len(habits), end,
                                              hours=self._set(habit.hours, goal.hours))
        return habits

    def _order(self) -> list[_Job]:
        """Topological, earliest effective deadline, best effective priority, plan order."""
        jobs = self.jobs
        plain = _topological(jobs, lambda job: (job.index,))
        for job in reversed(plain):
            due = job.due_end if job.due_end is not None else self.horizon
            prio = job.priority
            spread_end = min(due, self.horizon)
            for succ in map(jobs.__getitem__, job.succs):
                due = min(due, succ.rank[0])
                prio = min(prio, succ.rank[1])
                days = math.ceil(succ.need / self.rules.daily_cap)
                spread_end = min(spread_end, succ.spread_end - days * 24 * 60)
            job.rank = (due, prio, job.index)
            job.spread_end = spread_end
        order = _topological(jobs, lambda job: job.rank)
        placed = {job.key for job in order}
        for job in jobs.values():
            if job.key not in placed:
                job.state = _CYCLE
        return order

    def _sort_existing(self, existing: Sequence[Block]) -> None:
        """Classify existing blocks: missed, fixed (pinned / under way), or candidates."""
        self.candidates: dict[str, list[Block]] = {}
        for block in sorted(existing, key=_block_order):
            job, habit = self.jobs.get(block.step), self.habits.get(block.step)
            if job is None and habit is None:
                continue
            if job is not None and (job.need <= 0 or job.state == _CYCLE):
                continue
            start, end = floor_minute(block.start), ceil_minute(block.end)
            if end <= self.now:
                if job is not None:
                    self.missed.append(block)
                elif habit is not None:
                    self._count_habit(habit, start)
            elif block.pinned or start < self.now:
                self._keep(block, job, habit)
            else:
                self.candidates.setdefault(block.step, []).append(block)

    def _keep(self, block: Block, job: _Job | None, habit: _HabitJob | None) -> None:
        start, end = floor_minute(block.start), ceil_minute(block.end)
        goal = job.budget if job is not None else habit.goal.key if habit is not None else None
        self.calendar.occupy(start, end, goal)
        if job is not None:
            job.kept.append(block)
            job.need -= end - start
        elif habit is not None:
            habit.kept.append(block)
            self._count_habit(habit, floor_minute(block.start))

    def _count_habit(self, habit: _HabitJob, start: int) -> None:
        day = self._local_date(start)
        week = day - timedelta(days=day.weekday())
        habit.counted[week] = habit.counted.get(week, 0) + 1
        habit.days.add(day)

    # ------------------------------------------------------------------- run

    def run(self) -> Schedule:
        self._validate_kept_steps()
        self._validate_kept_habits()
        if not self.plain_edf:
            self._validate_kept_steps(settle=True)
        for habit in self._habit_order():
            self._place_habit(habit)
        self._place_steps()
        if not self.plain_edf:
            self._compact()
            self._fill_pass()
            changed = self._improve()
            if changed:
                self._fill_pass(changed)
            if self._yield_habits():
                self._fill_pass()
                self._top_up_habits()
        return Schedule(blocks=self._blocks(), unscheduled=self._unscheduled(),
                        missed=tuple(self.missed))

    def day_of(self, moment: datetime) -> date:
        """The local date of ``moment`` in the plan's zone."""
        return self._local_date(floor_minute(moment))

    def week_of(self, moment: datetime) -> date:
        """The Monday of ``moment``'s local week."""
        return self._week_of(floor_minute(moment))

    def level(self, key: str) -> int | None:
        """The (inherited) priority of a step, a habit's goal's priority; None for
        keys not in this plan."""
        if key in self.jobs:
            return self.jobs[key].rank[1]
        return self.habits[key].goal.priority if key in self.habits else None

    def gives_way(self, key: str, level: int) -> bool:
        """Whether blocks of ``key`` give way to a step of priority ``level`` with a
        deadline: work of a less important goal, or a step of the same priority with no
        deadline, own or inherited (nothing to be late for; a plan made afresh puts it
        after). Steps of the same priority due later keep their blocks: whether one
        could move and still meet its date is not known before planning again, and
        trying costs a run on every sync of an overloaded plan."""
        found = self.level(key)
        if found is None:
            return False
        return found > level or (found == level and key in self.jobs
                                 and self.jobs[key].rank[0] >= self.horizon)

    def _movable(self, kept: Sequence[Block]) -> list[Block]:
        """The blocks of ``kept`` a rescue may move: not pinned, not under way."""
        return [b for b in kept if not b.pinned and floor_minute(b.start) >= self.now]

    def blocks_behind(self, late: Sequence[_Job]) -> list[Block]:
        """Blocks (not pinned, not under way) of the steps ``late`` steps wait for that
        end after the deadline a ``late`` step has or inherits: they hold it back
        whatever else gives way (a prerequisite booked on the calendar before the
        deadline was set)."""
        out: list[Block] = []
        for job in late:
            for key in self._with_preds(job.preds):
                pred = self.jobs[key]
                spans = self._movable(pred.kept)
                if pred.state == _OK:
                    spans += [Block(key, at_minute(s), at_minute(e)) for s, e in pred.new]
                out += [b for b in spans
                        if ceil_minute(b.end) > job.rank[0] and b not in out]
        return out

    def could_rescue(self, level: int, until: int) -> bool:
        """Would a left-out step of (inherited) priority ``level`` with a due date fit
        if the blocks of work that gives way to it (``gives_way``; not pinned, not under
        way) that start before ``until`` were free? Asked of a finished run, which it
        leaves as it was; the cheap test before ``_priority_first`` plans again."""
        freed: list[tuple[int, int, str | None]] = []
        for job in self.jobs.values():
            if self.gives_way(job.key, level):
                spans = [(floor_minute(b.start), ceil_minute(b.end))
                         for b in self._movable(job.kept)]
                spans += job.new if job.state == _OK else []
                freed += [(s, e, job.budget) for s, e in spans if s < until]
        for habit in self.habits.values():
            if habit.goal.priority > level:
                spans = [(floor_minute(b.start), ceil_minute(b.end))
                         for b in self._movable(habit.kept)]
                spans += [span for span, _ in habit.new]
                freed += [(s, e, habit.goal.key) for s, e in spans if s < until]
        if not freed:
            return False
        for start, end, goal in freed:
            self.calendar.release(start, end, goal)
        try:
            for job in self.order:
                if (job.state == _OK or job.rank[1] != level or job.rank[0] >= self.horizon
                        or any(self.jobs[p].state != _OK for p in job.preds)):
                    continue
                saved = (job.earliest, job.latest, job.cause, job.state)
                fits = self._prepare(job) and self._place(job, commit=False) == job.need
                job.earliest, job.latest, job.cause, job.state = saved
                if fits:
                    return True
            return False
        finally:
            for start, end, goal in freed:
                self.calendar.occupy(start, end, goal)

    def _validate_kept_steps(self, settle: bool = False) -> None:
        """Keep the still-valid future blocks of each step whose predecessors are fully
        booked. With ``settle`` (a second pass, once every other valid block is kept),
        a step whose predecessor still needs time (a missed block, a longer estimate, a
        block a new meeting displaced) keeps its blocks: that time is booked before them
        when it fits there, else as early as it fits (``_settle``), and only the
        step's blocks it overtakes move, instead of the step and all after it."""
        waiting, self.waiting = self.waiting, []
        for job in waiting if settle else self.order:
            blocks = self.candidates.get(job.key, [])
            if not blocks:
                continue
            if settle:
                first = min(floor_minute(b.start) for b in blocks)
                if not all(self._settle(self.jobs[p], first) or self._settle(
                        self.jobs[p], None) for p in job.preds):
                    continue
            if any(self.jobs[p].need > 0 or self.jobs[p].state == _CYCLE for p in job.preds):
                self.waiting.append(job)
                continue
            after = max((ceil_minute(b.end) for p in job.preds for b in self.jobs[p].kept),
                        default=self.now)
            not_before = self._not_before(job)
            latest = min(self.horizon, job.due_end if job.due_end is not None else self.horizon)
            for block in blocks:
                start, end = floor_minute(block.start), ceil_minute(block.end)
                if (self._fair_length(job, end - start) and start >= max(after, not_before)
                        and end <= latest
                        and self.calendar.fits(start, end, job.hours, job.budget)):
                    self._keep(block, job, None)

    def _settle(self, pred: _Job, before: int | None) -> bool:
        """Book what ``pred`` and the steps it waits for still need, in order, so that
        all of it ends by ``before`` (a kept block of a step waiting for them), else
        (``None``) as early as their deadlines allow; the blocks count as kept, and the
        waiting step keeps those of its blocks that still start after them. True when
        nothing is left to book; on failure nothing is booked."""
        chain, stack, seen = [], [pred.key], set()
        while stack:  # every unfinished step pred waits for, directly or not
            job = self.jobs[stack.pop()]
            if job.key in seen or job.need <= 0:
                continue
            if job.state == _CYCLE:
                return False
            seen.add(job.key)
            chain.append(job)
            stack.extend(job.preds)
        chain.sort(key=lambda job: self.position[job.key])
        # Before a waiting step's blocks: around every block still to be kept, so that
        # the waiting steps keep theirs (the weekly budget included; blocks more than a
        # week after ``before`` cannot share a week with what is booked here).
        reach = 0 if before is None else before + 7 * 24 * 60
        pending = [] if before is None else [
            (floor_minute(b.start), ceil_minute(b.end), j.budget)
            for j in self.jobs.values() if j.key not in seen
            for b in self.candidates.get(j.key, ())
            if floor_minute(b.start) < reach and b not in j.kept]
        for start, end, goal in pending:
            self.calendar.occupy(start, end, goal)
        try:
            return self._book_chain(chain, before)
        finally:
            for start, end, goal in pending:
                self.calendar.release(start, end, goal)

    def _book_chain(self, chain: list[_Job], before: int | None) -> bool:
        booked: list[_Job] = []
        for job in chain:
            job.earliest = max([self._not_before(job), *(
                ceil_minute(b.end) for p in job.preds for b in self.jobs[p].kept)])
            due = job.due_end if job.due_end is not None else self.horizon
            job.latest = min(due, self.horizon,
                             self.horizon if before is None else before - self.rules.buffer)
            if job.latest <= job.earliest or self._place(job) != job.need:
                for done in booked:  # undo: the normal placement takes over
                    for block in done.kept[len(done.kept) - len(done.new):]:
                        self.calendar.release(floor_minute(block.start),
                                              ceil_minute(block.end), done.budget)
                    del done.kept[len(done.kept) - len(done.new):]
                    done.need, done.new = sum(e - s for s, e in done.new), []
                return False
            for n, (s, e) in enumerate(job.new):
                job.kept.append(Block(job.key, at_minute(s), at_minute(e),
                                      why=self._why(job, n)))
            job.need = 0
            booked.append(job)
        for job in booked:
            job.new = []
        return True

    def _fair_length(self, job: _Job, length: int) -> bool:
        """A kept block obeys the chunk rules: a step of up to keep_whole is one block;
        a longer one's blocks are min_block..max_block, leaving no rest shorter than
        min_block (blocks are checked in time order, sessions need not come in the
        order they were cut)."""
        rules = self.rules
        if job.estimate <= rules.whole_limit():
            return length == job.need
        rest = job.need - length
        return (min(rules.min_block, job.need) <= length <= rules.max_block
                and (rest == 0 or rest >= rules.min_block))

    def _habit_order(self) -> list[_HabitJob]:
        """Habits of more important goals claim their weeks' time and budget first."""
        return sorted(self.habits.values(), key=lambda h: (h.goal.priority, h.index))

    def _validate_kept_habits(self) -> None:
        for habit in self._habit_order():
            for block in self.candidates.get(habit.habit.key, []):
                start, end = floor_minute(block.start), ceil_minute(block.end)
                day = self._local_date(start)
                week = day - timedelta(days=day.weekday())
                if (habit.counted.get(week, 0) < self._week_need(habit, week)
                        and day not in habit.days and end <= habit.end
                        and self.calendar.fits(start, end, habit.hours, habit.goal.key)):
                    self._keep(block, None, habit)

    # ----------------------------------------------------------------- habits

    def _weeks(self) -> Iterator[date]:
        first = self.calendar.days[0].date if self.calendar.days else None
        if first is None:
            return
        week = first - timedelta(days=first.weekday())
        while week <= self.calendar.days[-1].date:
            yield week
            week += timedelta(days=7)

    def _habit_days(self, habit: _HabitJob, week: date) -> list[int]:
        """Indexes of the week's working days that still have time before the habit ends."""
        days = self.calendar.days
        if not days:
            return []
        first = (week - days[0].date).days  # the calendar's days follow one another
        out = []
        for index in range(max(0, first), min(len(days), first + 7)):
            day = days[index]
            if day.bases[habit.hours] and day.end > self.start and day.start < habit.end:
                out.append(index)
        return out

    def _week_need(self, habit: _HabitJob, week: date) -> int:
        """Sessions due in ``week``: ``per_week``, or its share of the working days left
        when the habit ends (its goal's deadline) inside the week; 0 after it."""
        found = habit.needs.get(week)
        if found is None:
            windows = self.rules.week_of(habit.habit.hours or habit.goal.hours)
            working = [week + timedelta(days=d) for d in range(7) if windows[d]]
            last = working[-1] if working else None
            if last is None:
                found = 0
            elif local_minute(last, 0, self.zone) < habit.end:  # the usual case
                found = habit.habit.per_week
            else:
                before = sum(local_minute(day, 0, self.zone) < habit.end for day in working)
                found = math.ceil(habit.habit.per_week * before / len(working))
            habit.needs[week] = found
        return found

    def _whole_week(self, week: date) -> bool:
        """True when the whole week lies inside the planned days (shortfalls count)."""
        days = self.calendar.days
        return days[0].date <= week and week + timedelta(days=6) <= days[-1].date

    def _place_habit(self, habit: _HabitJob) -> None:
        for week in self._weeks():
            todo = self._week_need(habit, week) - habit.counted.get(week, 0)
            if todo <= 0:
                continue
            days = [i for i in self._habit_days(habit, week)
                    if self.calendar.days[i].date not in habit.days]
            placed = self._place_habit_week(habit, days, todo, week)
            if placed < todo and self._whole_week(week):
                habit.missing += todo - placed
                habit.missing_weeks += [week] * (todo - placed)
                habit.first_missing_week = habit.first_missing_week or week

    def _top_up_habits(self) -> None:
        """After sessions gave way to steps, time or budget they left unused goes to
        sessions still short in their week (as a later run, which books habits first
        around the kept blocks, would book them)."""
        for habit in self._habit_order():
            booked: dict[date, int] = {}
            for (start, _), _ in habit.new:
                monday = self._week_of(start)
                booked[monday] = booked.get(monday, 0) + 1
            for week in self._weeks():
                already = habit.counted.get(week, 0) + booked.get(week, 0)
                todo = self._week_need(habit, week) - already
                if todo <= 0:
                    continue
                taken = habit.days | {self._local_date(s) for (s, _), _ in habit.new}
                days = [i for i in self._habit_days(habit, week)
                        if self.calendar.days[i].date not in taken]
                placed = self._place_habit_week(habit, days, todo, week,
                                                already=booked.get(week, 0))
                for _ in range(min(placed, habit.missing_weeks.count(week))):
                    habit.missing_weeks.remove(week)
                    habit.missing -= 1
                habit.first_missing_week = min(habit.missing_weeks, default=None)

    def _place_habit_week(self, habit: _HabitJob, days: list[int], todo: int,
                          week: date, already: int = 0) -> int:
        duration = habit.habit.duration_minutes
        used: set[int] = set()
        placed = 0
        # Sessions sit evenly spaced over the allowed days; each habit's pattern is turned
        # by its own phase (golden ratio), so many weekly habits do not pile on one day.
        step = len(days) / todo if todo else 0
        shift = (((0.5 + habit.index * 0.6180339887) % 1) - 0.5) * step
        calendar = self.calendar
        for n in range(todo):
            if not days:
                break
            ideal = math.floor(((n + 0.5) * step + shift) % len(days))
            for pos in sorted(range(len(days)), key=lambda p: (
                    abs(p - ideal), calendar.days[days[p]].used, p)):
                if pos in used:
                    continue
                day = calendar.days[days[pos]]
                found = calendar.find(max(day.start, self.start),
                                      min(day.end, habit.end), duration, whole=True,
                                      hours=habit.hours, goal=habit.goal.key)
                if found is None:
                    continue
                start = found[0]
                calendar.occupy(start, start + duration, habit.goal.key)
                used.add(pos)
                placed += 1
                why = (f"habit {habit.counted.get(week, 0) + already + placed}/"
                       f"{self._week_need(habit, week)} this week: {habit.habit.per_week}× "
                       f"{format_duration(duration)} a week, spread over the week")
                habit.new.append(((start, start + duration), why))
                break
        return placed

    # ------------------------------------------------------------------ steps

    def _not_before(self, job: _Job) -> int:
        nb = job.step.not_before
        return self.start if nb is None else max(self.start, local_minute(nb, 0, self.zone))

    def _finish(self, job: _Job) -> int:
        ends = [ceil_minute(b.end) for b in job.kept] + [e for _, e in job.new]
        return max(ends, default=job.earliest)

    def _prepare(self, job: _Job) -> bool:
        """Set earliest/latest/cause; False when a predecessor is not scheduled."""
        if any(self.jobs[p].state != _OK for p in job.preds):
            job.state = _BLOCKED
            return False
        job.earliest, job.cause = self._not_before(job), ""
        if job.step.not_before is not None and job.earliest > self.start:
            job.cause = f"not before {_day_text(job.step.not_before)}"
        for pred in map(self.jobs.__getitem__, job.preds):
            finish = self._finish(pred)
            if finish > job.earliest:
                job.earliest, job.cause = finish, f"after “{pred.step.title}”"
        due = job.due_end if job.due_end is not None and not self.plain_edf else self.horizon
        job.latest = min(due, self.horizon)
        return True

    def _place_steps(self) -> None:
        victims: list[tuple[int, int, int, str]] = []
        protected = self._protected()

        def push(job: _Job) -> None:
            if job.new and job.key not in protected:
                heapq.heappush(victims, (-job.rank[1], -job.need, -job.index, job.key))

        for job in self.order:
            if not self._prepare(job):
                continue
            if self._place(job) == job.need:
                job.state = _OK
                push(job)
                continue
            if self.plain_edf:
                job.state = _DROPPED
                continue
            self._repair(job, victims, push)

    def _repair(self, job: _Job, victims: list[tuple[int, int, int, str]],
                push: Callable[[_Job], None]) -> None:
        """Take less important steps out until ``job`` fits (Moore-Hodgson). A placement
        is tried only once the minutes freed inside its window could hold it; when it
        still does not fit, every step taken out goes back as it was (no futile drops).
        When it fits, steps taken out are put back wherever they still fit."""
        taken: list[tuple[_Job, list[Span], str]] = []
        short = job.need - self._free_in(job)
        level = job.rank[1]
        # steps of the contested priority that placing ``job`` saves (it and the steps
        # waiting for it): never give up as many of them to place it
        allowance = self._worth(job, level, placed=False)
        while (victim := self._victim(job, victims, allowance)) is not None:
            if victim.rank[1] == level:
                allowance -= self._worth(victim, level, placed=True)
            dropped = self._drop(victim, _DROPPED)
            taken.extend(dropped)
            if any(self.jobs[p].state != _OK for p in job.preds):
                break  # it waited for what was taken out
            short -= sum(max(0, min(e, job.latest) - max(s, job.earliest))
                         for _, spans, _ in dropped for s, e in spans)
            if short > 0:
                continue
            if self._place(job) == job.need:
                job.state = _OK
                push(job)
                break
        if job.state == _OK:
            for other, _, _ in taken:
                if (other.state != _OK and self._prepare(other)
                        and self._place(other) == other.need):
                    other.state = _OK
                    push(other)
            return
        job.state = _DROPPED
        for other, spans, state in reversed(taken):
            other.new, other.state = spans, state
            for span in spans:
                self.calendar.occupy(*span, other.budget)
            push(other)

    def _free_in(self, job: _Job) -> int:
        """Free minutes in ``job``'s window for its hour set, under the daily cap and the
        budgets: an upper bound of what ``_place`` could book there now."""
        calendar, rules = self.calendar, self.rules
        per_week: dict[int, int] = {}
        for index in calendar._day_range(job.earliest, job.latest):
            day = calendar.days[index]
            left = rules.daily_cap - day.used
            if left <= 0:
                continue
            if job.earliest <= day.start and day.end <= job.latest:
                inside = day.free_total(job.hours)
            else:
                inside = sum(max(0, min(b, job.latest) - max(a, job.earliest))
                             for a, b in day.free(job.hours))
            per_week[day.week] = per_week.get(day.week, 0) + min(inside, left)
        return sum(min(minutes, calendar.budget_left(week, job.budget))
                   for week, minutes in per_week.items())

    def _protected(self) -> set[str]:
        """Steps with kept blocks and everything they wait for: never taken out."""
        return self._with_preds(job.key for job in self.jobs.values() if job.kept)

    def _with_preds(self, keys: Iterable[str]) -> set[str]:
        """``keys`` and every step they wait for, directly or not."""
        out: set[str] = set()
        stack = list(keys)
        while stack:
            key = stack.pop()
            if key not in out:
                out.add(key)
                stack.extend(self.jobs[key].preds)
        return out

    def _place(self, job: _Job, commit: bool = True) -> int:
        """Book all of ``job.need`` inside [earliest, latest) or nothing; return the
        minutes that could be booked (== need on success). ``commit=False`` only counts.

        Work that is split goes one session a day on consecutive free days first; when
        that does not fit before the deadline (for a prerequisite: before its
        ``spread_end``, which leaves its dependants their days), sessions may share a
        day."""
        if job.need <= 0:
            return job.need
        # one session a day; a prerequisite only while that leaves the steps waiting for
        # it their own days before their deadlines (``spread_end``), else it finishes early
        if commit and job.need > self.rules.whole_limit() and not self.plain_edf:
            chunks, need = self._chunks(job, one_a_day=True)
            if need == 0 and (not job.succs or max(e for _, e in chunks) <= job.spread_end):
                job.new = sorted(chunks)
                return job.need
            for span in chunks:
                self.calendar.release(*span, job.budget)
            if not chunks:  # not even a first session: sharing days cannot help
                return 0
        chunks, need = self._chunks(job, one_a_day=False)
        if need > 0 and self.skipped:  # try again, using the time passed over
            for span in chunks:
                self.calendar.release(*span, job.budget)
            chunks, need = self._chunks(job, one_a_day=False, rescan=True)
        if need > 0 or not commit:
            for span in chunks:
                self.calendar.release(*span, job.budget)
            return job.need - need
        job.new = sorted(chunks)
        return job.need

    def _chunks(self, job: _Job, one_a_day: bool, rescan: bool = False,
                ) -> tuple[list[Span], int]:
        """Book ``job.need`` in chunks (booked in the calendar); (chunks, minutes left).
        Each search goes on after the last chunk, or (``rescan``) from the first day
        with room; ``self.skipped`` tells whether a chunk was taken after free time
        that a later search then passed over."""
        calendar = self.calendar
        need, chunks = job.need, list[Span]()
        spread = (self.rules.strategy == "spread" and not self.plain_edf
                  and job.spread_end > job.earliest)
        parts = math.ceil(need / self.rules.max_block)
        cursor = job.earliest
        tight = not job.succs  # best fit, but a step others wait for ends early
        skipped = False
        while need > 0:
            found = None
            if spread:
                target = job.earliest + (job.spread_end - job.earliest) * len(chunks) // parts
                found = calendar.find(max(target, job.earliest, cursor if one_a_day else 0),
                                      job.latest, need, hours=job.hours, goal=job.budget,
                                      best_fit=tight)
                if not one_a_day:
                    cursor = job.earliest
            found = found or calendar.find(cursor, job.latest, need, hours=job.hours,
                                           goal=job.budget, best_fit=tight)
            if found is None:
                break
            start, length = found
            calendar.occupy(start, start + length, job.budget)
            chunks.append((start, start + length))
            need -= length
            if one_a_day:
                index = calendar.day_index(start)
                if 0 <= index < len(calendar.days):
                    cursor = max(start + length, calendar.days[index].end)
            elif rescan:
                # a whole chunk may have been preferred to a sliver before it: the
                # rest may still use that, so search on from the first day with room
                while (cursor < start and (index := calendar.day_index(cursor)) >= 0
                       and index < len(calendar.days)
                       and calendar.days[index].used >= self.rules.daily_cap):
                    cursor = calendar.days[index].end
            else:
                cursor = start + length
                skipped |= calendar.skipped
        self.skipped = skipped
        return chunks, need

    def _victim(self, job: _Job, heap: list[tuple[int, int, int, str]],
                allowance: int = 1) -> _Job | None:
        """The placed step to take out for ``job`` (Moore-Hodgson), or None for ``job``.

        Steps of a worse (inherited) priority than ``job`` qualify, and longer ones of
        the same priority (Moore-Hodgson). A shorter one of the same priority qualifies
        when it loses fewer steps of that priority than placing ``job`` still saves
        (``allowance``: ``job`` and the steps waiting for it). Of the least
        important priority level with blocks inside ``job``'s window, the step whose
        removal loses the fewest steps (itself and its placed dependants) and frees the
        most minutes in that window is taken."""
        mine = (job.rank[1], job.need, job.index)
        skipped: list[tuple[int, int, int, str]] = []
        candidates: list[tuple[tuple[int, int, int], tuple[int, int, int, str]]] = []
        level = None
        while heap and len(candidates) < 16 and len(skipped) < 256:
            entry = heap[0]
            other = self.jobs[entry[3]]
            if other.state != _OK or not other.new:
                heapq.heappop(heap)
                continue
            prio = -entry[0]
            if prio < job.rank[1] or (
                    prio == job.rank[1] and allowance <= 1
                    and (prio, -entry[1], -entry[2]) <= mine):
                break  # a shorter one of the same level loses at least one step
            if level is not None and prio != level:
                break
            heapq.heappop(heap)
            inside = sum(max(0, min(e, job.latest) - max(s, job.earliest))
                         for s, e in other.new)
            if inside > 0 and prio == job.rank[1] and (prio, -entry[1], -entry[2]) <= mine \
                    and self._worth(other, prio, placed=True) >= allowance:
                inside = 0  # shorter, and would lose as much as placing ``job`` saves
            if inside > 0 and other.key not in job.preds:
                level = -entry[0]
                candidates.append(((self._loss(other), -inside, entry[1]), entry))
            else:
                skipped.append(entry)
        found = None
        if candidates:
            best = min(candidates)
            found = self.jobs[best[1][3]]
            skipped.extend(entry for _, entry in candidates if entry is not best[1])
        for entry in skipped:
            heapq.heappush(heap, entry)
        return found

    def _worth(self, job: _Job, level: int, placed: bool, limit: int = 64) -> int:
        """Steps of goal priority ``level`` among ``job`` and the steps waiting for it
        that taking it out loses: placed (unkept) or not yet handled (``placed``), else
        only the ones not yet handled (for a newcomer)."""
        wanted = (_OK, _TODO) if placed else (_TODO,)
        worth = int(job.priority == level)
        seen, stack = {job.key}, list(job.succs)
        while stack and len(seen) < limit:
            succ = self.jobs[stack.pop()]
            if succ.key not in seen and succ.state in wanted and not succ.kept:
                seen.add(succ.key)
                worth += succ.priority == level
                stack.extend(succ.succs)
        return worth

    def _loss(self, job: _Job, limit: int = 64) -> int:
        """Steps lost if ``job`` is taken out: it and its placed, unkept dependants."""
        seen, stack = {job.key}, list(job.succs)
        while stack and len(seen) < limit:
            succ = self.jobs[stack.pop()]
            if succ.key not in seen and succ.state == _OK and not succ.kept:
                seen.add(succ.key)
                stack.extend(succ.succs)
        return len(seen)

    def _drop(self, job: _Job, state: str, touch: Callable[[_Job], None] | None = None,
              ) -> list[tuple[_Job, list[Span], str]]:
        """Take ``job`` out, and its placed dependants; return what was taken, as
        (job, its blocks, its state before), to put back if need be (``touch`` sees
        each before it changes)."""
        if touch is not None:
            touch(job)
        taken = [(job, job.new, job.state)]
        for span in job.new:
            self.calendar.release(*span, job.budget)
        job.new, job.state = [], state
        for succ in map(self.jobs.__getitem__, job.succs):
            if succ.state == _OK and not succ.kept:
                taken.extend(self._drop(succ, _BLOCKED, touch))
        return taken

    def _fill_pass(self, near: Sequence[Span] | None = None) -> None:
        """Retry every left-out step against the finished calendar: the most important,
        then shortest first (more steps fit), a step only once all it waits for is in.
        A step that fails here cannot fit later in the pass, as time only fills up.
        With ``near`` only the steps whose reach (``_widen``) meets one of those spans
        (where time was freed), and the ones waiting for a step placed here."""
        def ready(job: _Job) -> bool:
            return job.state in (_DROPPED, _BLOCKED) and all(
                self.jobs[p].state == _OK for p in job.preds)

        def close(job: _Job) -> bool:
            if near is None:
                return True
            lo, hi = self._widen(self._not_before(job), job.latest_bound(self),
                                 job.budget in self.calendar.goal_budgets)
            return any(s < hi and e > lo for s, e in near)

        heap = [(job.rank[1], job.need, job.index, job.key)
                for job in self.order if ready(job) and close(job)]
        heapq.heapify(heap)
        while heap:
            job = self.jobs[heapq.heappop(heap)[3]]
            if not ready(job) or not self._prepare(job):
                continue
            job.state = _OK if self._place(job) == job.need else _DROPPED
            if job.state == _OK:
                for succ in map(self.jobs.__getitem__, job.succs):
                    if ready(succ):
                        heapq.heappush(heap, (succ.rank[1], succ.need, succ.index,
                                              succ.key))

    def _improve(self) -> list[Span]:
        """Local improvement of the finished placement. Each left-out step (the most
        important, then shortest first) is put in together with the steps it waits for
        (``_chain``), in three ways (``_insert``): the placed steps competing with it are
        taken out and placed again in deadline order with it, the less important ones
        only after; or they are placed again after it; or placed steps are taken out one
        at a time, least loss first, until it fits. Every way is tried and undone
        exactly; the one with the best gain is made again when that gain is a strict
        improvement of the steps on time read lexicographically by priority (P1 first).
        Rounds repeat while a move succeeds, within a work bound (placements tried) so
        big plans stay fast. Returns where blocks changed (old and new spans)."""
        changes: list[Span] = []  # where accepted moves changed blocks
        self._work = min(self.improve_work, self.improve_work * 50 // max(1, len(self.jobs)))
        if self._work < 4 * self._scan:
            return changes  # too big a plan for a move or two to be worth a look
        protected = self._protected()
        self._levels = {p: n for n, p in enumerate(sorted({j.priority for j in self.order}))}
        failed: dict[str, int] = {}  # step → len(changes) when it last failed
        for _ in range(4):
            moved = False
            todo = sorted((job for job in self.order
                           if job.state != _OK and job.need > 0 and job.state != _CYCLE),
                          key=lambda job: (job.priority, job.need, self.position[job.key]))
            for job in todo:
                if self._work <= 0:
                    return changes
                if job.state == _OK:
                    continue
                chain = self._chain(job, protected)
                if chain is None:
                    continue
                lo, hi = self._reach_of(chain)
                if job.key in failed and not any(
                        s < hi and e > lo for s, e in changes[failed[job.key]:]):
                    continue  # nothing changed where it could go since it last failed
                if self._hopeless(chain, lo, hi):
                    failed[job.key] = len(changes)
                    continue
                best: tuple[tuple[int, ...], int] | None = None
                for way in range(3):
                    if self._work <= 0:
                        break
                    gain = self._insert(chain, protected, way, keep=False)
                    if best is None or gain > best[0]:
                        best = (gain, way)
                if best is not None and _better(best[0]):
                    before = {other.key: other.new for other in self.order}
                    self._insert(chain, protected, best[1], keep=True)
                    for other in self.order:
                        if other.new is not before[other.key]:
                            changes.extend(before[other.key])
                            changes.extend(other.new)
                    moved = True
                else:
                    failed[job.key] = len(changes)
            if not moved:
                break
        return changes

    def _chain(self, job: _Job, protected: set[str], limit: int = 8) -> list[_Job] | None:
        """``job`` after the steps it waits for (but kept ones and what they wait for),
        in placement order, to be placed (again) together; None when one of them can
        never be placed (a loop) or there are too many."""
        out: list[_Job] = []
        stack, seen = [job.key], set[str]()
        while stack:
            other = self.jobs[stack.pop()]
            if other.key in seen or (other.key in protected and other is not job):
                continue
            if other.state == _CYCLE or len(out) >= limit:
                return None
            seen.add(other.key)
            out.append(other)
            stack.extend(other.preds)
        out.sort(key=lambda other: self.position[other.key])
        return out

    def _hopeless(self, chain: list[_Job], lo: int, hi: int) -> bool:
        """True when ``chain`` cannot gain: the free windows of [lo, hi) (goalsync's
        blocks ignored) cannot hold it and the placed steps more important than it that
        must stay inside [lo, hi) (their whole window lies there). Counted only without
        goal budgets and for steps of the chain's hour set, so it never errs."""
        calendar = self.calendar
        hours = chain[0].hours
        if calendar.goal_budgets or any(job.hours != hours for job in chain):
            return False
        level = min(job.priority for job in chain)
        need = sum(job.need for job in chain)
        self._work -= self._scan
        for other in self.order:
            if (other.state == _OK and other.priority < level and other.hours == hours
                    and lo <= self._not_before(other)
                    and other.latest_bound(self) <= hi):
                need += other.need
        return calendar.capacity(lo, hi, hours) < need

    def _crowd(self, lo: int, hi: int, spare: set[str], limit: int = 64,
               ) -> list[_Job] | None:
        """The placed steps (not in ``spare``) with blocks in [lo, hi), and, as they
        may have to move later to make room, those with blocks before the latest of
        their deadlines, and so on; None when more than ``limit``."""
        found: dict[str, _Job] = {}
        while True:
            self._work -= self._scan
            more = [other for other in self.order
                    if other.state == _OK and other.new and other.key not in spare
                    and other.key not in found
                    and any(s < hi and e > lo for s, e in other.new)]
            if not more:
                break
            found.update((other.key, other) for other in more)
            if len(found) > limit:
                return None
            hi = max(hi, *(self._widen(lo, other.latest_bound(self), other.budget in
                                       self.calendar.goal_budgets)[1] for other in more))
        return sorted(found.values(), key=lambda other: self.position[other.key])

    def _cutoffs(self, chain: list[_Job]) -> dict[str, int]:
        """Per chain step that later chain steps wait for: when it must end so that
        they can still be booked by their deadlines (free windows, goalsync's blocks
        ignored)."""
        members = {job.key for job in chain}
        cutoff: dict[str, int] = {}
        for job in reversed(chain):
            end = min(cutoff.get(job.key, self.horizon), job.due_end or self.horizon)
            for pred in job.preds:
                if pred in members:
                    cutoff[pred] = min(cutoff.get(pred, self.horizon),
                                       self._latest_start(job, end))
        return cutoff

    def _insert(self, chain: list[_Job], protected: set[str], way: int, keep: bool,
                ) -> tuple[int, ...]:
        """Place ``chain``; return (gain, placements tried), the gain in steps on time
        per priority level (P1 first). The result stays only with ``keep`` and a strict
        lexicographic gain; otherwise everything is undone exactly. ``way``: 0 = the
        placed steps competing with the chain (``_reach``) are taken out and placed
        again with it in deadline order, those less important than the chain after
        them; 1 = they are placed again after the chain; 2 = placed steps no more
        important are taken out one at a time (``_eviction``) until each chain step
        fits. Steps taken out go back where they still fit."""
        journal: dict[str, tuple[_Job, list[Span], str, int, int, str]] = {}

        def touch(other: _Job) -> None:
            if other.key not in journal:
                journal[other.key] = (other, other.new, other.state, other.earliest,
                                      other.latest, other.cause)

        def place(other: _Job) -> bool:
            touch(other)
            if not self._prepare(other):
                return False
            other.latest = min(other.latest, cutoff.get(other.key, other.latest))
            if other.latest <= other.earliest:
                return False
            self._work -= self._try
            if self._place(other) == other.need:
                other.state = _OK
                return True
            return False

        def fit(job: _Job, strict: bool) -> bool:
            """Place ``job``, taking placed steps out of its way when it does not fit:
            no more important than the chain (``strict``: less important)."""
            if place(job):
                return True
            if job.state != _OK and not self._prepare(job):
                return False
            spare = members | self._ancestors(job)
            taken = 0
            for victim in self._evictions(job, spare, protected, level + strict):
                if victim.state != _OK or not victim.new:
                    continue  # taken out with a step it waits for
                self._drop(victim, _DROPPED, touch)
                if self._free_in(job) >= job.need and place(job):
                    return True
                taken += 1
                if taken == 12 or self._work <= 0:
                    break
            return False

        members = {job.key for job in chain}
        level = min(self._levels[job.priority] for job in chain)
        cutoff = self._cutoffs(chain)
        gain = [0] * (len(self._levels) + 1)  # the last: minutes freed
        for job in chain:  # the placed steps it waits for are placed again
            touch(job)
            if job.state == _OK:
                self._drop(job, _DROPPED, touch)
        ok = all(self.calendar.capacity(self._not_before(job), job.latest_bound(self),
                                        job.hours, job.budget) >= job.need
                 for job in chain)
        if ok and way < 2:
            spare = members | {k for job in chain for k in self._ancestors(job)}
            lo, hi = self._reach_of(chain)
            crowd = self._crowd(lo, hi, spare | protected)
            if crowd is None:
                crowd, ok = [], False  # too many to place again: only evictions
            for other in crowd:
                if other.state == _OK:
                    self._drop(other, _DROPPED, touch)
            taken = sorted((entry[0] for entry in journal.values()
                            if entry[0].key not in members),
                           key=lambda other: self.position[other.key])
            first = [] if way else [o for o in taken
                                    if self._levels[o.priority] <= level]
            for other in sorted(chain + first, key=lambda o: self.position[o.key]):
                if other.state != _OK and not fit(other, other.key not in members) \
                        and other.key in members:
                    ok = False
                    break
        elif ok:
            for job in chain:
                if not fit(job, False):
                    ok = False
                    break
        if ok:
            # put back what was taken out, then what waits for the new steps
            again = sorted((entry[0] for entry in journal.values()
                            if entry[0].state != _OK),
                           key=lambda other: self.position[other.key])
            for other in again:
                place(other)
            for job in chain:
                for succ in map(self.jobs.__getitem__, job.succs):
                    if succ.state != _OK and succ.key not in journal and all(
                            self.jobs[p].state == _OK for p in succ.preds):
                        place(succ)
            for other, _, state, _, _, _ in journal.values():
                before, after = state == _OK, other.state == _OK
                if before != after:
                    gain[self._levels[other.priority]] += 1 if after else -1
                    gain[-1] += other.need if before else -other.need
            if keep and _better(tuple(gain)):
                return tuple(gain)
        # undo: every touched step back to its blocks and state
        for other, _, _, _, _, _ in journal.values():
            self._unbook(other)
        for other, spans, state, earliest, latest, cause in journal.values():
            other.new, other.state = spans, state
            other.earliest, other.latest, other.cause = earliest, latest, cause
            for span in spans:
                self.calendar.occupy(*span, other.budget)
        return tuple(gain)

    def _ancestors(self, job: _Job) -> set[str]:
        """Every step ``job`` waits for, directly or not."""
        return self._with_preds(job.preds)

    def _reach(self, job: _Job) -> Span:
        """Where blocks compete with ``job``: its window widened to whole days (the
        daily cap), and to whole weeks when a weekly budget binds its work."""
        return self._widen(job.earliest, job.latest, job.budget in
                           self.calendar.goal_budgets)

    def _reach_of(self, chain: list[_Job]) -> Span:
        """``_reach`` of a whole chain, from the first start to the last deadline."""
        return self._widen(min(self._not_before(job) for job in chain),
                           max(job.latest_bound(self) for job in chain),
                           any(job.budget in self.calendar.goal_budgets for job in chain))

    def _widen(self, lo: int, hi: int, goal_budget: bool) -> Span:
        calendar = self.calendar
        first = max(0, calendar.day_index(lo))
        last = min(len(calendar.days) - 1, calendar.day_index(hi - 1))
        if first > last:
            return lo, hi
        if calendar.week_budget is not None or goal_budget:
            week = calendar.days[first].week
            while first > 0 and calendar.days[first - 1].week == week:
                first -= 1
            week = calendar.days[last].week
            while last + 1 < len(calendar.days) and calendar.days[last + 1].week == week:
                last += 1
        return calendar.days[first].start, calendar.days[last].end

    def _latest_start(self, job: _Job, end: int) -> int:
        """The latest moment from which ``job`` could still be booked in full by
        ``end``: its hour set's free windows (busy time out, goalsync's blocks ignored)
        under the daily cap, walked back from ``end``."""
        calendar, need = self.calendar, job.need + self.rules.buffer
        index = min(len(calendar.days) - 1, calendar.day_index(end - 1))
        while index >= 0 and need > 0:
            day = calendar.days[index]
            spans = [(a, min(b, end)) for a, b in day.bases[job.hours] if a < end]
            room = min(sum(b - a for a, b in spans), self.rules.daily_cap)
            if room >= need:
                for a, b in reversed(spans):
                    if b - a >= need:
                        return b - need
                    need -= b - a
            need -= room
            index -= 1
        return calendar.days[0].start if calendar.days else end

    def _evictions(self, job: _Job, members: set[str], protected: set[str],
                   level: int) -> list[_Job]:
        """The placed steps to take out for ``job``, in order: blocks inside its reach,
        not in ``members``, and losing no step of a level before ``level`` (an index of
        ``_levels``, P1 first); the least loss (per priority, most important first),
        then the most minutes in the reach."""
        lo, hi = self._reach(job)
        self._work -= 2 * self._scan  # a look at every step, and the loss of some
        levels = self._levels
        scored = []
        for other in self.order:
            new = other.new
            if (other.state != _OK or not new or new[0][0] >= hi or new[-1][1] <= lo
                    or levels[other.priority] < level or other.key in protected
                    or other.key in members):
                continue
            inside = sum(max(0, min(e, hi) - max(s, lo)) for s, e in new)
            if inside <= 0:
                continue
            harm = self._harm(other)
            if harm is None or any(harm[:level]):
                continue
            scored.append((harm, -inside, self.position[other.key], other))
        scored.sort(key=lambda entry: entry[:3])
        return [entry[3] for entry in scored]

    def _harm(self, job: _Job, limit: int = 64) -> tuple[int, ...] | None:
        """Steps on time per priority (P1..) lost when ``job`` is taken out: it and its
        placed dependants; None when one of them is kept (cannot be taken out)."""
        harm = [0] * len(self._levels)
        seen, stack = set[str](), [job.key]
        while stack:
            other = self.jobs[stack.pop()]
            if other.key in seen or other.state != _OK:
                continue
            if other.kept or len(seen) >= limit:
                return None
            seen.add(other.key)
            harm[self._levels[other.priority]] += 1
            stack.extend(other.succs)
        return tuple(harm)

    def _compact(self) -> None:
        """Place the chosen steps again from scratch, in order, so that blocks follow
        deadline order in time (the repair leaves holes where it took steps out). If any
        chosen step no longer fits that way, the repaired placement is kept."""
        chosen = [job for job in self.order if job.state == _OK]
        saved = {job.key: job.new for job in chosen}
        for job in chosen:
            self._unbook(job)
        for job in chosen:
            self._prepare(job)
            if self._place(job) != job.need:
                for other in chosen:
                    self._unbook(other)
                for other in chosen:
                    other.new = saved[other.key]
                    for span in other.new:
                        self.calendar.occupy(*span, other.budget)
                for other in chosen:
                    self._prepare(other)
                return

    def _yield_habits(self) -> bool:
        """Habits are booked first, but a habit never keeps a more important step from
        its deadline, and gives a step of its own priority at most one session a week
        (never the week's last). For each step left out (most important first): sessions of
        habits of less important goals inside its window are taken out (least important
        and earliest first: the step is then done early), then one session a week of
        habits of the same priority that have two or more, then, if need be, placed steps of less
        important goals (as the repair chooses them), until it fits. Steps taken out are
        then put back wherever they still fit, and sessions booked again elsewhere in
        their week where there is room (else counted missing). When the step still does
        not fit, everything goes back as it was. Steps without a due date (nothing to be
        late for) take no session. True when a step was placed."""
        if not self.habits:
            return False
        worst = max(habit.goal.priority for habit in self.habits.values())
        protected = self._protected()
        per_week: dict[tuple[int, date], int] = {}  # (habit, week) → sessions booked
        for habit in self.habits.values():
            for monday, kept in habit.counted.items():
                per_week[habit.index, monday] = per_week.get((habit.index, monday), 0) + kept
            for (start, _), _ in habit.new:
                key = (habit.index, self._week_of(start))
                per_week[key] = per_week.get(key, 0) + 1
        booked = dict(per_week)
        placed_any = False
        for job in sorted(self.order, key=lambda j: (j.rank[1], j.rank[0], j.index)):
            if (job.state == _OK or job.rank[1] > worst or job.due_end is None
                    or any(self.jobs[p].state != _OK for p in job.preds)
                    or not self._prepare(job)):
                continue
            sessions = sorted(
                ((habit, entry) for habit in self.habits.values()
                 if habit.goal.priority >= job.rank[1]
                 for entry in habit.new
                 if entry[0][0] < job.latest and entry[0][1] > job.earliest),
                key=lambda pair: (-pair[0].goal.priority, pair[1][0][0], pair[0].index))
            if not sessions:
                continue
            short = job.need - self._free_in(job)
            taken: list[tuple[_HabitJob, tuple[Span, str]]] = []
            for habit, entry in sessions:
                (start, end), _ = entry
                slot = (habit.index, self._week_of(start))
                if (habit.goal.priority == job.rank[1]
                        and per_week.get(slot, 0) <= max(1, booked[slot] - 1)):
                    continue  # one session a week at most, never the last, for its level
                per_week[slot] -= 1
                self.calendar.release(start, end, habit.goal.key)
                habit.new.remove(entry)
                taken.append((habit, entry))
                short -= min(end, job.latest) - max(start, job.earliest)
                if short <= 0 and self._place(job) == job.need:
                    job.state = _OK
                    break
            dropped: list[tuple[_Job, list[Span], str]] = []
            if job.state != _OK:
                victims = [(-other.rank[1], -other.need, -other.index, other.key)
                           for other in self.order
                           if other.state == _OK and other.new and other.key not in protected
                           and other.rank[1] > job.rank[1]]
                heapq.heapify(victims)
                while job.state != _OK and (victim := self._victim(job, victims)) is not None:
                    taken_now = self._drop(victim, _DROPPED)
                    dropped.extend(taken_now)
                    if any(self.jobs[p].state != _OK for p in job.preds):
                        break
                    short -= sum(max(0, min(e, job.latest) - max(s, job.earliest))
                                 for _, spans, _ in taken_now for s, e in spans)
                    if short <= 0 and self._place(job) == job.need:
                        job.state = _OK
            if job.state == _OK:
                placed_any = True
                for other, _, _ in dropped:
                    if (other.state != _OK and self._prepare(other)
                            and self._place(other) == other.need):
                        other.state = _OK
                for habit, ((start, _), _) in taken:
                    self._rebook_habit(habit, start)
                continue
            for other, spans, state in reversed(dropped):
                other.new, other.state = spans, state
                for span in spans:
                    self.calendar.occupy(*span, other.budget)
            for habit, entry in reversed(taken):
                self.calendar.occupy(*entry[0], habit.goal.key)
                habit.new.append(entry)
                per_week[habit.index, self._week_of(entry[0][0])] += 1
        return placed_any

    def _week_of(self, minute: int) -> date:
        day = self._local_date(minute)
        return day - timedelta(days=day.weekday())

    def _rebook_habit(self, habit: _HabitJob, start: int) -> None:
        """Book again, elsewhere in its week, a session that gave way to a step."""
        week = self._week_of(start)
        booked = habit.days | {self._local_date(s) for (s, _), _ in habit.new}
        days = [i for i in self._habit_days(habit, week)
                if self.calendar.days[i].date not in booked]
        already = sum(self._week_of(s) == week for (s, _), _ in habit.new)
        if (self._place_habit_week(habit, days, 1, week, already=already) == 0
                and self._whole_week(week)):
            habit.missing += 1
            habit.missing_weeks.append(week)
            if habit.first_missing_week is None or week < habit.first_missing_week:
                habit.first_missing_week = week

    def _unbook(self, job: _Job) -> None:
        for span in job.new:
            self.calendar.release(*span, job.budget)
        job.new = []

    # ----------------------------------------------------------------- output

    def _blocks(self) -> tuple[Block, ...]:
        blocks: list[Block] = []
        for job in self.jobs.values():
            blocks.extend(job.kept)
            if job.state == _OK:
                for n, (s, e) in enumerate(job.new):
                    blocks.append(Block(job.key, at_minute(s), at_minute(e),
                                        why=self._why(job, n)))
        for habit in self.habits.values():
            blocks.extend(habit.kept)
            for (s, e), why in habit.new:
                blocks.append(Block(habit.habit.key, at_minute(s), at_minute(e), why=why))
        return tuple(sorted(blocks, key=_block_order))

    def _why(self, job: _Job, n: int) -> str:
        part = f"part {n + 1}/{len(job.new)}, " if len(job.new) > 1 else ""
        if job.cause:
            reason = job.cause
        elif job.due is None:
            reason = "no deadline, first free slot"
        elif self.rules.strategy == "spread":
            reason = "deadline first, spread toward it"
        else:
            reason = "deadline first"
        due = f"due {_day_text(job.due)}" if job.due else "no deadline"
        return f"{part}{reason} ({due}, P{job.priority})"

    def _unscheduled(self) -> tuple[Unscheduled, ...]:
        out = []
        for job in self.jobs.values():
            if job.state != _OK and job.need > 0:
                reason, missing = self._reason(job)
                out.append(Unscheduled(job.key, reason, missing))
        for habit in self.habits.values():
            if habit.missing:
                duration = habit.habit.duration_minutes
                week = habit.first_missing_week
                # the cause read from the finished calendar, so a re-run with these
                # blocks kept says the same (not from how the session came to miss)
                over = sum(self._budget_used_up(habit, monday)
                           for monday in habit.missing_weeks)
                causes = [(over, "found the week's budget (`weekly_hours`) used up"),
                          (habit.missing - over, "found no room inside your goal hours")]
                causes = [(n, text) for n, text in causes if n > 0]
                why = (causes[0][1] if len(causes) == 1 else
                       "; ".join(f"{n} {text}" for n, text in causes))
                reason = (f"{count(habit.missing, 'session')} of "
                          f"{format_duration(duration)} could not be booked (first in the "
                          f"week of {_day_text(week)}): {why}")
                out.append(Unscheduled(habit.habit.key, reason, habit.missing * duration))
        return tuple(out)

    def _budget_used_up(self, habit: _HabitJob, monday: date) -> bool:
        """Whether the budgets leave ``habit`` no session's time in the week of
        ``monday`` (a week inside the planned days)."""
        index = self.calendar.day_index(local_minute(monday, 0, self.zone))
        index = min(max(index, 0), len(self.calendar.days) - 1)
        week = self.calendar.days[index].week
        return self.calendar.budget_left(week, habit.goal.key) < habit.habit.duration_minutes

    def _reason(self, job: _Job) -> tuple[str, int]:
        if job.state == _CYCLE:
            return "its `after` steps wait for each other in a loop", job.need
        pred = next((self.jobs[p] for p in job.preds if self.jobs[p].state != _OK), None)
        if pred is not None:  # whatever stopped this step first, this is why now
            return (f"waits for “{pred.step.title}” ({pred.key}), which could not be "
                    "scheduled"), job.need
        if job.due_end is not None and job.due_end <= self.start:
            return f"its deadline {_day_text(job.due)} has passed", job.need
        within = job.due_end is not None and job.due_end <= self.horizon
        label = _day_text(job.due) if within else \
            f"the end of the planning horizon ({_day_text(self._horizon_day())})"
        until = f"before {label}"
        if job.earliest > self.start:
            first = self._local_date(job.earliest)
            if within and job.due == first:
                clock = at_minute(job.earliest).astimezone(self.zone)
                until = f"on {label} after {clock:%H:%M}"
            else:
                until = f"between {_day_text(first)} and {label}"
        if job.latest <= job.earliest:
            return self._too_late_to_start(job), job.need
        free = self.calendar.capacity(job.earliest, job.latest, job.hours, job.budget)
        placeable = self._place(job, commit=False)
        missing = max(1, job.need - placeable)
        need = format_duration(job.need)
        inside = self._inside(job.goal)
        if free < job.need:
            return (f"needs {need} {until}, only {format_duration(free)} free {inside}"
                    ), missing
        return (f"needs {need} {until}; of the {format_duration(free)} free {inside} only "
                f"{format_duration(placeable)} is left after goal work booked "
                "first (earlier deadline, higher priority or already on the calendar)"), missing

    def _inside(self, goal: Goal) -> str:
        """Where the free time was counted: "inside your goal hours", with the budgets."""
        budgets = []
        if goal.weekly_hours is not None:
            budgets.append(f"{goal.weekly_hours:g} h/week for this goal")
        if self.plan.weekly_hours is not None:
            budgets.append(f"{self.plan.weekly_hours:g} h/week in all")
        within = f" within {' and '.join(budgets)}" if budgets else ""
        return f"inside your goal hours{within}"

    def _too_late_to_start(self, job: _Job) -> str:
        if job.due_end is not None and job.due_end <= self.horizon:
            limit = f"it is due {_day_text(job.due)}"
        else:
            limit = f"the planning horizon ends {_day_text(self._horizon_day())}"
        start = _day_text(self._local_date(job.earliest))
        if job.cause.startswith("after "):
            return f"cannot start until {job.cause[6:]} is done ({start}), and {limit}"
        if job.cause:
            return f"may not start before {start}, and {limit}"
        return f"no time is left: {limit}"

    def _horizon_day(self) -> date:
        return self._local_date(self.horizon - 1)


def _better(gain: tuple[int, ...]) -> bool:
    """A strict lexicographic gain: the first level that changes gains (steps on time
    per level, P1 first, then the minutes freed: the same steps in less time leave
    room for more)."""
    return next((g for g in gain if g), 0) > 0


def _topological(jobs: dict[str, _Job],
                 rank: Callable[[_Job], tuple[int, ...]]) -> list[_Job]:
    """Kahn's algorithm; among ready steps the smallest ``rank(job)`` goes first.
    Steps in a dependency loop are left out."""
    waiting = {job.key: len(job.preds) for job in jobs.values()}
    ready = [(rank(job), job.key) for job in jobs.values() if not job.preds]
    heapq.heapify(ready)
    order = []
    while ready:
        _, name = heapq.heappop(ready)
        job = jobs[name]
        order.append(job)
        for succ in job.succs:
            waiting[succ] -= 1
            if waiting[succ] == 0:
                heapq.heappush(ready, (rank(jobs[succ]), succ))
    return order


def _block_order(block: Block) -> tuple[datetime, datetime, str, str]:
    return (block.start.astimezone(UTC), block.end.astimezone(UTC), block.step,
            block.uid or "")


def _all_day_dates(interval: Interval) -> list[date]:
    """Dates an all-day busy interval covers, read in its own zone (DATE semantics)."""
    first, end = interval.start.date(), interval.end.date()
    if interval.end.timetz().replace(tzinfo=None) != datetime.min.time():
        end += timedelta(days=1)
    days = max(1, (end - first).days)
    return [first + timedelta(days=n) for n in range(days)]


def _day_text(day: date | None) -> str:
    if day is None:
        return "no deadline"
    return f"{day:%a} {day.day} {day:%b %Y}"
