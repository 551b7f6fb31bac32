"""The calendar contract against CalDAVCalendar on a real Radicale (127.0.0.1)."""

from __future__ import annotations

from typing import Any

import pytest

from syncer.embedded import EmbeddedServer
from tests.contract.caldav_hooks import CalDAVCalendarHooks
from tests.contract.calendar_contract import CalendarBackendContract
from tests.fixtures.radicale import other_client_for

pytestmark = pytest.mark.integration


class TestCalDAVCalendar(CalDAVCalendarHooks, CalendarBackendContract):
    @pytest.fixture
    def backend(self, caldav_calendar: Any, radicale_server: EmbeddedServer) -> Any:
        self.server = radicale_server
        return caldav_calendar

    def their_collection(self, backend: Any) -> Any:
        return other_client_for(self.server).calendar(url=backend.target.url)
