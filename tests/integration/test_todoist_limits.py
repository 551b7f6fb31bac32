"""The Todoist adapter meets the free plan's caps as Todoist answers them: refusals
named and attributed, no INVALID_TEMPID cascade, 403 a token problem only when Todoist
says so; and the fake is as strict as the service."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from syncer.backends.base import AuthError, CreateTask, TaskSpec
from syncer.backends.todoist import TodoistTasks
from syncer.backends.todoist_http import Refused, Retrier
from syncer.core.desired import MAX_TITLE, desired_tasks
from syncer.core.model import Schedule
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN
from tests.unit.sync_plans import NOW, make_plan, step

pytestmark = pytest.mark.integration


def spec(n: int | str, **fields: Any) -> TaskSpec:
    values: dict[str, Any] = dict(
        key=f"pmp/course/s{n}", kind="step", title=f"Step {n}", goal_id="pmp",
        goal_title="Become a PMP", milestone_id="course", milestone_title="Complete a course",
        plan_id="career")
    values.update(fields)
    return TaskSpec(**values)


def adapter(fake: FakeTodoist, **options: Any) -> TodoistTasks:
    return TodoistTasks(FAKE_TOKEN, api_url=fake.url, max_wait=2, retry_backoff=0.001,
                        **options)


def test_a_full_project_refuses_by_name_and_children_are_not_sent(
        fake_todoist: FakeTodoist) -> None:
    with adapter(fake_todoist) as todoist:
        [first] = todoist.apply([CreateTask(spec("first"))])
        project = fake_todoist.task(first.remote_id or "")["project_id"]
        for n in range(299):  # the user fills goalsync's project to the cap meanwhile
            fake_todoist.add_task(f"mine {n}", project_id=project)
        milestone = spec("m", kind="milestone", key="pmp/course", title="Complete a course")
        children = [CreateTask(spec(n, parent_key="pmp/course")) for n in range(3)]
        fake_todoist.reset_counters()
        results = todoist.apply([CreateTask(milestone), *children])
    assert not any(r.ok for r in results)
    assert all(not r.retryable for r in results)  # a rerun will not fix it
    assert "a project holds at most 300 open tasks on your Todoist free plan" in (
        results[0].error or "")
    assert all("not sent, because its parent task could not be made" in (r.error or "")
               for r in results[1:])
    sent = [c["type"] for batch in fake_todoist.sync_batches() for c in batch]
    assert sent == ["item_add"]  # the subtasks never went out: no INVALID_TEMPID
    assert "INVALID_TEMPID" not in " ".join(r.error or "" for r in results)


def test_a_refused_project_is_named_and_its_tasks_are_not_sent(
        fake_todoist: FakeTodoist) -> None:
    for n in range(5):
        fake_todoist.add_project(f"Mine {n}")
    with adapter(fake_todoist) as todoist:
        results = todoist.apply([CreateTask(spec(n)) for n in range(3)])
    assert all(not r.ok and not r.retryable for r in results)
    assert all("its project could not be made" in (r.error or "")
               and "allows 5 active projects" in (r.error or "") for r in results)
    sent = [c["type"] for batch in fake_todoist.sync_batches() for c in batch]
    assert "item_add" not in sent and "section_add" not in sent


def test_the_plan_limits_are_read_and_room_is_counted_before_writing(
        fake_todoist: FakeTodoist) -> None:
    with adapter(fake_todoist, layout="projects") as todoist:
        todoist.list_tasks()
        goals = [CreateTask(spec(n, key=f"g{n}/m/s", goal_id=f"g{n}", goal_title=f"Goal {n}"))
                 for n in range(5)]
        reason = todoist.room(goals)
        assert reason and "6 new Todoist projects" in reason and "allows 5" in reason
        assert todoist.room(goals[:3]) is None
    assert fake_todoist.state.executed_commands == 0


def test_a_pro_account_says_so_and_has_room(tmp_path: object) -> None:
    with FakeTodoist(token=FAKE_TOKEN, tier="pro") as fake, adapter(
            fake, layout="projects") as todoist:
        todoist.list_tasks()
        goals = [CreateTask(spec(n, key=f"g{n}/m/s", goal_id=f"g{n}", goal_title=f"Goal {n}"))
                 for n in range(30)]
        assert todoist.room(goals) is None
        assert all(r.ok for r in todoist.apply(goals))


def response(status: int, body: dict[str, Any]) -> httpx.Response:
    request = httpx.Request("POST", "https://api.todoist.com/api/v1/sync")
    return httpx.Response(status, json=body, request=request)


def call(answer: httpx.Response) -> None:
    def send() -> None:
        answer.raise_for_status()
    Retrier(max_wait=0, sleep=lambda _: None).call(send, "sending 3 changes")


def test_a_403_is_a_token_problem_only_when_todoist_says_so() -> None:
    limit = {"error": "Maximum number of items per user project limit reached",
             "error_code": 49, "error_tag": "MAX_ITEMS_LIMIT_REACHED", "http_code": 403}
    with pytest.raises(Refused, match="holds at most 300 open tasks") as refused:
        call(response(403, limit))
    assert not isinstance(refused.value, AuthError)
    scope = {"error": "Insufficient token scope", "error_tag": "AUTH_INSUFFICIENT_TOKEN_SCOPE",
             "error_code": 403, "http_code": 403}
    with pytest.raises(AuthError):
        call(response(403, scope))
    with pytest.raises(Refused):
        call(response(403, {"error": "Forbidden", "error_tag": "FORBIDDEN"}))


@pytest.mark.parametrize("text", ["every 15th", "every 3 days", "every mon, wed",
                                  "every other week", "every day at 9am",
                                  "every last day", "every 2nd monday"])
def test_the_fake_takes_recurring_dates_as_todoist_does(fake_todoist: FakeTodoist,
                                                        text: str) -> None:
    task = fake_todoist.add_task("Habit", due={"string": text})
    assert task["due"]["is_recurring"] and task["due"]["string"] == text


def test_the_fake_enforces_the_free_plan(fake_todoist: FakeTodoist) -> None:
    project = fake_todoist.add_project("Mine")
    state = fake_todoist.state
    for n in range(20):
        state.add_section(f"S{n}", project["id"])
    for kind, act in [("MAX_SECTIONS_LIMIT_REACHED",
                       lambda: state.add_section("21", project["id"])),
                      ("MAX_PROJECTS_LIMIT_REACHED",
                       lambda: [state.add_project(f"P{n}") for n in range(5)])]:
        with pytest.raises(Exception) as refused:
            act()
        assert refused.value.body["error_tag"] == kind  # type: ignore[attr-defined]
        assert refused.value.body["http_code"] == 403  # type: ignore[attr-defined]
    for too_long in [lambda: state.add_project("x" * 121), lambda: state.add_label("y" * 61),
                     lambda: state.add_item({"content": "z" * 501}),
                     lambda: state.add_item({"content": "t", "description": "d" * 16_384})]:
        with pytest.raises(Exception, match="Invalid argument value"):
            too_long()
    limits = state.sync(None, ["user_plan_limits"], None)["user_plan_limits"]
    assert limits["current"]["active_projects"] == 5
    assert limits["current"]["tasks_per_project"] == 300


def test_titles_and_descriptions_never_exceed_what_todoist_accepts() -> None:
    long_title = "Write " + "the longest step title anyone ever wrote " * 20
    plan = make_plan((step("long", long_title, 60, notes="notes " * 4000),))
    [_, task, *_] = desired_tasks(plan, Schedule(()), NOW)
    assert len(task.title) == MAX_TITLE and task.title.endswith("…")
    assert task.description.startswith(long_title.strip())
    assert len(task.description) <= 16_000


def test_a_long_goal_title_names_a_section_within_120_characters(
        fake_todoist: FakeTodoist) -> None:
    title = "Become the person the data team asks first " * 4
    with adapter(fake_todoist) as todoist:
        results = todoist.apply([CreateTask(spec(n, goal_title=title)) for n in range(2)])
        assert all(r.ok for r in results)
        [section] = fake_todoist.sections()
        assert len(section["name"]) == 120 and section["name"].endswith("…")
    with adapter(fake_todoist) as again:  # found again by its shortened name
        assert again.apply([CreateTask(spec(9, goal_title=title, due=date(2027, 1, 4)))])[0].ok
    assert len(fake_todoist.sections()) == 1


def test_a_completion_flagged_deleted_by_an_older_sync_is_still_a_completion(
        fake_todoist: FakeTodoist) -> None:
    """Older sync versions sent a completed task with ``is_deleted`` set as well."""
    with adapter(fake_todoist) as todoist:
        [made] = todoist.apply([CreateTask(spec(1))])
        _, token = todoist.changes_since(None)
        fake_todoist.complete(made.remote_id or "")
        with fake_todoist.state.lock:
            fake_todoist.state.objects["items"][made.remote_id or ""]["is_deleted"] = True
            fake_todoist.state.touch("items", fake_todoist.state.objects["items"][
                made.remote_id or ""])
        changed, _ = todoist.changes_since(token)
        [task] = todoist.list_tasks()
    assert changed and task.completed
