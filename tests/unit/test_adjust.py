"""Adjustment proposals for goals at risk, behind or infeasible (numbers by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from syncer.core.adjust import (
    DROP_STEP,
    MOVE_DEADLINE,
    SHORTEN_STEP,
    WEEKLY_HOURS,
    Adjustment,
    propose,
)
from syncer.core.model import Block, Plan
from syncer.core.parse import parse_plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    INFEASIBLE,
    ON_TRACK,
    ProgressRules,
    compute_progress,
    infeasible_steps,
)
from syncer.core.schedule import plan_horizon, schedule
from syncer.planedit import edit_text
from syncer.policy import load_rules

PLAN = """\
timezone: UTC
weekly_hours: 10
goals:
  - id: g
    title: Goal G
    deadline: 2026-12-31
    milestones:
      - id: m1
        title: M1
        steps:
          - {id: a, title: A, estimate: 2h}
          - {id: b, title: B, estimate: 4h, after: [a]}
          - {id: c, title: C, estimate: 2h, after: [a]}
"""
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def plan() -> Plan:
    return parse_plan(PLAN, "goals.yaml")


def by_kind(proposals: list[Adjustment]) -> dict[str, Adjustment]:
    return {p.kind: p for p in proposals}


def test_at_risk_goal_gets_all_four_kinds_of_adjustment() -> None:
    p = plan()
    # A (2 h) done Nov 20 → 0.5 h/week; 6 h remain → 12 weeks → Feb 23 > Dec 31.
    # no schedule, and rules that trust the pace after one completion and one day
    prog = compute_progress(p, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [],
                            ProgressRules(pace_min_days=1, pace_min_steps=1), NOW)
    assert prog.goal("g").status == AT_RISK
    got = by_kind(propose(p, prog))
    assert got[MOVE_DEADLINE].value == date(2027, 2, 23)
    assert got[MOVE_DEADLINE].id == "g/move-deadline"
    # 6 h over 30/7 weeks = 1.4 h/week needed, 0.9 more than the velocity: 10 → 11.
    assert got[WEEKLY_HOURS].value == 11.0
    # Shortfall: 360 - 0.5 h/week × 30/7 weeks × 60 = 231.4 → 232 minutes.
    # B and C are leaves; B (240) is the smallest leaf that covers the shortfall.
    assert (got[DROP_STEP].step, got[DROP_STEP].id) == ("g/m1/b", "g/m1/b/drop")
    assert got[SHORTEN_STEP].step == "g/m1/b"
    assert got[SHORTEN_STEP].value == 120  # 240 - 232 = 8, but never below half (4h → 2h)


def test_infeasible_goal_moves_deadline_by_missing_hours_at_capacity() -> None:
    p = plan()
    prog = compute_progress(p, {}, [], ProgressRules(), NOW, infeasible=["g/m1/b"])
    assert prog.goal("g").status == INFEASIBLE
    got = by_kind(propose(p, prog, missing={"g/m1/b": 90}))
    # No velocity: the plan's 10 h/week; 1.5 h missing → 1 week after the deadline.
    assert got[MOVE_DEADLINE].value == date(2027, 1, 7)
    # Shortfall 90: C (120) is the smallest leaf that covers it; B shortened by 90.
    assert got[DROP_STEP].step == "g/m1/c"
    assert got[SHORTEN_STEP].value == 150


def test_step_others_wait_for_is_not_proposed_for_dropping() -> None:
    p = plan()
    prog = compute_progress(p, {}, [], ProgressRules(), NOW, infeasible=["g/m1/a"])
    got = by_kind(propose(p, prog, missing={"g/m1/a": 500}))
    assert got[DROP_STEP].step in {"g/m1/b", "g/m1/c"}


def test_on_track_goal_gets_no_proposal() -> None:
    p = plan()
    completions = {"g/m1/a": datetime(2026, 11, 28, tzinfo=UTC),
                   "g/m1/b": datetime(2026, 11, 29, tzinfo=UTC)}
    prog = compute_progress(p, completions, [], ProgressRules(), NOW)
    assert prog.goal("g").status == ON_TRACK
    assert propose(p, prog) == []


def test_adjustment_json_uses_iso_dates() -> None:
    adj = Adjustment("g/move-deadline", MOVE_DEADLINE, "g", None, None, date(2027, 1, 7), "x")
    assert adj.as_json()["value"] == "2027-01-07"


def test_more_hours_than_a_week_holds_is_never_proposed() -> None:
    """A goal due in two weeks with 400 hours of work left: giving it 200+ hours a week
    would write a plan that no longer loads (weekly_hours is at most 168)."""
    p = parse_plan(PLAN.replace("estimate: 4h", "estimate: 400h"), "goals.yaml")
    prog = compute_progress(p, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [],
                            ProgressRules(), datetime(2026, 12, 17, tzinfo=UTC),
                            infeasible=["g/m1/b"])
    got = by_kind(propose(p, prog, missing={"g/m1/b": 400 * 60}))
    assert WEEKLY_HOURS not in got and MOVE_DEADLINE in got


def test_goal_only_behind_with_its_finish_booked_in_time_gets_no_proposal() -> None:
    """Review finding 2: a goal that is behind (missed work) but whose booked finish
    meets its deadline gets no deadline move, no more hours and no cuts."""
    p = plan()
    missed = [Block("g/m1/a", datetime(2026, 11, 25, 10, tzinfo=UTC),
                    datetime(2026, 11, 25, 12, tzinfo=UTC))]
    prog = compute_progress(p, {}, missed, ProgressRules(), NOW, booked=[],
                            unscheduled=["g/m1/a"])
    assert prog.goal("g").conditions == (BEHIND,)
    assert propose(p, prog) == []


PLAN_2B = """\
timezone: America/New_York
weekly_hours: 4
goals:
  - id: aws
    title: AWS cert
    deadline: 2027-01-15
    priority: [urgent, important]
    milestones:
      - id: study
        title: Study
        due: 2026-12-31
        steps:
          - {id: videos, title: Videos, estimate: 12h}
          - {id: labs, title: Labs, estimate: 6h, after: [videos]}
      - id: exam
        title: Exam
        due: 2027-01-15
        steps:
          - {id: practice, title: Practice, estimate: 4h, after: [study/labs]}
  - id: blog
    title: Blog
    deadline: 2027-01-10
    milestones:
      - id: first
        title: First post
        due: 2027-01-10
        steps:
          - {id: draft, title: Draft, estimate: 3h}
          - {id: edit, title: Edit, estimate: 1h, after: [draft]}
