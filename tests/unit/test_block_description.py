"""A time block's description carries its goal's SMART context, as issue 4 asks (found
missing in acceptance testing: events said only the goal title, milestone and reason)."""

from __future__ import annotations

from syncer.core.desired import desired_blocks
from syncer.core.model import Block, Schedule
from tests.unit.sync_plans import NOW, hours, make_plan


def test_block_description_starts_with_goal_and_reason_then_the_smart_context() -> None:
    block = Block("pmp/course/research", NOW + hours(2), NOW + hours(4), why="part 1/2")
    [spec] = desired_blocks(make_plan(), Schedule(blocks=(block,)), NOW, NOW + hours(48),
                            {(block.step, block.start): "u-1"})
    lines = spec.description.splitlines()
    assert lines[0] == "Goal: Become a certified project manager"
    assert lines[1].startswith("Milestone: Complete a PMP course")
    assert lines[2] == "part 1/2"
    assert "Specific: Obtain the PMP certification" in lines
    assert "Measurable: exam score, target 80 %" in lines
