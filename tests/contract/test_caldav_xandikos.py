"""Both contracts against a second real server, Xandikos (skipped if not installed)."""

from __future__ import annotations

from typing import Any

import caldav
import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.caldav_hooks import CalDAVCalendarHooks, CalDAVTaskHooks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import unique_name

pytestmark = pytest.mark.integration


class OnXandikos:
    url: str

    def their_collection(self, backend: Any) -> Any:
        return caldav.DAVClient(self.url, username="someone",
                                password="x").calendar(url=backend.target.url)


class TestXandikosCalendar(OnXandikos, CalDAVCalendarHooks, CalendarBackendContract):
    many = 40  # Xandikos commits every write to git: slower per object than Radicale
    @pytest.fixture
    def backend(self, xandikos_url: str) -> Any:
        self.url = xandikos_url
        return CalDAVCalendar(xandikos_url, "goalsync", "x", unique_name("Goals"))


class TestXandikosTasks(OnXandikos, CalDAVTaskHooks, TaskBackendContract):
    many = 40
    @pytest.fixture
    def backend(self, xandikos_url: str) -> Any:
        self.url = xandikos_url
        return CalDAVTasks(xandikos_url, "goalsync", "x", unique_name("Tasks"))
