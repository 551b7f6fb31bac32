"""Both contracts against Cyrus IMAP 3.6 + CalDAV (Fastmail's server family), a Debian
package run as a throwaway instance (skipped if not installed; see docs/caldav.md)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import caldav
import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.caldav_hooks import CalDAVCalendarHooks, CalDAVTaskHooks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import unique_name
from tests.fixtures.servers import DavServer

pytestmark = pytest.mark.integration


class OnCyrus:
    server: DavServer

    def their_collection(self, backend: Any) -> Any:
        # basic auth up front: Cyrus answers an anonymous PROPFIND with 207, not 401
        return caldav.DAVClient(self.server.url, username=self.server.username,
                                password=self.server.password,
                                auth_type="basic").calendar(url=backend.target.url)

    def drop(self, backend: Any) -> None:
        """Delete the test's collection: Cyrus keeps a UID unique across all of a user's
        calendars (403 unique-scheduling-object-resource), and the contract reuses UIDs
        in every test's fresh collection."""
        if not backend.target_missing():
            self.their_collection(backend).delete()
        backend.close()


class TestCyrusCalendar(OnCyrus, CalDAVCalendarHooks, CalendarBackendContract):
    @pytest.fixture
    def backend(self, cyrus_server: DavServer) -> Iterator[Any]:
        self.server = cyrus_server
        backend = CalDAVCalendar(cyrus_server.url, cyrus_server.username, cyrus_server.password,
                        unique_name("Goals"))
        yield backend
        self.drop(backend)


class TestCyrusTasks(OnCyrus, CalDAVTaskHooks, TaskBackendContract):
    @pytest.fixture
    def backend(self, cyrus_server: DavServer) -> Iterator[Any]:
        self.server = cyrus_server
        backend = CalDAVTasks(cyrus_server.url, cyrus_server.username, cyrus_server.password,
                        unique_name("Tasks"))
        yield backend
        self.drop(backend)