"""


def _review(text: str, now: datetime) -> tuple[Plan, list[Adjustment], list[str]]:
    rules = load_rules().scheduling
    p = parse_plan(text, "goals.yaml")
    booked = schedule(p, rules, now=now)
    missing = infeasible_steps(p, booked.unscheduled, plan_horizon(p, rules, now).date())
    prog = compute_progress(p, {}, booked.blocks, ProgressRules(), now, missing,
                            booked=booked.blocks,
                            unscheduled=[u.step for u in booked.unscheduled])
    left_out = [u.step for u in booked.unscheduled]
    return p, propose(p, prog, missing, rules=rules, existing=booked.blocks), left_out


def test_accepted_deadline_move_moves_the_milestone_dues_that_bind() -> None:
    """Review finding 3: moving only the goal's deadline changed nothing (the milestone
    dues bind); the move carries them, the next schedule books all the work and the
    next review proposes no move again."""
    now = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("America/New_York"))
    p, proposals, left_out = _review(PLAN_2B, now)
    assert "aws/study/labs" in left_out
    move = by_kind([a for a in proposals if a.goal == "aws"])[MOVE_DEADLINE]
    moved = dict(move.moves)
    assert moved["aws/study"] > date(2026, 12, 31)  # the due that binds moves
    assert isinstance(move.value, date) and move.value >= max(moved.values())
    assert move.as_json()["moves"]["aws/study"] == moved["aws/study"].isoformat()
    text = edit_text(PLAN_2B, p, [move])
    assert "&id" not in text and "*id" not in text  # no YAML anchors for equal dates
    after, again, left_out = _review(text, now)
    assert after.goal("aws").milestones[0].due == moved["aws/study"]
    assert left_out == []
    assert [a for a in again if a.kind == MOVE_DEADLINE] == []


def test_more_weekly_hours_is_checked_by_the_scheduler() -> None:
    """The proposed budget is one with which the scheduler books all of the goal's work;
    when the budget is not what binds (the goal hours are full), none is proposed."""
    now = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("America/New_York"))
    rules = load_rules().scheduling
    p = parse_plan(PLAN_2B, "goals.yaml")
    booked = schedule(p, rules, now=now)
    missing = infeasible_steps(p, booked.unscheduled, plan_horizon(p, rules, now).date())
    prog = compute_progress(p, {}, [], ProgressRules(), now, missing)
    [more] = [a for a in propose(p, prog, missing, rules=rules) if a.kind == WEEKLY_HOURS]
    after = parse_plan(edit_text(PLAN_2B, p, [more]), "goals.yaml")
    assert isinstance(more.value, float) and more.value > 4
    assert not [u for u in schedule(after, rules, now=now).unscheduled
                if u.step.startswith("aws/")]
    # 100 h a week, but the evenings and weekend hours before Dec 31 hold far less
    big = PLAN_2B.replace("weekly_hours: 4", "weekly_hours: 100").replace(
        "estimate: 12h", "estimate: 80h")
    p = parse_plan(big, "goals.yaml")
    booked = schedule(p, rules, now=now)
    missing = infeasible_steps(p, booked.unscheduled, plan_horizon(p, rules, now).date())
    prog = compute_progress(p, {}, [], ProgressRules(), now, missing)
    assert INFEASIBLE in prog.goal("aws").conditions
    assert WEEKLY_HOURS not in by_kind(propose(p, prog, missing, rules=rules))


def test_goal_without_a_deadline_moves_its_milestone_dues_only() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("America/New_York"))
    text = PLAN_2B.replace("    deadline: 2027-01-15\n", "", 1)
    p, proposals, _ = _review(text, now)
    [move] = [a for a in proposals if a.goal == "aws" and a.kind == MOVE_DEADLINE]
    assert dict(move.moves)["aws/study"] > date(2026, 12, 31)
    new = edit_text(text, p, [move])
    assert "deadline" not in new.split("- id: blog")[0]  # none is added
    _, again, left_out = _review(new, now)
    assert left_out == [] and not [a for a in again if a.kind == MOVE_DEADLINE]
