"""A re-plan moves only the blocks it must: a person who works on goals before the day
job and in the evening, whose calendar already holds last week's plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta
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
    Step,
)
from syncer.core.schedule import SchedulingRules, schedule

BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = ["07:00-08:30", "19:00-21:00"]  # before the day job, after dinner
RULES = SchedulingRules.from_mapping({
    "windows": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), EVERY_DAY),
    "daily_cap": "3h", "buffer": "15m", "min_block": "30m", "max_block": "2h"})
MONDAY = datetime(2027, 1, 11, 6, 0, tzinfo=BERLIN)


def at(day: int, clock: str) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return MONDAY.replace(hour=hour, minute=minute) + timedelta(days=day)


def job_hunt(cv: int = 120) -> Plan:
    steps = (
        Step("job/apply/cv", "cv", "Rewrite the CV", "job", "apply", estimate_minutes=cv),
        Step("job/apply/referees", "referees", "Ask two referees", "job", "apply",
             estimate_minutes=30, after=("job/apply/cv",)),
        Step("job/apply/send", "send", "Send three applications", "job", "apply",
             estimate_minutes=180, after=("job/apply/referees",)),
        Step("job/apply/portfolio", "portfolio", "Update the portfolio site", "job",
             "apply", estimate_minutes=90),
    )
    goal = Goal("job", "job", "Move to a product role", priority=2, milestones=(
        Milestone("job/apply", "apply", "Applications out", "job", due=date(2027, 2, 26),
                  steps=steps),))
    return Plan("goals.yaml", "Europe/Berlin", (goal,))


# the calendar as last week's sync left it
BOOKED = (
    Block("job/apply/cv", at(0, "19:00"), at(0, "21:00"), uid="cv-0"),
    Block("job/apply/referees", at(1, "07:00"), at(1, "07:30"), uid="referees-0"),
    Block("job/apply/portfolio", at(1, "19:00"), at(1, "20:30"), uid="portfolio-0"),
    Block("job/apply/send", at(4, "19:00"), at(4, "21:00"), uid="send-0"),
    Block("job/apply/send", at(5, "07:00"), at(5, "08:00"), uid="send-1"),
)


def _kept(result_blocks: tuple[Block, ...]) -> set[tuple[str, datetime, datetime]]:
    return {(b.step, b.start, b.end) for b in result_blocks}


def _future(blocks: tuple[Block, ...] | list[Block], now: datetime,
            ) -> set[tuple[str, datetime, datetime]]:
    return {(b.step, b.start, b.end) for b in blocks if b.start >= now}


def test_with_nothing_changed_every_block_stays() -> None:
    result = schedule(job_hunt(), RULES, now=MONDAY, existing=BOOKED)
    assert _kept(result.blocks) == _kept(BOOKED)
    assert {b.uid for b in result.blocks} == {b.uid for b in BOOKED}


def test_a_missed_evening_is_booked_before_the_steps_waiting_for_it() -> None:
    """Monday evening's CV session did not happen (the step is still open). Its two
    hours go before Tuesday's referee request if they fit; the applications booked for
    Friday and Saturday stay where they are."""
    tuesday = at(1, "06:00")
    result = schedule(job_hunt(), RULES, now=tuesday, existing=BOOKED)
    assert [b.step for b in result.missed] == ["job/apply/cv"]
    later = _future(BOOKED, at(1, "08:30"))
    assert later - {k for k in later if k[0] in ("job/apply/referees",)} <= _kept(
        result.blocks)
    cv = [b for b in result.blocks if b.step == "job/apply/cv"]
    assert sum(b.minutes for b in cv) == 120
    referees = [b for b in result.blocks if b.step == "job/apply/referees"]
    assert max(b.end for b in cv) <= min(b.start for b in referees)
    sends = [b for b in result.blocks if b.step == "job/apply/send"]
    assert {(b.start, b.end) for b in sends} == {(at(4, "19:00"), at(4, "21:00")),
                                                 (at(5, "07:00"), at(5, "08:00"))}


def test_a_longer_estimate_adds_one_block_and_moves_nothing_else() -> None:
    result = schedule(job_hunt(cv=150), RULES, now=MONDAY, existing=BOOKED)
    assert _kept(BOOKED) <= _kept(result.blocks)
    extra = _kept(result.blocks) - _kept(BOOKED)
    assert [(k[0], (k[2] - k[1]).seconds // 60) for k in extra] == [("job/apply/cv", 30)]
    (cv_extra,) = extra
    assert cv_extra[2] <= at(1, "07:00") - timedelta(minutes=15)  # before the referees


def test_a_new_meeting_moves_only_the_block_it_lands_on() -> None:
    dentist = BusyTime((Interval(at(1, "19:30"), at(1, "20:30")),))
    result = schedule(job_hunt(), RULES, now=MONDAY, busy=dentist, existing=BOOKED)
    moved = _kept(BOOKED) - _kept(result.blocks)
    assert {k[0] for k in moved} == {"job/apply/portfolio"}
    assert _kept(BOOKED) - moved <= _kept(result.blocks)
    assert sum(b.minutes for b in result.blocks if b.step == "job/apply/portfolio") == 90


def test_a_completed_step_frees_its_blocks_and_nothing_else_moves() -> None:
    result = schedule(job_hunt(), RULES, now=MONDAY, existing=BOOKED,
                      done={"job/apply/portfolio"})
    assert _kept(result.blocks) == _kept(BOOKED) - {
        ("job/apply/portfolio", at(1, "19:00"), at(1, "20:30"))}


def test_when_the_extra_time_cannot_go_first_only_the_blocks_it_overtakes_move() -> None:
    """The CV needs 2h30 more than planned, and that cannot fit before Tuesday's
    referee request: the CV's time is booked as early as it fits, the referee request
    moves after it, and the applications booked for Friday and Saturday stay."""
    result = schedule(job_hunt(cv=270), RULES, now=MONDAY, existing=BOOKED)
    cv_end = max(b.end for b in result.blocks if b.step == "job/apply/cv")
    assert sum(b.minutes for b in result.blocks if b.step == "job/apply/cv") == 270
    referees = [b for b in result.blocks if b.step == "job/apply/referees"]
    assert min(b.start for b in referees) >= cv_end
    assert {(b.start, b.end) for b in result.blocks if b.step == "job/apply/send"} == {
        (at(4, "19:00"), at(4, "21:00")), (at(5, "07:00"), at(5, "08:00"))}
    assert ("job/apply/portfolio", at(1, "19:00"), at(1, "20:30")) in _kept(result.blocks)


def test_an_undone_settle_gives_the_goal_budget_back() -> None:
    """Found by Hypothesis: a block of a step waiting for unbooked work made the settle
    pass book its predecessor's 3 h, fail on the next step and undo, but the undo did
    not give the goal's weekly budget back, so the predecessor then found 0 minutes left
    and nothing was booked; scheduling that result again booked everything."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from syncer.core.model import Block, BusyTime, Goal, Milestone, Plan, Step
    from syncer.core.schedule import schedule
    from syncer.core.schedule_rules import SchedulingRules

    week = (((540, 720), (780, 1020)),) * 7
    work = week[:6] + (((510, 705),),)  # the day job: a Sunday morning, cut from the rest
    rules = SchedulingRules(
        windows=week, hour_sets=(("work", work), ("personal", week), ("goals", week)),
        goal_hours="goals", work_hours="work", min_block=15, keep_whole=15, max_block=15,
        buffer=0, daily_cap=60, horizon_weeks=3, strategy="asap", default_estimate=0)

    def step(n: int, minutes: int | None, after: tuple[str, ...] = ()) -> Step:
        return Step(key=f"g0/m/s{n}", id=f"s{n}", title=f"Step 0.{n}", goal_id="g0",
                    milestone_id="m", estimate_minutes=minutes, after=after)

    def goal(n: int, steps: tuple[Step, ...] = (), hours: float | None = None) -> Goal:
        return Goal(key=f"g{n}", id=f"g{n}", title=f"Goal {n}", priority=1,
                    weekly_hours=hours, milestones=(Milestone(
                        key=f"g{n}/m", id="m", title="M", goal_id=f"g{n}", steps=steps),))

    steps = (step(0, 180), step(1, None), step(2, 5, ("g0/m/s0",)), step(3, None),
             step(4, 5, ("g0/m/s1", "g0/m/s2")), step(5, None), step(6, None))
    plan = Plan(path="plan.yaml", timezone="Europe/Berlin",
                goals=(goal(0, steps, hours=1), goal(1), goal(2)))
    now = datetime(2027, 3, 26, tzinfo=ZoneInfo("Europe/Berlin"))
    waiting = [Block("g0/m/s4", now, now + timedelta(minutes=5), uid="uid-0")]
    first = schedule(plan, rules, now=now, busy=BusyTime(), existing=waiting)
    assert sum(b.minutes for b in first.blocks if b.step == "g0/m/s0") == 180
    again = schedule(plan, rules, now=now, busy=BusyTime(), existing=list(first.blocks))
    assert again.blocks == first.blocks


