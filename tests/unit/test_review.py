"""Each review trigger fires exactly when its rule says, and not otherwise."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncer.core.desired import REVIEW_KEY
from syncer.core.model import Block, Plan
from syncer.core.parse import parse_plan
from syncer.core.progress import (
    AT_RISK,
    BEHIND,
    INFEASIBLE,
    ON_TRACK,
    STALLED,
    PlanProgress,
    ProgressRules,
    compute_progress,
)
from syncer.core.review import (
    DEADLINE_NEAR,
    MILESTONE_DONE,
    MISSED,
    MONTHLY,
    NO_NEXT_STEP,
    OVERDUE,
    QUARTERLY,
    WEEKLY,
    ReviewHistory,
    ReviewRules,
    review_blocks,
    triggers,
)
from syncer.errors import ConfigError
from syncer.policy import load_rules

PLAN = """\
timezone: UTC
vision: Calm, sustainable leadership
reflection: [What am I proud of this week?]
goals:
  - id: g
    title: Goal G
    deadline: 2026-12-31
    milestones:
      - id: m1
        title: M1
        due: 2026-12-15
        celebrate: Cake
        steps:
          - {id: a, title: A, estimate: 2h}
          - {id: b, title: B, estimate: 1h}
      - id: m2
        title: M2
        steps:
          - {id: d, title: D, estimate: 4h, done: true}
