"""Property tests: review triggers fire exactly when their rule says."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from syncer.core.parse import parse_plan
from syncer.core.progress import ON_TRACK, ProgressRules, compute_progress
from syncer.core.review import (
    DEADLINE_NEAR,
    MISSED,
    WEEKLY,
    ReviewHistory,
    ReviewRules,
    last_weekly_slot,
    next_weekly_slot,
    triggers,
)

PLAN = """\
timezone: {zone}
goals:
  - id: g
    title: G
    deadline: 2027-03-31
    milestones:
      - id: m
        title: M
        steps:
          - {{id: a, title: A, estimate: 2h}}
"""
ZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney"])
MOMENTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(UTC))
WEEKLY_RULES = st.builds(
    lambda day, hour, minute: ReviewRules(weekday=day, at=time(hour, minute)),
    st.integers(0, 6), st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
CHECKED_IN = ReviewHistory(last_monthly=datetime(2100, 1, 1, tzinfo=UTC),
                           last_quarterly=datetime(2100, 1, 1, tzinfo=UTC))


@given(zone=ZONES, now=MOMENTS, rules=WEEKLY_RULES)
def test_last_weekly_slot_is_the_latest_slot_not_after_now(
        zone: str, now: datetime, rules: ReviewRules) -> None:
    tz = ZoneInfo(zone)
    slot = last_weekly_slot(now, rules, tz)
    local = slot.astimezone(tz)
    assert slot <= now
    assert now - slot < timedelta(days=7, hours=2)  # DST can stretch a week by an hour
    assert local.weekday() == rules.weekday
    assert next_weekly_slot(now, rules, tz) > now


@given(zone=ZONES, now=MOMENTS, rules=WEEKLY_RULES,
       back=st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)))
def test_weekly_fires_iff_no_review_since_the_last_slot(
        zone: str, now: datetime, rules: ReviewRules, back: timedelta | None) -> None:
    plan = parse_plan(PLAN.format(zone=zone), "goals.yaml")
    prog = compute_progress(plan, {}, [], ProgressRules(), now)
    last_review = None if back is None else now - back
    prompts = triggers(plan, prog, rules, now, last_review, CHECKED_IN)
    slot = last_weekly_slot(now, rules, ZoneInfo(zone))
    expected = last_review is None or last_review < slot
    assert (WEEKLY in {p.trigger for p in prompts}) == expected


@given(days=st.integers(-30, 60), share=st.floats(0, 0.99), near=st.integers(0, 30),
       threshold=st.floats(0.01, 1))
def test_deadline_near_fires_iff_due_soon_and_progress_low(
        days: int, share: float, near: int, threshold: float) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    plan = parse_plan(PLAN.format(zone="UTC"), "goals.yaml")
    prog = compute_progress(plan, {}, [], ProgressRules(), now)
    due = date(2026, 12, 1) + timedelta(days=days)
    goal = replace(prog.goals[0], deadline=due, progress=share, status=ON_TRACK,
                   milestones=())
    prog = replace(prog, goals=(goal,))
    rules = ReviewRules(deadline_near_days=near, deadline_near_progress=threshold)
    prompts = triggers(plan, prog, rules, now, now, CHECKED_IN)
    expected = 0 <= days <= near and share < threshold
    assert (DEADLINE_NEAR in {p.trigger for p in prompts}) == expected


@given(missed=st.integers(0, 6), times=st.integers(1, 5))
def test_missed_fires_iff_count_reaches_the_rule(missed: int, times: int) -> None:
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    plan = parse_plan(PLAN.format(zone="UTC"), "goals.yaml")
    prog = compute_progress(plan, {}, [], ProgressRules(), now)
    history = replace(CHECKED_IN, missed_counts={"g/m/a": missed})
    prompts = triggers(plan, prog, ReviewRules(missed_times=times), now, now, history)
    assert (MISSED in {p.trigger for p in prompts}) == (missed >= times)