def _full_week(a: int = 60) -> Plan:
    """Four hours a week for goal work, all booked in the first week: the CV, the
    referee request waiting for it, and the portfolio (due in six weeks, nobody waits
    for it)."""
    steps = (
        Step("job/apply/cv", "cv", "Rewrite the CV", "job", "apply", estimate_minutes=a),
        Step("job/apply/referees", "referees", "Ask two referees", "job", "apply",
             estimate_minutes=60, after=("job/apply/cv",)),
        Step("job/apply/portfolio", "portfolio", "Update the portfolio site", "job",
             "apply", estimate_minutes=120),
    )
    goal = Goal("job", "job", "Move to a product role", priority=2, milestones=(
        Milestone("job/apply", "apply", "Applications out", "job", due=date(2027, 2, 26),
                  steps=steps),))
    return Plan("goals.yaml", "Europe/Berlin", (goal,), weekly_hours=4)


FULL_WEEK = (
    Block("job/apply/cv", at(0, "19:00"), at(0, "20:00"), uid="cv-0"),
    Block("job/apply/referees", at(1, "19:00"), at(1, "20:00"), uid="referees-0"),
    Block("job/apply/portfolio", at(2, "19:00"), at(2, "21:00"), uid="portfolio-0"),
)


@pytest.mark.xfail(strict=True, reason=(
    "kept blocks are checked in deadline order, so the portfolio keeps its evening and "
    "the referee request, booked after the longer CV, is the block that no longer fits "
    "the week's budget and moves a week (one block moves either way; preferring to move "
    "blocks nobody waits for is not done)"))
