"""Both contracts against DAViCal 1.1 (Apache + PHP + PostgreSQL), Debian packages
run as a throwaway instance (skipped if not installed; see docs/caldav.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.caldav_hooks import CalDAVCalendarHooks, CalDAVTaskHooks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.on_server import OnServer, check_a_remote_server_gets_the_credentials
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import unique_name
from tests.fixtures.servers import DavServer

pytestmark = pytest.mark.integration


class TestDavicalCalendar(OnServer, CalDAVCalendarHooks, CalendarBackendContract):
    many = 50  # DAViCal runs PHP + PostgreSQL per request: ~80 ms a write here
    @pytest.fixture
    def backend(self, davical_server: DavServer) -> Iterator[Any]:
        self.server = davical_server
        backend = CalDAVCalendar(self.server.url, self.server.username,
                                 self.server.password, unique_name("Goals"))
        yield backend
        self.drop(backend)


class TestDavicalTasks(OnServer, CalDAVTaskHooks, TaskBackendContract):
    many = 50
    @pytest.fixture
    def backend(self, davical_server: DavServer) -> Iterator[Any]:
        self.server = davical_server
        backend = CalDAVTasks(self.server.url, self.server.username,
                              self.server.password, unique_name("Tasks"))
        yield backend
        self.drop(backend)


def test_a_server_not_on_this_machine_gets_the_credentials(
        davical_server: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    check_a_remote_server_gets_the_credentials(davical_server, monkeypatch)
