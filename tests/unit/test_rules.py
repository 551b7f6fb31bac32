"""Rules: every area parsed and validated once, by load_rules; sync settings from it."""

from __future__ import annotations

from typing import Any

import pytest

from syncer.config import from_mapping
from syncer.core.progress import ProgressRules
from syncer.core.reconcile import DEFAULT_OWNERSHIP
from syncer.core.review import ReviewRules
from syncer.core.rules import Rules, SyncRules
from syncer.core.schedule_rules import SchedulingRules
from syncer.engine import SyncSettings, sync_settings
from syncer.errors import ConfigError
from syncer.policy import load_rules


def test_the_shipped_rules_are_the_built_in_defaults_where_those_match() -> None:
    rules = load_rules()
    assert isinstance(rules, Rules)
    assert rules.scheduling == SchedulingRules()
    assert rules.review == ReviewRules() and rules.review.progress == ProgressRules()
    assert rules.sync == SyncRules()
    assert "somehow" in rules.smart.vague_phrases  # rules/smart.toml, not the fallback


def test_overrides_reach_the_typed_areas() -> None:
    rules = load_rules({"scheduling": {"daily_cap": "3h"},
                        "review": {"progress": {"stalled_days": 21}},
                        "smart": {"ignore": ["smart-relevant-missing"]},
                        "sync": {"lookback_days": 7, "ownership": {"task": {"title": "plan"}}}})
    assert rules.scheduling.daily_cap == 180
    assert rules.review.progress.stalled_days == 21
    assert rules.smart.ignore == ("smart-relevant-missing",)
    assert rules.sync.lookback_days == 7
    assert rules.sync.ownership["task"] == {**DEFAULT_OWNERSHIP["task"], "title": "plan"}
    assert rules.sync.ownership["block"] == DEFAULT_OWNERSHIP["block"]


@pytest.mark.parametrize("overrides, message", [
    ({"sync": {"window_days": 0}}, "sync rule window_days must be a whole number of days "
                                   "above 0, not 0"),
    ({"sync": {"max_delete_share": 2}}, "sync rule max_delete_share must be between 0 and 1"),
    ({"sync": {"lookback_days": -1}}, "sync rule lookback_days must be a whole number"),
    ({"sync": {"ownership": {"block": {"time": "me"}}}},
     'sync rule ownership.block.time must be "plan" or "user", not \'me\''),
    ({"scheduling": {"min_block": "soon"}}, "min_block"),
    ({"review": {"progress": {"behind_threshold": 2}}}, "progress.behind_threshold"),
    ({"review": {"weekly": {"day": "someday"}}}, "weekly.day"),
    ({"smart": {"min_specific_words": "5"}}, "rules.smart.min_specific_words"),
])
def test_a_bad_value_in_any_area_is_refused_when_the_rules_load(
        overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_rules(overrides)


def test_an_area_left_out_keeps_its_defaults() -> None:
    assert Rules.from_mapping({}) == Rules()


def test_the_configs_window_and_share_win_over_the_sync_rules() -> None:
    rules = load_rules({"sync": {"window_days": 21, "max_delete_share": 0.5}})
    assert sync_settings(rules, from_mapping({})) == SyncSettings(21, 0.5, 28)
    config = from_mapping({"calendar": {"window_days": 7}, "sync": {"max_delete_share": 0.1}})
    assert sync_settings(rules, config) == SyncSettings(7, 0.1, 28)


def test_the_weekly_review_task_follows_the_review_rules() -> None:
    from syncer.core.desired import REVIEW_KEY, desired_tasks
    from syncer.core.model import Schedule
    from tests.unit.sync_plans import NOW, make_plan

    review = load_rules({"review": {"weekly": {"day": "tue", "duration_minutes": 45}}}).review
    task = next(t for t in desired_tasks(make_plan(), Schedule(), NOW, review)
                if t.key == REVIEW_KEY)
    assert task.recurrence == "FREQ=WEEKLY;BYDAY=TU"  # the day its review block is booked
    assert task.duration_minutes == 45
