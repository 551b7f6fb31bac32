"""Honest forecasts: from the schedule first, the measured pace only with enough
history, milestones in their order, "at risk" only for booked-late or unbookable work.

The person: a marketing lead with the career plan of examples/career.yaml, on their
first day with goalsync."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from syncer.core.adjust import MOVE_DEADLINE, propose
from syncer.core.model import Block, Goal, Milestone, Plan, Step
from syncer.core.progress import AT_RISK, INFEASIBLE, ON_TRACK, ProgressRules, compute_progress
from syncer.core.schedule import schedule
from syncer.planfile import load_plan
from syncer.policy import load_rules

CAREER = load_plan(Path(__file__).resolve().parents[2] / "examples" / "career.yaml")
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 11, 23, 7, 30, tzinfo=BERLIN)
RULES = load_rules()


def test_day_one_with_one_short_task_done_is_not_at_risk() -> None:
    """Day one, one 30-minute task ticked: the old pace rule said "at risk, forecast
    2028" and offered to move deadlines to 2028. The booked schedule fits, so every
    goal and milestone is on track and forecast by its deadline."""
    plan = CAREER
    first = schedule(plan, RULES.scheduling, now=MONDAY)
    short = next(s for s in plan.steps() if (s.estimate_minutes or 99) <= 30 and not s.after)
    evening = MONDAY.replace(hour=20)
    now = evening + timedelta(minutes=30)
    later = schedule(plan, RULES.scheduling, now=now, existing=first.blocks,
                     done={short.key})
    progress = compute_progress(
        plan, {short.key: evening}, first.blocks, RULES.review.progress, now,
        since=MONDAY, booked=later.blocks, unscheduled={u.step for u in later.unscheduled})
    assert later.unscheduled == ()
    for goal in progress.goals:
        assert goal.status != AT_RISK, goal.id
        assert AT_RISK not in goal.conditions
        if goal.deadline and goal.remaining_minutes:
            assert goal.forecast is not None and goal.forecast <= goal.deadline, goal.id
        for m in goal.milestones:
            assert AT_RISK not in m.conditions, m.key
            if m.due and m.forecast:
                assert m.forecast <= m.due, m.key
    moves = [a for a in propose(plan, progress) if a.kind == MOVE_DEADLINE]
    assert moves == []


def test_forecast_is_when_the_booked_work_ends() -> None:
    plan = CAREER
    result = schedule(plan, RULES.scheduling, now=MONDAY)
    progress = compute_progress(plan, {}, result.blocks, RULES.review.progress, MONDAY,
                                booked=result.blocks)
    for goal in plan.goals:
        ends = [b.end for b in result.blocks
                if b.step.startswith(goal.id + "/") and ":" not in b.step]
        if ends:
            last = (max(ends).astimezone(BERLIN) - timedelta(microseconds=1)).date()
            assert progress.goal(goal.id).forecast == last


def _two_milestones(start_exam: date | None = None) -> Plan:
    """A certificate: the course first, the exam after it (and maybe not before a day)."""
    course = (Step("c/course/read", "read", "Read the guide", "c", "course",
                   estimate_minutes=120),)
    exam = (Step("c/exam/sit", "sit", "Sit the exam", "c", "exam", estimate_minutes=180,
                 after=("c/course/read",), not_before=start_exam),)
    goal = Goal("c", "c", "Certificate", deadline=date(2027, 12, 31), milestones=(
        Milestone("c/course", "course", "Course", "c", due=date(2027, 10, 31), steps=course),
        Milestone("c/exam", "exam", "Exam", "c", due=date(2027, 12, 31), steps=exam)))
    return Plan("goals.yaml", "UTC", (goal,))


NOW = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
PACE = ProgressRules(pace_min_days=1, pace_min_steps=1)


def test_a_milestone_is_never_forecast_before_the_one_it_waits_for() -> None:
    """The pace alone (no schedule known) would forecast the small exam milestone before
    the long course it waits for."""
    plan = _two_milestones()
    progress = compute_progress(plan, {}, [], PACE, NOW)
    course, exam = progress.goal("c").milestones
    assert course.forecast is None and exam.forecast is None  # nothing known at all
    # with a schedule: the course booked in March, the exam after it
    booked = [Block("c/course/read", datetime(2027, 3, 1, 9, tzinfo=UTC),
                    datetime(2027, 3, 1, 11, tzinfo=UTC)),
              Block("c/exam/sit", datetime(2027, 3, 2, 9, tzinfo=UTC),
                    datetime(2027, 3, 2, 12, tzinfo=UTC))]
    progress = compute_progress(plan, {}, booked, PACE, NOW, booked=booked)
    course, exam = progress.goal("c").milestones
    assert course.forecast == date(2027, 3, 1) and exam.forecast == date(2027, 3, 2)
    assert exam.forecast >= course.forecast


def test_a_milestone_is_never_forecast_before_it_can_start() -> None:
    """Fast pace says January, but the exam may not start before September."""
    plan = _two_milestones(start_exam=date(2027, 9, 1))
    history = {"c/course/read": NOW - timedelta(days=10)}
    progress = compute_progress(plan, history, [], PACE, NOW, since=NOW - timedelta(days=30))
    exam = progress.goal("c").milestones[1]
    assert exam.forecast is not None and exam.forecast >= date(2027, 9, 1)
    assert progress.goal("c").forecast is not None
    assert progress.goal("c").forecast >= date(2027, 9, 1)


def test_pace_counts_only_with_enough_history() -> None:
    """One task in the first days says nothing about the pace; two weeks and three
    completed steps do, and then the forecast is the mean of both dates."""
    steps = tuple(Step(f"w/m/s{i}", f"s{i}", f"S{i}", "w", "m", estimate_minutes=60)
                  for i in range(6))
    plan = Plan("goals.yaml", "UTC", (Goal("w", "w", "Write", deadline=date(2027, 6, 30),
                                           milestones=(Milestone("w/m", "m", "M", "w",
                                                                 steps=steps),)),))
    booked = [Block(f"w/m/s{i}", datetime(2027, 1, 10 + i, 9, tzinfo=UTC),
                    datetime(2027, 1, 10 + i, 10, tzinfo=UTC)) for i in range(3, 6)]
    rules = ProgressRules()
    early = compute_progress(plan, {"w/m/s0": NOW - timedelta(days=1)}, [], rules, NOW,
                             since=NOW - timedelta(days=2), booked=booked)
    assert early.goal("w").forecast == date(2027, 1, 15)  # the booked finish alone
    history = {f"w/m/s{i}": NOW - timedelta(days=20 - 5 * i) for i in range(3)}
    seasoned = compute_progress(plan, history, [], rules, NOW,
                                since=NOW - timedelta(days=28), booked=booked)
    # 3 h in 4 weeks = 0.75 h/week, 3 h left → 4 weeks → 1 Feb; booked: 15 Jan
    assert seasoned.goal("w").forecast == date(2027, 1, 24)
    assert seasoned.goal("w").status == ON_TRACK


def test_work_that_cannot_be_booked_before_its_deadline_is_at_risk() -> None:
    plan = _two_milestones()
    booked = [Block("c/course/read", datetime(2027, 3, 1, 9, tzinfo=UTC),
                    datetime(2027, 3, 1, 11, tzinfo=UTC))]
    # left for a later horizon (due after the planned weeks): unknown, not a risk yet
    progress = compute_progress(plan, {}, booked, ProgressRules(), NOW, booked=booked,
                                unscheduled={"c/exam/sit"})
    exam = progress.goal("c").milestones[1]
    assert exam.forecast is None and AT_RISK not in exam.conditions
    assert progress.goal("c").forecast is None
    # does not fit before its deadline: infeasible, and at risk
    fatal = compute_progress(plan, {}, booked, ProgressRules(), NOW, {"c/exam/sit"},
                             booked=booked, unscheduled={"c/exam/sit"})
    assert fatal.goal("c").milestones[1].conditions[:2] == (INFEASIBLE, AT_RISK)
    assert AT_RISK in fatal.goal("c").conditions


def test_booked_after_the_due_date_is_at_risk() -> None:
    plan = _two_milestones()
    booked = [Block("c/course/read", datetime(2027, 11, 2, 9, tzinfo=UTC),
                    datetime(2027, 11, 2, 11, tzinfo=UTC))]
    progress = compute_progress(plan, {}, booked, ProgressRules(), NOW, booked=booked)
    assert progress.goal("c").milestones[0].status == AT_RISK


def test_work_without_an_estimate_is_not_forecast_before_today_at_midnight() -> None:
    """A step without an estimate finishes "now"; at exactly midnight (`--now 2027-03-26`)
    the rule that a block ending at midnight is work of the day before must not make
    that yesterday (found by tests/property/test_forecast_props.py)."""
    berlin = ZoneInfo("Europe/Berlin")
    call = Step("n/m/s", "s", "Call a mentor", "n", "m")
    write = Step("w/m/s", "s", "Write", "w", "m", estimate_minutes=60)
    plan = Plan("goals.yaml", "Europe/Berlin", tuple(
        Goal(s.goal_id, s.goal_id, s.title, milestones=(
            Milestone(f"{s.goal_id}/m", "m", "M", s.goal_id, steps=(s,)),))
        for s in (call, write)))
    midnight = datetime(2027, 3, 26, tzinfo=berlin)
    booked = [Block("w/m/s", midnight + timedelta(hours=9), midnight + timedelta(hours=10))]
    progress = compute_progress(plan, {}, [], ProgressRules(), midnight, booked=booked)
    assert progress.goal("n").milestones[0].forecast == date(2027, 3, 26)
    assert progress.goal("n").forecast == date(2027, 3, 26)
