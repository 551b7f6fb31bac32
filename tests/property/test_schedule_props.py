"""Hypothesis: the scheduler's invariants hold on generated plans, busy calendars, rules,
time zones (DST included) and re-runs."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.core.model import (
    Block,
    BusyTime,
    Goal,
    Habit,
    Interval,
    Milestone,
    Plan,
    Schedule,
    Step,
)
from syncer.core.public_holidays import holiday_dates
from syncer.core.schedule import SchedulingRules, _Planner, schedule

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Lord_Howe")
# Days around DST changes in those zones, and ordinary days.
DAYS = (date(2027, 3, 26), date(2026, 10, 23), date(2027, 10, 29), date(2027, 3, 12),
        date(2026, 11, 23), date(2027, 4, 2), date(2027, 1, 4))
SETTINGS = settings(max_examples=int(os.environ.get('SCHED_EXAMPLES', '40')), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def window_days(draw: st.DrawFn) -> dict[str, list[str]]:
    spans = st.sampled_from([
        ["09:00-12:00", "13:00-17:00"], ["08:30-11:45"], ["00:00-03:30", "20:00-24:00"],
        ["01:30-04:00"], [], ["10:00-18:00"]])
    return {day: draw(spans) for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@st.composite
def rules_strategy(draw: st.DrawFn) -> SchedulingRules:
    min_block = draw(st.sampled_from([15, 30, 45]))
    if draw(st.booleans()):  # the older single `windows` table
        hours: dict[str, object] = {"windows": draw(window_days())}
    else:  # hour sets: a day job cut out of the goal hours, holidays, whole steps
        hours = {"hours": {"goals": draw(window_days()), "work": draw(window_days()),
                           "personal": draw(window_days())},
                 "keep_whole": f"{draw(st.sampled_from([15, 60, 90, 180]))}m",
                 "holidays": draw(st.sampled_from(["", "DE", "US-NY", "IN"])),
                 "book_holidays": draw(st.booleans())}
    return SchedulingRules.from_mapping({
        **hours,
        "min_block": f"{min_block}m",
        "max_block": f"{draw(st.sampled_from([min_block, 60, 90, 120]))}m",
        "buffer": f"{draw(st.sampled_from([0, 10, 15]))}m",
        "daily_cap": f"{draw(st.sampled_from([60, 120, 240, 600]))}m",
        "align": f"{draw(st.sampled_from([1, 5, 15, 30]))}m",
        "strategy": draw(st.sampled_from(["asap", "spread"])),
        "all_day_blocks_day": draw(st.booleans()),
        "horizon": 3,
    })


@st.composite
def plans(draw: st.DrawFn, zone: str, today: date) -> Plan:
    goals = []
    keys: list[str] = []
    for g in range(draw(st.integers(1, 3))):
        steps = []
        for s in range(draw(st.integers(0, 7))):
            key = f"g{g}/m/s{s}"
            after = tuple(draw(st.lists(st.sampled_from(keys), max_size=2, unique=True))
                          ) if keys else ()
            due = draw(st.none() | st.integers(0, 25).map(lambda d: today + timedelta(d)))
            not_before = draw(st.none() | st.integers(0, 10).map(
                lambda d: today + timedelta(d)))
            estimate = draw(st.none() | st.integers(5, 600))
            steps.append(Step(key, f"s{s}", f"Step {g}.{s}", f"g{g}", "m",
                              estimate_minutes=estimate, after=after, due=due,
                              not_before=not_before))
            keys.append(key)
        habits = tuple(Habit(f"g{g}/habit:h", "h", "Habit", f"g{g}", per_week, duration,
                             hours=draw(HOUR_SET))
                       for per_week, duration in draw(st.lists(
                           st.tuples(st.integers(1, 4), st.sampled_from([30, 60, 90])),
                           max_size=1)))
        deadline = draw(st.none() | st.integers(5, 30).map(lambda d: today + timedelta(d)))
        goals.append(Goal(f"g{g}", f"g{g}", f"Goal {g}", deadline=deadline,
                          priority=draw(st.integers(1, 4)),
                          milestones=(Milestone(f"g{g}/m", "m", "M", f"g{g}",
                                                steps=tuple(steps)),),
                          habits=habits, hours=draw(HOUR_SET),
                          weekly_hours=draw(st.none() | st.sampled_from([1, 2.5, 6]))))
    return Plan("plan.yaml", zone, tuple(goals),
                weekly_hours=draw(st.none() | st.sampled_from([2, 5, 9.5, 20])))


HOUR_SET = st.none() | st.sampled_from(["goals", "personal", "work"])


@st.composite
def busy_strategy(draw: st.DrawFn, now: datetime) -> BusyTime:
    intervals = []
    for _ in range(draw(st.integers(0, 25))):
        zone = ZoneInfo(draw(st.sampled_from(ZONES)))
        start = now.astimezone(zone) + timedelta(minutes=draw(st.integers(-600, 21 * 1440)))
        intervals.append(Interval(start, start + timedelta(minutes=draw(st.integers(5, 300)))))
    all_day = []
    for _ in range(draw(st.integers(0, 2))):
        day = now.date() + timedelta(days=draw(st.integers(0, 20)))
        start = datetime.combine(day, time(), ZoneInfo("UTC"))
        all_day.append(Interval(start, start + timedelta(days=draw(st.integers(1, 2)))))
    return BusyTime(tuple(intervals), tuple(all_day))


@st.composite
def instances(draw: st.DrawFn) -> tuple[Plan, SchedulingRules, datetime, BusyTime]:
    zone = draw(st.sampled_from(ZONES))
    today = draw(st.sampled_from(DAYS))
    now = datetime.combine(today, time(draw(st.integers(0, 23)), draw(st.sampled_from(
        [0, 7, 30]))), ZoneInfo(zone))
    return draw(plans(zone, today)), draw(rules_strategy()), now, draw(busy_strategy(now))


def _deadline_end(plan: Plan, key: str) -> datetime | None:
    for goal in plan.goals:
        for milestone in goal.milestones:
            for step in milestone.steps:
                if step.key == key:
                    due = step.due or milestone.due or goal.deadline
                    if due is None:
                        return None
                    return datetime.combine(due + timedelta(1), time(), ZoneInfo(plan.timezone))
    return None


def check_invariants(plan: Plan, rules: SchedulingRules, now: datetime, busy: BusyTime,
                     result: Schedule, fresh: bool = True) -> None:
    """The independent checks the issue asks for, block by block. ``fresh``: no block
    came from ``existing`` (kept blocks keep their uid and need not be on the grid)."""
    zone = ZoneInfo(plan.timezone)
    blocks = result.blocks
    assert list(blocks) == sorted(blocks, key=lambda b: (b.start, b.end, b.step))
    unscheduled = {u.step for u in result.unscheduled}
    pad = timedelta(minutes=rules.buffer)
    for a, b in zip(blocks, blocks[1:], strict=False):
        assert a.end + pad <= b.start, (a, b)  # no overlap, buffer held
    blocked_days = {d for iv in busy.all_day for d in _dates(iv)} if rules.all_day_blocks_day \
        else set()
    per_day: dict[date, int] = defaultdict(int)
    per_week: dict[date, int] = defaultdict(int)
    per_goal_week: dict[tuple[str, date], int] = defaultdict(int)
    minutes: dict[str, int] = defaultdict(int)
    first, last = now.date() - timedelta(days=1), now.date() + timedelta(days=800)
    holidays = set() if rules.book_holidays else holiday_dates(rules.holidays, first, last)
    for block in blocks:
        assert block.start >= now and block.end > block.start
        assert block.uid is None or not fresh
        for iv in busy.intervals:
            assert block.end + pad <= iv.start or iv.end + pad <= block.start, (block, iv)
        start, end = block.start.astimezone(zone), block.end.astimezone(zone)
        assert start.date() not in blocked_days
        assert start.date() not in holidays
        _assert_inside_window(rules.week_of(_hour_set(plan, block.step)), start, end)
        goal_key = block.step.split("/")[0]
        week = start.date() - timedelta(days=start.weekday())
        per_week[week] += block.minutes
        per_goal_week[goal_key, week] += block.minutes
        assert (start.hour * 60 + start.minute) % rules.align == 0 or block.uid
        per_day[start.date()] += block.minutes
        minutes[block.step] += block.minutes
        if ":" not in block.step:
            # a step whose extra time does not fit keeps the blocks it already had
            assert block.step not in unscheduled or block.uid
            due = _deadline_end(plan, block.step)
            if due is not None:
                assert block.end <= due
            assert block.minutes <= rules.max_block
            estimate = plan.step(block.step).estimate_minutes or 0
            assert block.minutes >= min(rules.min_block, estimate)
        else:
            goal = plan.goal(block.step.split("/")[0])
            if goal.deadline:
                assert block.end <= datetime.combine(goal.deadline + timedelta(1), time(), zone)
    for day, total in per_day.items():
        assert total <= rules.daily_cap, (day, total)
    # the weekly budgets bind: the plan's, and each goal's within it (habits included)
    if plan.weekly_hours is not None:
        assert max(per_week.values(), default=0) <= round(plan.weekly_hours * 60)
    for goal in plan.goals:
        if goal.weekly_hours is not None:
            for (key, week), total in per_goal_week.items():
                assert key != goal.key or total <= round(goal.weekly_hours * 60), (key, week)
    steps = {s.key: s for s in plan.steps()}
    for key, step in steps.items():
        if step.estimate_minutes and key not in unscheduled:
            assert minutes[key] == step.estimate_minutes, key
        mine = [b for b in blocks if b.step == key]
        if fresh and mine and step.estimate_minutes:
            if step.estimate_minutes <= rules.whole_limit():
                assert len(mine) == 1, (key, mine)  # a short step in one sitting
            else:
                assert all(b.minutes >= rules.min_block for b in mine), (key, mine)
        if mine and step.not_before:
            nb = datetime.combine(step.not_before, time(), zone)
            assert all(b.start >= nb for b in mine)
        for pred in step.after:
            pred_blocks = [b for b in blocks if b.step == pred]
            if mine and pred_blocks:
                assert max(b.end for b in pred_blocks) <= min(b.start for b in mine)
            if pred in unscheduled and steps[pred].estimate_minutes:
                assert not mine
    for item in result.unscheduled:
        assert item.missing_minutes > 0 and item.reason


def _ancestors(plan: Plan, key: str) -> set[str]:
    steps = {s.key: s for s in plan.steps()}
    out: set[str] = set()
    stack = list(steps[key].after) if key in steps else []
    while stack:
        pred = stack.pop()
        if pred not in out:
            out.add(pred)
            stack.extend(steps[pred].after)
    return out


def _dates(interval: Interval) -> list[date]:
    days = max(1, (interval.end.date() - interval.start.date()).days)
    return [interval.start.date() + timedelta(n) for n in range(days)]


def _hour_set(plan: Plan, key: str) -> str | None:
    goal = plan.goal(key.split("/")[0])
    habit = next((h for h in goal.habits if h.key == key), None)
    return (habit.hours if habit is not None and habit.hours else None) or goal.hours


def _assert_inside_window(week: tuple[tuple[tuple[int, int], ...], ...], start: datetime,
                          end: datetime) -> None:
    """[start, end) (local) lies in one window of start's local day, by wall clock and by
    elapsed time (a window cut by a DST gap is shorter, never longer); ``week`` is the
    block's hour set with the day job cut out (``rules.week_of``)."""
    day = start.date()
    zone = start.tzinfo
    for a, b in week[day.weekday()]:
        w_start = datetime.combine(day, time(), zone) + timedelta(minutes=a)
        w_start = datetime.combine(day, time(a // 60, a % 60), zone)
        w_end = (datetime.combine(day + timedelta(1), time(), zone) if b == 1440
                 else datetime.combine(day, time(b // 60, b % 60), zone))
        if w_start.astimezone(UTC) <= start.astimezone(UTC) and \
                end.astimezone(UTC) <= w_end.astimezone(UTC):
            return
    raise AssertionError(f"{start}–{end} is outside the working windows")


@SETTINGS
@given(instances())
def test_every_invariant_holds(instance: tuple[Plan, SchedulingRules, datetime, BusyTime],
                               ) -> None:
    plan, rules, now, busy = instance
    result = schedule(plan, rules, now=now, busy=busy)
    check_invariants(plan, rules, now, busy, result)


@SETTINGS
@given(instances())
def test_same_inputs_give_the_same_schedule(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime]) -> None:
    plan, rules, now, busy = instance
    assert schedule(plan, rules, now=now, busy=busy) == schedule(plan, rules, now=now,
                                                                 busy=busy)


@SETTINGS
@given(instances())
def test_rerun_with_previous_blocks_is_identical(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime]) -> None:
    plan, rules, now, busy = instance
    first = schedule(plan, rules, now=now, busy=busy)
    again = schedule(plan, rules, now=now, busy=busy, existing=first.blocks)
    assert again == first


@SETTINGS
@given(instances(), st.integers(1, 4 * 1440))
def test_later_rerun_keeps_future_blocks_in_place(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], later: int) -> None:
    plan, rules, now, busy = instance
    horizon = now + timedelta(weeks=3)  # both runs plan up to the same moment
    first = schedule(plan, rules, now=now, busy=busy, horizon_end=horizon)
    then = now + timedelta(minutes=later)
    second = schedule(plan, rules, now=then, busy=busy, existing=first.blocks,
                      horizon_end=horizon)
    kept = {(b.step, b.start, b.end) for b in second.blocks}
    started = {b.step for b in first.blocks if b.end <= then}
    # When the missed time leaves no room for every booked step around the kept plan,
    # schedule() plans again on purpose (stability never costs a step that fits), and
    # other blocks may move; found by the soak (a missed hour in a calendar with no
    # slack left before the horizon).
    keeping = _Planner(plan, rules, then, busy, first.blocks, (), horizon).run()
    replanned = bool({u.step for u in keeping.unscheduled}
                     & {b.step for b in first.blocks})
    for block in first.blocks:
        chain = _ancestors(plan, block.step) | {block.step}
        if (block.start >= then and ":" not in block.step and not chain & started
                and not replanned):
            # a still-valid future block stays exactly where it was
            assert (block.step, block.start, block.end) in kept
    missed = {(b.step, b.start) for b in second.missed}
    for block in first.blocks:
        if block.end <= then and ":" not in block.step:
            assert (block.step, block.start) in missed


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(ZONES), st.sampled_from(DAYS), st.integers(1, 12))
def test_feasible_plans_get_every_minute(zone: str, today: date, count: int) -> None:
    steps = tuple(Step(f"g/m/s{i}", f"s{i}", f"S{i}", "g", "m", estimate_minutes=30 + 25 * i,
                       after=(f"g/m/s{i - 1}",) if i % 3 else ())
                  for i in range(count))
    plan = Plan("p", zone, (Goal("g", "g", "G", deadline=today + timedelta(days=40),
                                 milestones=(Milestone("g/m", "m", "M", "g", steps=steps),)),))
    now = datetime.combine(today, time(8), ZoneInfo(zone))
    result = schedule(plan, SchedulingRules(), now=now)
    assert result.unscheduled == ()
    check_invariants(plan, SchedulingRules(), now, BusyTime(), result)


def test_blocks_from_pinned_and_kept_existing_do_not_break_invariants() -> None:
    zone = ZoneInfo("Europe/Berlin")
    now = datetime(2027, 3, 26, 8, tzinfo=zone)
    steps = (Step("g/m/a", "a", "A", "g", "m", estimate_minutes=300),)
    plan = Plan("p", "Europe/Berlin", (Goal("g", "g", "G", milestones=(
        Milestone("g/m", "m", "M", "g", steps=steps),)),))
    pinned = Block("g/m/a", datetime(2027, 3, 29, 10, tzinfo=zone),
                   datetime(2027, 3, 29, 11, tzinfo=zone), uid="u1", pinned=True)
    result = schedule(plan, SchedulingRules(), now=now, existing=(pinned,))
    assert pinned in result.blocks
    assert sum(b.minutes for b in result.blocks) == 300
    others = [b for b in result.blocks if b is not pinned]
    rest = replace(steps[0], estimate_minutes=240)
    plan = replace(plan, goals=(replace(plan.goals[0], milestones=(
        replace(plan.goals[0].milestones[0], steps=(rest,)),)),))
    check_invariants(plan, SchedulingRules(), now, BusyTime(),
                     Schedule(tuple(others), result.unscheduled))
    assert all(b.end + timedelta(minutes=15) <= pinned.start or
               pinned.end + timedelta(minutes=15) <= b.start for b in others)


__all__ = ["check_invariants", "Block"]


@SETTINGS
@given(instances(), st.data())
def test_blocks_the_user_moved_stay_exactly_and_the_rest_fits_around_them(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
        ) -> None:
    plan, rules, now, busy = instance
    first = schedule(plan, rules, now=now, busy=busy)
    moved = []
    for n, block in enumerate(first.blocks):
        if ":" in block.step or not data.draw(st.booleans()):
            continue
        shift = timedelta(minutes=data.draw(st.integers(0, 3 * 1440)))
        moved.append(replace(block, start=block.start + shift, end=block.end + shift,
                             uid=f"uid-{n}", pinned=True))
    second = schedule(plan, rules, now=now, busy=busy, existing=moved)
    for block in moved:
        assert block in second.blocks
    placed = [b for b in second.blocks if not b.pinned]
    pad = timedelta(minutes=rules.buffer)
    for block in placed:
        for other in second.blocks:
            if other is not block:
                assert block.end + pad <= other.start or other.end + pad <= block.start
    unscheduled = {u.step for u in second.unscheduled}
    for step in plan.steps():
        total = sum(b.minutes for b in second.blocks if b.step == step.key)
        if step.estimate_minutes and step.key not in unscheduled:
            pinned = sum(b.minutes for b in moved if b.step == step.key)
            assert total == max(step.estimate_minutes, pinned)


@SETTINGS
@given(instances(), st.data())
def test_leftover_blocks_from_an_older_plan_are_kept_only_when_valid(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
        ) -> None:
    """Random blocks (as after a plan or rules change): whatever is kept or added still
    satisfies every invariant."""
    plan, rules, now, busy = instance
    keys = [s.key for s in plan.steps()] + [h.key for h in plan.habits()]
    existing = []
    for n in range(data.draw(st.integers(0, 12)) if keys else 0):
        # past (missed) or future; a block under way is kept as it is, so none here
        offset = data.draw(st.integers(-2 * 1440, 14 * 1440))
        start = now + timedelta(minutes=offset if offset >= 0 else offset - 180)
        length = timedelta(minutes=data.draw(st.integers(5, 180)))
        existing.append(Block(data.draw(st.sampled_from(keys)), start, start + length,
                              uid=f"uid-{n}"))
    result = schedule(plan, rules, now=now, busy=busy, existing=existing)
    check_invariants(plan, rules, now, busy, result, fresh=False)
    assert set(result.missed) <= set(existing)
    history = tuple(b for b in existing if b.end <= now)  # still on the calendar
    again = schedule(plan, rules, now=now, busy=busy, existing=result.blocks + history)
    assert again.blocks == result.blocks


@SETTINGS
@given(instances(), st.integers(1, 4 * 1440))
def test_work_done_as_booked_moves_no_future_block(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], later: int) -> None:
    """The person did every block that has passed and ticked each step whose blocks all
    passed: the next run keeps every future block where it was (steps still under way
    and those waiting for them aside: their past blocks are missed and booked again)."""
    plan, rules, now, busy = instance
    horizon = now + timedelta(weeks=3)
    first = schedule(plan, rules, now=now, busy=busy, horizon_end=horizon)
    then = now + timedelta(minutes=later)
    ends: dict[str, datetime] = {}
    starts: dict[str, datetime] = {}
    for block in first.blocks:
        ends[block.step] = max(ends.get(block.step, block.end), block.end)
        starts[block.step] = min(starts.get(block.step, block.start), block.start)
    done = {key for key, end in ends.items() if end <= then and ":" not in key}
    under_way = {key for key in starts if starts[key] < then and key not in done}
    second = schedule(plan, rules, now=then, busy=busy, existing=first.blocks, done=done,
                      horizon_end=horizon)
    kept = {(b.step, b.start, b.end) for b in second.blocks}
    # a step under way whose missed time no longer fits around the kept plan (before its
    # deadline, in one block when it is short) makes schedule() plan again on purpose
    # (found by the soak: a missed hour due the next day, short of one minute)
    keeping = _Planner(plan, rules, then, busy, first.blocks, done, horizon).run()
    if {u.step for u in keeping.unscheduled} & {b.step for b in first.blocks}:
        return
    for block in first.blocks:
        chain = _ancestors(plan, block.step) | {block.step}
        if block.start >= then and ":" not in block.step and not chain & under_way:
            assert (block.step, block.start, block.end) in kept
    assert not {b.step for b in second.blocks} & done


