"""The fake Todoist API v1 itself, exercised through the real SDK and raw httpx."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from todoist_api_python.api import TodoistAPI

from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration


@pytest.fixture
def api(fake_todoist: FakeTodoist) -> TodoistAPI:
    return TodoistAPI(FAKE_TOKEN, client=fake_todoist.client())


def sync(fake: FakeTodoist, token: str = FAKE_TOKEN, **form: object) -> httpx.Response:
    data = {k: v if isinstance(v, str) else json.dumps(v) for k, v in form.items()}
    return httpx.post(f"{fake.url}/api/v1/sync", data=data,
                      headers={"Authorization": f"Bearer {token}"})


def add(uuid: str, content: str, temp: str | None = None, **args: object) -> dict:
    command: dict = {"type": "item_add", "uuid": uuid, "args": {"content": content, **args}}
    if temp:
        command["temp_id"] = temp
    return command


def test_sdk_parses_projects_sections_labels_and_tasks(fake_todoist_pro: FakeTodoist) -> None:
    api = TodoistAPI(FAKE_TOKEN, client=fake_todoist_pro.client())  # durations: Pro
    project = api.add_project("Career")
    section = api.add_section("Course", project.id)
    label = api.add_label("goalsync")
    due = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    task = api.add_task("Research courses", section_id=section.id, labels=[label.name],
                        priority=4, due_datetime=due, deadline_date=date(2026, 12, 1),
                        duration=45, duration_unit="minute", description="why")
    fetched = api.get_task(task.id)
    assert (fetched.project_id, fetched.section_id) == (project.id, section.id)
    assert fetched.due is not None and fetched.due.date == due
    assert fetched.deadline is not None and fetched.deadline.date == date(2026, 12, 1)
    assert fetched.duration is not None and fetched.duration.amount == 45
    assert fetched.labels == ["goalsync"] and fetched.priority == 4
    assert [p.name for page in api.get_projects() for p in page] == ["Inbox", "Career"]
    assert [s.name for page in api.get_sections(project_id=project.id) for s in page] == [
        "Course"]
    assert [lab.name for page in api.get_labels() for lab in page] == ["goalsync"]


def test_task_listing_is_paginated_with_cursors(api: TodoistAPI,
                                               fake_todoist: FakeTodoist) -> None:
    for n in range(7):
        api.add_task(f"task {n}")
    pages = list(api.get_tasks(limit=3))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert fake_todoist.count("GET", "/api/v1/tasks") == 3


def test_limit_above_200_is_rejected(api: TodoistAPI) -> None:
    with pytest.raises(httpx.HTTPStatusError) as error:
        next(api.get_tasks(limit=201))
    assert error.value.response.status_code == 400


def test_close_reopen_update_and_delete(api: TodoistAPI, fake_todoist: FakeTodoist) -> None:
    task = api.add_task("write")
    assert api.complete_task(task.id)
    assert api.get_task(task.id).completed_at is not None
    assert api.uncomplete_task(task.id)
    assert api.update_task(task.id, content="rewrite").content == "rewrite"
    assert api.delete_task(task.id)
    with pytest.raises(httpx.HTTPStatusError):
        api.get_task(task.id)


def test_completed_by_completion_date_honours_the_window(api: TodoistAPI,
                                                         fake_todoist: FakeTodoist) -> None:
    now = datetime.now(UTC)
    ids = [api.add_task(f"t{n}").id for n in range(5)]
    for n, task_id in enumerate(ids):
        fake_todoist.complete(task_id, at=now - timedelta(days=n * 10))
    pages = list(api.get_completed_tasks_by_completion_date(
        since=now - timedelta(days=25), until=now + timedelta(minutes=1), limit=2))
    found = [t.id for page in pages for t in page]
    assert found == ids[:3] and all(len(page) <= 2 for page in pages)
    at_until = list(api.get_completed_tasks_by_completion_date(  # until is exclusive
        since=now - timedelta(days=15), until=now - timedelta(days=10)))
    assert [t.id for page in at_until for t in page] == []
    with pytest.raises(httpx.HTTPStatusError):
        next(api.get_completed_tasks_by_completion_date(
            since=now - timedelta(days=120), until=now))


def test_wrong_token_gets_401(fake_todoist: FakeTodoist) -> None:
    api = TodoistAPI("wrong", client=fake_todoist.client())
    with pytest.raises(httpx.HTTPStatusError) as error:
        next(api.get_projects())
    assert error.value.response.status_code == 401
    assert sync(fake_todoist, token="wrong", resource_types=["items"]).status_code == 401


def test_sync_commands_map_temp_ids_and_report_status(fake_todoist: FakeTodoist) -> None:
    commands = [
        {"type": "project_add", "uuid": "u1", "temp_id": "p", "args": {"name": "Career"}},
        {"type": "section_add", "uuid": "u2", "temp_id": "s",
         "args": {"name": "Course", "project_id": "p"}},
        add("u3", "Research", "t1", section_id="s"),
        add("u4", "Sub", "t2", parent_id="t1"),
        {"type": "item_update", "uuid": "u5", "args": {"id": "missing", "content": "x"}},
    ]
    body = sync(fake_todoist, commands=commands).json()
    assert body["sync_status"]["u5"]["error_tag"] == "ITEM_NOT_FOUND"
    assert all(body["sync_status"][u] == "ok" for u in ("u1", "u2", "u3", "u4"))
    mapping = body["temp_id_mapping"]
    child = fake_todoist.task(mapping["t2"])
    assert child["parent_id"] == mapping["t1"] and child["section_id"] == mapping["s"]


def test_replayed_uuid_is_not_executed_twice(fake_todoist: FakeTodoist) -> None:
    first = sync(fake_todoist, commands=[add("same", "once", "t")]).json()
    again = sync(fake_todoist, commands=[add("same", "once", "t")]).json()
    assert again["sync_status"] == first["sync_status"] == {"same": "ok"}
    assert again["temp_id_mapping"] == first["temp_id_mapping"]
    assert [t["content"] for t in fake_todoist.tasks()] == ["once"]


def test_more_than_100_commands_are_refused(fake_todoist: FakeTodoist) -> None:
    commands = [add(f"u{n}", f"t{n}") for n in range(101)]
    assert sync(fake_todoist, commands=commands).status_code == 400
    assert fake_todoist.tasks() == []


def test_sync_read_is_full_then_incremental(fake_todoist: FakeTodoist) -> None:
    task = fake_todoist.add_task("mine")
    full = sync(fake_todoist, sync_token="*", resource_types=["items", "projects"]).json()
    assert full["full_sync"] and [i["id"] for i in full["items"]] == [task["id"]]
    quiet = sync(fake_todoist, sync_token=full["sync_token"], resource_types=["items"]).json()
    assert not quiet["full_sync"] and quiet["items"] == []
    fake_todoist.complete(task["id"])
    delta = sync(fake_todoist, sync_token=quiet["sync_token"], resource_types=["all"]).json()
    assert [(i["id"], i["checked"]) for i in delta["items"]] == [(task["id"], True)]
    again = sync(fake_todoist, sync_token="*", resource_types=["items"]).json()
    assert again["items"] == []  # a full sync leaves completed tasks out


def test_rate_limit_sends_retry_after(fake_todoist: FakeTodoist) -> None:
    fake_todoist.rate_limit_next(1, retry_after=1)
    response = sync(fake_todoist, resource_types=["items"])
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error_extra"]["retry_after"] == 1
    assert sync(fake_todoist, resource_types=["items"]).status_code == 200


def test_injected_500_then_recovery(fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_next(2, status=500, path="/api/v1/sync")
    assert [sync(fake_todoist, resource_types=["items"]).status_code
            for _ in range(3)] == [500, 500, 200]


def test_dropped_connection_after_processing_keeps_the_effect(
        fake_todoist: FakeTodoist) -> None:
    fake_todoist.drop_next(1, path="/api/v1/sync")
    with pytest.raises(httpx.TransportError):
        sync(fake_todoist, commands=[add("d1", "dropped")])
    assert [t["content"] for t in fake_todoist.tasks()] == ["dropped"]
    assert fake_todoist.requests[-1].status is None


def test_dropped_connection_before_processing_has_no_effect(
        fake_todoist: FakeTodoist) -> None:
    fake_todoist.drop_next(1, after_processing=False)
    with pytest.raises(httpx.TransportError):
        sync(fake_todoist, commands=[add("d2", "lost")])
    assert fake_todoist.tasks() == []


def test_faults_can_skip_requests_and_counters_track_paths(
        fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_next(1, status=503, skip=1)
    codes = [sync(fake_todoist, resource_types=["items"]).status_code for _ in range(3)]
    assert codes == [200, 503, 200]
    assert fake_todoist.count("POST", "/api/v1/sync") == 3


def test_the_user_in_the_app_edits_tasks(fake_todoist: FakeTodoist) -> None:
    task = fake_todoist.add_task("draft", due={"date": "2026-11-23"})
    fake_todoist.rename(task["id"], "final")
    fake_todoist.move_due(task["id"], date(2026, 11, 30))
    fake_todoist.complete(task["id"])
    seen = fake_todoist.task(task["id"])
    assert (seen["content"], seen["due"]["date"], seen["checked"]) == (
        "final", "2026-11-30", True)


def test_injected_command_errors_fail_only_those_commands(fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_commands(lambda c: c["args"].get("content") == "bad")
    body = sync(fake_todoist, commands=[add("a", "good"), add("b", "bad")]).json()
    assert body["sync_status"]["a"] == "ok"
    assert body["sync_status"]["b"]["http_code"] == 400
    assert [t["content"] for t in fake_todoist.tasks()] == ["good"]


def test_completing_a_recurring_task_moves_it_on(fake_todoist: FakeTodoist) -> None:
    task = fake_todoist.add_task("study", due={"string": "every mon, wed, fri",
                                               "date": "2026-11-23"})
    fake_todoist.complete(task["id"])
    seen = fake_todoist.task(task["id"])
    assert not seen["checked"] and seen["due"]["date"] == "2026-11-24"
    assert seen["due"]["is_recurring"]


def test_temp_ids_resolve_only_inside_their_own_request(fake_todoist: FakeTodoist) -> None:
    """API v1 "Temporary resource ID": the server resolves a temp_id inside one request."""
    first = sync(fake_todoist, commands=[
        {"type": "project_add", "uuid": "p1", "temp_id": "tp", "args": {"name": "Career"}},
        add("a1", "same request", project_id="tp")]).json()
    assert first["sync_status"] == {"p1": "ok", "a1": "ok"}
    later = sync(fake_todoist, commands=[add("a2", "next request", project_id="tp")]).json()
    assert later["sync_status"]["a2"]["error_tag"] == "PROJECT_NOT_FOUND"
    real = first["temp_id_mapping"]["tp"]
    assert sync(fake_todoist, commands=[add("a3", "real id", project_id=real)]).json()[
        "sync_status"]["a3"] == "ok"


def test_replay_can_be_answered_without_the_mapping(fake_todoist: FakeTodoist) -> None:
    sync(fake_todoist, commands=[add("same", "once", "t")])
    fake_todoist.state.replay_mapping = False
    again = sync(fake_todoist, commands=[add("same", "once", "t")]).json()
    assert again["sync_status"] == {"same": "ok"} and again["temp_id_mapping"] == {}
    assert len(fake_todoist.tasks()) == 1


def test_move_takes_exactly_one_destination(fake_todoist: FakeTodoist) -> None:
    """API v1 "Move a task": only one of parent_id, section_id or project_id."""
    project = fake_todoist.state.add_project("Career")["id"]
    section = fake_todoist.state.add_section("Course", project)["id"]
    task = fake_todoist.add_task("move me")["id"]

    def move(uuid: str, **where: object) -> object:
        command = {"type": "item_move", "uuid": uuid, "args": {"id": task, **where}}
        return sync(fake_todoist, commands=[command]).json()["sync_status"][uuid]

    assert move("two", project_id=project, section_id=section)["error_tag"] == (
        "INVALID_ARGUMENT_VALUE")
    assert move("none")["error_tag"] == "ARGUMENT_MISSING"
    assert move("section", section_id=section) == "ok"
    assert (fake_todoist.task(task)["project_id"], fake_todoist.task(task)["section_id"]) == (
        project, section)
    assert move("out", section_id=None) == "ok"
    assert fake_todoist.task(task)["section_id"] is None


@pytest.mark.parametrize("due", [
    {"date": "2026-11-23"}, {"date": "2026-11-23T09:00:00Z"},
    {"date": "2026-11-23T09:00:00.000000Z"}, {"date": "2026-11-23T09:00:00"},
    {"string": "every mon, wed", "lang": "en"}])
def test_due_input_forms_from_the_docs_are_accepted(fake_todoist: FakeTodoist,
                                                    due: dict) -> None:
    status = sync(fake_todoist, commands=[add("d", "due", due=due)]).json()["sync_status"]
    assert status["d"] == "ok"


@pytest.mark.parametrize("due", [{"datetime": "2026-11-23T09:00:00Z"},
                                 {"date": "2026-11-23 09:00"}, {"date": "23/11/2026"}])
def test_due_shapes_not_in_the_docs_are_refused(fake_todoist: FakeTodoist, due: dict) -> None:
    """API v1 "Due dates": a time goes in ``date``; there is no ``datetime`` input."""
    status = sync(fake_todoist, commands=[add("d", "due", due=due)]).json()["sync_status"]
    assert status["d"]["error_tag"] == "INVALID_ARGUMENT_VALUE"


def test_bodies_over_one_mib_are_refused(fake_todoist: FakeTodoist) -> None:
    """API v1 "Request limits": 1 MiB HTTP request body limit on POST requests."""
    big = [add(f"u{n}", "x", description="y" * 20_000) for n in range(60)]
    assert sync(fake_todoist, commands=big).status_code == 413
    assert fake_todoist.tasks() == []


def test_fixed_due_without_timezone_takes_the_users(fake_todoist: FakeTodoist) -> None:
    """API v1 "Due dates": a ...Z date may name a timezone "to overwrite the default
    timezone of the user"; without one, the user's is used."""
    fake_todoist.state.user_timezone = "Asia/Jakarta"
    task = fake_todoist.add_task("fixed", due={"date": "2018-10-14T05:00:00Z"})
    assert (task["due"]["date"], task["due"]["timezone"]) == (
        "2018-10-14T05:00:00Z", "Asia/Jakarta")
    fake_todoist.edit(task["id"], due={"date": "2018-10-15T05:00:00Z", "timezone": "UTC"})
    assert fake_todoist.task(task["id"])["due"]["timezone"] == "UTC"


def test_each_fault_counts_its_own_skip(fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_next(1, status=502, skip=1)
    fake_todoist.fail_next(1, status=503, skip=2)
    codes = [sync(fake_todoist, resource_types=["items"]).status_code for _ in range(4)]
    assert codes == [200, 502, 503, 200]
