"""Both contracts against a second real server, Xandikos (skipped if not installed)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import caldav
import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import unique_name

pytestmark = pytest.mark.integration


def _theirs(url: str, collection_url: str) -> Any:
    return caldav.DAVClient(url, username="someone", password="x").calendar(url=collection_url)


class TestXandikosCalendar(CalendarBackendContract):
    many = 40  # Xandikos commits every write to git: slower per object than Radicale
    @pytest.fixture
    def backend(self, xandikos_url: str) -> Any:
        self.url = xandikos_url
        return CalDAVCalendar(xandikos_url, "goalsync", "x", unique_name("Goals"))

    def add_foreign_event(self, backend: Any, start: datetime, end: datetime,
                          title: str) -> None:
        _theirs(self.url, backend.target.url).add_event(
            uid=f"{uuid.uuid4()}@example.org", dtstart=start, dtend=end, summary=title)

    def move_remotely(self, backend: Any, uid: str, start: datetime, end: datetime) -> None:
        event = _theirs(self.url, backend.target.url).event_by_uid(uid)
        with event.edit_icalendar_component() as component:
            for name, value in (("DTSTART", start), ("DTEND", end)):
                component.pop(name, None)
                component.add(name, value)
        event.save()


class TestXandikosTasks(TaskBackendContract):
    many = 40
    @pytest.fixture
    def backend(self, xandikos_url: str) -> Any:
        self.url = xandikos_url
        return CalDAVTasks(xandikos_url, "goalsync", "x", unique_name("Tasks"))

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        _theirs(self.url, backend.target.url).todo_by_uid(remote_id).complete()

    def add_foreign_task(self, backend: Any, title: str) -> str:
        uid = f"{uuid.uuid4()}@example.org"
        _theirs(self.url, backend.target.url).add_todo(uid=uid, summary=title)
        return uid

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        todo = _theirs(self.url, backend.target.url).todo_by_uid(foreign_id)
        return bool(todo.icalendar_component.get("SUMMARY"))