def test_a_longer_estimate_in_a_full_week_moves_one_free_standing_block() -> None:
    """The CV needs 30 minutes more, and the week's budget is booked. The referee
    request waiting for the CV keeps its evening; the portfolio, which nobody waits for
    and is due in six weeks, moves part of its work to next week, instead of the referee
    request (and everything after it) moving a week."""
    result = schedule(_full_week(a=90), RULES, now=MONDAY, existing=FULL_WEEK)
    assert not result.unscheduled
    blocks = _kept(result.blocks)
    assert ("job/apply/referees", at(1, "19:00"), at(1, "20:00")) in blocks
    cv = [b for b in result.blocks if b.step == "job/apply/cv"]
    assert sum(b.minutes for b in cv) == 90
    assert max(b.end for b in cv) <= at(1, "19:00") - timedelta(minutes=15)
    portfolio = [b for b in result.blocks if b.step == "job/apply/portfolio"]
    assert sum(b.minutes for b in portfolio) == 120
    assert max(b.start for b in portfolio) >= at(7, "00:00")  # partly next week
    assert {k[0] for k in blocks ^ _kept(FULL_WEEK)} == {"job/apply/cv",
                                                         "job/apply/portfolio"}
    # and that is stable: a re-run with this result moves nothing
    again = schedule(_full_week(a=90), RULES, now=MONDAY, existing=result.blocks)
    assert _kept(again.blocks) == blocks


