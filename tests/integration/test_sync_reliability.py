"""The sync engine is correct when things go wrong: real Radicale, the fake Todoist,
and ``goalsync sync`` run as a separate process (killed with SIGKILL where needed)."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.embedded import EmbeddedServer
from syncer.state import lock
from tests.fake_todoist import FakeTodoist
from tests.fixtures.radicale import RADICALE_USER, unique_name
from tests.fixtures.todoist import FAKE_TOKEN
from tests.helpers.plans import PMP_STEP_LINES, pmp_plan

pytestmark = pytest.mark.integration

NOW = "2026-11-23T08:00:00+00:00"  # a Monday
NOW_DT = datetime.fromisoformat(NOW)
STEPS = "".join(PMP_STEP_LINES)
PLAN = pmp_plan(steps=0)


@dataclass
class World:
    """One user's machine: config, state folder and plan, against shared servers."""

    root: Path
    fake: FakeTodoist
    radicale: EmbeddedServer
    calendar_name: str

    @property
    def plan(self) -> Path:
        return self.root / "goals.yaml"

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    def write_plan(self, steps: str = STEPS, due: str = "2027-03-31") -> None:
        self.plan.write_text(PLAN.replace("2027-03-31", due) + steps)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOALSYNC_")}
        return {**env, "GOALSYNC_CONFIG": str(self.root / "goalsync.toml"),
                "GOALSYNC_STATE_DIR": str(self.state_dir),
                "GOALSYNC_TODOIST_TOKEN": FAKE_TOKEN, "GOALSYNC_CALDAV_PASSWORD": "unused",
                "XDG_CONFIG_HOME": str(self.root / "xdg"), **extra}

    def goalsync(self, *args: str, now: str = NOW, **env: str,
                 ) -> subprocess.CompletedProcess[str]:
        """Run the CLI: in a child process when it is to be killed, else in this one
        (the same ``main()``, much faster)."""
        argv = [*args, "--now", now]
        if env:
            command = [sys.executable, "-c", "from syncer.cli import main; main()", *argv]
            return subprocess.run(command, env=self.env(**env), capture_output=True,
                                  text=True, cwd=self.root, check=False)
        return _in_process(argv, self.env())

    def sync(self, *args: str, now: str = NOW, **env: str) -> subprocess.CompletedProcess[str]:
        return self.goalsync("sync", str(self.plan), "--json", *args, now=now, **env)

    # -- what the servers hold

    def tasks(self) -> list[dict[str, Any]]:
        return [t for t in self.fake.tasks() if "goalsync:" in (t.get("description") or "")]

    def task_keys(self) -> Counter[str]:
        return Counter(_key(t) for t in self.tasks())

    def task(self, key: str) -> dict[str, Any]:
        return next(t for t in self.tasks() if _key(t) == key)

    def calendar(self) -> CalDAVCalendar:
        return CalDAVCalendar(self.radicale.url, RADICALE_USER, "unused",
                              calendar=self.calendar_name)

    def blocks(self) -> list[Any]:
        return self.calendar().list_blocks(NOW_DT - timedelta(days=60),
                                           NOW_DT + timedelta(days=400))


