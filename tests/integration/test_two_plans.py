"""Two plans whose ids share a prefix (`career-2027`, `career`) in one calendar and one
task list: neither ever changes, pins or deletes the other's objects.

Before `syncer.core.identity`, plan `career` took every `goalsync-career-2027-…` UID for
its own (a prefix match), and a sync after one removed step changed or deleted 45 of
the other plan's 47 objects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.embedded import EmbeddedServer
from tests.fake_todoist import FakeTodoist
from tests.fixtures.radicale import RADICALE_USER, unique_name
from tests.fixtures.todoist import FAKE_TOKEN
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration

NOW = "2026-11-23T08:00:00+00:00"  # a Monday
NOW_DT = datetime.fromisoformat(NOW)
HABIT = ("    habits:\n"
         "      - {id: study, title: Study session, per_week: 3, duration: 1h}\n")


@dataclass
class Shared:
    """One person's machine with two plan files and one state folder per plan."""

    root: Path
    tasks_backend: str
    radicale: EmbeddedServer
    fake: FakeTodoist
    calendar: str
    task_list: str

    def write(self, plan_id: str, steps: int = 3) -> Path:
        path = self.root / f"{plan_id}.yaml"
        text = pmp_plan(steps)
        path.write_text(text.replace("    milestones:\n", HABIT + "    milestones:\n", 1))
        return path

    def sync(self, plan_id: str, *args: str) -> dict[str, Any]:
        from tests.integration.test_sync_reliability import _in_process

        env = {"GOALSYNC_CONFIG": str(self.root / "goalsync.toml"),
               "GOALSYNC_STATE_DIR": str(self.root / f"state-{plan_id}"),
               "GOALSYNC_TODOIST_TOKEN": FAKE_TOKEN, "GOALSYNC_CALDAV_PASSWORD": "unused",
               "XDG_CONFIG_HOME": str(self.root / "xdg"), "HOME": str(self.root)}
        done = _in_process(["sync", str(self.root / f"{plan_id}.yaml"), "--json", *args,
                            "--now", NOW], env)
        assert done.returncode == 0, done.stderr + done.stdout
        return dict(json.loads(done.stdout))

    def objects(self) -> dict[str, tuple[str, Any]]:
        """Every goalsync object on the servers: id → (the plan it names, its version)."""
        cal = CalDAVCalendar(self.radicale.url, RADICALE_USER, "unused",
                             calendar=self.calendar)
        found: dict[str, tuple[str, Any]] = {
            b.uid: (b.plan_id or "", b.etag)
            for b in cal.list_blocks(NOW_DT - timedelta(days=60), NOW_DT + timedelta(days=400))}
        if self.tasks_backend == "caldav":
            todo = CalDAVTasks(self.radicale.url, RADICALE_USER, "unused",
                               task_list=self.task_list)
            found |= {t.remote_id: (t.plan_id or "", t.etag) for t in todo.list_tasks()}
        else:
            for task in self.fake.tasks():
                marker = next((ln for ln in (task.get("description") or "").splitlines()
                               if ln.startswith("goalsync:")), None)
                if marker:
                    found[task["id"]] = (marker.split(":")[1], json.dumps(task, sort_keys=True))
        return found

    def of(self, plan_id: str) -> dict[str, Any]:
        return {k: v for k, (plan, v) in self.objects().items() if plan == plan_id}


@pytest.fixture(params=["caldav", "todoist"])
def shared(request: pytest.FixtureRequest, tmp_path: Path, radicale_server: EmbeddedServer,
           fake_todoist: FakeTodoist) -> Shared:
    calendar, task_list = unique_name("Goals"), unique_name("Goal tasks")
    tasks = request.param
    (tmp_path / "goalsync.toml").write_text(
        f'[tasks]\nbackend = "{tasks}"\n[calendar]\nbackend = "caldav"\n'
        f'[todoist]\napi_url = "{fake_todoist.url}"\n'
        f'[caldav]\nurl = "{radicale_server.url}"\nusername = "{RADICALE_USER}"\n'
        f'calendar = "{calendar}"\ntask_list = "{task_list}"\n')
    return Shared(tmp_path, tasks, radicale_server, fake_todoist, calendar, task_list)


def test_a_plan_never_touches_the_objects_of_a_plan_whose_id_extends_its_own(
        shared: Shared) -> None:
    shared.write("career-2027")
    first = shared.sync("career-2027")
    theirs = shared.of("career-2027")
    assert first["errors"] == [] and len(theirs) == first["created"] > 10

    shared.write("career")
    mine = shared.sync("career")
    assert mine["errors"] == [] and mine["deleted"] == 0
    assert shared.of("career-2027") == theirs  # not one changed, pinned or deleted
    assert len(shared.of("career")) == mine["created"]

    shared.write("career", steps=2)  # one step removed from `career` only
    edited = shared.sync("career")
    assert edited["errors"] == [] and edited["deleted"] >= 1
    assert shared.of("career-2027") == theirs

    again = shared.sync("career-2027")  # and the other plan sees nothing to do
    assert (again["created"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert shared.of("career-2027") == theirs


def test_another_plans_blocks_are_busy_time(shared: Shared) -> None:
    shared.write("career-2027")
    shared.sync("career-2027")
    shared.write("career")
    shared.sync("career")
    spans: dict[str, list[Any]] = {"career": [], "career-2027": []}
    cal = CalDAVCalendar(shared.radicale.url, RADICALE_USER, "unused",
                         calendar=shared.calendar)
    for block in cal.list_blocks(NOW_DT, NOW_DT + timedelta(days=30)):
        if block.key != "review:weekly":  # each plan's review has its fixed slot
            spans[block.plan_id or ""].append((block.start, block.end))
    assert spans["career"] and spans["career-2027"]
    assert not [(a, b) for a in spans["career"] for b in spans["career-2027"]
                if a[0] < b[1] and b[0] < a[1]]