"""
# Sunday 2026-11-29 18:00 UTC is the weekly slot before NOW (Tuesday).
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SLOT = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
RULES = ReviewRules()
CHECKED_IN = ReviewHistory(last_monthly=NOW, last_quarterly=NOW)


def parse(text: str = PLAN) -> Plan:
    return parse_plan(text, "goals.yaml")


def progress(plan: Plan, completions: dict | None = None, now: datetime = NOW,
             baseline: list[Block] | None = None, **kw: object) -> PlanProgress:
    return compute_progress(plan, completions or {}, baseline or [], ProgressRules(), now,
                            **kw)  # type: ignore[arg-type]


def fired(plan: Plan, prog: PlanProgress, *, now: datetime = NOW,
          last_review: datetime | None = NOW, history: ReviewHistory = CHECKED_IN,
          rules: ReviewRules = RULES) -> dict[str, list]:
    out: dict[str, list] = {}
    for prompt in triggers(plan, prog, rules, now, last_review, history):
        out.setdefault(prompt.trigger, []).append(prompt)
    return out


def with_goal_status(prog: PlanProgress, status: str) -> PlanProgress:
    conditions = () if status == ON_TRACK else (status,)
    goal = replace(prog.goals[0], status=status, conditions=conditions)
    return replace(prog, goals=(goal,))


# ------------------------------------------------------------------ check-ins


def test_weekly_fires_when_slot_passed_since_last_review() -> None:
    plan = parse()
    prog = progress(plan, {"g/m1/a": NOW - timedelta(days=1)})
    assert WEEKLY in fired(plan, prog, last_review=SLOT - timedelta(minutes=1))
    assert WEEKLY in fired(plan, prog, last_review=None)
    assert WEEKLY not in fired(plan, prog, last_review=SLOT)
    assert WEEKLY not in fired(plan, prog, last_review=SLOT + timedelta(hours=1))


def test_weekly_questions_are_the_four_plus_the_plans_reflection() -> None:
    plan = parse()
    prompt = fired(plan, progress(plan), last_review=None)[WEEKLY][0]
    assert prompt.questions == (
        "Am I meeting the deadlines I set?",
        "Have my priorities or aspirations changed?",
        "What new challenges or opportunities should I consider?",
        "What went well, and what will I change?",
        "What am I proud of this week?",
    )


def test_weekly_slot_follows_the_rules_day_and_time() -> None:
    plan = parse()
    rules = ReviewRules.from_mapping({"weekly": {"day": "tuesday", "time": "13:00"}})
    # Tuesday 12:00 is before Tuesday 13:00: the slot is a week earlier, Nov 24 13:00.
    assert WEEKLY not in fired(plan, progress(plan), last_review=datetime(
        2026, 11, 24, 13, 0, tzinfo=UTC), rules=rules)
    assert WEEKLY in fired(plan, progress(plan), last_review=datetime(
        2026, 11, 24, 12, 59, tzinfo=UTC), rules=rules)


def test_monthly_fires_once_per_month_after_the_first_slot_of_the_month() -> None:
    plan = parse()
    prog = progress(plan)
    history = ReviewHistory(last_quarterly=NOW, last_monthly=datetime(2026, 11, 2, tzinfo=UTC))
    # NOW is Dec 1; the last slot (Nov 29) is still in November: not yet.
    assert MONTHLY not in fired(plan, prog, history=history)
    dec7 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # after the Dec 6 slot
    assert MONTHLY in fired(plan, progress(plan, now=dec7), now=dec7, history=history)
    done = replace(history, last_monthly=datetime(2026, 12, 6, 19, 0, tzinfo=UTC))
    assert MONTHLY not in fired(plan, progress(plan, now=dec7), now=dec7, history=done)


def test_quarterly_replaces_monthly_in_the_first_month_of_a_quarter() -> None:
    plan = parse()
    jan5 = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # after the Jan 3 slot
    history = ReviewHistory(last_monthly=datetime(2026, 12, 7, tzinfo=UTC),
                            last_quarterly=datetime(2026, 10, 5, tzinfo=UTC))
    got = fired(plan, progress(plan, now=jan5), now=jan5, history=history)
    assert QUARTERLY in got and MONTHLY not in got
    prompt = got[QUARTERLY][0]
    assert "Calm, sustainable leadership" in prompt.text
    assert any("mentors and colleagues" in q for q in prompt.questions)
    assert any("add, drop or re-scope" in q for q in prompt.questions)


def test_check_ins_can_be_switched_off() -> None:
    plan = parse()
    rules = ReviewRules.from_mapping({"monthly": {"enabled": False},
                                      "quarterly": {"enabled": False}})
    got = fired(plan, progress(plan), history=ReviewHistory(), rules=rules)
    assert MONTHLY not in got and QUARTERLY not in got


# --------------------------------------------------------------- goal triggers


def test_milestone_done_fires_with_its_reward_until_celebrated() -> None:
    plan = parse()
    prog = progress(plan, {"g/m1/a": NOW - timedelta(days=1), "g/m1/b": NOW})
    prompts = fired(plan, prog)[MILESTONE_DONE]
    by_milestone = {p.milestone: p for p in prompts}
    assert "Cake" in by_milestone["m1"].text
    history = replace(CHECKED_IN, celebrated=frozenset({"g/m1", "g/m2"}))
    assert MILESTONE_DONE not in fired(plan, prog, history=history)


def test_open_milestone_is_not_celebrated() -> None:
    plan = parse()
    prompts = fired(plan, progress(plan)).get(MILESTONE_DONE, [])
    assert [p.milestone for p in prompts] == ["m2"]


@pytest.mark.parametrize("status,trigger", [
    (BEHIND, "behind"), (AT_RISK, "at-risk"), (INFEASIBLE, "infeasible"),
    (STALLED, "stalled"),
])
def test_status_trigger_fires_for_a_goal_with_that_status(status: str, trigger: str) -> None:
    plan = parse()
    base = progress(plan)
    got = fired(plan, with_goal_status(base, status))
    assert [p.goal for p in got[trigger]][:1] == ["g"]
    assert trigger not in fired(plan, with_goal_status(base, ON_TRACK))


def test_milestone_status_fires_only_when_it_differs_from_its_goal() -> None:
    plan = parse()
    base = progress(plan)
    goal = base.goals[0]
    m1 = replace(goal.milestones[0], status=AT_RISK, conditions=(AT_RISK,))
    goal = replace(goal, status=ON_TRACK, conditions=(), milestones=(m1, goal.milestones[1]))
    prog = replace(base, goals=(goal,))
    prompts = fired(plan, prog)["at-risk"]
    assert [(p.goal, p.milestone) for p in prompts] == [("g", "m1")]
    same = with_goal_status(prog, AT_RISK)
    assert [(p.goal, p.milestone) for p in fired(plan, same)["at-risk"]] == [("g", None)]


def test_every_condition_that_holds_fires_not_only_the_status() -> None:
    plan = parse()
    base = progress(plan)
    goal = replace(base.goals[0], status=STALLED, conditions=(STALLED, BEHIND, AT_RISK))
    got = fired(plan, replace(base, goals=(goal,)))
    assert {"stalled", "behind", "at-risk"} <= set(got)
    assert "infeasible" not in got


def test_overdue_fires_for_open_steps_past_their_due_date() -> None:
    plan = parse()
    dec15 = datetime(2026, 12, 15, 23, 0, tzinfo=UTC)
    dec16 = datetime(2026, 12, 16, 0, 30, tzinfo=UTC)
    assert OVERDUE not in fired(plan, progress(plan, now=dec15), now=dec15)
    prompt = fired(plan, progress(plan, now=dec16), now=dec16)[OVERDUE][0]
    assert (prompt.goal, prompt.milestone) == ("g", "m1")
    assert "A (due 2026-12-15)" in prompt.text


def test_missed_fires_at_the_rules_count() -> None:
    plan = parse()
    one = [Block("g/m1/a", NOW - timedelta(days=2), NOW - timedelta(days=2, hours=-1))]
    two = one + [Block("g/m1/a", NOW - timedelta(days=1), NOW - timedelta(days=1, hours=-1))]
    assert MISSED not in fired(plan, progress(plan, baseline=one))
    assert "A (2 times)" in fired(plan, progress(plan, baseline=two))[MISSED][0].text
    history = replace(CHECKED_IN, missed_counts={"g/m1/a": 3})
    assert "A (3 times)" in fired(plan, progress(plan), history=history)[MISSED][0].text


def test_deadline_near_fires_within_days_and_below_progress() -> None:
    plan = parse()
    near = datetime(2026, 12, 1, 9, tzinfo=UTC)  # M1 due in 14 days, goal in 30
    got = fired(plan, progress(plan, now=near), now=near)[DEADLINE_NEAR]
    assert [(p.goal, p.milestone) for p in got] == [("g", "m1")]
    far = datetime(2026, 11, 30, 9, tzinfo=UTC)  # 15 days
    assert DEADLINE_NEAR not in fired(plan, progress(plan, now=far), now=far)
    rules = replace(RULES, deadline_near_progress=0.0)
    assert DEADLINE_NEAR not in fired(plan, progress(plan, now=near), now=near, rules=rules)


def test_deadline_near_does_not_fire_once_past_due() -> None:
    plan = parse()
    late = datetime(2027, 1, 2, 9, tzinfo=UTC)
    assert DEADLINE_NEAR not in fired(plan, progress(plan, now=late), now=late)


def test_no_next_step_for_a_goal_without_steps_or_below_its_target() -> None:
    text = PLAN + """\
  - id: empty
    title: Empty goal
    deadline: 2027-06-30
  - id: habit
    title: Balance
    habits:
      - {title: Walk, per_week: 3, duration: 30m}
  - id: score
    title: Score
    measurable: {metric: score, target: 80}
    milestones:
      - id: m
        title: M
        steps:
          - {id: s, title: S, done: true}
