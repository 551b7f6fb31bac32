"""SMART checks: each warning is provoked by the plan that deserves it, and only then."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from syncer.core.model import Goal, Habit, Measurable, Milestone, Plan, Step
from syncer.core.smart import SmartRules, effective_horizon, smart_check
from syncer.errors import ConfigError
from syncer.policy import load_rules, merged_rules

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
RULES = load_rules().smart


def step(sid: str = "s", minutes: int | None = 60, done: bool = False) -> Step:
    return Step(key=f"g/m/{sid}", id=sid, title=sid, goal_id="g", milestone_id="m",
                estimate_minutes=minutes, done=done)


def good_goal(**changes: object) -> Goal:
    fields: dict[str, object] = dict(
        key="g", id="g", title="Get PMP-certified",
        specific="Pass the PMI Project Management Professional exam",
        measurable=Measurable("exam score", 80, "%"),
        achievable="A prep course plus ten hours a week",
        relevant="Needed for the team-lead role",
        deadline=date(2027, 6, 30),
        milestones=(Milestone("g/m", "m", "M", "g", date(2027, 3, 1), steps=(step(),)),),
    )
    fields.update(changes)
    return Goal(**fields)  # type: ignore[arg-type]


def codes(*goals: Goal, weekly_hours: float | None = 10, rules: SmartRules = RULES,
          now: datetime = NOW) -> list[str]:
    plan = Plan(path="goals.yaml", timezone="Europe/Berlin", goals=goals,
                weekly_hours=weekly_hours)
    return [p.code for p in smart_check(plan, rules, now)]


def test_a_smart_goal_gets_no_warning() -> None:
    assert codes(good_goal()) == []


@pytest.mark.parametrize("changes, code", [
    ({"specific": ""}, "smart-specific-missing"),
    ({"specific": "Pass the exam"}, "smart-specific-short"),
    ({"title": "Get better at project management"}, "smart-specific-vague"),
    ({"specific": "Try to pass the PMI project management exam"}, "smart-specific-vague"),
    ({"measurable": None}, "smart-measurable-missing"),
    ({"measurable": Measurable("exam score", 80, "%", current=85)}, "smart-measurable-met"),
    ({"achievable": ""}, "smart-achievable-missing"),
    ({"milestones": ()}, "smart-achievable-no-steps"),
    ({"milestones": (Milestone("g/m", "m", "M", "g", steps=(step(minutes=None),)),)},
     "smart-estimate-missing"),
    ({"relevant": ""}, "smart-relevant-missing"),
    ({"deadline": None}, "smart-deadline-missing"),
    ({"deadline": date(2026, 10, 1), "milestones": ()}, "smart-deadline-past"),
    ({"milestones": (Milestone("g/m", "m", "M", "g", date(2026, 11, 1), steps=(step(),)),)},
     "smart-milestone-overdue"),
    ({"horizon": "long-term"}, "smart-horizon-mismatch"),
    ({"milestones": (Milestone("g/m", "m", "M", "g", steps=(step(minutes=400 * 60),)),)},
     "smart-over-capacity"),
])
def test_each_weakness_gets_its_warning(changes: dict[str, object], code: str) -> None:
    assert code in codes(good_goal(**changes))


def test_vague_phrase_matches_whole_words_only() -> None:
    assert codes(good_goal(title="Improvement plan for the PMP")) == []


def test_done_steps_need_no_estimate_and_use_no_capacity() -> None:
    huge_done = Milestone("g/m", "m", "M", "g", steps=(step(minutes=None, done=True),
                                                       step("t", 1000 * 60, done=True)))
    assert codes(good_goal(milestones=(huge_done,))) == []


def test_capacity_counts_habits_and_earlier_goals_first() -> None:
    # 31 weeks x 10 h = 310 h; a 6 h/week habit (186 h) plus 150 h of steps does not fit
    habit = Habit("g/habit:study", "study", "Study", "g", per_week=3, duration_minutes=120)
    busy = good_goal(habits=(habit,), milestones=(
        Milestone("g/m", "m", "M", "g", steps=(step(minutes=150 * 60),)),))
    assert "smart-over-capacity" in codes(busy)
    assert "smart-over-capacity" not in codes(busy, weekly_hours=12)


def test_capacity_warning_names_the_goals_and_the_hours() -> None:
    plan = Plan(path="p", timezone="UTC", weekly_hours=1, goals=(good_goal(milestones=(
        Milestone("g/m", "m", "M", "g", steps=(step(minutes=100 * 60),)),)),))
    [warning] = smart_check(plan, RULES, NOW)
    assert warning.severity == "warning"
    assert "`g` need about 100 h by 2027-06-30" in warning.message


def test_default_weekly_hours_apply_when_the_plan_has_none() -> None:
    goal = good_goal(milestones=(Milestone("g/m", "m", "M", "g",
                                           steps=(step(minutes=400 * 60),)),))
    assert RULES.default_weekly_hours < 400 / 31  # the shipped default cannot fit 400 h
    assert "smart-over-capacity" in codes(goal, weekly_hours=None)
    generous = SmartRules.from_mapping({"default_weekly_hours": 40})
    assert "smart-over-capacity" not in codes(goal, weekly_hours=None, rules=generous)


def test_ignored_codes_are_silenced() -> None:
    rules = SmartRules.from_mapping({"ignore": ["smart-relevant-missing"]})
    assert codes(good_goal(relevant=""), rules=rules) == []


def test_deadline_is_judged_in_the_plans_timezone() -> None:
    goal = good_goal(deadline=date(2026, 11, 22), milestones=())
    late_evening_utc = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)  # already the 23rd in Berlin
    assert "smart-deadline-past" in codes(goal, now=late_evening_utc)
    assert "smart-deadline-past" not in codes(goal, now=NOW)


def test_effective_horizon_derives_from_the_deadline() -> None:
    today = date(2026, 11, 22)
    assert effective_horizon(good_goal(), today) == "short-term"
    assert effective_horizon(good_goal(deadline=date(2028, 1, 1)), today) == "long-term"
    assert effective_horizon(good_goal(deadline=None), today) is None
    assert effective_horizon(good_goal(horizon="long-term"), today) == "long-term"


def test_rules_refuse_an_unknown_key_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="did you mean `min_specific_words`"):
        SmartRules.from_mapping({"min_specific_word": 3})


@pytest.mark.parametrize("data", [{"vague_phrases": "improve"}, {"min_specific_words": "5"},
                                  {"capacity_warn_ratio": 0}, {"default_weekly_hours": -1}])
def test_rules_refuse_wrong_types_and_ranges(data: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SmartRules.from_mapping(data)


def test_shipped_smart_rules_set_every_field() -> None:
    assert set(merged_rules()["smart"]) == set(SmartRules.__dataclass_fields__)
