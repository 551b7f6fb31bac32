"""The week a person described: weekly budgets, goal hours apart from the day job, public
holidays, whole short steps and substantial sessions, habits spread over the week,
priorities under overload. Plans here are real people's weeks: a day job 09:00-17:00,
evenings and weekends for goals, a budget of a few hours, habits, holidays."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncer.core.adjust import WEEKLY_HOURS, Adjustment
from syncer.core.budget import fit_warnings
from syncer.core.model import Block, Goal, Habit, Milestone, Plan, Schedule, Step
from syncer.core.parse import parse_plan
from syncer.core.schedule import SchedulingRules, schedule
from syncer.errors import PlanError
from syncer.planedit import edit_text

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 11, 23, 8, tzinfo=BERLIN)  # a Monday
SHIPPED = SchedulingRules()


def steps(goal: str, *estimates: int, due: date | None = None, chain: bool = False,
          ) -> tuple[Step, ...]:
    out: list[Step] = []
    for i, minutes in enumerate(estimates):
        after = (out[-1].key,) if chain and out else ()
        out.append(Step(f"{goal}/m/s{i}", f"s{i}", f"Step {i}", goal, "m",
                        estimate_minutes=minutes, due=due, after=after))
    return tuple(out)


def goal(gid: str, *items: Step, priority: int = 2, weekly_hours: float | None = None,
         hours: str | None = None, habits: tuple[Habit, ...] = (),
         deadline: date | None = None) -> Goal:
    return Goal(gid, gid, gid.title(), priority=priority, weekly_hours=weekly_hours,
                hours=hours, habits=habits, deadline=deadline,
                milestones=(Milestone(f"{gid}/m", "m", "M", gid, steps=items),))


def plan(*goals: Goal, weekly_hours: float | None = None) -> Plan:
    return Plan("goals.yaml", "Europe/Berlin", goals, weekly_hours=weekly_hours)


def per_week(blocks: tuple[Block, ...] | list[Block], prefix: str = "") -> dict[date, int]:
    weeks: dict[date, int] = defaultdict(int)
    for block in blocks:
        if block.step.startswith(prefix):
            day = block.start.astimezone(BERLIN).date()
            weeks[day - timedelta(days=day.weekday())] += block.minutes
    return dict(weeks)


def local_times(result: Schedule) -> list[tuple[datetime, datetime]]:
    return [(b.start.astimezone(BERLIN), b.end.astimezone(BERLIN)) for b in result.blocks]


# ------------------------------------------------------------------- budget


def test_weekly_budget_caps_every_week_habits_included() -> None:
    study = Habit("cert/habit:read", "read", "Read", "cert", 3, 30)
    work = goal("cert", *steps("cert", *[120] * 12), habits=(study,))
    result = schedule(plan(work, weekly_hours=6), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=4))
    weeks = per_week(result.blocks)
    assert weeks and max(weeks.values()) <= 6 * 60
    assert sum(1 for b in result.blocks if "habit:" in b.step) == 12  # 3 a week, 4 weeks
    assert result.unscheduled  # 24h of steps + habits do not fit 4 weeks of 6h


def test_goal_budget_shares_the_plan_budget() -> None:
    side = goal("side", *steps("side", *[90] * 10), weekly_hours=2)
    main = goal("main", *steps("main", *[90] * 10))
    result = schedule(plan(side, main, weekly_hours=7), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=3))
    assert max(per_week(result.blocks, "side/").values()) <= 120
    assert max(per_week(result.blocks).values()) <= 7 * 60
    assert per_week(result.blocks, "main/")  # the rest of the week goes to the other goal


def test_accepted_weekly_hours_adjustment_changes_the_next_schedule() -> None:
    text = ("timezone: Europe/Berlin\nweekly_hours: 3\ngoals:\n"
            "  - id: pmp\n    title: PMP\n    deadline: 2026-12-20\n    milestones:\n"
            "      - id: m\n        title: M\n        steps:\n"
            + "".join(f"          - {{id: s{i}, title: Step {i}, estimate: 90m}}\n"
                      for i in range(10)))
    before_plan = parse_plan(text, "goals.yaml")
    before = schedule(before_plan, SHIPPED, now=NOW)
    assert before.unscheduled
    more = Adjustment("pmp/weekly-hours", WEEKLY_HOURS, "pmp", None, None, 6.5, "")
    after_plan = parse_plan(edit_text(text, before_plan, [more]), "goals.yaml")
    assert after_plan.weekly_hours == 6.5
    after = schedule(after_plan, SHIPPED, now=NOW, existing=before.blocks)
    assert len(after.unscheduled) < len(before.unscheduled)
    assert set(before.blocks) <= set(after.blocks)  # what was booked stays put


def test_check_warns_with_missing_hours_and_the_first_full_week() -> None:
    work = goal("cert", *steps("cert", *[120] * 10, due=date(2026, 12, 6)))
    [warning] = fit_warnings(plan(work, weekly_hours=4), SHIPPED, NOW)
    assert warning.code == "over-budget" and warning.severity == "warning"
    assert "12h of work (6 steps)" in warning.message
    assert "first week that overflows starts Mon 23 Nov 2026" in warning.message
    assert "first missed deadline Sun 6 Dec 2026" in warning.message
    assert fit_warnings(plan(work, weekly_hours=12), SHIPPED, NOW) == []


# ---------------------------------------------------------------- hour sets


def test_goal_work_defaults_to_evenings_and_weekends_not_office_hours() -> None:
    result = schedule(plan(goal("g", *steps("g", *[60] * 20))), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=2))
    assert result.blocks
    for start, _ in local_times(result):
        if start.weekday() < 5:
            assert start.hour >= 18, start  # never in the day job's hours


def test_a_goal_may_choose_work_hours_and_a_habit_its_own_set() -> None:
    rules = SchedulingRules.from_mapping({"hours": {"mornings": {
        d: ["06:30-07:30"] for d in ("mon", "tue", "wed", "thu", "fri")}}})
    run = Habit("health/habit:run", "run", "Run", "health", 3, 45, hours="mornings")
    job = goal("job", *steps("job", 60, 60), hours="work")
    health = goal("health", habits=(run,))
    result = schedule(plan(job, health), rules, now=NOW, horizon_end=NOW + timedelta(days=6))
    for block in result.blocks:
        start = block.start.astimezone(BERLIN)
        if block.step.startswith("job/"):
            assert 9 <= start.hour < 17 and start.weekday() < 5
        else:
            assert (start.hour, start.minute) == (6, 30)
    assert sum(1 for b in result.blocks if b.step.startswith("health/")) == 3


def test_day_job_hours_are_cut_out_of_a_wider_set() -> None:
    rules = SchedulingRules.from_mapping({"hours": {"goals": {
        d: ["07:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri")}}})
    result = schedule(plan(goal("g", *steps("g", *[90] * 10))), rules, now=NOW,
                      horizon_end=NOW + timedelta(weeks=1))
    for start, end in local_times(result):
        assert end.hour * 60 + end.minute <= 9 * 60 or start.hour >= 17


def test_unknown_hour_set_is_a_plan_error_with_its_place() -> None:
    with pytest.raises(PlanError) as caught:
        schedule(plan(goal("g", *steps("g", 60), hours="evenings")), SHIPPED, now=NOW)
    assert "names no hour set" in str(caught.value.problems[0])


# ---------------------------------------------------------------- holidays


def test_public_holidays_get_no_blocks_unless_chosen() -> None:
    christmas = datetime(2026, 12, 21, 8, tzinfo=BERLIN)
    rules = SchedulingRules.from_mapping({"holidays": "DE-BY", "hours": {"goals": {
        d: ["18:00-20:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}})
    work = goal("g", *steps("g", *[60] * 30))
    result = schedule(plan(work), rules, now=christmas,
                      horizon_end=christmas + timedelta(weeks=3))
    days = {start.date() for start, _ in local_times(result)}
    assert not days & {date(2026, 12, 25), date(2026, 12, 26), date(2027, 1, 1),
                       date(2027, 1, 6)}
    assert date(2026, 12, 24) in days
    anyway = SchedulingRules.from_mapping({**rules.as_mapping(), "book_holidays": True})
    booked = schedule(plan(work), anyway, now=christmas,
                      horizon_end=christmas + timedelta(weeks=3))
    assert date(2026, 12, 25) in {s.date() for s, _ in local_times(booked)}


def test_unknown_holiday_country_is_a_config_error() -> None:
    from syncer.errors import ConfigError
    with pytest.raises(ConfigError, match="no public holidays are known"):
        SchedulingRules.from_mapping({"holidays": "XX"})


# ---------------------------------------------------------------- blocks


def test_short_steps_are_booked_in_one_sitting() -> None:
    work = goal("g", *steps("g", 60, 90, 45, 75, 60, 30, 90, 60))
    result = schedule(plan(work), SHIPPED, now=NOW, horizon_end=NOW + timedelta(weeks=3))
    assert not result.unscheduled
    assert sorted(Counter(b.step for b in result.blocks).values()) == [1] * 8


def test_a_long_step_becomes_a_few_substantial_sessions_on_consecutive_days() -> None:
    work = goal("g", *steps("g", 600))
    rules = SchedulingRules.from_mapping({"hours": {"goals": {
        d: ["18:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}})
    result = schedule(plan(work), rules, now=NOW, horizon_end=NOW + timedelta(weeks=3))
    lengths = [b.minutes for b in result.blocks]
    assert sum(lengths) == 600 and len(lengths) == 5
    assert all(rules.min_block <= n <= rules.max_block for n in lengths)
    days = [s.date() for s, _ in local_times(result)]
    assert days == [days[0] + timedelta(days=n) for n in range(5)]  # one a day, in a row


def test_a_prerequisite_far_from_its_deadline_also_goes_one_session_a_day() -> None:
    """A step others wait for is not packed into one day when there is time: its
    sessions go one a day, and the step waiting for it follows."""
    work = goal("promo", *steps("promo", 6 * 60, 60, due=date(2027, 1, 22), chain=True),
                hours="work")
    result = schedule(plan(work, weekly_hours=10), SHIPPED, now=NOW)
    write = [b for b in result.blocks if b.step == "promo/m/s0"]
    days = [b.start.astimezone(BERLIN).date() for b in write]
    assert len(write) == 3 and len(set(days)) == 3
    review = next(b for b in result.blocks if b.step == "promo/m/s1")
    assert review.start >= max(b.end for b in write)


def test_weekly_habits_spread_over_the_allowed_days() -> None:
    habits = tuple(Habit(f"g/habit:h{i}", f"h{i}", f"Habit {i}", "g", 1, 30)
                   for i in range(22))
    rules = SchedulingRules.from_mapping({"hours": {"goals": {
        d: ["18:00-22:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}},
        "daily_cap": "8h"})
    result = schedule(plan(goal("g", habits=habits)), rules, now=NOW,
                      horizon_end=NOW + timedelta(weeks=4))
    per_day = Counter(b.start.astimezone(BERLIN).weekday() for b in result.blocks)
    assert len(per_day) == 7
    assert max(per_day.values()) - min(per_day.values()) <= 8  # 88 over 7 days


# ---------------------------------------------------------------- priority


def test_a_low_priority_prerequisite_of_a_p1_step_is_kept_under_overload() -> None:
    """The P4 prerequisite inherits P1 for the repair: P2 work makes way, not it."""
    rules = SchedulingRules.from_mapping({"hours": {"goals": {
        d: ["18:00-21:00"] for d in ("mon", "tue", "wed", "thu", "fri")} | {
        "sat": [], "sun": []}}, "max_block": "3h", "keep_whole": "3h"})
    due = date(2026, 11, 24)
    low = goal("low", *steps("low", 120, due=due), priority=4)
    top = Step("top/m/s0", "s0", "Top", "top", "m", estimate_minutes=120, due=due,
               after=("low/m/s0",))
    filler = goal("mid", *steps("mid", 150, 150, due=due), priority=2)
    result = schedule(plan(low, filler, goal("top", top, priority=1)), rules, now=NOW)
    placed = {b.step for b in result.blocks}
    assert {"low/m/s0", "top/m/s0"} <= placed


def test_a_less_important_habit_gives_way_to_a_p1_step() -> None:
    """Habits are booked first, but a P4 habit never keeps a P1 step from its deadline:
    the step gets the time, the sessions it took are counted missing and say why."""
    week = NOW + timedelta(days=6)  # Sunday
    write = Habit("blog/habit:write", "write", "Write", "blog", 2, 60)
    blog = goal("blog", habits=(write,), priority=4)
    videos = goal("aws", *steps("aws", 4 * 60, due=week.date()), priority=1)
    result = schedule(plan(blog, videos, weekly_hours=4), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=3))
    assert not [u for u in result.unscheduled if u.step == "aws/m/s0"]
    assert per_week(result.blocks, "aws")[date(2026, 11, 23)] == 4 * 60
    (missing,) = [u for u in result.unscheduled if u.step == write.key]
    assert missing.missing_minutes == 2 * 60 and "budget (`weekly_hours`) used up" in missing.reason
    assert per_week(result.blocks, "blog")[date(2026, 11, 30)] == 2 * 60  # later weeks keep it


def test_a_habit_of_the_same_priority_gives_a_step_one_session_a_week() -> None:
    """A habit that alone fills the budget still leaves a step of its own priority room:
    one session a week at most (never the week's last) gives way."""
    run = Habit("fit/habit:run", "run", "Run", "fit", 5, 60)
    fit = goal("fit", *steps("fit", 30, due=date(2027, 1, 31)), habits=(run,))
    result = schedule(plan(fit, weekly_hours=2), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=4))
    assert not [u for u in result.unscheduled if u.step == "fit/m/s0"]
    weeks = per_week(result.blocks, "fit/habit")
    assert len(weeks) == 4 and min(weeks.values()) >= 60
    assert sorted(weeks.values()) == [60, 120, 120, 120]  # one session gave way, once