def _in_process(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    from syncer.cli import main

    out, err = io.StringIO(), io.StringIO()
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main(argv)
    except SystemExit as done:
        code = int(done.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def _key(task: dict[str, Any]) -> str:
    line = next(ln for ln in task["description"].splitlines() if "goalsync:" in ln)
    return line.split("goalsync:", 1)[1].split()[0].split(":", 2)[2]  # plan:kind:key


@pytest.fixture
def world(tmp_path: Path, fake_todoist: FakeTodoist, radicale_server: EmbeddedServer) -> World:
    name = unique_name("cal")
    (tmp_path / "goalsync.toml").write_text(
        f'[tasks]\nbackend = "todoist"\n[calendar]\nbackend = "caldav"\n'
        f'[todoist]\napi_url = "{fake_todoist.url}"\n'
        f'[caldav]\nurl = "{radicale_server.url}"\nusername = "{RADICALE_USER}"\n'
        f'calendar = "{name}"\n')
    w = World(tmp_path, fake_todoist, radicale_server, name)
    w.write_plan()
    return w


def ok(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    import json

    assert result.returncode == 0, result.stderr + result.stdout
    return dict(json.loads(result.stdout))


def assert_no_duplicates(world: World) -> None:
    keys = world.task_keys()
    assert all(n == 1 for n in keys.values()), keys
    blocks = world.blocks()
    assert len({b.uid for b in blocks}) == len(blocks)
    assert len({(b.key, b.start) for b in blocks}) == len(blocks)


def assert_converged(world: World) -> None:
    summary = ok(world.sync())
    assert (summary["created"], summary["updated"], summary["deleted"]) == (0, 0, 0)


# ------------------------------------------------------------------------ tests


def test_first_sync_then_nothing_changed_makes_zero_writes(world: World) -> None:
    first = ok(world.sync())
    assert first["created"] == 5 + len(world.blocks()) and first["errors"] == []
    world.fake.reset_counters()
    assert_converged(world)
    assert world.fake.count() == 1  # one incremental sync read, nothing else
    assert world.fake.sync_batches() == []


@pytest.mark.parametrize("crash_after", [1, 7])
def test_killed_between_a_remote_write_and_the_state_write_leaves_no_duplicate(
        world: World, crash_after: int) -> None:
    killed = world.sync(GOALSYNC_TEST_CRASH_AFTER=str(crash_after))
    assert killed.returncode == -signal.SIGKILL
    ok(world.sync())
    assert_no_duplicates(world)
    assert set(world.task_keys()) == {"pmp/course", "pmp/course/research",
                                      "pmp/course/enroll", "pmp/course/study",
                                      "review:weekly"}
    assert_converged(world)


def test_crash_after_k_of_n_blocks_then_rerun_completes(world: World) -> None:
    world.sync(GOALSYNC_TEST_CRASH_AFTER="8")
    partial = len(world.blocks())
    finished = ok(world.sync())
    assert finished["created"] >= 1 and len(world.blocks()) > partial
    assert_no_duplicates(world)
    assert_converged(world)


def test_block_moved_by_the_user_stays_where_they_put_it(world: World) -> None:
    ok(world.sync())
    calendar = world.calendar()
    block = sorted(world.blocks(), key=lambda b: b.start)[0]
    moved_start = block.start + timedelta(days=1, hours=1)
    spec = _spec_of(block, moved_start, moved_start + (block.end - block.start))
    calendar.update(spec, block.etag)  # the user's calendar app moves it
    summary = ok(world.sync())
    assert summary["pinned"] == 1
    after = next(b for b in world.blocks() if b.uid == block.uid)
    assert after.start == moved_start
    assert_converged(world)


def _spec_of(block: Any, start: datetime, end: datetime) -> Any:
    from syncer.core.values import BlockSpec

    return BlockSpec(uid=block.uid, key=block.key, title=block.title, start=start, end=end,
                     goal_id="pmp", plan_id="goals")


def test_task_completed_in_the_app_is_done_and_its_future_blocks_released(
        world: World) -> None:
    ok(world.sync())
    assert any(b.key == "pmp/course/research" for b in world.blocks())
    # completed "now" by the fake's clock (the adapter reads completions by real time)
    world.fake.complete(world.task("pmp/course/research")["id"])
    summary = ok(world.sync(now="2026-11-23T08:45:00+00:00"))
    assert summary["completed"] == 1
    assert not [b for b in world.blocks() if b.key == "pmp/course/research"]
    assert_no_duplicates(world)


def test_plan_edits_propagate(world: World) -> None:
    ok(world.sync())
    world.write_plan(
        "          - {id: research, title: Research PMP course providers, estimate: 3h}\n"
        "          - {id: study, title: Study chapters 1-4, estimate: 4h, "
        "after: [research]}\n", due="2027-04-30")
    summary = ok(world.sync())
    assert summary["deleted"] >= 1 and summary["updated"] >= 1
    research = world.task("pmp/course/research")
    assert research["content"] == "Research PMP course providers"
    # a free account: no durations or deadlines (paid features); the date is in the text
    assert research["duration"] is None and research["deadline"] is None
    assert "(due 2027-04-30)" in research["description"]
    assert "pmp/course/enroll" not in world.task_keys()
    assert not [b for b in world.blocks() if b.key == "pmp/course/enroll"]
    study_minutes = sum((b.end - b.start).total_seconds() / 60 for b in world.blocks()
                        if b.key == "pmp/course/study")
    assert study_minutes <= 240
    assert_converged(world)


def test_emptied_plan_stops_with_exit_4_and_deletes_nothing(world: World) -> None:
    ok(world.sync())
    tasks, blocks = len(world.tasks()), len(world.blocks())
    world.plan.write_text(PLAN.split("    milestones:")[0])
    stopped = world.sync()
    assert stopped.returncode == 4, stopped.stderr
    assert "--force" in stopped.stderr
    assert (len(world.tasks()), len(world.blocks())) == (tasks, blocks)


def test_rate_limit_mid_push_finishes_after_waiting(world: World) -> None:
    world.fake.rate_limit_next(count=1, retry_after=1, path="/api/v1/sync", skip=1)
    summary = ok(world.sync())
    assert summary["errors"] == []
    limited = [r for r in world.fake.requests if r.status == 429]
    assert limited and limited[0].body.get("commands"), "the 429 hit the write batch"
    assert set(world.task_keys().values()) == {1} and len(world.task_keys()) == 5
    assert_converged(world)


def test_dropped_connection_mid_batch_then_rerun_leaves_no_duplicate(world: World) -> None:
    world.fake.drop_next(count=1, path="/api/v1/sync", skip=1, after_processing=True)
    world.sync()  # may report a partial failure
    dropped = [r for r in world.fake.requests if r.status is None]
    assert dropped and dropped[0].body.get("commands"), "the drop hit the write batch"
    ok(world.sync())
    assert_no_duplicates(world)
    assert len(world.task_keys()) == 5
    assert_converged(world)


def test_a_second_concurrent_run_refuses(world: World) -> None:
    with lock(world.state_dir):
        refused = world.sync()
    assert refused.returncode == 1
    assert "another goalsync run" in refused.stderr
    assert world.fake.count() == 0


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_lost_or_corrupted_state_is_recovered_by_adoption(world: World, damage: str) -> None:
    ok(world.sync())
    tasks, blocks = len(world.tasks()), len(world.blocks())
    state = world.state_dir / "state.sqlite"
    for extra in (state.with_name("state.sqlite-wal"), state.with_name("state.sqlite-shm")):
        extra.unlink(missing_ok=True)
    if damage == "delete":
        state.unlink()
    else:
        state.write_bytes(b"\x00not a database\x00" * 512)
    summary = ok(world.sync())
    assert summary["created"] == 0
    assert (len(world.tasks()), len(world.blocks())) == (tasks, blocks)
    assert_no_duplicates(world)
    assert_converged(world)


def test_bad_plan_exits_2_and_sends_no_request(world: World) -> None:
    world.plan.write_text("timezone: UTC\ngoals:\n  - title: [broken\n")
    world.fake.reset_counters()
    failed = world.sync()
    assert failed.returncode == 2, failed.stderr
    assert world.fake.count() == 0
    assert not (world.state_dir / "state.sqlite").exists()


def test_dry_run_sends_no_write_and_keeps_no_state(world: World) -> None:
    world.fake.reset_counters()
    shown = world.goalsync("plan", str(world.plan))
    assert shown.returncode == 0, shown.stderr
    assert "Tasks to create (5)" in shown.stdout
    assert world.fake.sync_batches() == [] and world.tasks() == []
    assert not (world.state_dir / "state.sqlite").exists()
    assert world.blocks() == []



@pytest.mark.parametrize("crash_after", [2, 5])
def test_killed_while_pushing_plan_edits_then_rerun_converges(world: World,
                                                              crash_after: int) -> None:
    ok(world.sync())
    world.write_plan(
        "          - {id: research, title: Research v2, estimate: 3h}\n"
        "          - {id: study, title: Study, estimate: 4h, after: [research]}\n")
    killed = world.sync(GOALSYNC_TEST_CRASH_AFTER=str(crash_after))
    assert killed.returncode == -signal.SIGKILL
    ok(world.sync())
    assert_no_duplicates(world)
    assert world.task("pmp/course/research")["content"] == "Research v2"
    assert "pmp/course/enroll" not in world.task_keys()
    assert_converged(world)


def test_changed_target_calendar_asks_for_rebind_and_deletes_nothing(world: World) -> None:
    ok(world.sync())
    blocks = len(world.blocks())
    config = world.root / "goalsync.toml"
    new_name = unique_name("cal")
    config.write_text(config.read_text().replace(world.calendar_name, new_name))
    stopped = world.sync()
    assert stopped.returncode == 4 and "--rebind" in stopped.stderr
    assert len(world.blocks()) == blocks
    rebound = ok(world.sync("--rebind"))
    assert rebound["deleted"] == 0 and len(world.blocks()) == blocks  # old one untouched
    world.calendar_name = new_name
    assert len(world.blocks()) > 0
    assert_no_duplicates(world)


# ------------------------------------------------------- CalDAV tasks (the default)


@pytest.fixture
def caldav_world(world: World) -> tuple[World, str]:
    task_list = unique_name("tasks")
    config = world.root / "goalsync.toml"
    config.write_text(config.read_text().replace('backend = "todoist"', 'backend = "caldav"')
                      + f'task_list = "{task_list}"\n')
    return world, task_list


def test_caldav_todo_completed_in_another_app_releases_its_blocks(
        caldav_world: tuple[World, str]) -> None:
    from syncer.backends.caldav_tasks import CalDAVTasks
    from tests.fixtures.radicale import other_client_for

    world, task_list = caldav_world
    ok(world.sync())
    tasks = CalDAVTasks(world.radicale.url, RADICALE_USER, "unused", task_list=task_list)
    research = next(t for t in tasks.list_tasks() if t.key == "pmp/course/research")
    client = other_client_for(world.radicale)
    try:
        client.calendar(url=tasks.target.url).todo_by_uid(research.remote_id).complete()
    finally:
        client.close()
    summary = ok(world.sync())
    assert summary["completed"] == 1
    assert not [b for b in world.blocks() if b.key == "pmp/course/research"]
    keys = Counter(t.key for t in tasks.list_tasks())
    assert set(keys.values()) == {1} and len(keys) == 5
    assert_converged(world)
