"""A real person's Todoist account: the free plan's caps, archived and shared projects,
long titles, tasks that vanish. The fake enforces the free plan (its default tier).

Every run gets a new adapter, as every ``goalsync sync`` is a new process."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncer.backends.memory import MemoryCalendarBackend
from syncer.backends.todoist import TodoistTasks
from syncer.core.parse import parse_plan
from syncer.engine import Backends, SyncReport, SyncSettings, run
from syncer.errors import AccountLimit
from syncer.policy import load_rules
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN
from tests.unit.sync_plans import NOW

pytestmark = pytest.mark.integration
RULES = load_rules()
AHEAD = SyncSettings(window_days=14, task_ahead_days=14)
VERBS = ("Research", "Draft", "Review", "Practise", "Write", "Plan", "Present", "Publish")
LONG_GOAL = ("Become the engineer people ask about data platforms: " + "ship, teach and "
             "write about reliable pipelines " * 4)[:150]
LONG_STEP = "Read and summarise " + "every chapter of the data-intensive book " * 15


def plan_text(goals: int, milestones: int, steps: int, *, weekly_hours: int = 12,
              estimate: str = "1h") -> str:
    """A person's plan: ``goals`` goals (the first with a 150-character title), each
    with ``milestones`` milestones of ``steps`` chained steps, a habit on every other
    goal and a budget; one step title of 600 characters."""
    lines = ["timezone: Europe/Berlin", f"weekly_hours: {weekly_hours}", "goals:"]
    for g in range(goals):
        title = LONG_GOAL if g == 0 else f"Goal {g}: grow as an engineer, part {g}"
        deadline = date(2027, 9, 30) + timedelta(days=7 * g)
        lines += [f"  - id: g{g}", f"    title: {title!r}",
                  f"    specific: Deliver outcome {g} my manager can see in the review",
                  "    measurable: {metric: deliverables, target: 3, unit: items}",
                  "    achievable: Evenings and one weekend morning",
                  "    relevant: Needed for the promotion case",
                  f"    deadline: {deadline.isoformat()}", "    priority: important",
                  "    milestones:"]
        for m in range(milestones):
            due = deadline - timedelta(days=21 * (milestones - 1 - m))
            lines += [f"      - id: m{m}", f"        title: Milestone {m} of goal {g}",
                      f"        due: {due.isoformat()}", "        steps:"]
            for s in range(steps):
                name = LONG_STEP if (g, m, s) == (1, 0, 0) else (
                    f"{VERBS[(g + m + s) % len(VERBS)]} part {s} of milestone {m}")
                after = f", after: [s{s - 1}]" if s else ""
                lines.append(f"          - {{id: s{s}, title: {name!r}, "
                             f"estimate: {estimate}{after}}}")
        if g % 2 == 0:
            lines += ["    habits:",
                      f"      - {{title: Practice {g}, per_week: 2, duration: 30m}}"]
    return "\n".join(lines) + "\n"


def sync(fake: FakeTodoist, plan_yaml: str, state: Path, calendar: MemoryCalendarBackend,
         now: datetime = NOW, settings: SyncSettings = AHEAD, **options: Any) -> SyncReport:
    plan = parse_plan(plan_yaml, "goals.yaml")
    with TodoistTasks(FAKE_TOKEN, api_url=fake.url, max_wait=2, retry_backoff=0.001,
                      plan_id=plan.id, **options) as tasks:
        return run(plan, RULES, Backends(tasks, calendar, "todoist-fake"), state, now=now,
                   settings=settings)


def first_starts(report: SyncReport) -> dict[str, datetime]:
    """When each step's booked work starts."""
    starts: dict[str, datetime] = {}
    for block in report.schedule.blocks:
        if block.step.count("/") == 2 and (block.step not in starts
                                           or block.start < starts[block.step]):
            starts[block.step] = block.start
    return starts


def owned(fake: FakeTodoist) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for task in fake.active_tasks():
        if "goalsync:goals:" in task["description"]:
            key = task["description"].rsplit("goalsync:goals:", 1)[1].split(":", 1)[1]
            found.setdefault(key, []).append(task)
    return found


