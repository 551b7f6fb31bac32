"""Both contracts against Cyrus IMAP 3.6 + CalDAV (Fastmail's server family), a Debian
package run as a throwaway instance (skipped if not installed; see docs/caldav.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from tests.contract.caldav_hooks import CalDAVCalendarHooks, CalDAVTaskHooks
from tests.contract.calendar_contract import WINDOW, CalendarBackendContract, block
from tests.contract.on_server import OnServer, check_a_remote_server_gets_the_credentials
from tests.contract.task_contract import TaskBackendContract, task
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

    def test_a_review_block_without_goal_or_milestone_is_accepted(self, backend: Any) -> None:
        """Cyrus refuses an X- property with no value (403 CALDAV:valid-calendar-data,
        "No value for X property"); the weekly review's block has neither goal nor
        milestone, so those properties must be left out, not written empty."""
        spec = block(key="review:weekly", goal_id="", milestone_id=None)
        backend.create(spec)
        assert [b.uid for b in backend.list_blocks(*WINDOW)] == [spec.uid]


class TestCyrusTasks(OnServer, CalDAVTaskHooks, TaskBackendContract):
    @pytest.fixture
    def backend(self, cyrus_server: DavServer) -> Iterator[Any]:
        self.server = cyrus_server
        backend = CalDAVTasks(self.server.url, self.server.username,
                              self.server.password, unique_name("Tasks"))
        yield backend
        self.drop(backend)

    def test_the_review_task_without_goal_or_milestone_is_accepted(self, backend: Any) -> None:
        """As the review block (above): the weekly review task, shaped as
        syncer.core.desired makes it, has an empty goal and no milestone."""
        spec = replace(task(key="review:weekly"), kind="review", title="Weekly review",
                       goal_id="", goal_title="", milestone_id=None, milestone_title=None,
                       due=None, labels=(), recurrence="FREQ=WEEKLY;BYDAY=FR")
        self.create(backend, spec)
        assert self.listed(backend, spec.key).title == "Weekly review"


def test_a_server_not_on_this_machine_gets_the_credentials(
        cyrus_server: DavServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cyrus answers an anonymous PROPFIND on /dav/ with 207, not 401: a client that waits
    for the challenge never logs in. goalsync sends Basic with every request."""
    check_a_remote_server_gets_the_credentials(cyrus_server, monkeypatch)
