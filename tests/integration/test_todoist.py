"""The Todoist adapter against the fake Todoist API v1 (real SDK and httpx in the loop)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest

from syncer.backends.base import (
    AuthError,
    CreateTask,
    DeleteTask,
    IncompleteListing,
    RateLimited,
    TaskSpec,
    Unreachable,
    UpdateTask,
)
from syncer.backends.todoist import TodoistTasks, from_settings
from tests.fake_todoist import FakeTodoist, Fault
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration
SYNC = "/api/v1/sync"


def step(n: int | str, **values: Any) -> TaskSpec:
    fields: dict[str, Any] = dict(
        key=f"pmp/course/s{n}", kind="step", title=f"Step {n}", goal_id="pmp",
        goal_title="Become a PMP", milestone_id="course", milestone_title="Complete a course",
        description="Specific: pass the exam.", plan_id="career")
    fields.update(values)
    return TaskSpec(**fields)


def adapter(fake: FakeTodoist, **options: Any) -> TodoistTasks:
    options.setdefault("max_wait", 2)
    options.setdefault("retry_backoff", 0.001)
    return TodoistTasks(FAKE_TOKEN, api_url=fake.url, **options)


@pytest.fixture
def todoist(fake_todoist: FakeTodoist) -> Iterator[TodoistTasks]:
    backend = adapter(fake_todoist)
    yield backend
    backend.close()


def contents(fake: FakeTodoist) -> list[str]:
    return sorted(t["content"] for t in fake.tasks())


# ------------------------------------------------------------------ field mapping


def test_pushed_step_has_every_field_mapped(fake_todoist: FakeTodoist) -> None:
    due = datetime(2026, 11, 23, 10, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    spec = step(1, due=due, deadline=date(2026, 12, 15), duration_minutes=90, priority=1,
                labels=("career",))
    with adapter(fake_todoist, layout="projects") as todoist:
        [result] = todoist.apply([CreateTask(spec)])
    assert result.ok
    task = fake_todoist.task(result.remote_id or "")
    assert task["content"] == "Step 1"
    assert task["description"] == "Specific: pass the exam.\n\ngoalsync:career:step:pmp/course/s1"
    assert task["due"]["date"] == "2026-11-23T09:30:00Z"
    assert task["deadline"]["date"] == "2026-12-15"
    assert task["duration"] == {"amount": 90, "unit": "minute"}
    assert task["priority"] == 4  # the app's P1
    assert task["labels"] == ["goalsync", "career"]
    [project] = [p for p in fake_todoist.projects() if p["id"] == task["project_id"]]
    [section] = [s for s in fake_todoist.sections() if s["id"] == task["section_id"]]
    assert (project["name"], section["name"]) == ("Become a PMP", "Complete a course")
    [root] = [p for p in fake_todoist.projects() if p["id"] == project["parent_id"]]
    assert root["name"] == "Goals"
    assert {lab["name"] for lab in fake_todoist.labels()} == {"goalsync", "career"}


def test_all_day_due_habit_milestone_and_subtask(fake_todoist: FakeTodoist) -> None:
    specs = [
        step("child", parent_key="pmp/course/sparent"),
        step("parent", due=date(2026, 11, 24), priority=4),
        step("m", kind="milestone", key="pmp/course", title="Complete a course",
             deadline=date(2027, 3, 31)),
        step("h", kind="habit", key="pmp/habit/study", title="Study session",
             milestone_id=None, milestone_title=None,
             recurrence="FREQ=WEEKLY;BYDAY=MO,WE,FR"),
    ]
    with adapter(fake_todoist, layout="projects") as todoist:
        results = todoist.apply([CreateTask(s) for s in specs])
    assert all(r.ok for r in results), results
    child, parent, milestone, habit = (fake_todoist.task(r.remote_id or "") for r in results)
    assert child["parent_id"] == parent["id"]
    assert parent["due"]["date"] == "2026-11-24" and parent["priority"] == 1
    assert milestone["deadline"]["date"] == "2027-03-31"
    assert milestone["section_id"] == parent["section_id"]
    assert habit["due"]["string"] == "every mon, wed, fri" and habit["due"]["is_recurring"]
    assert habit["section_id"] is None and habit["project_id"] == parent["project_id"]


def test_listing_reads_back_what_was_written(todoist: TodoistTasks) -> None:
    due = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    spec = step(1, due=due, deadline=date(2026, 12, 1), duration_minutes=30, priority=2,
                labels=("study",))
    [result] = todoist.apply([CreateTask(spec)])
    [task] = todoist.list_tasks()
    assert (task.key, task.remote_id, task.kind, task.title) == (
        spec.key, result.remote_id, "step", "Step 1")
    assert (task.description, task.due, task.deadline) == (spec.description, due,
                                                           date(2026, 12, 1))
    assert (task.duration_minutes, task.priority, task.labels) == (30, 2, ("study",))
    assert not task.completed and task.completed_at is None


def test_sections_layout_puts_goals_in_one_project(fake_todoist: FakeTodoist) -> None:
    with adapter(fake_todoist, layout="sections", root_project="Goals") as backend:
        backend.apply([CreateTask(step(1)), CreateTask(step(2, goal_title="Other goal"))])
    names = sorted(p["name"] for p in fake_todoist.projects())
    assert names == ["Goals", "Inbox"]
    assert sorted(s["name"] for s in fake_todoist.sections()) == ["Become a PMP", "Other goal"]


def test_tasks_not_owned_are_never_listed(todoist: TodoistTasks,
                                          fake_todoist: FakeTodoist) -> None:
    fake_todoist.add_task("buy milk", description="goalsync is great")
    todoist.apply([CreateTask(step(1))])
    assert [t.key for t in todoist.list_tasks()] == ["pmp/course/s1"]


def test_unexpressible_recurrence_is_a_per_task_error(todoist: TodoistTasks) -> None:
    bad = step("h", kind="habit", recurrence="FREQ=HOURLY")
    results = todoist.apply([CreateTask(bad), CreateTask(step(1))])
    assert not results[0].ok and not results[0].retryable
    assert results[1].ok


# ------------------------------------------------------------------ batching, uuids


def test_batches_hold_at_most_100_commands(todoist: TodoistTasks,
                                           fake_todoist: FakeTodoist) -> None:
    results = todoist.apply([CreateTask(step(n)) for n in range(250)])
    assert all(r.ok for r in results)
    batches = fake_todoist.sync_batches()
    # the root project and the label, then the goal's section (it names the project
    # made before), then the tasks (they name the section): makers before users
    assert [len(b) for b in batches] == [2, 1, 100, 100, 50]
    assert len(fake_todoist.tasks()) == 250
    assert todoist.requests <= 8  # a full read, 2 pages of completed tasks, 5 batches


def test_command_uuids_are_deterministic(fake_todoist: FakeTodoist) -> None:
    specs = [CreateTask(step(n)) for n in range(3)]
    with adapter(fake_todoist) as backend:
        backend.apply(specs)
    first = [c["uuid"] for b in fake_todoist.sync_batches() for c in b
             if c["type"] == "item_add"]
    with FakeTodoist(token=FAKE_TOKEN) as other, adapter(other) as backend:
        backend.apply(specs)
        second = [c["uuid"] for b in other.sync_batches() for c in b
                  if c["type"] == "item_add"]
    assert first == second and len(set(first)) == 3


def test_create_same_key_twice_in_one_apply_makes_one_task(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    results = todoist.apply([CreateTask(step(1)), CreateTask(step(1))])
    assert results[0].remote_id == results[1].remote_id
    assert len(fake_todoist.tasks()) == 1


# ------------------------------------------------------------------ faults


def test_rate_limit_mid_push_waits_and_finishes(todoist: TodoistTasks,
                                                fake_todoist: FakeTodoist) -> None:
    todoist.list_tasks()
    fake_todoist.rate_limit_next(1, retry_after=0, path=SYNC, skip=1)
    results = todoist.apply([CreateTask(step(n)) for n in range(150)])
    assert all(r.ok for r in results)
    assert len(fake_todoist.tasks()) == 150
    assert [r.status for r in fake_todoist.requests if r.path == SYNC].count(429) == 1


def test_rate_limit_longer_than_max_wait_gives_up(fake_todoist: FakeTodoist) -> None:
    fake_todoist.rate_limit_next(1, retry_after=30)
    with adapter(fake_todoist, max_wait=1) as backend, pytest.raises(RateLimited) as error:
        backend.list_tasks()
    assert error.value.retry_after == 30


def test_dropped_connection_mid_push_is_retried_without_duplicates(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    todoist.list_tasks()
    fake_todoist.drop_next(1, path=SYNC, skip=3)  # the second task batch runs, answer lost
    results = todoist.apply([CreateTask(step(n)) for n in range(250)])
    assert all(r.ok and r.remote_id for r in results)
    assert len(fake_todoist.tasks()) == 250
    batches = fake_todoist.sync_batches()
    assert batches[3] == batches[4]  # the same batch, same uuids, sent again
    assert fake_todoist.state.executed_commands == 253  # 250 tasks, project, section, label


def test_push_that_stays_down_reports_then_rerun_has_no_duplicates(
        fake_todoist: FakeTodoist) -> None:
    specs = [CreateTask(step(n)) for n in range(250)]
    with adapter(fake_todoist) as first:
        first.list_tasks()
        fake_todoist.drop_next(50, path=SYNC, skip=3)
        results = first.apply(specs)
    assert sum(r.ok for r in results) == 100  # the first batch of tasks
    assert all(r.retryable for r in results if not r.ok)
    failed = next(r.error for r in results if not r.ok)
    assert failed and "rejected" not in failed  # Todoist never answered: nothing rejected
    fake_todoist.clear_faults()
    with adapter(fake_todoist) as rerun:  # a new process: state and cache are gone
        again = rerun.apply(specs)
    assert all(r.ok for r in again)
    assert len(fake_todoist.tasks()) == 250
    assert len({t["content"] for t in fake_todoist.tasks()}) == 250


def test_unreachable_before_anything_is_sent_raises(fake_todoist: FakeTodoist) -> None:
    fake_todoist.drop_next(50, after_processing=False)
    with adapter(fake_todoist) as backend, pytest.raises(Unreachable):
        backend.apply([CreateTask(step(1))])


def test_partial_batch_failure_is_reported_per_object(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_commands(lambda c: c["args"].get("content") == "Step 2")
    results = todoist.apply([CreateTask(step(n)) for n in range(4)])
    assert [r.ok for r in results] == [True, True, False, True]
    assert "Invalid argument value" in (results[2].error or "")
    assert not results[2].retryable
    assert contents(fake_todoist) == ["Step 0", "Step 1", "Step 3"]


def test_server_errors_are_retried(todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_next(2, status=500)
    assert todoist.apply([CreateTask(step(1))])[0].ok
    assert len(fake_todoist.tasks()) == 1


def test_listing_that_fails_part_way_is_not_a_partial_list(
        fake_todoist: FakeTodoist) -> None:
    fake_todoist.fail_next(20, status=500, path="/api/v1/tasks/completed")
    with adapter(fake_todoist) as backend, pytest.raises(IncompleteListing):
        backend.list_tasks()
    fake_todoist.drop_next(20, after_processing=False)
    with adapter(fake_todoist) as backend, pytest.raises(Unreachable):
        backend.list_tasks()


# ------------------------------------------------------------------ adoption, reads


def test_lost_state_adopts_existing_tasks(fake_todoist: FakeTodoist) -> None:
    specs = [CreateTask(step(n)) for n in range(5)]
    with adapter(fake_todoist) as first:
        original = first.apply(specs)
    fake_todoist.complete(original[0].remote_id or "")
    fake_todoist.reset_counters()
    with adapter(fake_todoist) as second:
        adopted = second.apply(specs)
    assert [r.remote_id for r in adopted] == [r.remote_id for r in original]
    assert len(fake_todoist.tasks()) == 5
    assert fake_todoist.sync_batches() == []


def test_completed_tasks_are_listed_with_completion_time(fake_todoist: FakeTodoist) -> None:
    with adapter(fake_todoist) as first:
        results = first.apply([CreateTask(step(n)) for n in range(3)])
    done_at = datetime.now(UTC) - timedelta(days=100)
    fake_todoist.complete(results[1].remote_id or "", at=done_at)
    with adapter(fake_todoist) as fresh:
        tasks = {t.key: t for t in fresh.list_tasks()}
    assert len(tasks) == 3
    done = tasks["pmp/course/s1"]
    assert done.completed and done.completed_at is not None
    assert abs((done.completed_at - done_at).total_seconds()) < 1


def test_no_change_check_is_one_request(todoist: TodoistTasks,
                                        fake_todoist: FakeTodoist) -> None:
    todoist.apply([CreateTask(step(1))])
    _, token = todoist.changes_since(None)
    before = todoist.requests
    assert todoist.changes_since(token) == (False, token)
    assert todoist.requests - before == 1


def test_user_edit_is_seen_and_list_after_check_is_one_request(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    [result] = todoist.apply([CreateTask(step(1))])
    todoist.list_tasks()
    _, token = todoist.changes_since(None)
    fake_todoist.complete(result.remote_id or "")
    changed, new_token = todoist.changes_since(token)
    assert changed and new_token != token
    before = todoist.requests
    [task] = todoist.list_tasks()
    assert task.completed and todoist.requests - before == 0  # the check read it all


def test_foreign_change_is_not_a_change(todoist: TodoistTasks,
                                        fake_todoist: FakeTodoist) -> None:
    _, token = todoist.changes_since(None)
    fake_todoist.add_task("buy milk")
    changed, _ = todoist.changes_since(token)
    assert not changed


def test_update_changes_only_named_fields_and_moves(fake_todoist: FakeTodoist) -> None:
    todoist = adapter(fake_todoist, layout="projects")
    [created] = todoist.apply([CreateTask(step(1, priority=3))])
    remote_id = created.remote_id or ""
    fake_todoist.rename(remote_id, "My own title")
    todoist.list_tasks()
    new = step(1, priority=1, due=date(2026, 12, 2), milestone_title="Pass the exam")
    [updated] = todoist.apply([UpdateTask(remote_id, new,
                                          frozenset({"priority", "due", "milestone_title"}))])
    assert updated.ok and updated.remote_id == remote_id
    task = fake_todoist.task(remote_id)
    assert (task["content"], task["priority"], task["due"]["date"]) == (
        "My own title", 4, "2026-12-02")
    [section] = [s for s in fake_todoist.sections() if s["id"] == task["section_id"]]
    assert section["name"] == "Pass the exam"


def test_delete_and_update_of_missing_task(todoist: TodoistTasks,
                                           fake_todoist: FakeTodoist) -> None:
    [created] = todoist.apply([CreateTask(step(1))])
    remote_id = created.remote_id or ""
    [deleted] = todoist.apply([DeleteTask("pmp/course/s1", remote_id)])
    assert deleted.ok and fake_todoist.tasks() == []
    [missing] = todoist.apply([UpdateTask(remote_id, step(1), frozenset({"title"}))])
    assert not missing.ok and not missing.retryable
    assert todoist.list_tasks() == []


# ------------------------------------------------------------------ credentials


def test_bad_token_is_an_auth_error_without_the_token(fake_todoist: FakeTodoist) -> None:
    secret = "wrong-secret-token-123"
    backend = TodoistTasks(secret, api_url=fake_todoist.url, max_wait=1)
    for call in (backend.list_tasks, lambda: backend.changes_since("x"),
                 lambda: backend.apply([CreateTask(step(1))])):
        with pytest.raises(AuthError) as error:
            call()
        assert error.value.exit_code == 3
        assert secret not in str(error.value) and secret not in (error.value.hint or "")
    assert secret not in repr(backend)
    backend.close()


def test_from_settings_reads_the_todoist_table(fake_todoist: FakeTodoist) -> None:
    settings = {"api_url": fake_todoist.url, "layout": "sections", "root_project": "Career"}
    with from_settings(settings, FAKE_TOKEN) as backend:
        assert (backend.layout, backend.root_project) == ("sections", "Career")
        backend.apply([CreateTask(step(1))])
    assert "Career" in {p["name"] for p in fake_todoist.projects()}


def test_default_api_url_is_the_real_service() -> None:
    backend = TodoistTasks("t")
    assert backend.api_url == "https://api.todoist.com"
    backend.close()


@pytest.mark.parametrize("encodings", [("json",), ("form",)])
def test_sync_bodies_fall_back_to_the_encoding_the_server_reads(
        encodings: tuple[str, ...]) -> None:
    with FakeTodoist(token=FAKE_TOKEN, sync_encodings=encodings) as fake:
        with adapter(fake) as backend:
            assert backend.apply([CreateTask(step(1))])[0].ok
            _, token = backend.changes_since(None)
            before = backend.requests
            assert backend.changes_since(token) == (False, token)
            assert backend.requests - before == 1
        assert contents(fake) == ["Step 1"]


@pytest.mark.parametrize("suffix", ["", "/", "/api/v1", "/api/v1/"])
def test_api_url_may_name_the_api_path(fake_todoist: FakeTodoist, suffix: str) -> None:
    with TodoistTasks(FAKE_TOKEN, api_url=fake_todoist.url + suffix) as backend:
        assert backend.apply([CreateTask(step(1))])[0].ok
        assert [t.key for t in backend.list_tasks()] == ["pmp/course/s1"]


def test_replay_without_temp_id_mapping_still_places_later_batches(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    """API v1 resolves a temp_id only inside its own request, and does not promise the
    mapping of a replayed command: the ids are found before the next batch uses them."""
    todoist.list_tasks()
    fake_todoist.state.replay_mapping = False
    fake_todoist.drop_next(1, path=SYNC)  # the first batch runs, its answer is lost
    milestone = step("m", kind="milestone", key="pmp/course")
    subs = [CreateTask(step(n, parent_key="pmp/course")) for n in range(150)]
    results = todoist.apply([CreateTask(milestone), *subs])
    assert all(r.ok and r.remote_id for r in results), [r.error for r in results if not r.ok]
    tasks = fake_todoist.tasks()
    assert len(tasks) == 151
    parent = next(t for t in tasks if t["content"] == "Step m")
    assert all(t["parent_id"] == parent["id"] for t in tasks if t is not parent)
    assert len({t["project_id"] for t in tasks}) == 1
    assert len(fake_todoist.projects()) == 2  # Inbox, Goals (the goal is a section)


def test_completed_task_missing_optional_fields_is_still_listed(
        fake_todoist: FakeTodoist) -> None:
    """Completed tasks are read as JSON: a field goalsync does not use (here the ones
    the SDK model requires) missing from the answer does not fail the listing."""
    with adapter(fake_todoist) as first:
        done_id = first.apply([CreateTask(step(1))])[0].remote_id or ""
    fake_todoist.complete(done_id, at=datetime.now(UTC) - timedelta(days=3))
    for name in ("child_order", "added_by_uid", "is_collapsed", "updated_at"):
        fake_todoist.state.objects["items"][done_id].pop(name)
    with adapter(fake_todoist) as fresh:
        (task,) = fresh.list_tasks()
    assert task.completed and task.completed_at is not None and task.title == "Step 1"


def test_deleting_a_parent_with_its_subtasks_reports_no_errors(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    """API v1 "Delete tasks": item_delete removes the subtasks too, so subtasks go
    first and none fails as not found."""
    milestone = step("m", kind="milestone", key="pmp/course")
    made = todoist.apply([CreateTask(milestone),
                          *(CreateTask(step(n, parent_key="pmp/course")) for n in range(3))])
    ids = {r.key: r.remote_id or "" for r in made}
    results = todoist.apply([DeleteTask(k, v) for k, v in ids.items()])
    assert all(r.ok for r in results), [r.error for r in results]
    assert fake_todoist.tasks() == []


def test_change_to_a_task_deleted_in_the_app_is_not_found(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    [created] = todoist.apply([CreateTask(step(1))])
    fake_todoist.delete_task(created.remote_id or "")
    results = todoist.apply([UpdateTask(created.remote_id or "", step(1, title="New"),
                                        frozenset({"title"})),
                             DeleteTask("pmp/course/s1", created.remote_id or "")])
    assert [(r.error, r.retryable) for r in results] == [("not found", False)] * 2


def test_a_deleted_task_created_again_is_really_created(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    """API v1 "Command UUID": the server never runs a uuid twice, so creating the same
    step again after it was deleted must not reuse the first create's uuid."""
    todoist.apply([CreateTask(step(0))])  # the project, section and label exist now
    [first] = todoist.apply([CreateTask(step(1))])
    [gone] = todoist.apply([DeleteTask("pmp/course/s1", first.remote_id or "")])
    assert gone.ok and len(fake_todoist.tasks()) == 1
    with adapter(fake_todoist) as fresh:  # e.g. the step came back into the plan
        [again] = fresh.apply([CreateTask(step(1))])
    assert again.ok and again.remote_id not in (None, first.remote_id)
    assert again.remote_id in {t["id"] for t in fake_todoist.tasks()}
    assert len(fake_todoist.tasks()) == 2