def test_keeping_the_plan_never_costs_a_step_a_fresh_plan_would_book() -> None:
    """The career example is booked to its weekly budget for months: 30 minutes more on
    an early step of a long chain cannot go anywhere without moving others. Kept blocks
    must not make steps unscheduled that planning from scratch would book."""
    from pathlib import Path

    from syncer.planfile import load_plan
    from syncer.policy import load_rules

    plan = load_plan(Path(__file__).resolve().parents[2] / "examples" / "career.yaml")
    rules = load_rules().scheduling
    now = datetime(2026, 11, 23, 7, 30, tzinfo=BERLIN)
    first = schedule(plan, rules, now=now)
    for key in ("promotion/targets/baseline", "promotion/dm-course/pick"):
        longer = _longer(plan, key, 30)
        kept = schedule(longer, rules, now=now, existing=first.blocks)
        fresh = schedule(longer, rules, now=now)
        assert len(kept.unscheduled) <= len(fresh.unscheduled), key
        assert sum(b.minutes for b in kept.blocks if b.step == key) == next(
            s.estimate_minutes for s in longer.steps() if s.key == key)


def _longer(plan: Plan, key: str, extra: int) -> Plan:
    from dataclasses import replace

    return replace(plan, goals=tuple(replace(goal, milestones=tuple(
        replace(m, steps=tuple(replace(s, estimate_minutes=(s.estimate_minutes or 0) + extra)
                               if s.key == key else s for s in m.steps))
        for m in goal.milestones)) for goal in plan.goals))


def test_a_displaced_step_takes_the_room_of_one_that_can_wait() -> None:
    """The tax form is due tonight; a two-hour meeting lands on its evening session.
    The only room left today is this morning's portfolio session, which is due in six
    weeks: the portfolio moves to another day and the tax form takes the morning,
    instead of the tax form being left out. Nothing else moves."""
    steps = (
        Step("home/admin/tax", "tax", "File the tax form", "home", "admin",
             estimate_minutes=60, due=date(2027, 1, 11)),
        Step("home/admin/portfolio", "portfolio", "Update the portfolio site", "home",
             "admin", estimate_minutes=90),
        Step("home/admin/photos", "photos", "Sort the holiday photos", "home", "admin",
             estimate_minutes=60),
    )
    goal = Goal("home", "home", "Home admin", milestones=(
        Milestone("home/admin", "admin", "Admin done", "home", due=date(2027, 2, 26),
                  steps=steps),))
    plan = Plan("goals.yaml", "Europe/Berlin", (goal,))
    booked = (
        Block("home/admin/portfolio", at(0, "07:00"), at(0, "08:30"), uid="p-0"),
        Block("home/admin/tax", at(0, "19:00"), at(0, "20:00"), uid="t-0"),
        Block("home/admin/photos", at(2, "19:00"), at(2, "20:00"), uid="ph-0"),
    )
    meeting = BusyTime((Interval(at(0, "19:00"), at(0, "21:00")),))
    result = schedule(plan, RULES, now=MONDAY, busy=meeting, existing=booked)
    assert not result.unscheduled
    tax = [b for b in result.blocks if b.step == "home/admin/tax"]
    assert [(b.start, b.end) for b in tax] == [(at(0, "07:00"), at(0, "08:00"))]
    assert sum(b.minutes for b in result.blocks if b.step == "home/admin/portfolio") == 90
    assert ("home/admin/photos", at(2, "19:00"), at(2, "20:00")) in _kept(result.blocks)
    assert {k[0] for k in _kept(result.blocks) ^ _kept(booked)} == {
        "home/admin/tax", "home/admin/portfolio"}
    again = schedule(plan, RULES, now=MONDAY, busy=meeting, existing=result.blocks)
    assert _kept(again.blocks) == _kept(result.blocks)


@pytest.mark.xfail(strict=True, reason=(
    "the freed portfolio session is booked again before the publishing (_settle) as "
    "early as it fits, before the tax form is placed, so it takes the tax form's "
    "morning and the plan falls back to planning the rest again; booking it as late as "
    "fits before the publishing is not done"))
