"""A step's task is due when its scheduled work ends (the end of its last block, not
the start of its first), never after its milestone's due date; the deadline stays the
milestone's due. Checked on what the servers hold: the fake Todoist and a real
Radicale (CalDAV tasks). A habit is one recurring task: ticking it in the app counts
one occurrence, its blocks stay."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.backends.todoist_mapping import parse_due
from tests.integration.test_sync_reliability import NOW_DT, World, caldav_world, ok, world

pytestmark = pytest.mark.integration
__all__ = ["caldav_world", "world"]  # the fixtures, imported for pytest

# a person studying for the PMP after work: research, enrol, then six hours of study
# (four sessions at least: two-hour blocks, a four-hour daily cap)
STUDY = "pmp/course/study"
HABIT_LINES = ("    habits:\n"
               "      - {id: review-notes, title: Review flashcards, per_week: 3, "
               "duration: 30m}\n")


def _last_ends(w: World) -> dict[str, datetime]:
    ends: dict[str, datetime] = {}
    for block in w.blocks():
        ends[block.key] = max(ends.get(block.key, block.end), block.end)
    return ends


def _first_starts(w: World) -> dict[str, datetime]:
    starts: dict[str, datetime] = {}
    for block in w.blocks():
        starts[block.key] = min(starts.get(block.key, block.start), block.start)
    return starts


def test_todoist_step_is_due_when_its_last_block_ends(world: World) -> None:
    ok(world.sync())
    ends, starts = _last_ends(world), _first_starts(world)
    assert ends[STUDY] > starts[STUDY] + timedelta(hours=2)  # several sessions
    for key in ("pmp/course/research", "pmp/course/enroll", STUDY):
        task = world.task(key)
        due = parse_due(task["due"])
        assert isinstance(due, datetime) and due == ends[key], key
        assert due.date() <= date(2027, 3, 31)
        # the milestone's due: a deadline on Pro; a free account has none (a paid
        # feature), the date is in the task's text
        assert task["deadline"] is None and "(due 2027-03-31)" in task["description"]


def test_caldav_step_is_due_when_its_last_block_ends(
        caldav_world: tuple[World, str]) -> None:
    w, task_list = caldav_world
    ok(w.sync())
    tasks = CalDAVTasks(w.radicale.url, "goalsync", "unused", task_list=task_list)
    try:
        listed = {t.key: t for t in tasks.list_tasks()}
    finally:
        tasks.close()
    ends = _last_ends(w)
    for key in ("pmp/course/research", "pmp/course/enroll", STUDY):
        due: Any = listed[key].due
        assert isinstance(due, datetime) and due == ends[key], key
        assert listed[key].deadline == date(2027, 3, 31)


def test_a_step_booked_up_to_its_milestone_is_due_that_day_not_later(world: World) -> None:
    """A milestone due this Wednesday with more work than Monday and Tuesday hold: the
    study blocks run into Wednesday, and the task is due by then, never after."""
    world.write_plan(due=(NOW_DT + timedelta(days=2)).date().isoformat())
    summary = ok(world.sync())
    ends = _last_ends(world)
    milestone_day = (NOW_DT + timedelta(days=2)).date()
    for key in ("pmp/course/research", "pmp/course/enroll"):
        task = world.task(key)
        due = parse_due(task["due"])
        assert isinstance(due, datetime) and due == ends[key]
        assert due.date() <= milestone_day
    assert summary["errors"] == []


def test_ticking_a_todoist_habit_counts_one_occurrence(world: World) -> None:
    world.plan.write_text(world.plan.read_text() + HABIT_LINES)
    ok(world.sync())
    habit_key = "pmp/habit:review-notes"
    before = {b.uid for b in world.blocks() if b.key == habit_key and b.start > NOW_DT}
    assert len(before) >= 3
    world.fake.complete(world.task(habit_key)["id"])
    later = (NOW_DT + timedelta(hours=3)).isoformat()
    summary = ok(world.sync(now=later))
    assert summary["completed"] == 0 and summary["deleted"] == 0, summary
    after = {b.uid for b in world.blocks() if b.key == habit_key}
    assert {u for u in before} <= after  # every future session is still booked
    habit = world.task(habit_key)
    assert habit["due"]["is_recurring"] and not habit.get("checked")
