"""Examples for the scheduler: DST weeks, all-day events, overload, pinned and missed
blocks, habits, rules validation."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

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
from syncer.core.schedule import SchedulingRules, schedule
from syncer.errors import ConfigError

BERLIN = ZoneInfo("Europe/Berlin")
# Office-hour windows and the older block rules (30m pieces, any step split): these
# tests are about order, overload and kept blocks, pinned to known free time. The shipped
# defaults (evening/weekend goal hours, keep_whole, budgets) have tests of their own.
OFFICE = ["09:00-12:00", "13:00-17:00"]
RULES = SchedulingRules.from_mapping({
    "windows": {d: OFFICE for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [], "sun": []},
    "min_block": "30m", "keep_whole": "30m"})


def step(id: str, estimate: int | None, **kw: object) -> Step:
    return Step(f"g/m/{id}", id, id.title(), "g", "m", estimate_minutes=estimate, **kw)  # type: ignore[arg-type]


def plan_of(*steps: Step, due: date | None = None, habits: tuple[Habit, ...] = (),
            zone: str = "Europe/Berlin", priority: int = 2) -> Plan:
    goal = Goal("g", "g", "Goal", priority=priority, habits=habits,
                milestones=(Milestone("g/m", "m", "M", "g", due=due, steps=steps),))
    return Plan("goals.yaml", zone, (goal,))


def local(result: Schedule, key: str, zone: ZoneInfo = BERLIN) -> list[tuple[str, str]]:
    return [(b.start.astimezone(zone).strftime("%a %d %H:%M"),
             b.end.astimezone(zone).strftime("%H:%M")) for b in result.blocks if b.step == key]


# ------------------------------------------------------------------------- rules


def test_shipped_rules_file_is_valid_and_matches_the_defaults() -> None:
    text = resources.files("syncer.rules").joinpath("scheduling.toml").read_text("utf-8")
    assert SchedulingRules.from_mapping(tomllib.loads(text)) == SchedulingRules()


def test_rules_round_trip_through_a_mapping() -> None:
    rules = SchedulingRules.from_mapping({"daily_cap": "3h", "strategy": "spread",
                                          "windows": {"sat": ["10:00-12:30"]}})
    assert SchedulingRules.from_mapping(rules.as_mapping()) == rules
    assert rules.windows[5] == ((600, 750),)


def test_unknown_rule_suggests_the_right_name() -> None:
    with pytest.raises(ConfigError, match="did you mean `daily_cap`"):
        SchedulingRules.from_mapping({"daily_capp": "3h"})


@pytest.mark.parametrize(("table", "words"), [
    ({"min_block": "soon"}, "not a duration"),
    ({"windows": {"mon": ["17:00-09:00"]}}, "run forward"),
    ({"windows": {"tues": []}}, "did you mean `tue`"),
    ({"windows": {"mon": ["09:00-12:00", "11:00-13:00"]}}, "overlapping"),
    ({"strategy": "later"}, "not one of"),
    ({"min_block": "2h", "max_block": "1h"}, "shorter than"),
    ({"horizon": 0}, "weeks"),
    ({"align": "7m"}, "divide an hour"),
])
def test_bad_rules_are_refused_with_a_sentence(table: dict[str, object], words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        SchedulingRules.from_mapping(table)


# ------------------------------------------------------------------------ basics


def test_steps_follow_deadline_then_dependency_order() -> None:
    plan = plan_of(step("research", 120), step("enroll", 30, after=("g/m/research",)),
                   due=date(2026, 12, 31))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert local(result, "g/m/research") == [("Mon 23 09:00", "11:00")]
    assert local(result, "g/m/enroll") == [("Mon 23 11:15", "11:45")]
    assert result.blocks[1].why.startswith("after “Research”")
    assert result.blocks[0].why == "deadline first (due Thu 31 Dec 2026, P2)"
    assert all(b.uid is None for b in result.blocks)


def test_long_step_is_chunked_and_daily_cap_holds() -> None:
    result = schedule(plan_of(step("study", 600)), RULES,
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert sum(b.minutes for b in result.blocks) == 600
    assert max(b.minutes for b in result.blocks) <= RULES.max_block
    per_day: dict[date, int] = {}
    for b in result.blocks:
        day = b.start.astimezone(BERLIN).date()
        per_day[day] = per_day.get(day, 0) + b.minutes
    assert max(per_day.values()) <= RULES.daily_cap


def test_step_without_estimate_gets_no_blocks_and_is_not_unscheduled() -> None:
    result = schedule(plan_of(step("call", None)), RULES,
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result == Schedule()


def test_default_estimate_rule_books_steps_without_one() -> None:
    rules = SchedulingRules.from_mapping({"default_estimate": "45m"})
    result = schedule(plan_of(step("call", None)), rules,
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert [b.minutes for b in result.blocks] == [45]


def test_done_steps_are_skipped() -> None:
    plan = plan_of(step("a", 60), step("b", 60, after=("g/m/a",)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN),
                      done={"g/m/a"})
    assert [b.step for b in result.blocks] == ["g/m/b"]
    assert local(result, "g/m/b") == [("Mon 23 09:00", "10:00")]


def test_not_before_waits_for_its_day() -> None:
    plan = plan_of(step("a", 60, not_before=date(2026, 11, 26)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert local(result, "g/m/a") == [("Thu 26 09:00", "10:00")]
    assert result.blocks[0].why.startswith("not before Thu 26 Nov 2026")


def test_busy_time_in_another_zone_is_avoided_with_buffer() -> None:
    ny = ZoneInfo("America/New_York")
    meeting = Interval(datetime(2026, 11, 23, 3, 30, tzinfo=ny),  # 09:30-10:30 Berlin
                       datetime(2026, 11, 23, 4, 30, tzinfo=ny))
    result = schedule(plan_of(step("a", 90)), RULES, busy=BusyTime((meeting,)),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    # 10:45-12:00 is too short for the whole step; the afternoon takes it in one piece
    assert local(result, "g/m/a") == [("Mon 23 13:00", "14:30")]


# --------------------------------------------------------------------------- DST


@pytest.mark.parametrize("monday", [date(2027, 3, 22), date(2026, 10, 19), date(2027, 10, 25)])
def test_dst_week_keeps_wall_clock_windows(monday: date) -> None:
    """A step per day through the DST change (Sun 28 Mar 2027, 25 Oct 2026, 31 Oct 2027):
    every block starts 09:00 local, with the right length in real minutes."""
    rules = SchedulingRules.from_mapping({
        "windows": {d: ["09:00-10:00"] for d in ("mon", "tue", "wed", "thu", "fri",
                                                 "sat", "sun")}})
    steps = tuple(step(f"s{i}", 60, due=monday + timedelta(days=i)) for i in range(8))
    result = schedule(plan_of(*steps), rules,
                      now=datetime.combine(monday, datetime.min.time(), BERLIN))
    assert result.unscheduled == ()
    for i, block in enumerate(result.blocks):
        start = block.start.astimezone(BERLIN)
        assert (start.date(), start.hour, start.minute) == (monday + timedelta(days=i), 9, 0)
        assert block.end - block.start == timedelta(hours=1)


def test_window_across_the_spring_forward_gap_is_shorter_in_real_time() -> None:
    rules = SchedulingRules.from_mapping({"windows": {"sun": ["01:00-04:00"]},
                                          "daily_cap": "8h", "max_block": "8h",
                                          "buffer": "0m"})
    now = datetime(2027, 3, 28, 0, 0, tzinfo=BERLIN)
    result = schedule(plan_of(step("a", 180, due=date(2027, 3, 28))), rules, now=now)
    # 01:00-04:00 local on that night is only two real hours
    assert sum(b.minutes for b in result.blocks) == 0
    [item] = result.unscheduled
    assert "only 2h free" in item.reason and item.missing_minutes == 60


# ----------------------------------------------------------------------- all-day


def _holiday() -> BusyTime:
    start = datetime(2026, 11, 23, tzinfo=ZoneInfo("UTC"))
    return BusyTime(all_day=(Interval(start, start + timedelta(days=1)),))


def test_all_day_event_blocks_the_day_when_the_rule_says_so() -> None:
    result = schedule(plan_of(step("a", 60)), RULES, busy=_holiday(),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert local(result, "g/m/a") == [("Tue 24 09:00", "10:00")]


def test_all_day_event_is_ignored_when_the_rule_says_so() -> None:
    rules = replace(RULES, all_day_blocks_day=False)
    result = schedule(plan_of(step("a", 60)), rules, busy=_holiday(),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert local(result, "g/m/a") == [("Mon 23 09:00", "10:00")]


# ---------------------------------------------------------------------- overload


def test_step_too_big_for_its_deadline_is_left_out_with_a_reason() -> None:
    plan = plan_of(step("big", 600, due=date(2026, 11, 24)), step("small", 60))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    [item] = result.unscheduled
    assert item.step == "g/m/big"
    assert item.reason == "needs 10h before Tue 24 Nov 2026, only 8h free inside your goal hours"
    assert 120 <= item.missing_minutes <= 600
    assert [b.step for b in result.blocks] == ["g/m/small"]


def test_overload_drops_the_long_step_so_the_short_ones_finish_on_time() -> None:
    """Plain EDF would book the 8h step first and make the three short ones late."""
    plan = plan_of(step("long", 480, due=date(2026, 11, 24)),
                   step("a", 120, due=date(2026, 11, 24)),
                   step("b", 120, due=date(2026, 11, 24)),
                   step("c", 120, due=date(2026, 11, 24)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert [u.step for u in result.unscheduled] == ["g/m/long"]
    assert {b.step for b in result.blocks} == {"g/m/a", "g/m/b", "g/m/c"}
    assert "is left after goal work booked first" in result.unscheduled[0].reason


def test_overload_keeps_the_more_important_goal() -> None:
    urgent = Goal("u", "u", "Urgent", priority=1, milestones=(Milestone(
        "u/m", "m", "M", "u", due=date(2026, 11, 23),
        steps=(Step("u/m/x", "x", "X", "u", "m", estimate_minutes=180),)),))
    minor = Goal("n", "n", "Minor", priority=4, milestones=(Milestone(
        "n/m", "m", "M", "n", due=date(2026, 11, 23),
        steps=(Step("n/m/y", "y", "Y", "n", "m", estimate_minutes=120),)),))
    plan = Plan("goals.yaml", "Europe/Berlin", (minor, urgent))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert [u.step for u in result.unscheduled] == ["n/m/y"]
    assert {b.step for b in result.blocks} == {"u/m/x"}


def test_dependents_of_a_left_out_step_are_left_out_too() -> None:
    plan = plan_of(step("big", 900, due=date(2026, 11, 24)),
                   step("next", 30, after=("g/m/big",)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result.blocks == ()
    assert [u.step for u in result.unscheduled] == ["g/m/big", "g/m/next"]
    assert result.unscheduled[1].reason == \
        "waits for “Big” (g/m/big), which could not be scheduled"
    assert result.unscheduled[1].missing_minutes == 30


def test_past_deadline_is_reported() -> None:
    result = schedule(plan_of(step("a", 60, due=date(2026, 11, 20))), RULES,
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result.unscheduled[0].reason == "its deadline Fri 20 Nov 2026 has passed"


def test_not_before_after_the_deadline_is_explained() -> None:
    plan = plan_of(step("a", 60, not_before=date(2026, 12, 1), due=date(2026, 11, 27)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result.unscheduled[0].reason == \
        "may not start before Tue 1 Dec 2026, and it is due Fri 27 Nov 2026"


def test_predecessor_finishing_after_the_deadline_is_explained() -> None:
    plan = plan_of(step("a", 240, due=date(2026, 11, 23)),
                   step("b", 60, after=("g/m/a",), due=date(2026, 11, 23)))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    [item] = result.unscheduled
    assert item.step == "g/m/b"
    assert item.reason == ("needs 1h on Mon 23 Nov 2026 after 15:00; of the 2h free inside your "
                           "goal hours only 0m is left after goal work booked first "
                           "(earlier deadline, higher priority or already on the calendar)")


def test_nothing_is_ever_placed_after_the_deadline() -> None:
    steps = tuple(step(f"s{i}", 90, due=date(2026, 11, 25)) for i in range(12))
    result = schedule(plan_of(*steps), RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    end = datetime(2026, 11, 26, tzinfo=BERLIN)
    assert all(b.end <= end for b in result.blocks)
    assert len(result.unscheduled) == 12 - len({b.step for b in result.blocks})


# ------------------------------------------------------------- existing blocks


def test_pinned_block_stays_exactly_and_counts_as_placed() -> None:
    pinned = Block("g/m/a", datetime(2026, 11, 25, 7, 0, tzinfo=BERLIN),
                   datetime(2026, 11, 25, 8, 0, tzinfo=BERLIN), uid="uid-1", pinned=True)
    result = schedule(plan_of(step("a", 90)), RULES, existing=(pinned,),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert pinned in result.blocks
    assert local(result, "g/m/a") == [("Mon 23 09:00", "09:30"), ("Wed 25 07:00", "08:00")]


def test_valid_future_block_stays_put_with_its_uid() -> None:
    kept = Block("g/m/a", datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN),
                 datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN), uid="uid-7")
    result = schedule(plan_of(step("a", 60)), RULES, existing=(kept,),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result.blocks == (kept,)


def test_block_that_became_invalid_is_replaced() -> None:
    block = Block("g/m/a", datetime(2026, 11, 24, 14, 0, tzinfo=BERLIN),
                  datetime(2026, 11, 24, 15, 0, tzinfo=BERLIN), uid="uid-7")
    meeting = Interval(block.start, block.end)
    result = schedule(plan_of(step("a", 60)), RULES, existing=(block,),
                      busy=BusyTime((meeting,)), now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert local(result, "g/m/a") == [("Mon 23 09:00", "10:00")]
    assert result.blocks[0].uid is None


def test_missed_past_block_is_reported_and_its_time_placed_again() -> None:
    past = Block("g/m/a", datetime(2026, 11, 20, 9, 0, tzinfo=BERLIN),
                 datetime(2026, 11, 20, 10, 0, tzinfo=BERLIN), uid="uid-3")
    result = schedule(plan_of(step("a", 60)), RULES, existing=(past,),
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result.missed == (past,)
    assert local(result, "g/m/a") == [("Mon 23 09:00", "10:00")]


def test_blocks_of_done_or_removed_steps_are_dropped() -> None:
    gone = Block("g/m/gone", datetime(2026, 11, 24, 9, tzinfo=BERLIN),
                 datetime(2026, 11, 24, 10, tzinfo=BERLIN), uid="u")
    result = schedule(plan_of(step("a", 60)), RULES, existing=(gone,), done={"g/m/a"},
                      now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    assert result == Schedule()


def test_rerun_with_previous_output_is_identical() -> None:
    plan = plan_of(step("a", 300), step("b", 90, after=("g/m/a",)), step("c", 800),
                   due=date(2026, 12, 2),
                   habits=(Habit("g/habit:run", "run", "Run", "g", 3, 60),))
    now = datetime(2026, 11, 23, 10, 7, tzinfo=BERLIN)
    first = schedule(plan, RULES, now=now)
    assert schedule(plan, RULES, now=now, existing=first.blocks) == first


# ------------------------------------------------------------------------ habits


def test_habit_is_spread_over_the_working_week() -> None:
    plan = plan_of(habits=(Habit("g/habit:study", "study", "Study", "g", 3, 60),))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN),
                      horizon_end=datetime(2026, 12, 7, tzinfo=BERLIN))
    days = [b.start.astimezone(BERLIN).strftime("%a %d") for b in result.blocks]
    assert days == ["Mon 23", "Wed 25", "Fri 27", "Mon 30", "Wed 02", "Fri 04"]
    assert all(b.step == "g/habit:study" and b.minutes == 60 for b in result.blocks)
    assert result.blocks[0].why.startswith("habit 1/3 this week")


def test_habit_that_cannot_fit_is_reported() -> None:
    plan = plan_of(habits=(Habit("g/habit:walk", "walk", "Walk", "g", 7, 60),))
    result = schedule(plan, RULES, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN),
                      horizon_end=datetime(2026, 11, 30, tzinfo=BERLIN))
    assert len(result.blocks) == 5
    [item] = result.unscheduled
    assert item.step == "g/habit:walk" and item.missing_minutes == 120


def test_spread_strategy_uses_the_time_up_to_the_deadline() -> None:
    rules = SchedulingRules.from_mapping({"strategy": "spread"})
    plan = plan_of(step("a", 360, due=date(2026, 12, 4)))
    result = schedule(plan, rules, now=datetime(2026, 11, 23, 8, tzinfo=BERLIN))
    days = sorted({b.start.astimezone(BERLIN).date() for b in result.blocks})
    assert len(days) == 3 and days[-1] > date(2026, 11, 27)
    assert sum(b.minutes for b in result.blocks) == 360


def test_adding_a_step_keeps_the_blocks_already_placed() -> None:
    now = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    before = schedule(plan_of(step("a", 180), step("b", 120)), RULES, now=now)
    after = schedule(plan_of(step("a", 180), step("b", 120), step("new", 60,
                                                                   due=date(2026, 11, 24))),
                     RULES, now=now, existing=before.blocks)
    assert set(before.blocks) <= set(after.blocks)
    assert [b.step for b in after.blocks if b not in before.blocks] == ["g/m/new"]


def test_kept_blocks_are_not_displaced_by_a_new_urgent_step() -> None:
    """Stability wins: a new step that only fits where kept blocks are is reported."""
    now = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    monday = date(2026, 11, 23)
    before = schedule(plan_of(step("a", 240, due=monday)), RULES, now=now)
    after = schedule(plan_of(step("a", 240, due=monday), step("new", 60, due=monday)),
                     RULES, now=now, existing=before.blocks)
    assert after.blocks == before.blocks
    assert [u.step for u in after.unscheduled] == ["g/m/new"]


def test_longer_estimate_books_only_the_extra_time() -> None:
    now = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    before = schedule(plan_of(step("a", 60)), RULES, now=now)
    after = schedule(plan_of(step("a", 150)), RULES, now=now, existing=before.blocks)
    assert before.blocks[0] in after.blocks
    assert sum(b.minutes for b in after.blocks) == 150


def test_shorter_estimate_drops_the_extra_blocks() -> None:
    now = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    before = schedule(plan_of(step("a", 240)), RULES, now=now)
    after = schedule(plan_of(step("a", 120)), RULES, now=now, existing=before.blocks)
    assert sum(b.minutes for b in after.blocks) == 120
    assert set(after.blocks) <= set(before.blocks)


def test_rest_left_by_a_pinned_block_is_stable() -> None:
    now = datetime(2026, 11, 23, 8, tzinfo=BERLIN)
    pinned = Block("g/m/a", datetime(2026, 11, 24, 9, tzinfo=BERLIN),
                   datetime(2026, 11, 24, 10, 40, tzinfo=BERLIN), uid="u", pinned=True)
    first = schedule(plan_of(step("a", 120)), RULES, now=now, existing=(pinned,))
    assert sorted(b.minutes for b in first.blocks) == [20, 100]
    assert schedule(plan_of(step("a", 120)), RULES, now=now, existing=first.blocks) == first


def test_horizon_reaches_the_latest_open_deadline_within_the_maximum() -> None:
    from syncer.core.schedule import plan_horizon
    from syncer.core.schedule_rules import SchedulingRules

    from_toml = SchedulingRules.from_mapping({"horizon": 2, "horizon_max": 10})
    now = datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    near = _deadline_plan(date(2026, 11, 30))
    far = _deadline_plan(date(2027, 1, 15))
    beyond = _deadline_plan(date(2028, 1, 1))
    assert plan_horizon(near, from_toml, now) == now + timedelta(weeks=2)
    assert plan_horizon(far, from_toml, now) == datetime(2027, 1, 16, tzinfo=now.tzinfo)
    assert plan_horizon(beyond, from_toml, now) == now + timedelta(weeks=10)


def test_habit_ends_with_its_goal_deadline_without_a_shortfall() -> None:
    from syncer.core.model import Goal, Habit, Plan
    from syncer.core.schedule import SchedulingRules, schedule

    habit = Habit("g/habit:study", "study", "Study", "g", per_week=5, duration_minutes=60)
    deadline = date(2026, 12, 9)  # a Wednesday: 3 of the week's 5 working days remain
    plan = Plan("p.yaml", "Europe/Berlin", (Goal("g", "g", "Goal", deadline=deadline,
                                                  habits=(habit,)),))
    now = datetime(2026, 11, 30, 7, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    result = schedule(plan, SchedulingRules(), now=now)
    assert result.unscheduled == ()
    days = sorted({b.start.astimezone(now.tzinfo).date() for b in result.blocks})
    assert len(days) == 5 + 3 and days[-1] <= deadline


def _deadline_plan(deadline: date) -> Plan:
    from syncer.core.model import Goal, Milestone, Step

    step = Step("g/m/s", "s", "S", "g", "m", estimate_minutes=60)
    milestone = Milestone("g/m", "m", "M", "g", due=deadline, steps=(step,))
    return Plan("p.yaml", "Europe/Berlin", (Goal("g", "g", "Goal", milestones=(milestone,)),))