def test_a_block_moved_to_make_room_still_ends_before_the_steps_waiting_for_it() -> None:
    """As above, but publishing the portfolio waits for it (booked Thursday): the
    portfolio's session goes to a day before Thursday, and the publishing stays."""
    steps = (
        Step("home/admin/tax", "tax", "File the tax form", "home", "admin",
             estimate_minutes=60, due=date(2027, 1, 11)),
        Step("home/admin/portfolio", "portfolio", "Update the portfolio site", "home",
             "admin", estimate_minutes=90),
        Step("home/admin/publish", "publish", "Publish the portfolio", "home", "admin",
             estimate_minutes=30, after=("home/admin/portfolio",)),
    )
    goal = Goal("home", "home", "Home admin", milestones=(
        Milestone("home/admin", "admin", "Admin done", "home", due=date(2027, 2, 26),
                  steps=steps),))
    plan = Plan("goals.yaml", "Europe/Berlin", (goal,))
    booked = (
        Block("home/admin/portfolio", at(0, "07:00"), at(0, "08:30"), uid="p-0"),
        Block("home/admin/tax", at(0, "19:00"), at(0, "20:00"), uid="t-0"),
        Block("home/admin/publish", at(3, "19:00"), at(3, "19:30"), uid="pub-0"),
    )
    busy = BusyTime((Interval(at(0, "19:00"), at(0, "21:00")),   # the meeting
                     Interval(at(1, "07:00"), at(2, "08:30"))))  # and Tuesday morning on
    result = schedule(plan, RULES, now=MONDAY, busy=busy, existing=booked)
    assert not result.unscheduled
    assert [(b.start, b.end) for b in result.blocks if b.step == "home/admin/tax"] == [
        (at(0, "07:00"), at(0, "08:00"))]
    portfolio = [b for b in result.blocks if b.step == "home/admin/portfolio"]
    assert sum(b.minutes for b in portfolio) == 90
    assert max(b.end for b in portfolio) <= at(3, "19:00") - timedelta(minutes=15)
    assert ("home/admin/publish", at(3, "19:00"), at(3, "19:30")) in _kept(result.blocks)
    again = schedule(plan, RULES, now=MONDAY, busy=busy, existing=result.blocks)
    assert _kept(again.blocks) == _kept(result.blocks)


def test_a_kept_block_of_a_less_important_step_makes_way_for_a_p1_step() -> None:
    """Stability never costs a more important deadline: a P1 step added to a week that
    a P4 step's kept blocks fill gets the time; the P4 step moves later."""
    from tests.unit.test_schedule_week import NOW, SHIPPED, goal, plan, steps

    blog = goal("blog", *steps("blog", 120, 120, due=date(2027, 1, 31)), priority=4)
    before = schedule(plan(blog, weekly_hours=4), SHIPPED, now=NOW)
    first_week = NOW.date() + timedelta(days=6 - NOW.weekday())
    assert all(b.start.astimezone(BERLIN).date() <= first_week for b in before.blocks)
    exam = goal("aws", *steps("aws", 4 * 60, due=first_week), priority=1)
    after = schedule(plan(blog, exam, weekly_hours=4), SHIPPED, now=NOW,
                     existing=before.blocks)
    assert "aws/m/s0" not in {u.step for u in after.unscheduled}
    assert {u.step for u in after.unscheduled} == set()  # the blog steps moved, not lost


