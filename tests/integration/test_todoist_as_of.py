"""Completions stamped ahead of this machine's clock (a server with its own clock, or a
run with a later ``--now``) are still read when the run plans for that moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncer.backends.base import CreateTask
from tests.fake_todoist import FakeTodoist
from tests.integration.test_todoist import adapter, step

pytestmark = pytest.mark.integration


def _complete_ahead(fake: FakeTodoist, days: int) -> datetime:
    writer = adapter(fake)
    [created] = writer.apply([CreateTask(step(1))])
    writer.close()
    done_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    assert created.remote_id is not None
    fake.complete(created.remote_id, at=done_at)
    return done_at


def test_completion_ahead_of_the_clock_is_read_when_planning_for_then(
        fake_todoist: FakeTodoist) -> None:
    done_at = _complete_ahead(fake_todoist, days=120)
    reader = adapter(fake_todoist, as_of=done_at + timedelta(days=1))
    [task] = reader.list_tasks()
    reader.close()
    assert task.completed and task.completed_at == done_at


def test_completion_within_the_lookback_of_the_clock_is_read_without_as_of(
        fake_todoist: FakeTodoist) -> None:
    done_at = _complete_ahead(fake_todoist, days=-3)
    reader = adapter(fake_todoist)
    [task] = reader.list_tasks()
    reader.close()
    assert task.completed and task.completed_at == done_at
