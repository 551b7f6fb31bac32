from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from syncer.core.desired import (
    REVIEW_KEY,
    blocks_needing_uids,
    desired_blocks,
    desired_tasks,
    next_occurrence,
    plan_keys,
)
from syncer.core.model import Block, Habit, Schedule
from syncer.core.review import ReviewRules
from tests.unit.sync_plans import NOW, hours, make_plan, step


def _tasks(plan, schedule=None):
    return {t.key: t for t in desired_tasks(plan, schedule or Schedule(), NOW)}


def test_every_open_step_milestone_and_review_becomes_a_task():
    tasks = _tasks(make_plan())
    assert set(tasks) == {"pmp/course", "pmp/course/research", "pmp/course/enroll",
                          "pmp/course/study", REVIEW_KEY}
    research = tasks["pmp/course/research"]
    assert research.deadline == date(2027, 3, 31)
    assert research.duration_minutes == 120 and research.priority == 2
    assert research.parent_key == "pmp/course" and research.plan_id == "career"


def test_step_description_carries_the_smart_context():
    text = _tasks(make_plan())["pmp/course/research"].description
    assert "Goal: Become a certified project manager" in text
    assert "Specific: Obtain the PMP certification" in text
    assert "Measurable: exam score, target 80 %" in text
    assert "Milestone: Complete a PMP course (due 2027-03-31)" in text
    assert "Estimate: 2h" in text


def test_step_due_is_the_end_of_its_last_block_else_the_milestone_date():
    sessions = (Block("pmp/course/research", NOW - hours(20), NOW - hours(19)),
                Block("pmp/course/research", NOW + hours(50), NOW + hours(52)),
                Block("pmp/course/research", NOW + hours(26), NOW + hours(28)))
    tasks = _tasks(make_plan(), Schedule(blocks=sessions))
    assert tasks["pmp/course/research"].due == NOW + hours(52)  # not overdue mid-way
    assert tasks["pmp/course/enroll"].due == date(2027, 3, 31)


def test_step_due_is_never_after_the_milestone_due_date():
    late = datetime(2027, 4, 2, 10, tzinfo=UTC)  # the milestone is due 2027-03-31
    on_the_day = datetime(2027, 3, 31, 21, tzinfo=UTC)
    plan = make_plan()
    tasks = _tasks(plan, Schedule(blocks=(
        Block("pmp/course/research", late - hours(2), late),
        Block("pmp/course/enroll", on_the_day - hours(1), on_the_day))))
    assert tasks["pmp/course/research"].due == date(2027, 3, 31)
    assert tasks["pmp/course/enroll"].due == on_the_day


def test_recurring_tasks_are_due_on_their_next_occurrence():
    habit = Habit(key="pmp/habit:study", id="study", title="Study session", goal_id="pmp",
                  per_week=3, duration_minutes=60)
    tasks = _tasks(make_plan(habits=(habit,)))
    today = NOW.date()
    for key in ("pmp/habit:study", REVIEW_KEY):
        due = tasks[key].due
        assert isinstance(due, date) and not isinstance(due, datetime)
        assert today <= due < today + timedelta(days=7)
        rule = tasks[key].recurrence or ""
        assert (["MO", "TU", "WE", "TH", "FR", "SA", "SU"][due.weekday()]) in rule
        assert next_occurrence(rule, due) == due


def test_done_steps_get_no_task_but_stay_known():
    plan = make_plan((step("research", "Research", done=True), step("enroll", "Enroll")))
    assert "pmp/course/research" not in _tasks(plan)
    assert "pmp/course/research" in plan_keys(plan)


def test_habits_are_recurring_tasks():
    habit = Habit(key="pmp/habit:study", id="study", title="Study session", goal_id="pmp",
                  per_week=3, duration_minutes=60)
    task = _tasks(make_plan(habits=(habit,)))["pmp/habit:study"]
    assert task.recurrence == "FREQ=WEEKLY;BYDAY=MO,WE,FR" and task.kind == "habit"


def test_a_habit_task_repeats_on_the_days_its_sessions_are_booked():
    """The to-do app and the calendar agree: the recurring task's weekdays are the days
    the sessions are booked on most in the next weeks (a holiday week does not count
    more than the others), filled up from the fixed spread when fewer are booked."""
    habit = Habit(key="pmp/habit:study", id="study", title="Study session", goal_id="pmp",
                  per_week=2, duration_minutes=60)
    monday = datetime.combine(NOW.date() - timedelta(days=NOW.weekday()),
                              datetime.min.time(), tzinfo=UTC) + hours(24 * 7 + 18)
    sessions = [Block(habit.key, monday + hours(24 * (7 * week + day)),
                      monday + hours(24 * (7 * week + day) + 1))
                for week in range(4) for day in (1, 5)]  # Tuesdays and Saturdays
    sessions[0] = Block(habit.key, monday + hours(24 * 3), monday + hours(24 * 3 + 1))
    plan = make_plan(habits=(habit,))
    task = _tasks(plan, Schedule(blocks=tuple(sessions)))[habit.key]
    assert task.recurrence == "FREQ=WEEKLY;BYDAY=TU,SA"
    assert task.due is not None and task.due.weekday() in (1, 5)
    one = _tasks(plan, Schedule(blocks=(sessions[1],)))[habit.key]
    assert one.recurrence == "FREQ=WEEKLY;BYDAY=MO,SA"  # Saturday booked, Monday filled


def test_weekly_review_uses_the_rule_day_and_the_plans_questions():
    review = next(t for t in desired_tasks(make_plan(), Schedule(), NOW,
                                           ReviewRules.from_mapping(
                                               {"weekly": {"day": "friday",
                                                           "questions": ["Q1?"]}}))
                  if t.key == REVIEW_KEY)
    assert review.recurrence == "FREQ=WEEKLY;BYDAY=FR"
    assert "- Q1?" in review.description and "- Am I learning?" in review.description


def test_only_blocks_inside_the_window_are_written_but_existing_ones_are_kept():
    near = Block("pmp/course/research", NOW + hours(2), NOW + hours(4))
    far = Block("pmp/course/study", NOW + hours(24 * 20), NOW + hours(24 * 20 + 2))
    far_existing = Block("pmp/course/study", NOW + hours(24 * 21), NOW + hours(24 * 21 + 2),
                         uid="u-old")
    schedule = Schedule(blocks=(near, far, far_existing))
    end = NOW + hours(24 * 14)
    assert blocks_needing_uids(schedule, NOW, end) == [near]
    specs = desired_blocks(make_plan(), schedule, NOW, end, {(near.step, near.start): "u-new"})
    assert [s.uid for s in specs] == ["u-new", "u-old"]
    assert specs[0].title == "Research PMP courses" and specs[0].goal_id == "pmp"


def test_an_empty_plan_wants_nothing():
    plan = make_plan()
    empty = type(plan)(path=plan.path, timezone="UTC", goals=())
    assert desired_tasks(empty, Schedule(), NOW) == []
    assert plan_keys(empty) == frozenset()
