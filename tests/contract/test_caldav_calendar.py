"""The calendar contract against CalDAVCalendar on a real Radicale (127.0.0.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import icalendar
import pytest

from syncer.embedded import EmbeddedServer
from tests.contract.calendar_contract import CalendarBackendContract
from tests.fixtures.radicale import other_client_for

pytestmark = pytest.mark.integration


class TestCalDAVCalendar(CalendarBackendContract):
    @pytest.fixture
    def backend(self, caldav_calendar: Any, radicale_server: EmbeddedServer) -> Any:
        self.server = radicale_server
        return caldav_calendar

    def _their_calendar(self, backend: Any) -> Any:
        client = other_client_for(self.server)
        return client.calendar(url=backend.target.url)

    def add_foreign_event(self, backend: Any, start: datetime, end: datetime,
                          title: str) -> None:
        self._their_calendar(backend).add_event(
            uid=f"{uuid.uuid4()}@example.org", dtstart=start, dtend=end, summary=title)

    def move_remotely(self, backend: Any, uid: str, start: datetime, end: datetime) -> None:
        event = self._their_calendar(backend).event_by_uid(uid)
        with event.edit_icalendar_component() as component:
            for name, value in (("DTSTART", start), ("DTEND", end)):
                component.pop(name, None)
                component.add(name, value)
        event.save()
        assert isinstance(event.icalendar_component, icalendar.Event)
