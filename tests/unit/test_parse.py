"""parse_plan: YAML text → frozen Plan, or one PlanError holding every problem."""

from __future__ import annotations

from datetime import date

import pytest

from syncer.core.model import pos_of
from syncer.core.parse import parse_plan
from syncer.errors import PlanError

SKETCH = """\
vision: Lead product teams that ship sustainable software
timezone: Europe/Berlin
weekly_hours: 12
reflection: [What went well?, What got in the way?]
goals:
  - id: pmp
    title: Become a certified project manager
    specific: Obtain the PMP certification
    measurable: {metric: exam score, target: 80, unit: "%"}
    achievable: PMP course plus 10 hours of study a week
    relevant: Qualifies me to lead the platform programme
    deadline: 2027-06-30
    priority: important
    type: professional development
    horizon: short
    labels: [learning]
    milestones:
      - id: course
        title: Complete a PMP course
        due: 2027-03-31
        celebrate: Dinner at the river restaurant
        steps:
          - {id: research, title: Research PMP courses, estimate: 2h}
          - {id: enroll, title: Enroll in the course, estimate: 30m, after: [research]}
          - {id: study-1-4, title: Study chapters 1-4, estimate: 1h30m, after: enroll}
          - Book the exam
    habits:
      - {title: Study session, per_week: 3, duration: 1h}
"""


def problems(text: str) -> list[tuple[str, int]]:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, "goals.yaml")
    return [(p.code, p.pos.line) for p in caught.value.problems]  # type: ignore[attr-defined]


def plan_with_steps(steps: str, extra_milestones: str = "") -> str:
    return ("timezone: UTC\ngoals:\n  - id: g\n    title: Goal\n    milestones:\n"
            "      - id: m\n        title: M\n        steps:\n" + steps + extra_milestones)


def test_sketch_parses_into_the_model() -> None:
    plan = parse_plan(SKETCH, "plans/career.yaml")
    goal = plan.goals[0]
    assert (plan.id, plan.timezone, plan.weekly_hours) == ("career", "Europe/Berlin", 12)
    assert plan.reflection == ("What went well?", "What got in the way?")
    assert goal.deadline == date(2027, 6, 30)
    assert (goal.priority, goal.type, goal.horizon) == (2, "professional-development",
                                                        "short-term")
    assert goal.measurable is not None and goal.measurable.target == 80
    steps = goal.steps
    assert [s.key for s in steps] == ["pmp/course/research", "pmp/course/enroll",
                                      "pmp/course/study-1-4", "pmp/course/book-the-exam"]
    assert [s.estimate_minutes for s in steps] == [120, 30, 90, None]
    assert steps[2].after == ("pmp/course/enroll",)
    assert goal.habits[0].key == "pmp/habit:study-session"
    assert goal.habits[0].duration_minutes == 60


def test_positions_point_at_the_item_and_each_field() -> None:
    plan = parse_plan(SKETCH, "goals.yaml")
    goal = plan.goals[0]
    assert (goal.pos.line, goal.pos.col) == (6, 5)
    assert (pos_of(goal, "deadline").line, pos_of(goal, "deadline").col) == (12, 15)
    assert goal.steps[3].pos.line == 26
    assert str(pos_of(plan, "weekly_hours")) == "goals.yaml:3:15"


@pytest.mark.parametrize("written, expected", [
    ("urgent-important", 1), ("[urgent, important]", 1), ("urgent and important", 1),
    ("important", 2), ("urgent", 3), ("neither", 4), ("p1", 1), ("P3", 3), ("p4", 4),
])
def test_priority_accepts_eisenhower_quadrants_and_p1_to_p4(written: str, expected: int) -> None:
    plan = parse_plan(f"timezone: UTC\ngoals:\n  - title: G\n    priority: {written}\n", "p")
    assert plan.goals[0].priority == expected


def test_missing_priority_means_important() -> None:
    plan = parse_plan("timezone: UTC\ngoals:\n  - title: G\n", "p.yaml")
    assert plan.goals[0].priority == 2


def test_every_problem_is_reported_at_once() -> None:
    text = ("timezone: Nowhere/City\ngoals:\n  - title: A\n    deadline: 2027-02-30\n"
            "  - title: A\n    colour: blue\n")
    assert problems(text) == [("bad-timezone", 1), ("bad-date", 4), ("duplicate-id", 5),
                              ("unknown-key", 6)]


def test_duplicate_id_from_titles_asks_for_an_explicit_id() -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan_with_steps("          - Call Anna\n          - Call Anna!\n"), "p")
    assert "give it an explicit `id`" in str(caught.value)


