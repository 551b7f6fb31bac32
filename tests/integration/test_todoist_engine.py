"""The sync engine end to end with the Todoist adapter on the fake Todoist API.

Every run gets a new adapter, as every ``goalsync sync`` is a new process."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.backends.memory import MemoryCalendarBackend
from syncer.backends.todoist import TodoistTasks
from syncer.engine import Backends, SyncReport, run
from syncer.policy import load_rules
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN
from tests.unit.sync_plans import NOW, hours, make_plan

pytestmark = pytest.mark.integration
RULES = load_rules()


def sync(fake: FakeTodoist, state_dir: Path, calendar: MemoryCalendarBackend,
         now=NOW) -> SyncReport:
    with TodoistTasks(FAKE_TOKEN, api_url=fake.url, max_wait=2, retry_backoff=0.001,
                      plan_id="career") as tasks:
        return run(make_plan(), RULES, Backends(tasks, calendar, "todoist-fake"), state_dir,
                   now=now)


def owned(fake: FakeTodoist) -> dict[str, dict]:
    marker = "goalsync:career:"
    return {t["description"].rsplit(marker, 1)[1].split(":", 1)[1]: t
            for t in fake.tasks() if marker in t["description"]}


def test_first_sync_then_a_no_change_sync_costs_one_request(
        fake_todoist_pro: FakeTodoist, tmp_path: Path) -> None:
    fake_todoist = fake_todoist_pro  # the deadline is read back
    calendar = MemoryCalendarBackend()
    report = sync(fake_todoist, tmp_path, calendar)
    assert report.ok, report.errors
    tasks = owned(fake_todoist)
    assert {"pmp/course", "pmp/course/research", "pmp/course/enroll",
            "pmp/course/study"} <= set(tasks)
    assert tasks["pmp/course"]["deadline"]["date"] == "2027-03-31"
    fake_todoist.reset_counters()
    again = sync(fake_todoist, tmp_path, calendar)
    assert again.ok and again.created == again.updated == 0
    assert fake_todoist.count() == 1


def test_completion_in_the_app_is_pulled_back(fake_todoist: FakeTodoist,
                                              tmp_path: Path) -> None:
    calendar = MemoryCalendarBackend()
    sync(fake_todoist, tmp_path, calendar)
    fake_todoist.complete(owned(fake_todoist)["pmp/course/research"]["id"])
    report = sync(fake_todoist, tmp_path, calendar, now=NOW + hours(1))
    assert report.ok, report.errors
    assert "pmp/course/research" in report.completions


def test_lost_state_adopts_instead_of_duplicating(fake_todoist: FakeTodoist,
                                                  tmp_path: Path) -> None:
    sync(fake_todoist, tmp_path / "a", MemoryCalendarBackend())
    before = len(fake_todoist.tasks())
    report = sync(fake_todoist, tmp_path / "b", MemoryCalendarBackend())
    assert report.ok, report.errors
    assert len(fake_todoist.tasks()) == before


def test_push_that_fails_then_rerun_leaves_no_duplicates(fake_todoist: FakeTodoist,
                                                         tmp_path: Path) -> None:
    calendar = MemoryCalendarBackend()
    # the check passes; every push runs on the server but its answer is lost
    fake_todoist.drop_next(100, path="/api/v1/sync", skip=1)
    failed = sync(fake_todoist, tmp_path, calendar)
    assert not failed.ok
    fake_todoist.clear_faults()
    report = sync(fake_todoist, tmp_path, calendar, now=NOW + hours(1))
    assert report.ok, report.errors
    keys = [t["description"].rsplit(":", 1)[1] for t in fake_todoist.tasks()]
    assert len(keys) == len(set(keys)) == len(owned(fake_todoist)) >= 4
