"""What goalsync writes is plain CalDAV that another client reads and edits, and
goalsync sees the edits (a moved event, a completed to-do)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncer.backends.base import BlockSpec, CreateTask, PreconditionFailed, TaskSpec
from syncer.ical import block_uid

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2030, 3, 29, 9, tzinfo=BERLIN)  # two days before summer time begins
WINDOW = (START - timedelta(days=7), START + timedelta(days=14))


def spec() -> BlockSpec:
    return BlockSpec(
        uid=block_uid("pmp/course/research", 1, "plan"), key="pmp/course/research",
        title="Research PMP courses", start=START, end=START + timedelta(hours=2),
        goal_id="pmp", milestone_id="course", description="Specific: obtain the PMP",
        timezone="Europe/Berlin",
    )


def step() -> TaskSpec:
    return TaskSpec(
        key="pmp/course/research", kind="step", title="Research PMP courses", goal_id="pmp",
        goal_title="Become a certified PM", description="Specific: obtain the PMP",
        milestone_id="course", due=date(2030, 4, 2), priority=1, labels=("career",),
    )


def test_another_client_reads_the_block_as_goalsync_wrote_it(
    caldav_calendar: Any, other_client: Any,
) -> None:
    caldav_calendar.create(spec())
    theirs = other_client.calendar(url=caldav_calendar.target.url)
    (event,) = theirs.search(event=True, start=WINDOW[0], end=WINDOW[1])
    component = event.icalendar_component
    assert str(component["SUMMARY"]) == "Research PMP courses"
    assert component.decoded("DTSTART") == START
    assert component["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert str(component["X-GOALSYNC-KEY"]) == "pmp/course/research"
    assert str(component["TRANSP"]) == "OPAQUE"
    assert "ATTENDEE" not in component and "ORGANIZER" not in component
    assert event.icalendar_instance.walk("VTIMEZONE")


def test_a_block_moved_in_another_client_is_seen_and_never_clobbered(
    caldav_calendar: Any, other_client: Any,
) -> None:
    etag = caldav_calendar.create(spec())
    theirs = other_client.calendar(url=caldav_calendar.target.url)
    event = theirs.event_by_uid(spec().uid)
    moved_to = START + timedelta(days=3, hours=5)  # across the change to summer time
    with event.edit_icalendar_component() as component:
        for name, value in (("DTSTART", moved_to), ("DTEND", moved_to + timedelta(hours=2))):
            component.pop(name)
            component.add(name, value)
    event.save()
    (seen,) = caldav_calendar.list_blocks(*WINDOW)
    assert seen.start == moved_to and seen.etag != etag
    with pytest.raises(PreconditionFailed):
        caldav_calendar.update(spec(), etag)
    assert caldav_calendar.list_blocks(*WINDOW)[0].start == moved_to


def test_a_todo_completed_in_another_client_is_seen_as_done(
    caldav_tasks: Any, other_client: Any,
) -> None:
    (result,) = caldav_tasks.apply([CreateTask(step())])
    theirs = other_client.calendar(url=caldav_tasks.target.url)
    todo = theirs.todo_by_uid(result.remote_id)
    component = todo.icalendar_component
    assert str(component["SUMMARY"]) == "Research PMP courses"
    assert int(component["PRIORITY"]) == 1
    assert "goalsync: pmp/course/research" in str(component["DESCRIPTION"])
    todo.complete()
    (task,) = caldav_tasks.list_tasks()
    assert task.completed and task.completed_at is not None


def test_changes_by_another_client_are_detected_cheaply(
    caldav_calendar: Any, other_client: Any,
) -> None:
    caldav_calendar.create(spec())
    _, token = caldav_calendar.changes_since(None)
    before = caldav_calendar.requests
    assert caldav_calendar.changes_since(token) == (False, token)
    assert caldav_calendar.requests - before == 1
    theirs = other_client.calendar(url=caldav_calendar.target.url)
    theirs.add_event(uid="lunch@example.org", dtstart=START + timedelta(hours=3),
                     dtend=START + timedelta(hours=4), summary="Lunch")
    changed, _ = caldav_calendar.changes_since(token)
    assert changed


def test_a_calendar_renamed_by_the_user_is_still_goalsyncs(
    caldav_calendar: Any, other_client: Any, calendar_name: str,
) -> None:
    from caldav.elements import dav

    from syncer.backends.caldav_calendar import CalDAVCalendar

    caldav_calendar.create(spec())
    theirs = other_client.calendar(url=caldav_calendar.target.url)
    theirs.set_properties([dav.DisplayName("My career")])
    again = CalDAVCalendar(caldav_calendar.dav.url, "goalsync", "x", calendar_name)
    assert [b.uid for b in again.list_blocks(*WINDOW)] == [spec().uid]
    assert again.target.name == "My career"
