"""The report's burn-up chart: y-axis labels at their true values, and the expected
line reaching the total by the deadline (review finding 13)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from syncer.core.model import Block
from syncer.core.parse import parse_plan
from syncer.core.progress import ProgressRules, compute_progress
from syncer.report import WIDE, burnup_curves, burnup_svg, hour_ticks
from tests.helpers.plans import GOAL_G_PLAN

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("top", "ticks"), [
    (1.375, [0.0, 0.5, 1.0]),
    (2.75, [0.0, 1.0, 2.0]),
    (8.0, [0.0, 2.0, 4.0, 6.0, 8.0]),
    (17.7, [0.0, 5.0, 10.0, 15.0]),
    (1.0, [0.0, 0.25, 0.5, 0.75, 1.0]),
])
def test_hour_ticks_are_round_values_up_to_the_top(top: float, ticks: list[float]) -> None:
    assert hour_ticks(top) == ticks


def test_axis_labels_sit_at_their_true_values() -> None:
    """A 2h45m goal was labelled "0h, 1h, 3h" at 0, 1.375 and 2.75 h."""
    text = GOAL_G_PLAN.replace("estimate: 2h}", "estimate: 45m}").replace(
        "          - {id: c, title: C}    # no estimate: weighs the default 60 minutes\n",
        "").replace("estimate: 4h, done: true", "estimate: 1h")
    plan = parse_plan(text, "goals.yaml")
    goal = compute_progress(plan, {}, [], ProgressRules(), NOW).goal("g")
    assert goal.total_minutes == 165
    svg = burnup_svg(goal, [], NOW, ZoneInfo("UTC"))
    labels = re.findall(r'<text x="\d+" y="([\d.]+)" text-anchor="end">([^<]+)</text>', svg)
    top, bottom = 165 / 60, WIDE.height - WIDE.bottom
    found = {label: float(y) for y, label in labels}
    assert set(found) == {"0h", "1h", "2h"}
    for label, hours in (("0h", 0), ("1h", 1), ("2h", 2)):
        true_y = WIDE.top + (1 - hours / top) * (bottom - WIDE.top) + 4
        assert found[label] == pytest.approx(true_y, abs=0.06)


def test_expected_line_reaches_the_total_by_the_deadline() -> None:
    """A missed block whose step was only partly booked again left the expected line
    short of 100 % for good (0.92 after the deadline). What no block covers is expected
    at the end of its due day; status's expected is 1 once the due date has passed."""
    plan = parse_plan(GOAL_G_PLAN, "goals.yaml")
    baseline = [Block("g/m1/a", at(11, 25, 10), at(11, 25, 11))]  # 1 h of 2 h, missed
    late = at(12, 20)
    goal = compute_progress(plan, {}, baseline, ProgressRules(), late, booked=[],
                            unscheduled=["g/m1/a", "g/m1/b"]).goal("g")
    assert goal.expected == 1.0
    curves = burnup_curves(goal, baseline, late, ZoneInfo("UTC"))
    deadline_end = datetime(2027, 1, 1, tzinfo=UTC)
    reached = [t for t, hours in curves.expected if hours == pytest.approx(curves.total)]
    assert reached and min(reached) <= deadline_end


def test_expected_line_counts_a_rebooked_block_once_when_it_is_booked() -> None:
    plan = parse_plan(GOAL_G_PLAN, "goals.yaml")
    missed = Block("g/m1/a", at(11, 25, 10), at(11, 25, 12))
    again = Block("g/m1/a", at(12, 3, 10), at(12, 3, 12))
    goal = compute_progress(plan, {}, [missed, again], ProgressRules(), NOW).goal("g")
    curves = burnup_curves(goal, [missed, again], NOW, ZoneInfo("UTC"))
    at_now = max(h for t, h in curves.expected if t <= NOW)
    # d (4 h) is done in the plan; a's 2 h come when the new block ends, not before
    assert at_now == pytest.approx(4.0)
    assert goal.expected == pytest.approx(240 / 480)