def test_sessions_a_step_leaves_unused_go_to_a_short_habit_and_the_next_run_agrees() -> None:
    """Found by the property tests in CI: a Friday start, a 2-hour weekly budget, a P2
    habit of 90 minutes, a P1 habit twice a week and a small P1 step due next week. The
    P1 habit claims its two sessions before the P2 habit claims the budget, and running
    again on the calendar this run wrote books nothing new and moves nothing."""
    friday = datetime(2027, 3, 26, 0, 0, tzinfo=BERLIN)
    rules = SchedulingRules.from_mapping({
        "windows": dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
                                 ["09:00-12:00", "13:00-17:00"]),
        "daily_cap": "2h", "min_block": "15m", "max_block": "15m", "horizon": 3})
    reading = Goal("read", "read", "Read more", priority=2, milestones=(
        Milestone("read/m", "m", "M", "read"),), habits=(
        Habit("read/habit:h", "h", "Read", "read", per_week=1, duration_minutes=90),))
    german = Goal("german", "german", "Learn German", priority=1, milestones=(
        Milestone("german/m", "m", "M", "german"),), habits=(
        Habit("german/habit:h", "h", "Practise", "german", per_week=2,
              duration_minutes=30),))
    visa = Goal("visa", "visa", "Visa", priority=1, deadline=date(2027, 3, 31), milestones=(
        Milestone("visa/m", "m", "M", "visa", steps=(
            Step("visa/m/form", "form", "Send the form", "visa", "m", estimate_minutes=5),
        )),))
    plan = Plan("goals.yaml", "Europe/Berlin", (reading, german, visa), weekly_hours=2)
    first = schedule(plan, rules, now=friday)
    this_week = [b.step for b in first.blocks if b.start < datetime(2027, 3, 29, tzinfo=BERLIN)]
    assert sorted(this_week) == ["german/habit:h", "german/habit:h", "visa/m/form"]
    again = schedule(plan, rules, now=friday, existing=first.blocks)
    assert again.blocks == first.blocks


def test_a_missed_p1_session_takes_the_room_of_less_important_work_and_only_that() -> None:
    """Monday morning's mock exam did not happen; the exam is Thursday and the blog
    posts (P4, due in six weeks) fill every free evening and morning until then. The
    mock exam is booked again before Thursday in the room of one blog session, which
    moves; the other blog sessions stay, and a re-run changes nothing."""
    exam = Goal("exam", "exam", "Pass the exam", priority=1, milestones=(
        Milestone("exam/prep", "prep", "Ready", "exam", due=date(2027, 1, 14), steps=(
            Step("exam/prep/mock", "mock", "Mock exam", "exam", "prep",
                 estimate_minutes=90),)),))
    posts = tuple(Step(f"blog/posts/p{n}", f"p{n}", f"Post {n}", "blog", "posts",
                       estimate_minutes=90) for n in range(40))
    blog = Goal("blog", "blog", "Write the blog", priority=4, milestones=(
        Milestone("blog/posts", "posts", "Posts out", "blog", due=date(2027, 2, 26),
                  steps=posts),))
    plan = Plan("goals.yaml", "Europe/Berlin", (exam, blog))
    monday = schedule(plan, RULES, now=MONDAY)
    mock = [b for b in monday.blocks if b.step == "exam/prep/mock"]
    assert mock and all(b.end <= at(1, "06:00") for b in mock)  # booked Monday
    before_exam = [b for b in monday.blocks if at(1, "06:00") <= b.start < at(4, "00:00")]
    assert before_exam and all(b.step.startswith("blog/") for b in before_exam)

    tuesday = at(1, "06:00")
    result = schedule(plan, RULES, now=tuesday, existing=monday.blocks)
    assert "exam/prep/mock" in {b.step for b in result.missed}
    assert not {u.step for u in result.unscheduled} & {"exam/prep/mock"}
    again = [b for b in result.blocks if b.step == "exam/prep/mock"]
    assert sum(b.minutes for b in again) == 90
    assert all(b.end <= at(3, "21:00") for b in again)
    future = {(b.step, b.start, b.end) for b in monday.blocks if b.start >= tuesday}
    moved = future - _kept(result.blocks)
    assert 1 <= len(moved) <= 2 and all(step.startswith("blog/") for step, _, _ in moved)
    assert schedule(plan, RULES, now=tuesday, existing=result.blocks).blocks == result.blocks


def _posts(goal: str, count: int, minutes: int, priority: int,
           due: date | None = date(2027, 2, 26)) -> Goal:
    """``count`` posts of ``minutes`` each, due ``due`` (None: no deadline)."""
    return Goal(goal, goal, goal.title(), priority=priority, milestones=(Milestone(
        f"{goal}/posts", "posts", "Posts out", goal, due=due, steps=tuple(
            Step(f"{goal}/posts/p{n}", f"p{n}", f"Post {n}", goal, "posts",
                 estimate_minutes=minutes) for n in range(count))),))


