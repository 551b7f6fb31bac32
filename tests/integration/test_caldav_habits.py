"""Ticking a habit's to-do in a CalDAV app completes one occurrence, never the habit.

goalsync writes the habit as one recurring VTODO with DTSTART and DUE (its next
occurrence) next to the RRULE, so apps can advance it. Apps record a ticked occurrence
in different ways; the plain ``caldav`` library plays each of them against a real
Radicale, and goalsync must neither read the habit as done nor drop its blocks:

* ``advance``: tasks.org (DAVx⁵), Thunderbird: DTSTART/DUE move to the next occurrence,
  STATUS stays NEEDS-ACTION;
* ``safe`` (the ``caldav`` library's default for recurring to-dos): a completed copy
  with a new UID is saved and the series advanced;
* ``thisandfuture``: a COMPLETED override with RECURRENCE-ID in the same object (the
  master stays as it was);
* ``master``: the master itself marked COMPLETED (clients that ignore the RRULE).
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

import icalendar
import pytest

from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.embedded import EmbeddedServer
from tests.fake_todoist import FakeTodoist
from tests.fixtures.radicale import RADICALE_USER, other_client_for, unique_name
from tests.integration.test_sync_reliability import NOW_DT, World, ok

pytestmark = pytest.mark.integration

HABIT = "pmp/habit:study"
HABIT_LINES = ("    habits:\n"
               "      - {id: study, title: Study session, per_week: 3, duration: 1h}\n")
ZONE = UTC  # the plan's timezone (tests/helpers/plans.py)
LATER = (NOW_DT + timedelta(hours=3)).isoformat()  # Monday 11:00, same day


@pytest.fixture
def habit_world(tmp_path: Any, fake_todoist: FakeTodoist,
                radicale_server: EmbeddedServer) -> tuple[World, CalDAVTasks]:
    calendar, task_list = unique_name("Goals"), unique_name("Goal tasks")
    (tmp_path / "goalsync.toml").write_text(
        '[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
        f'[caldav]\nurl = "{radicale_server.url}"\nusername = "{RADICALE_USER}"\n'
        f'calendar = "{calendar}"\ntask_list = "{task_list}"\n')
    world = World(tmp_path, fake_todoist, radicale_server, calendar)
    world.write_plan()
    world.plan.write_text(world.plan.read_text() + HABIT_LINES)
    return world, CalDAVTasks(radicale_server.url, RADICALE_USER, "unused",
                              task_list=task_list)


def _habit_blocks(world: World) -> set[str]:
    return {b.uid for b in world.blocks() if b.key == HABIT and b.start > NOW_DT}


def _complete_one(collection: Any, uid: str, how: str) -> None:
    """Tick today's occurrence the way one kind of app does. (The library's own
    ``complete(handle_rrule=True)`` modes cannot compute the next occurrence of an
    all-day DTSTART, a TODO in caldav 3.6, so ``safe`` and ``thisandfuture`` write
    what those modes write, by hand.)"""
    todo = collection.todo_by_uid(uid)
    component = todo.icalendar_component
    done_at = NOW_DT + timedelta(hours=2)
    if how == "master":
        todo.complete(completion_timestamp=done_at)
        return
    if how == "thisandfuture":  # a COMPLETED override of today's occurrence
        override = icalendar.Todo()
        for name in ("UID", "SUMMARY", "X-GOALSYNC-KEY", "X-GOALSYNC-PLAN"):
            override.add(name, component[name])
        override.add("DTSTAMP", done_at)
        override.add("RECURRENCE-ID", component.decoded("DTSTART"))
        override.add("DTSTART", component.decoded("DTSTART"))
        override.add("DUE", component.decoded("DUE"))
        override.add("STATUS", "COMPLETED")
        override.add("COMPLETED", done_at)
        todo.icalendar_instance.add_component(override)
        todo.save()
        return
    if how == "safe":  # a completed copy under a new UID, then the series advances
        copy = icalendar.Calendar.from_ical(todo.icalendar_instance.to_ical())
        master = next(iter(copy.walk("VTODO")))
        master.pop("UID")
        master.add("UID", "copy-of-a-study-session@example.org")
        master.pop("RRULE")
        master.pop("STATUS")
        master.add("STATUS", "COMPLETED")
        master.add("COMPLETED", done_at)
        collection.save_todo(copy.to_ical().decode())
    for name in ("DTSTART", "DUE"):  # tasks.org: the next occurrence, still open
        value = component.decoded(name) + timedelta(days=2)  # two days on
        component.pop(name)
        component.add(name, value)
    todo.save()


def test_a_habit_todo_carries_its_next_occurrence(
        habit_world: tuple[World, CalDAVTasks]) -> None:
    world, tasks = habit_world
    ok(world.sync())
    habit = next(t for t in tasks.list_tasks() if t.key == HABIT)
    client = other_client_for(world.radicale)
    try:
        todo = client.calendar(url=tasks.target.url).todo_by_uid(habit.remote_id)
        component = todo.icalendar_component
        # the weekdays its sessions are booked on, so the app and the calendar agree
        booked = sorted({b.start.astimezone(ZONE).weekday() for b in world.blocks()
                         if b.key == HABIT and b.start > NOW_DT})
        days = ",".join(("MO", "TU", "WE", "TH", "FR", "SA", "SU")[d] for d in booked)
        assert len(booked) == 3
        assert str(component["RRULE"].to_ical(), "ascii") == f"FREQ=WEEKLY;BYDAY={days}"
        first = next(NOW_DT.date() + timedelta(days=n) for n in range(7)
                     if (NOW_DT.date() + timedelta(days=n)).weekday() in booked)
        assert component.decoded("DTSTART") == first  # the next occurrence from today
        assert component.decoded("DUE") == first
        assert str(component["STATUS"]) == "NEEDS-ACTION"
    finally:
        client.close()


@pytest.mark.parametrize("how", ["advance", "safe", "thisandfuture", "master"])
def test_ticking_one_occurrence_keeps_the_habit_and_its_blocks(
        habit_world: tuple[World, CalDAVTasks], how: str) -> None:
    world, tasks = habit_world
    ok(world.sync())
    blocks = _habit_blocks(world)
    assert len(blocks) >= 3
    habit = next(t for t in tasks.list_tasks() if t.key == HABIT)
    first = habit.due
    assert isinstance(first, date)
    client = other_client_for(world.radicale)
    try:
        collection = client.calendar(url=tasks.target.url)
        _complete_one(collection, habit.remote_id, how)
        summary = ok(world.sync(now=LATER))
        assert summary["completed"] == 0 and summary["deleted"] == 0, summary
        assert blocks <= {b.uid for b in world.blocks() if b.key == HABIT}  # all kept
        (again,) = [t for t in tasks.list_tasks() if t.key == HABIT]
        assert not again.completed and again.due is not None
        master = collection.todo_by_uid(habit.remote_id).icalendar_component
        assert str(master.get("STATUS")) == "NEEDS-ACTION" and "RRULE" in master
        assert "DTSTART" in master and "DUE" in master
        if how in ("advance", "safe"):  # the app's advance is not goalsync's to undo
            assert master.decoded("DUE") == first + timedelta(days=2)
        if how == "master":  # reopened at the next occurrence
            assert "COMPLETED" not in master and master.decoded("DUE") == first
    finally:
        client.close()
    ok(world.sync(now=LATER))
    converged = ok(world.sync(now=LATER))
    assert (converged["created"], converged["updated"], converged["deleted"]) == (0, 0, 0)


def test_every_related_to_names_a_todo_in_the_list(
        habit_world: tuple[World, CalDAVTasks]) -> None:
    world, tasks = habit_world
    ok(world.sync())
    client = other_client_for(world.radicale)
    try:
        todos = [t.icalendar_component
                 for t in client.calendar(url=tasks.target.url).todos(include_completed=True)]
    finally:
        client.close()
    uids = {str(t["UID"]) for t in todos}
    links = {str(t["X-GOALSYNC-KEY"]): str(t["RELATED-TO"]) for t in todos if "RELATED-TO" in t}
    assert links and set(links.values()) <= uids
    assert all(key.count("/") == 2 for key in links)  # steps, under their milestone
    goal = "Become a certified project manager"
    assert all(goal in [str(c) for c in t["CATEGORIES"].cats] for t in todos
               if str(t["X-GOALSYNC-KEY"]).startswith("pmp"))


def test_todos_an_older_goalsync_wrote_are_reshaped_once(
        habit_world: tuple[World, CalDAVTasks]) -> None:
    """Before: milestones and habits pointed at a goal to-do that was never made, and
    no to-do carried the goal's category. One sync rewrites them, then all is quiet."""
    world, tasks = habit_world
    ok(world.sync())
    goal_uid = "goalsync-goals-pmp@goalsync-task"
    goal = "Become a certified project manager"
    client = other_client_for(world.radicale)
    try:
        collection = client.calendar(url=tasks.target.url)
        for todo in collection.todos():
            component = todo.icalendar_component
            component.pop("X-GOALSYNC-GROUP")
            component.pop("CATEGORIES")
            component.add("CATEGORIES", ["goalsync"])
            if str(component["X-GOALSYNC-KIND"]) in ("milestone", "habit"):
                component.add("RELATED-TO", goal_uid, parameters={"RELTYPE": "PARENT"})
            todo.save()
        summary = ok(world.sync(now=LATER))
        assert summary["updated"] >= 2 and summary["deleted"] == 0, summary
        todos = [t.icalendar_component for t in collection.todos()]
        keys = [str(t["X-GOALSYNC-KEY"]) for t in todos]
        assert len(keys) == len(set(keys)) == 6  # 3 steps, milestone, habit, review
        assert not [t for t in todos if str(t.get("RELATED-TO")) == goal_uid]
        assert all(goal in [str(c) for c in t["CATEGORIES"].cats] for t in todos
                   if str(t["X-GOALSYNC-KEY"]).startswith("pmp"))
    finally:
        client.close()
    converged = ok(world.sync(now=LATER))
    assert (converged["created"], converged["updated"], converged["deleted"]) == (0, 0, 0)