def test_a_more_important_habit_does_not_give_way() -> None:
    due = NOW + timedelta(days=6)
    read = Habit("top/habit:read", "read", "Read", "top", 4, 60)
    top = goal("top", habits=(read,), priority=1)
    low = goal("low", *steps("low", 240, due=due.date()), priority=3)
    result = schedule(plan(top, low, weekly_hours=4), SHIPPED, now=NOW,
                      horizon_end=NOW + timedelta(weeks=2))
    assert per_week(result.blocks, "top/habit")[date(2026, 11, 23)] == 4 * 60
    assert [u.step for u in result.unscheduled] == ["low/m/s0"]


def test_no_futile_drop_when_the_newcomer_cannot_fit_anyway() -> None:
    due = date(2026, 11, 23)
    small = goal("small", *steps("small", 60, due=due), priority=3)
    huge = goal("huge", *steps("huge", 600, due=due), priority=1)
    result = schedule(plan(small, huge), SHIPPED, now=NOW)
    assert {b.step for b in result.blocks} == {"small/m/s0"}
    assert [u.step for u in result.unscheduled] == ["huge/m/s0"]


def test_more_weekly_hours_for_a_goal_with_its_own_budget_raises_both() -> None:
    text = ("timezone: Europe/Berlin\nweekly_hours: 10\ngoals:\n"
            "  - id: pmp\n    title: PMP\n    weekly_hours: 2\n    deadline: 2026-12-20\n"
            "    milestones:\n      - id: m\n        title: M\n        steps:\n"
            + "".join(f"          - {{id: s{i}, title: Step {i}, estimate: 90m}}\n"
                      for i in range(8)))
    before_plan = parse_plan(text, "goals.yaml")
    before = schedule(before_plan, SHIPPED, now=NOW)
    more = Adjustment("pmp/weekly-hours", WEEKLY_HOURS, "pmp", None, None, 3.5, "")
    after_plan = parse_plan(edit_text(text, before_plan, [more]), "goals.yaml")
    assert after_plan.goals[0].weekly_hours == 3.5 and after_plan.weekly_hours == 11.5
    after = schedule(after_plan, SHIPPED, now=NOW, existing=before.blocks)
    assert len(after.unscheduled) < len(before.unscheduled)