def test_floating_time_set_in_the_app_is_read_in_the_users_zone(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    """API v1 "Due dates": a time set in the app is floating by default (no Z,
    timezone null) and means that wall time in the user's zone (user.tz_info)."""
    fake_todoist.state.user_timezone = "Europe/Berlin"
    [made] = todoist.apply([CreateTask(step(1))])
    fake_todoist.edit(made.remote_id or "", due={"date": "2026-11-23T10:00:00"})
    with adapter(fake_todoist) as fresh:
        (task,) = fresh.list_tasks()
    assert task.due == datetime(2026, 11, 23, 9, tzinfo=UTC)


def test_batches_stay_under_the_body_size_limit(todoist: TodoistTasks,
                                                fake_todoist: FakeTodoist) -> None:
    """API v1 "Request limits": POST bodies are limited to 1 MiB."""
    long_text = "Why this matters: " + "ü & more " * 1700  # ~15 kB, ~50 kB encoded
    results = todoist.apply([CreateTask(step(n, description=long_text)) for n in range(40)])
    assert all(r.ok for r in results)
    sizes = [len(urlencode({"commands": json.dumps(batch)})) for batch in
             fake_todoist.sync_batches()]
    assert len(sizes) > 1 and max(sizes) < 1 << 20


def test_an_answer_that_is_not_json_is_a_backend_error(fake_todoist: FakeTodoist) -> None:
    fake_todoist.inject(Fault("not_json", path=SYNC))
    with adapter(fake_todoist) as backend, pytest.raises(IncompleteListing):
        backend.list_tasks()


def test_rate_limit_and_lost_answer_in_one_push_leave_each_task_once(
        todoist: TodoistTasks, fake_todoist: FakeTodoist) -> None:
    """What an outside checker does: a 429 on one batch, a dropped connection after
    another ran, replays answered without temp_id_mapping; then a rerun."""
    todoist.list_tasks()
    fake_todoist.state.replay_mapping = False
    fake_todoist.rate_limit_next(1, retry_after=0, path=SYNC, skip=1)
    fake_todoist.drop_next(1, path=SYNC, skip=2)
    milestone = CreateTask(step("m", kind="milestone", key="pmp/course"))
    specs = [milestone, *(CreateTask(step(n, parent_key="pmp/course")) for n in range(299))]
    results = todoist.apply(specs)
    assert all(r.ok for r in results), [r.error for r in results if not r.ok][:3]
    batches = fake_todoist.sync_batches()
    uuids = [c["uuid"] for batch in batches for c in batch]
    resent = [i for i in range(1, len(batches)) if batches[i] == batches[i - 1]]
    assert len(resent) == 2  # the refused batch and the lost one, resent as they were
    assert len(set(uuids)) == fake_todoist.state.executed_commands
    with adapter(fake_todoist) as rerun:
        assert all(r.ok for r in rerun.apply(specs))
    assert len(fake_todoist.tasks()) == 300
    assert len({t["content"] for t in fake_todoist.tasks()}) == 300


def test_a_server_that_refuses_the_user_resource_is_read_without_it(
        fake_todoist: FakeTodoist) -> None:
    fake_todoist.state.refused_resource_types = {"user"}
    with adapter(fake_todoist) as backend:
        backend.apply([CreateTask(step(1))])
        assert [t.key for t in backend.list_tasks()] == ["pmp/course/s1"]
        assert backend.changes_since(None)[0]
    reads = [r.body["resource_types"] for r in fake_todoist.requests
             if r.path == SYNC and r.status == 200 and "resource_types" in r.body]
    assert reads and all("user" not in types for types in reads)
