"""Accepted adjustments are written into the plan file with comments and layout kept."""

from __future__ import annotations

import difflib
import os
from datetime import date
from pathlib import Path

import pytest

from syncer.core.adjust import DROP_STEP, MOVE_DEADLINE, SHORTEN_STEP, WEEKLY_HOURS, Adjustment
from syncer.core.parse import parse_plan
from syncer.errors import UsageError
from syncer.planedit import apply_adjustments, edit_text

PLAN = """\
# My plan: keep this comment
timezone: UTC
weekly_hours: 10   # capacity comment

goals:
  # the goal comment
  - id: g
    title: Goal G
    deadline: 2026-12-31   # deadline comment
    milestones:
      - id: m1
        title: M1
        due: 2026-12-15
        steps:
          - {id: a, title: "A, quoted", estimate: 2h}   # a comment
          # a comment above b
          - {id: b, title: B, estimate: 4h, after: [a]}
          # a comment above c
          - {id: c, title: C, estimate: 2h, after: [b]}
          - title: Unnamed step
            estimate: 1h30m
"""


def adj(kind: str, value: object = None, step: str | None = None,
        milestone: str | None = None) -> Adjustment:
    return Adjustment(f"x/{kind}", kind, "g", milestone, step, value, "")  # type: ignore[arg-type]


def diff(old: str, new: str) -> list[str]:
    return [line for line in difflib.unified_diff(old.splitlines(), new.splitlines(),
                                                  lineterm="", n=0)
            if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def edit(*adjustments: Adjustment) -> str:
    return edit_text(PLAN, parse_plan(PLAN, "goals.yaml"), adjustments)


def test_move_deadline_changes_only_that_line() -> None:
    new = edit(adj(MOVE_DEADLINE, date(2027, 2, 23)))
    assert diff(PLAN, new) == ["-    deadline: 2026-12-31   # deadline comment",
                               "+    deadline: 2027-02-23   # deadline comment"]


def test_move_milestone_due() -> None:
    new = edit(adj(MOVE_DEADLINE, date(2026, 12, 20), milestone="m1"))
    assert diff(PLAN, new) == ["-        due: 2026-12-15", "+        due: 2026-12-20"]


def test_weekly_hours_keeps_its_comment() -> None:
    new = edit(adj(WEEKLY_HOURS, 12.5))
    assert diff(PLAN, new) == ["-weekly_hours: 10   # capacity comment",
                               "+weekly_hours: 12.5 # capacity comment"]
    assert parse_plan(new, "p").weekly_hours == 12.5


def test_shorten_step_in_flow_style_and_block_style() -> None:
    new = edit(adj(SHORTEN_STEP, 90, "g/m1/a"), adj(SHORTEN_STEP, 45, "g/m1/unnamed-step"))
    assert diff(PLAN, new) == [
        '-          - {id: a, title: "A, quoted", estimate: 2h}   # a comment',
        '+          - {id: a, title: "A, quoted", estimate: 1h30m} # a comment',
        "-            estimate: 1h30m",
        "+            estimate: 45m",
    ]


def test_drop_step_rewires_after_and_keeps_other_comments() -> None:
    new = edit(adj(DROP_STEP, step="g/m1/b"))
    assert diff(PLAN, new) == [
        "-          # a comment above b",
        "-          - {id: b, title: B, estimate: 4h, after: [a]}",
        "-          - {id: c, title: C, estimate: 2h, after: [b]}",
        "+          - {id: c, title: C, estimate: 2h, after: [a]}",
    ]
    plan = parse_plan(new, "p")
    assert plan.step("g/m1/c").after == ("g/m1/a",)
    assert "# a comment above c" in new and "# My plan: keep this comment" in new


def test_drop_step_keeps_the_comment_that_introduces_the_next_step() -> None:
    text = PLAN.replace("          # a comment above c\n", "").replace(
        "after: [a]}\n", "after: [a]}  # b's own\n          # about c\n")
    new = edit_text(text, parse_plan(text, "goals.yaml"), [adj(DROP_STEP, step="g/m1/b")])
    assert "# about c" in new and "b's own" not in new and "above b" not in new
    assert "# a comment\n" in new


def test_unknown_goal_in_file_is_refused_with_a_sentence() -> None:
    plan = parse_plan(PLAN, "goals.yaml")
    with pytest.raises(UsageError, match="cannot find the goal"):
        edit_text(PLAN.replace("id: g\n", "id: h\n"), plan,
                  [adj(MOVE_DEADLINE, date(2027, 1, 1))])


def test_apply_adjustments_replaces_file_and_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text(PLAN, encoding="utf-8")
    os.chmod(path, 0o640)
    apply_adjustments(path, parse_plan(PLAN, str(path)), [adj(MOVE_DEADLINE, date(2027, 1, 7))])
    assert "deadline: 2027-01-07   # deadline comment" in path.read_text(encoding="utf-8")
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["goals.yaml"]


def test_no_adjustment_leaves_the_text_byte_for_byte() -> None:
    assert edit() == PLAN


def test_a_symlinked_plan_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = tmp_path / "goals.yaml"
    real.write_text(PLAN, encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    apply_adjustments(link, parse_plan(PLAN, str(link)), [adj(MOVE_DEADLINE, date(2027, 1, 7))])
    assert link.is_symlink()
    assert "deadline: 2027-01-07" in real.read_text(encoding="utf-8")


def test_a_change_that_would_break_the_plan_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "goals.yaml"
    path.write_text(PLAN, encoding="utf-8")
    with pytest.raises(UsageError) as refused:
        apply_adjustments(path, parse_plan(PLAN, str(path)), [adj(WEEKLY_HOURS, 210.0)])
    assert "weekly_hours" in refused.value.message and "left as it was" in refused.value.message
    assert path.read_text(encoding="utf-8") == PLAN
    assert [p.name for p in tmp_path.iterdir()] == ["goals.yaml"]
