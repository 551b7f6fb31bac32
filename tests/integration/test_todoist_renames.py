"""A goal or milestone renamed in the plan keeps its Todoist project and section."""

from __future__ import annotations

from typing import Any

import pytest

from syncer.backends.base import CreateTask, TaskSpec
from syncer.backends.todoist import TodoistTasks
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration


def step(n: int, **values: Any) -> TaskSpec:
    fields: dict[str, Any] = dict(
        key=f"pmp/course/s{n}", kind="step", title=f"Step {n}", goal_id="pmp",
        goal_title="Become a PMP", milestone_id="course", milestone_title="Complete a course",
        plan_id="career")
    fields.update(values)
    return TaskSpec(**fields)


def push(fake: FakeTodoist, spec: TaskSpec, layout: str = "projects") -> str:
    """One run: a fresh adapter (a new process) creates ``spec``; returns the task id."""
    with TodoistTasks(FAKE_TOKEN, api_url=fake.url, layout=layout,  # type: ignore[arg-type]
                      max_wait=2, retry_backoff=0.001) as backend:
        [result] = backend.apply([CreateTask(spec)])
    assert result.ok, result.error
    return result.remote_id or ""


def test_step_added_to_a_renamed_goal_joins_its_siblings(fake_todoist: FakeTodoist) -> None:
    first = fake_todoist.task(push(fake_todoist, step(1)))
    renamed = step(2, goal_title="Become a certified PMP", milestone_title="Finish a course")
    second = fake_todoist.task(push(fake_todoist, renamed))
    assert (second["project_id"], second["section_id"]) == (
        first["project_id"], first["section_id"])
    assert sorted(p["name"] for p in fake_todoist.projects()) == sorted(
        ["Inbox", "Goals", "Become a PMP"])
    assert [s["name"] for s in fake_todoist.sections()] == ["Complete a course"]


def test_renamed_goal_in_sections_layout_keeps_its_section(fake_todoist: FakeTodoist) -> None:
    first = fake_todoist.task(push(fake_todoist, step(1), layout="sections"))
    second = fake_todoist.task(push(fake_todoist, step(2, goal_title="Become a certified PMP"),
                                    layout="sections"))
    assert second["section_id"] == first["section_id"]
    assert [s["name"] for s in fake_todoist.sections()] == ["Become a PMP"]


def test_other_goal_with_the_old_name_still_gets_its_own_project(
        fake_todoist: FakeTodoist) -> None:
    first = fake_todoist.task(push(fake_todoist, step(1)))
    other = step(1, key="cert/course/s1", goal_id="cert", goal_title="Get certified")
    second = fake_todoist.task(push(fake_todoist, other))
    assert second["project_id"] != first["project_id"]