def _with_estimate(plan: Plan, key: str, extra: int) -> Plan:
    goals = []
    for goal in plan.goals:
        milestones = tuple(replace(m, steps=tuple(
            replace(s, estimate_minutes=(s.estimate_minutes or 0) + extra)
            if s.key == key else s for s in m.steps)) for m in goal.milestones)
        goals.append(replace(goal, milestones=milestones))
    return replace(plan, goals=tuple(goals))


@SETTINGS
@given(instances(), st.data())
def test_a_longer_estimate_moves_only_that_step_and_those_after_it(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
) -> None:
    """One step's estimate +30 min, a moment later: every block of a step that neither
    is that step nor comes after it stays exactly where it was."""
    plan, rules, now, busy = instance
    horizon = now + timedelta(weeks=3)
    first = schedule(plan, rules, now=now, busy=busy, horizon_end=horizon)
    booked = sorted({b.step for b in first.blocks if ":" not in b.step})
    if not booked:
        return
    key = data.draw(st.sampled_from(booked))
    then = now + timedelta(minutes=1)
    longer = _with_estimate(plan, key, 30)
    second = schedule(longer, rules, now=then, busy=busy, existing=first.blocks,
                      horizon_end=horizon)
    # when keeping the plan would leave a booked step out, schedule() plans again on
    # purpose (stability never costs a step that fits): then other blocks may move
    keeping = _Planner(longer, rules, then, busy, first.blocks, (), horizon).run()
    if {u.step for u in keeping.unscheduled} & set(booked):
        return
    kept = {(b.step, b.start, b.end) for b in second.blocks}
    for block in first.blocks:
        if block.start < then or ":" in block.step:
            continue
        chain = _ancestors(plan, block.step) | {block.step}
        started = {b.step for b in first.blocks if b.start < then}
        if key not in chain and not chain & started:
            assert (block.step, block.start, block.end) in kept, block.step


