"""The task contract against CalDAVTasks on a real Radicale (127.0.0.1)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from syncer.embedded import EmbeddedServer
from tests.contract.task_contract import TaskBackendContract
from tests.fixtures.radicale import other_client_for

pytestmark = pytest.mark.integration


class TestCalDAVTasks(TaskBackendContract):
    @pytest.fixture
    def backend(self, caldav_tasks: Any, radicale_server: EmbeddedServer) -> Any:
        self.server = radicale_server
        return caldav_tasks

    def _their_list(self, backend: Any) -> Any:
        return other_client_for(self.server).calendar(url=backend.target.url)

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        self._their_list(backend).todo_by_uid(remote_id).complete()

    def add_foreign_task(self, backend: Any, title: str) -> str:
        uid = f"{uuid.uuid4()}@example.org"
        self._their_list(backend).add_todo(uid=uid, summary=title)
        return uid

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        todo = self._their_list(backend).todo_by_uid(foreign_id)
        return bool(todo.icalendar_component.get("SUMMARY"))