def test_a_long_p1_step_is_not_held_back_by_many_short_p4_blocks() -> None:
    """The week is full of 30-minute chores (P4) when a four-hour tax return (P1, due
    Thursday) is added: it is booked in the chores' room on Monday, not left out because
    moving many short blocks looked like too much change (found by an independent
    review: the churn bound counted blocks, not minutes)."""
    chores = _posts("chores", 120, 30, priority=4, due=date(2027, 3, 31))
    calendar = schedule(Plan("goals.yaml", "Europe/Berlin", (chores,)), RULES,
                        now=MONDAY).blocks
    tax = Goal("tax", "tax", "Taxes", priority=1, milestones=(Milestone(
        "tax/m", "m", "Filed", "tax", due=date(2027, 1, 14), steps=(
            Step("tax/m/file", "file", "File the tax return", "tax", "m",
                 estimate_minutes=240),)),))
    plan = Plan("goals.yaml", "Europe/Berlin", (tax, chores))
    result = schedule(plan, RULES, now=MONDAY, existing=calendar)
    assert "tax/m/file" not in {u.step for u in result.unscheduled}
    assert sum(b.minutes for b in result.blocks if b.step == "tax/m/file") == 240
    assert schedule(plan, RULES, now=MONDAY, existing=result.blocks).blocks == result.blocks


def test_a_prerequisite_booked_after_the_deadline_moves_for_the_step_waiting() -> None:
    """The study guide (no date of its own) sits on the calendar at the end of the
    month; then the mock exam waiting for it gets a milestone due Thursday. Both are
    booked before Thursday, in the P4 blog posts' room (found by an independent review:
    only steps with a date of their own were rescued)."""
    blog = _posts("blog", 40, 90, priority=4)
    calendar = schedule(Plan("goals.yaml", "Europe/Berlin", (blog,)), RULES,
                        now=MONDAY).blocks
    read = Step("exam/prep/read", "read", "Read the study guide", "exam", "prep",
                estimate_minutes=90)
    late_read = Block("exam/prep/read", at(20, "07:00"), at(20, "08:30"), uid="read-0")
    exam = Goal("exam", "exam", "Get certified", priority=1, deadline=date(2027, 3, 31),
                milestones=(
        Milestone("exam/prep", "prep", "Prepared", "exam", steps=(read,)),
        Milestone("exam/sit", "sit", "Mock done", "exam", due=date(2027, 1, 14), steps=(
            Step("exam/sit/mock", "mock", "Mock exam", "exam", "sit", estimate_minutes=90,
                 after=("exam/prep/read",)),))))
    plan = Plan("goals.yaml", "Europe/Berlin", (exam, blog))
    existing = [b for b in calendar if b.start != late_read.start] + [late_read]
    result = schedule(plan, RULES, now=MONDAY, existing=existing)
    assert not {u.step for u in result.unscheduled} & {"exam/prep/read", "exam/sit/mock"}
    assert all(b.end <= at(3, "21:00") for b in result.blocks if b.step.startswith("exam/"))
    assert schedule(plan, RULES, now=MONDAY, existing=result.blocks).blocks == result.blocks


def test_work_with_no_deadline_gives_way_to_a_step_of_the_same_priority_due_soon() -> None:
    """Nobody set priorities (every goal is P2). Blog posts with no deadline fill the
    evenings when an exam due Wednesday is added: the exam takes two posts' room and
    the posts move later (a plan made afresh does the same), not the exam left out."""
    blog = _posts("blog", 40, 90, priority=2, due=None)
    calendar = schedule(Plan("goals.yaml", "Europe/Berlin", (blog,)), RULES,
                        now=MONDAY).blocks
    exam = _posts("exam", 2, 90, priority=2, due=date(2027, 1, 13))
    plan = Plan("goals.yaml", "Europe/Berlin", (exam, blog))
    result = schedule(plan, RULES, now=MONDAY, existing=calendar)
    assert not result.unscheduled
    assert all(b.end <= at(2, "21:00") for b in result.blocks if b.step.startswith("exam/"))
    kept = _kept(result.blocks)
    assert len({(b.step, b.start, b.end) for b in calendar} - kept) <= 2
    assert schedule(plan, RULES, now=MONDAY, existing=result.blocks).blocks == result.blocks