def test_a_multi_goal_plan_fits_a_free_account(fake_todoist: FakeTodoist,
                                               tmp_path: Path) -> None:
    text = plan_text(goals=8, milestones=5, steps=6)  # 240 steps
    calendar = MemoryCalendarBackend()
    report = sync(fake_todoist, text, tmp_path, calendar)
    assert report.ok, report.errors
    projects = [p for p in fake_todoist.projects() if not p["inbox_project"]]
    assert [p["name"] for p in projects] == ["Goals"]  # one project, a section per goal
    sections = fake_todoist.sections()
    assert len(sections) == 8
    assert max(len(s["name"]) for s in sections) <= 120  # the 150-character goal title
    tasks = owned(fake_todoist)
    assert all(len(copies) == 1 for copies in tasks.values())  # no duplicates
    soon = NOW + timedelta(days=14)
    due_now = {b.step for b in report.schedule.blocks if b.start < soon}
    steps_now = {k for k in due_now if k.count("/") == 2}
    assert steps_now and steps_now <= set(tasks)  # every step booked in two weeks
    later = {step for step, start in first_starts(report).items()
             if start > soon + timedelta(days=7)}
    assert later and not later & set(tasks)  # the backlog stays out of Todoist
    assert {"g0/m0", "g7/m0"} <= set(tasks)  # each goal's next milestone, with its deadline
    assert tasks["g0/m0"][0]["deadline"] is not None
    long_task = tasks["g1/m0/s0"][0]
    assert len(long_task["content"]) == 500 and long_task["content"].endswith("…")
    assert long_task["description"].startswith(LONG_STEP.strip())
    assert len(fake_todoist.active_tasks()) < 300

    fake_todoist.reset_counters()
    again = sync(fake_todoist, text, tmp_path, calendar)
    assert again.ok and again.created == again.updated == again.deleted == 0
    assert fake_todoist.count() <= 1  # a no-change rerun: one incremental read


def test_later_steps_get_their_task_as_their_time_comes(fake_todoist: FakeTodoist,
                                                        tmp_path: Path) -> None:
    text = plan_text(goals=3, milestones=4, steps=10, estimate="2h")  # weeks of work
    calendar = MemoryCalendarBackend()
    first = sync(fake_todoist, text, tmp_path, calendar)
    assert first.ok, first.errors
    before = set(owned(fake_todoist))
    later = NOW + timedelta(days=35)
    report = sync(fake_todoist, text, tmp_path, calendar, now=later)
    assert report.ok, report.errors
    after = owned(fake_todoist)
    assert set(after) > before and all(len(c) == 1 for c in after.values())
    soon = {b.step for b in report.schedule.blocks if b.start < later + timedelta(days=14)
            and b.step.count("/") == 2}
    assert soon <= set(after)


def test_twenty_goals_and_a_thousand_steps_fit_the_free_plan(
        fake_todoist: FakeTodoist, tmp_path: Path) -> None:
    text = plan_text(goals=20, milestones=10, steps=5, weekly_hours=30)
    report = sync(fake_todoist, text, tmp_path, MemoryCalendarBackend())
    assert report.ok, report.errors
    assert len(fake_todoist.sections()) == 20
    assert len([p for p in fake_todoist.projects() if not p["inbox_project"]]) == 1
    assert 20 < len(fake_todoist.active_tasks()) <= 300


def test_one_project_per_goal_on_a_free_account_is_refused_before_any_write(
        fake_todoist: FakeTodoist, tmp_path: Path) -> None:
    text = plan_text(goals=6, milestones=2, steps=2)
    calendar = MemoryCalendarBackend()
    with pytest.raises(AccountLimit) as stopped:
        sync(fake_todoist, text, tmp_path, calendar, layout="projects")
    message = str(stopped.value)
    assert stopped.value.exit_code == 4
    assert "allows 5 active projects" in message and "layout = \"sections\"" in message
    assert "nothing was changed" in message
    assert fake_todoist.state.executed_commands == 0
    assert calendar.list_blocks(NOW - timedelta(days=1), NOW + timedelta(days=400)) == []