def test_after_prefers_the_same_milestone_then_the_same_goal() -> None:
    text = plan_with_steps(
        "          - {id: a, title: A}\n          - {id: b, title: B, after: [a, n/x]}\n",
        "      - id: n\n        title: N\n        steps:\n"
        "          - {id: a, title: Other A}\n          - {id: x, title: X, after: [a]}\n"
        "          - {id: y, title: Y, after: [b, g/m/a]}\n")
    plan = parse_plan(text, "p")
    after = {s.key: s.after for s in plan.steps()}
    assert after["g/m/b"] == ("g/m/a", "g/n/x")
    assert after["g/n/x"] == ("g/n/a",)
    assert after["g/n/y"] == ("g/m/b", "g/m/a")


def test_after_may_name_a_step_of_another_goal_by_full_key() -> None:
    text = plan_with_steps("          - {id: a, title: A}\n") + (
        "  - id: h\n    title: H\n    milestones:\n      - id: m\n        title: M\n"
        "        steps:\n          - {id: b, title: B, after: [g/m/a]}\n")
    assert parse_plan(text, "p").step("h/m/b").after == ("g/m/a",)


def test_unknown_after_suggests_a_close_step() -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan_with_steps("          - {id: research, title: R}\n"
                                   "          - {id: b, title: B, after: [reserch]}\n"), "p")
    assert "did you mean `research`?" in str(caught.value)


def test_step_after_itself_is_a_cycle() -> None:
    assert problems(plan_with_steps("          - {id: a, title: A, after: [a]}\n")) == \
        [("cyclic-after", 9)]


def test_two_separate_cycles_are_both_reported() -> None:
    steps = "".join(f"          - {{id: {s}, title: {s}, after: [{t}]}}\n"
                    for s, t in [("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")])
    assert [c for c, _ in problems(plan_with_steps(steps))] == ["cyclic-after", "cyclic-after"]


def test_not_before_after_due_is_an_error() -> None:
    steps = "          - {title: A, not_before: 2027-05-01, due: 2027-04-01}\n"
    assert problems(plan_with_steps(steps)) == [("not-before-after-due", 9)]


def test_step_due_after_goal_deadline_is_an_error_when_milestone_has_no_due() -> None:
    text = ("timezone: UTC\ngoals:\n  - title: G\n    deadline: 2027-01-01\n    milestones:\n"
            "      - title: M\n        steps:\n          - {title: S, due: 2027-02-01}\n")
    assert problems(text) == [("step-after-milestone", 8)]


@pytest.mark.parametrize("text, code", [
    ("timezone: UTC\ngoals:\n  - title: G\n    measurable: {metric: score}\n",
     "missing-target"),
    ("timezone: UTC\ngoals:\n  - title: G\n    measurable: pass the exam\n", "wrong-type"),
    ("timezone: UTC\nweekly_hours: 200\ngoals:\n  - title: G\n", "bad-weekly-hours"),
    ("timezone: UTC\nid: My Plan\ngoals:\n  - title: G\n", "bad-id"),
    ("timezone: UTC\ngoals:\n  - title: G\n    horizon: forever\n", "bad-horizon"),
    ("timezone: UTC\ngoals:\n  - title: G\n    habits:\n      - {title: H, per_week: 2}\n",
     "missing-duration"),
    ("timezone: UTC\ngoals:\n  - title: G\n    habits:\n      - {title: H, duration: 1h}\n",
     "missing-per_week"),
    ("timezone: UTC\ngoals:\n  - title: G\n    habits:\n"
     "      - {title: H, per_week: 0, duration: 1h}\n", "bad-per-week"),
    ("- just\n- a list\n", "wrong-type"),
    ("timezone: UTC\ngoals:\n  - 42\n", "wrong-type"),
    ("timezone: UTC\ngoals:\n  - title: G\n    milestones:\n      - title: M\n"
     "        steps:\n          - {title: S, done: maybe}\n", "wrong-type"),
])
def test_each_malformed_field_has_its_own_code(text: str, code: str) -> None:
    assert code in [c for c, _ in problems(text)]


def test_bare_float_estimate_is_refused_as_ambiguous() -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan(plan_with_steps("          - {title: A, estimate: 1.5}\n"), "p")
    assert "ambiguous" in str(caught.value)


def test_plan_id_defaults_to_the_file_stem() -> None:
    assert parse_plan("timezone: UTC\ngoals: [{title: G}]\n", "/x/My Goals.yaml").id == \
        "my-goals"


def test_error_message_starts_with_path_line_and_column() -> None:
    with pytest.raises(PlanError) as caught:
        parse_plan("timezone: UTC\ngoals:\n  - title: G\n    deadline: soon\n", "goals.yaml")
    assert "goals.yaml:4:15: `deadline` of goal `g` is not a valid date" in str(caught.value)
