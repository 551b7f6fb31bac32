"""Both contracts against Cyrus IMAP 3.6 + CalDAV (Fastmail's server family), a Debian
package run as a throwaway instance (skipped if not installed; see docs/caldav.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.caldav_hooks import CalDAVCalendarHooks, CalDAVTaskHooks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.on_server import OnServer
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import unique_name
from tests.fixtures.servers import DavServer

pytestmark = pytest.mark.integration


class TestCyrusCalendar(OnServer, CalDAVCalendarHooks, CalendarBackendContract):
    @pytest.fixture
    def backend(self, cyrus_server: DavServer) -> Iterator[Any]:
        self.server = cyrus_server
        backend = CalDAVCalendar(self.server.url, self.server.username,
                                 self.server.password, unique_name("Goals"))
        yield backend
        self.drop(backend)


class TestCyrusTasks(OnServer, CalDAVTaskHooks, TaskBackendContract):
    @pytest.fixture
    def backend(self, cyrus_server: DavServer) -> Iterator[Any]:
        self.server = cyrus_server
        backend = CalDAVTasks(self.server.url, self.server.username,
                              self.server.password, unique_name("Tasks"))
        yield backend
        self.drop(backend)