def test_one_project_per_goal_fits_a_pro_account(tmp_path: Path) -> None:
    with FakeTodoist(token=FAKE_TOKEN, tier="pro") as fake:
        report = sync(fake, plan_text(goals=6, milestones=2, steps=2), tmp_path,
                      MemoryCalendarBackend(), layout="projects")
        assert report.ok, report.errors
        assert len([p for p in fake.projects() if not p["inbox_project"]]) == 7


def test_a_full_account_is_told_which_cap_and_what_to_do(fake_todoist: FakeTodoist,
                                                         tmp_path: Path) -> None:
    for n in range(5):
        fake_todoist.add_project(f"Mine {n}")
    with pytest.raises(AccountLimit, match=r"1 new Todoist project \(“Goals”\).*5 are in use"
                                           r".*root_project"):
        sync(fake_todoist, plan_text(goals=2, milestones=1, steps=2), tmp_path,
             MemoryCalendarBackend())
    assert fake_todoist.state.executed_commands == 0


def test_a_shared_or_workspace_project_named_goals_is_never_adopted(
        fake_todoist: FakeTodoist, tmp_path: Path) -> None:
    shared = fake_todoist.add_project("Goals", shared=True)
    team = fake_todoist.add_project("Goals", workspace_id="ws-1")
    report = sync(fake_todoist, plan_text(goals=2, milestones=1, steps=2), tmp_path,
                  MemoryCalendarBackend())
    assert report.ok, report.errors
    homes = {t["project_id"] for copies in owned(fake_todoist).values() for t in copies}
    assert len(homes) == 1 and not homes & {shared["id"], team["id"]}


@pytest.mark.parametrize("kept_in_sync", [False, True])
def test_an_archived_project_is_reported_and_nothing_is_recreated(
        fake_todoist: FakeTodoist, tmp_path: Path, kept_in_sync: bool) -> None:
    """Archived projects leave the sync (API v1); a server that keeps them, flagged,
    is read the same way."""
    fake_todoist.state.archived_in_sync = kept_in_sync
    text = plan_text(goals=2, milestones=4, steps=10, estimate="2h")  # weeks of work
    calendar = MemoryCalendarBackend()
    assert sync(fake_todoist, text, tmp_path, calendar).ok
    count = len(fake_todoist.tasks())
    [root] = [p for p in fake_todoist.projects() if p["name"] == "Goals"]
    fake_todoist.archive_project(root["id"])

    later = NOW + timedelta(days=30)  # new steps are due a task by now, too
    report = sync(fake_todoist, text, tmp_path, calendar, now=later)
    assert report.ok, report.errors
    assert len(fake_todoist.tasks()) == count  # nothing recreated, nothing new
    assert [p["name"] for p in fake_todoist.projects() if not p["inbox_project"]] == ["Goals"]
    assert any("archived" in note and "--rebind" in note for note in report.notes)
    assert report.completions == {}  # held tasks are not read as done

    fake_todoist.unarchive_project(root["id"])
    back = sync(fake_todoist, text, tmp_path, calendar, now=later + timedelta(hours=1))
    assert back.ok, back.errors
    assert all(len(copies) == 1 for copies in owned(fake_todoist).values())
    assert len(fake_todoist.tasks()) > count  # the steps whose time came


def test_a_task_gone_from_the_listing_but_completed_long_ago_is_progress(
        fake_todoist: FakeTodoist, tmp_path: Path) -> None:
    text = plan_text(goals=1, milestones=1, steps=3)
    calendar = MemoryCalendarBackend()
    assert sync(fake_todoist, text, tmp_path, calendar).ok
    task = owned(fake_todoist)["g0/m0/s0"][0]
    fake_todoist.complete(task["id"], at=NOW + timedelta(hours=2))
    # the next run is more than the listing's lookback (178 days) later
    later = NOW + timedelta(days=200)
    with TodoistTasks(FAKE_TOKEN, api_url=fake_todoist.url, plan_id="goals",
                      as_of=later, completed_lookback_days=30) as tasks:
        report = run(parse_plan(text, "goals.yaml"), RULES,
                     Backends(tasks, calendar, "todoist-fake"), tmp_path, now=later,
                     settings=AHEAD)
    assert report.ok, report.errors
    assert "g0/m0/s0" in report.completions  # not "deleted by the user"
