"""The contracts' hooks for the CalDAV adapters, done as the user's app would: with a
plain caldav-library client on the adapter's own collection. Each server's test class
says how to reach that collection (``their_collection``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import icalendar


class TheirCollection:
    def their_collection(self, backend: Any) -> Any:
        """The backend's target collection, through another client."""
        raise NotImplementedError


class CalDAVCalendarHooks(TheirCollection):
    """CalendarBackendContract hooks for CalDAVCalendar."""

    def add_foreign_event(self, backend: Any, start: datetime, end: datetime,
                          title: str) -> None:
        self.their_collection(backend).add_event(
            uid=f"{uuid.uuid4()}@example.org", dtstart=start, dtend=end, summary=title)

    def move_remotely(self, backend: Any, uid: str, start: datetime, end: datetime) -> None:
        event = self.their_collection(backend).event_by_uid(uid)
        with event.edit_icalendar_component() as component:
            for name, value in (("DTSTART", start), ("DTEND", end)):
                component.pop(name, None)
                component.add(name, value)
        event.save()
        assert isinstance(event.icalendar_component, icalendar.Event)


class CalDAVTaskHooks(TheirCollection):
    """TaskBackendContract hooks for CalDAVTasks."""

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        self.their_collection(backend).todo_by_uid(remote_id).complete()

    def add_foreign_task(self, backend: Any, title: str) -> str:
        uid = f"{uuid.uuid4()}@example.org"
        self.their_collection(backend).add_todo(uid=uid, summary=title)
        return uid

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        todo = self.their_collection(backend).todo_by_uid(foreign_id)
        return bool(todo.icalendar_component.get("SUMMARY"))