@SETTINGS
@given(instances(), st.data())
def test_a_new_meeting_moves_only_what_it_lands_on_and_what_waits_for_it(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
) -> None:
    """A new one-hour meeting on top of a booked step block: only the blocks it clashes
    with (buffer included) and blocks of steps waiting for theirs may move."""
    plan, rules, now, busy = instance
    horizon = now + timedelta(weeks=3)
    first = schedule(plan, rules, now=now, busy=busy, horizon_end=horizon)
    steps = [b for b in first.blocks if ":" not in b.step and b.start >= now]
    if not steps:
        return
    target = data.draw(st.sampled_from(steps))
    meeting = Interval(target.start, target.start + timedelta(hours=1))
    pad = timedelta(minutes=rules.buffer)
    hit = {b.step for b in first.blocks
           if b.start < meeting.end + pad and b.end + pad > meeting.start}
    more = replace(busy, intervals=busy.intervals + (meeting,))
    second = schedule(plan, rules, now=now, busy=more, existing=first.blocks,
                      horizon_end=horizon)
    keeping = _Planner(plan, rules, now, more, first.blocks, (), horizon).run()
    booked = {b.step for b in first.blocks}
    if {u.step for u in keeping.unscheduled} & booked:
        return  # keeping would lose a booked step: schedule() plans again on purpose
    kept = {(b.step, b.start, b.end) for b in second.blocks}
    for block in first.blocks:
        if block.start < now or ":" in block.step:
            continue
        chain = _ancestors(plan, block.step) | {block.step}
        if not chain & hit:
            assert (block.step, block.start, block.end) in kept, block.step


