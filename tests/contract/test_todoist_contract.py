"""The task contract against TodoistTasks on the fake Todoist API v1 (127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from syncer.backends.todoist import TodoistTasks
from tests.contract.task_contract import TaskBackendContract
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration


class TestTodoistTasks(TaskBackendContract):
    @pytest.fixture
    def backend(self, fake_todoist: FakeTodoist) -> Iterator[TodoistTasks]:
        self.fake = fake_todoist
        with TodoistTasks(FAKE_TOKEN, api_url=fake_todoist.url, max_wait=2,
                          retry_backoff=0.001) as backend:
            yield backend

    def complete_remotely(self, backend: Any, remote_id: str) -> None:
        self.fake.complete(remote_id)

    def add_foreign_task(self, backend: Any, title: str) -> str:
        return str(self.fake.add_task(title)["id"])

    def foreign_task_exists(self, backend: Any, foreign_id: str) -> bool:
        return any(t["id"] == foreign_id for t in self.fake.tasks())