"""
    plan = parse(text)
    got = fired(plan, progress(plan, metrics={"score": (70.0, NOW)}))
    assert sorted(p.goal for p in got[NO_NEXT_STEP]) == ["empty", "score"]
    met = fired(plan, progress(plan, metrics={"score": (85.0, NOW)}))
    assert [p.goal for p in met[NO_NEXT_STEP]] == ["empty"]


def test_disabled_trigger_never_fires() -> None:
    plan = parse()
    rules = ReviewRules.from_mapping({"triggers": {"milestone_done": False}})
    assert MILESTONE_DONE not in fired(plan, progress(plan), rules=rules)


def test_shipped_rules_load_and_match_defaults() -> None:
    assert load_rules().review == ReviewRules()


@pytest.mark.parametrize("table,key", [
    ({"weekly": {"day": "someday"}}, "weekly.day"),
    ({"weekly": {"time": "6pm"}}, "weekly.time"),
    ({"triggers": {"missed_times": 0}}, "triggers.missed_times"),
    ({"triggers": {"deadline_near_progress": 1.5}}, "triggers.deadline_near_progress"),
    ({"triggers": {"stalled": "yes"}}, "triggers.stalled"),
    ({"weekly": {"questions": "why?"}}, "weekly.questions"),
])
def test_bad_review_rules_are_refused_with_the_key(table: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        ReviewRules.from_mapping(table)


def test_prompt_json_has_the_documented_keys() -> None:
    plan = parse()
    prompt = fired(plan, progress(plan), last_review=None)[WEEKLY][0]
    assert set(prompt.as_json()) == {"trigger", "goal", "milestone", "text"}
    assert prompt.as_json()["goal"] is None


def test_review_slot_in_the_plans_timezone() -> None:
    plan = parse(PLAN.replace("timezone: UTC", "timezone: Europe/Berlin"))
    # Sunday 18:00 in Berlin is 17:00 UTC in winter.
    before = datetime(2026, 11, 29, 16, 59, tzinfo=UTC)
    after = datetime(2026, 11, 29, 17, 1, tzinfo=UTC)
    last = datetime(2026, 11, 28, tzinfo=UTC)
    assert WEEKLY not in fired(plan, progress(plan, now=before), now=before, last_review=last)
    assert WEEKLY in fired(plan, progress(plan, now=after), now=after, last_review=last)


# ---------------------------------------------------------------- review block


def review_block_at(start: datetime, **kw: object) -> Block:
    return Block(REVIEW_KEY, start, start + timedelta(minutes=30), **kw)  # type: ignore[arg-type]


def test_review_block_goes_to_the_next_slot() -> None:
    (block,) = review_blocks(parse(), RULES, NOW, [])
    assert (block.step, block.uid) == (REVIEW_KEY, None)
    assert block.start == datetime(2026, 12, 6, 18, 0, tzinfo=UTC)
    assert block.minutes == 30


def test_review_block_in_place_is_kept_with_its_uid_and_past_ones_stay() -> None:
    past = review_block_at(SLOT, uid="old")
    current = review_block_at(datetime(2026, 12, 6, 18, 0, tzinfo=UTC), uid="u1")
    assert review_blocks(parse(), RULES, NOW, [past, current]) == (past, current)


def test_review_block_the_user_moved_stays_and_no_other_is_added() -> None:
    moved = review_block_at(datetime(2026, 12, 5, 9, 0, tzinfo=UTC), uid="u1", pinned=True)
    assert review_blocks(parse(), RULES, NOW, [moved]) == (moved,)


def test_review_block_while_the_review_runs_is_the_current_slot() -> None:
    during = SLOT + timedelta(minutes=10)
    (block,) = review_blocks(parse(), RULES, during, [])
    assert block.start == SLOT
