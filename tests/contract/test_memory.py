"""The backend contracts against the in-memory reference backends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.core.model import Interval
from tests.contract.calendar_contract import CalendarBackendContract
from tests.contract.task_contract import TaskBackendContract


class TestMemoryCalendar(CalendarBackendContract):
    @pytest.fixture
    def backend(self) -> MemoryCalendarBackend:
        return MemoryCalendarBackend()

    def add_foreign_event(self, backend: Any, start: datetime, end: datetime,
                          title: str) -> None:
        backend.foreign.append(Interval(start, end))

    def move_remotely(self, backend: Any, uid: str, start: datetime, end: datetime) -> None:
        backend.move(uid, start, end)


class TestMemoryTasks(TaskBackendContract):
    @pytest.fixture
    def backend(self) -> MemoryTaskBackend:
        return MemoryTaskBackend()

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        backend.complete(remote_id, datetime.now(UTC))

    def add_foreign_task(self, backend: Any, title: str) -> str:
        backend.foreign["foreign-1"] = title
        return "foreign-1"

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        return foreign_id in backend.foreign