@SETTINGS
@given(instances(), st.data())
def test_a_sync_after_a_change_is_a_fixed_point(
        instance: tuple[Plan, SchedulingRules, datetime, BusyTime], data: st.DataObject,
) -> None:
    """After a change — time passing with nothing done, a new urgent P1 goal, a block the
    person pinned — the next run on the calendar that run wrote changes nothing: the
    rescue of more important work (``_priority_first``) and the keep-or-replan guard
    leave nothing for a later sync to find (found by an independent review: a smaller
    re-plan taken although it rescued less, then completed by the next sync)."""
    plan, rules, now, busy = instance
    horizon = now + timedelta(weeks=3)
    first = schedule(plan, rules, now=now, busy=busy, horizon_end=horizon)
    change = data.draw(st.sampled_from(["later", "urgent", "pin"]))
    then, blocks = now, list(first.blocks)
    if change == "later":
        then = now + timedelta(minutes=data.draw(st.integers(1, 2 * 1440)))
    elif change == "urgent":
        due = now.date() + timedelta(days=data.draw(st.integers(0, 6)))
        steps = tuple(Step(f"urgent/m/s{i}", f"s{i}", f"Urgent {i}", "urgent", "m",
                           estimate_minutes=data.draw(st.sampled_from([30, 90, 240])),
                           after=(f"urgent/m/s{i - 1}",) if i else ())
                      for i in range(data.draw(st.integers(1, 3))))
        urgent = Goal("urgent", "urgent", "Urgent", priority=1, milestones=(
            Milestone("urgent/m", "m", "M", "urgent", due=due, steps=steps),))
        plan = replace(plan, goals=(*plan.goals, urgent))
    elif blocks:
        n = data.draw(st.integers(0, len(blocks) - 1))
        blocks[n] = replace(blocks[n], pinned=True)
    second = schedule(plan, rules, now=then, busy=busy, existing=blocks, horizon_end=horizon)
    history = [b for b in blocks if b.end <= then]  # still on the calendar
    third = schedule(plan, rules, now=then, busy=busy, existing=[*second.blocks, *history],
                     horizon_end=horizon)
    assert third.blocks == second.blocks
    assert {u.step for u in third.unscheduled} == {u.step for u in second.unscheduled}
