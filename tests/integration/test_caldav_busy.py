"""Busy time from real calendars: busy calendars plus foreign events in the target,
recurring events expanded, transparent/cancelled skipped, all-day kept apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from syncer.backends.base import BlockSpec
from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.embedded import EmbeddedServer
from syncer.ical import block_uid
from tests.fixtures.radicale import unique_name

pytestmark = pytest.mark.integration

BERLIN = ZoneInfo("Europe/Berlin")

WORK = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:standup@example.org
DTSTAMP:20300101T000000Z
DTSTART;TZID=Europe/Berlin:20300304T100000
DTEND;TZID=Europe/Berlin:20300304T103000
RRULE:FREQ=DAILY;COUNT=5
EXDATE;TZID=Europe/Berlin:20300306T100000
SUMMARY:Stand-up
END:VEVENT
BEGIN:VEVENT
UID:standup@example.org
DTSTAMP:20300101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20300307T100000
DTSTART;TZID=Europe/Berlin:20300307T150000
DTEND;TZID=Europe/Berlin:20300307T153000
SUMMARY:Stand-up (late)
END:VEVENT
END:VCALENDAR
"""

OTHERS = {
    "free": ("20300305T120000Z", "20300305T130000Z", "TRANSP:TRANSPARENT\n"),
    "cancelled": ("20300305T140000Z", "20300305T150000Z", "STATUS:CANCELLED\n"),
}


def _event(uid: str, start: str, end: str, extra: str = "") -> str:
    return (f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//t//EN\nBEGIN:VEVENT\nUID:{uid}\n"
            f"DTSTAMP:20300101T000000Z\nDTSTART:{start}\nDTEND:{end}\n{extra}SUMMARY:x\n"
            "END:VEVENT\nEND:VCALENDAR\n")


def test_busy_merges_busy_calendars_and_foreign_target_events(
    radicale_server: EmbeddedServer, other_client: Any,
) -> None:
    work_name, target_name = unique_name("Work"), unique_name("Goals")
    work = other_client.principal().make_calendar(name=work_name)
    work.save_event(WORK)
    for uid, (start, end, extra) in OTHERS.items():
        work.save_event(_event(uid, start, end, extra))
    work.save_event(_event("holiday", "20300308", "20300309").replace(
        "DTSTART:20300308", "DTSTART;VALUE=DATE:20300308").replace(
        "DTEND:20300309", "DTEND;VALUE=DATE:20300309"))

    calendar = CalDAVCalendar(radicale_server.url, "goalsync", "x", target_name,
                              busy_calendars=[work_name])
    block_start = datetime(2030, 3, 4, 14, tzinfo=BERLIN)
    calendar.create(BlockSpec(block_uid("g/m/s", 1, "plan"), "g/m/s", "Mine", block_start,
                              block_start + timedelta(hours=1), "g", timezone="Europe/Berlin"))
    theirs = other_client.calendar(url=calendar.target.url)
    theirs.save_event(_event("dentist@example.org", "20300304T160000Z", "20300304T170000Z"))

    busy = calendar.busy(datetime(2030, 3, 4, tzinfo=UTC), datetime(2030, 3, 11, tzinfo=UTC))
    local = [(i.start.astimezone(BERLIN).replace(tzinfo=None),
              i.end.astimezone(BERLIN).replace(tzinfo=None)) for i in busy.intervals]
    assert local == [
        (datetime(2030, 3, 4, 10), datetime(2030, 3, 4, 10, 30)),
        (datetime(2030, 3, 4, 17), datetime(2030, 3, 4, 18)),  # the dentist, 16:00 UTC
        (datetime(2030, 3, 5, 10), datetime(2030, 3, 5, 10, 30)),
        (datetime(2030, 3, 7, 15), datetime(2030, 3, 7, 15, 30)),  # the overridden one
        (datetime(2030, 3, 8, 10), datetime(2030, 3, 8, 10, 30)),
    ]
    assert [i.start for i in busy.all_day] == [datetime(2030, 3, 8, tzinfo=UTC)]


def test_changes_in_a_busy_calendar_are_detected(
    radicale_server: EmbeddedServer, other_client: Any,
) -> None:
    work_name = unique_name("Work")
    work = other_client.principal().make_calendar(name=work_name)
    calendar = CalDAVCalendar(radicale_server.url, "goalsync", "x", unique_name("Goals"),
                              busy_calendars=[work_name])
    _, token = calendar.changes_since(None)
    assert calendar.changes_since(token)[0] is False
    work.save_event(_event("new@example.org", "20300304T160000Z", "20300304T170000Z"))
    assert calendar.changes_since(token)[0] is True


def test_a_runaway_invitation_in_a_busy_calendar_is_named_and_does_not_stall(
    radicale_server: EmbeddedServer, other_client: Any,
) -> None:
    work_name = unique_name("Work")
    work = other_client.principal().make_calendar(name=work_name)
    work.save_event(_event("runaway@example.org", "20300304T080000Z", "20300304T081500Z",
                           "RRULE:FREQ=SECONDLY\n"))
    work.save_event(_event("interval0@example.org", "20300304T090000Z", "20300304T091500Z",
                           "RRULE:FREQ=DAILY;INTERVAL=0\n"))
    calendar = CalDAVCalendar(radicale_server.url, "goalsync", "x", unique_name("Goals"),
                              busy_calendars=[work_name])
    busy = calendar.busy(datetime(2030, 3, 4, tzinfo=UTC), datetime(2030, 6, 4, tzinfo=UTC))
    assert [i.start for i in busy.intervals] == [datetime(2030, 3, 4, 8, tzinfo=UTC),
                                                 datetime(2030, 3, 4, 9, tzinfo=UTC)]
    assert len(busy.warnings) == 2 and all("repeats without end" in w for w in busy.warnings)
