"""Progress math on small plans whose numbers are worked out by hand in each test."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncer.core.model import Block
from syncer.core.parse import parse_plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    DONE,
    INFEASIBLE,
    ON_TRACK,
    STALLED,
    ProgressRules,
    compute_progress,
)
from syncer.errors import ConfigError
from syncer.policy import load_rules
from tests.helpers.plans import GOAL_G_PLAN

PLAN = GOAL_G_PLAN  # weights: a 120, b 60, c 60, d 240 → 480 minutes; d is done
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
RULES = ProgressRules()


def at(day: int, hour: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def plan(text: str = PLAN):  # noqa: ANN201 - a parsed Plan
    return parse_plan(text, "goals.yaml")


def block(step: str, start: datetime, end: datetime) -> Block:
    return Block(step=f"g/{step}", start=start, end=end)


def test_progress_is_estimate_weighted_and_plan_done_steps_count() -> None:
    result = compute_progress(plan(), {"g/m1/a": at(20)}, [], RULES, NOW)
    goal = result.goal("g")
    assert goal.progress == pytest.approx((120 + 240) / 480)
    assert goal.milestones[0].progress == pytest.approx(120 / 240)
    assert goal.milestones[1].progress == 1.0
    assert goal.milestones[1].status == DONE


def test_unestimated_step_weighs_the_rules_default() -> None:
    rules = ProgressRules(default_estimate_minutes=180)
    result = compute_progress(plan(), {"g/m1/c": at(20)}, [], rules, NOW)
    assert result.goal("g").progress == pytest.approx((180 + 240) / (120 + 60 + 180 + 240))


def test_completion_stamped_after_now_counts_as_done_now() -> None:
    result = compute_progress(plan(), {"g/m1/a": at(2, month=12)}, [], RULES, NOW)
    goal = result.goal("g")
    assert goal.progress == pytest.approx(360 / 480)
    assert goal.last_completion == NOW
    assert goal.velocity_hours_per_week == pytest.approx(0.5)


def test_expected_is_share_of_planned_minutes_whose_blocks_ended() -> None:
    baseline = [
        block("m1/a", at(25, 10), at(25, 12)),  # ended
        block("m1/b", at(2, 10, 12), at(2, 11, 12)),  # future
        block("m1/c", at(30, 9), at(30, 10)),  # ended
        Block(step="g/habit:x", start=at(1), end=at(1, 1)),  # habits do not count
    ]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW).goal("g")
    # a 120 + c 60 ended, b 0, d done without blocks → 1: (120 + 60 + 240) / 480
    assert goal.expected == pytest.approx(420 / 480)
    assert goal.milestones[0].expected == pytest.approx(180 / 240)


def test_missed_block_that_the_sync_booked_again_is_not_expected() -> None:
    # review finding 2: one missed evening, rebooked by the next sync, made a goal
    # "behind" (45 % expected, 0 % done) while its booked finish was months early
    baseline = [block("m1/a", at(25, 10), at(25, 12)),  # missed
                block("m1/a", at(3, 10, 12), at(3, 12, 12))]  # placed again, future
    goal = compute_progress(plan(), {}, baseline, RULES, NOW).goal("g")
    step = next(s for s in goal.steps if s.key == "g/m1/a")
    assert step.expected == 0.0 and step.missed == 1
    assert goal.milestones[0].status == ON_TRACK and BEHIND not in goal.conditions


def test_missed_work_only_partly_booked_again_stays_expected() -> None:
    # 2 h missed, the current schedule books 30 min of it: 90 min should be done
    baseline = [block("m1/a", at(25, 10), at(25, 12))]
    booked = [block("m1/a", at(3, 10, 12), at(3, 10, 12).replace(minute=30))]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW, booked=booked).goal("g")
    step = next(s for s in goal.steps if s.key == "g/m1/a")
    assert step.expected == pytest.approx(90 / 120)


def test_missed_work_not_booked_again_is_expected_and_behind() -> None:
    baseline = [block("m1/a", at(25, 10), at(25, 12))]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW, booked=[],
                            unscheduled=["g/m1/a"]).goal("g")
    step = next(s for s in goal.steps if s.key == "g/m1/a")
    assert step.expected == 1.0
    assert BEHIND in goal.milestones[0].conditions


def test_block_still_running_at_now_is_not_expected_yet() -> None:
    baseline = [block("m1/a", at(1, 11, 12), at(1, 13, 12))]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW).goal("g")
    assert goal.milestones[0].expected == 0.0


def test_expected_without_baseline_is_linear_from_since_to_end_of_due_date() -> None:
    goal = compute_progress(plan(), {}, [], RULES, NOW, since=at(1)).goal("g")
    # Nov 1 00:00 → Jan 1 00:00 is 61 days; Dec 1 12:00 is 30.5 days in.
    assert goal.expected == pytest.approx(0.5)


def test_expected_is_none_without_baseline_and_without_deadline() -> None:
    text = PLAN.replace("    deadline: 2026-12-31\n", "")
    goal = compute_progress(plan(text), {}, [], RULES, NOW, since=at(1)).goal("g")
    assert goal.milestones[1].expected is None
    assert goal.expected is None


def test_velocity_and_forecast_from_trailing_window() -> None:
    # no schedule, and rules that trust the pace after one completion and one day
    pace = ProgressRules(pace_min_days=1, pace_min_steps=1)
    goal = compute_progress(plan(), {"g/m1/a": at(20)}, [], pace, NOW).goal("g")
    # 2 h completed in the 28-day window → 0.5 h/week; 2 h remain → 4 weeks.
    assert goal.velocity_hours_per_week == pytest.approx(0.5)
    assert goal.forecast == date(2026, 12, 29)
    assert goal.status == ON_TRACK
    # M1 has the same 2 h left but is due Dec 15: at risk.
    assert goal.milestones[0].forecast == date(2026, 12, 29)
    assert goal.milestones[0].status == AT_RISK


def test_completion_outside_the_window_does_not_count_for_velocity() -> None:
    goal = compute_progress(plan(), {"g/m1/a": at(1)}, [], RULES, NOW).goal("g")
    assert goal.velocity_hours_per_week == 0.0
    assert goal.forecast is None


def test_done_goal_forecast_is_the_last_completion_date() -> None:
    completions = {"g/m1/a": at(20), "g/m1/b": at(21), "g/m1/c": at(22, 23)}
    goal = compute_progress(plan(), completions, [], RULES, NOW).goal("g")
    assert goal.progress == 1.0
    assert goal.status == DONE
    assert goal.forecast == date(2026, 11, 22)
    assert goal.milestones[0].done_at == at(22, 23)


def test_infeasible_step_makes_goal_and_milestone_infeasible() -> None:
    result = compute_progress(plan(), {}, [], RULES, NOW, infeasible=["g/m1/b"])
    assert result.goal("g").status == INFEASIBLE
    assert result.goal("g").milestones[0].status == INFEASIBLE
    assert result.goal("g").milestones[1].status == DONE


def test_stalled_after_n_days_without_completion() -> None:
    stalled = compute_progress(plan(), {"g/m1/a": at(1)}, [], RULES, NOW).goal("g")
    assert stalled.status == STALLED
    fresh = compute_progress(plan(), {"g/m1/a": at(20)}, [], RULES, NOW).goal("g")
    assert fresh.status != STALLED


def test_not_stalled_while_planned_work_has_not_started() -> None:
    baseline = [block("m1/a", at(10, 9, 12), at(10, 11, 12))]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW, since=at(1, 0, 10)).goal("g")
    assert goal.status != STALLED


def test_behind_when_actual_trails_expected_by_more_than_threshold() -> None:
    baseline = [block("m1/a", at(25, 10), at(25, 12)), block("m1/c", at(30, 9), at(30, 10))]
    goal = compute_progress(plan(), {}, baseline, RULES, NOW, since=at(24)).goal("g")
    # expected 420/480 = 0.875, actual 240/480 = 0.5
    assert goal.status == BEHIND
    lenient = ProgressRules(behind_threshold=0.4)
    goal = compute_progress(plan(), {}, baseline, lenient, NOW, since=at(24)).goal("g")
    assert goal.status == ON_TRACK


def test_overdue_and_missed_steps() -> None:
    late = at(20, 12, 12)  # Dec 20: after M1's due date Dec 15
    baseline = [block("m1/b", at(28, 9), at(28, 10)), block("m1/b", at(29, 9), at(29, 10))]
    result = compute_progress(plan(), {}, baseline, RULES, late)
    steps = {s.key: s for s in result.steps()}
    assert steps["g/m1/b"].missed == 2
    assert steps["g/m1/a"].overdue and not steps["g/m2/d"].overdue


def test_metric_current_value_comes_from_the_journal_else_the_plan() -> None:
    text = PLAN.replace("    deadline:", "    measurable: {metric: score, target: 80, "
                        "current: 10}\n    deadline:")
    goal = compute_progress(plan(text), {}, [], RULES, NOW).goal("g")
    assert (goal.metric, goal.target, goal.current) == ("score", 80, 10)
    metrics = {"g": (55.0, at(30))}
    goal = compute_progress(plan(text), {}, [], RULES, NOW, metrics=metrics).goal("g")
    assert (goal.current, goal.current_at) == (55.0, at(30))


def test_shipped_review_rules_load() -> None:
    rules = load_rules().review.progress
    assert rules.default_estimate_minutes == 60
    assert rules.behind_threshold == 0.15


@pytest.mark.parametrize("table", [
    {"progress": {"behind_threshold": 2}},
    {"progress": {"stalled_days": "soon"}},
    {"progress": {"velocity_window_days": 0}},
    {"progress": {"default_estimate_minutes": True}},
])
def test_bad_progress_rules_are_refused_with_the_key(table: dict) -> None:
    key = next(iter(table["progress"]))
    with pytest.raises(ConfigError, match=key):
        ProgressRules.from_mapping(table)


def test_only_unscheduled_steps_due_inside_the_horizon_are_infeasible() -> None:
    from syncer.core.model import Unscheduled
    from syncer.core.progress import infeasible_steps

    unscheduled = [Unscheduled("g/m1/a", "no time", 30),  # due Dec 15
                   Unscheduled("g/m2/d", "no time", 60),  # due Dec 31 (goal deadline)
                   Unscheduled("g/m1/b", "nothing missing", 0)]
    assert infeasible_steps(plan(), unscheduled, date(2026, 12, 20)) == {"g/m1/a": 30}
    assert infeasible_steps(plan(), unscheduled, date(2026, 12, 31)) == {"g/m1/a": 30,
                                                                         "g/m2/d": 60}
