"""Whatever faults hit a push, a rerun ends with every task exactly once (Hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.backends.base import BackendError, CreateTask, TaskSpec
from syncer.backends.todoist import TodoistTasks
from tests.fake_todoist import FakeTodoist, Fault
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration

faults = st.lists(st.builds(
    Fault,
    kind=st.sampled_from(["status", "rate_limit", "drop_before", "drop_after"]),
    count=st.integers(1, 8),
    path=st.sampled_from([None, "/api/v1/sync"]),
    skip=st.integers(0, 4),
    status=st.sampled_from([500, 502, 503]),
    retry_after=st.just(0),
), max_size=3)


def specs(n: int) -> list[CreateTask]:
    """Steps in two milestones; every tenth is a parent the next nine are subtasks of
    (so later batches name tasks, projects and sections made by earlier ones)."""
    return [CreateTask(TaskSpec(
        key=f"g/m/s{i}", kind="step", title=f"Step {i}", goal_id="g", goal_title="Goal",
        milestone_id="m", milestone_title=f"Milestone {i // 10 % 2}", plan_id="p",
        parent_key=None if i % 10 == 0 else f"g/m/s{i - i % 10}"))
        for i in range(n)]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(injected=faults, size=st.integers(1, 230), replay_mapping=st.booleans())
def test_any_faults_then_rerun_leave_each_task_once(injected: list[Fault], size: int,
                                                    replay_mapping: bool) -> None:
    changes = specs(size)
    with FakeTodoist(token=FAKE_TOKEN) as fake:
        fake.state.replay_mapping = replay_mapping  # the docs do not say which
        for fault in injected:
            fake.inject(fault)
        with TodoistTasks(FAKE_TOKEN, api_url=fake.url, max_wait=1,
                          retry_backoff=0.0001) as first:
            try:
                results = first.apply(changes)
            except BackendError:
                results = []  # nothing could be sent, or not known to be sent
        assert len(results) in (0, size)
        for change, result in zip(changes, results, strict=False):
            if result.ok:  # a success is real: the task is there, as asked
                assert fake.task(result.remote_id or "")["content"] == change.spec.title
        fake.clear_faults()
        with TodoistTasks(FAKE_TOKEN, api_url=fake.url, max_wait=1) as rerun:
            again = rerun.apply(changes)
            assert all(r.ok for r in again), [r.error for r in again if not r.ok][:3]
            listed = rerun.list_tasks()
        contents = sorted(t["content"] for t in fake.tasks())
        assert contents == sorted(f"Step {i}" for i in range(size))
        assert sorted(t.remote_id for t in listed) == sorted(r.remote_id or "" for r in again)
        assert len({p["name"] for p in fake.projects()}) == len(fake.projects())
        assert len({(s["project_id"], s["name"]) for s in fake.sections()}) == len(
            fake.sections())
        by_title = {t["content"]: t for t in fake.tasks()}
        for change in changes:  # subtasks sit under their parent, wherever it was made
            parent = change.spec.parent_key
            if parent:
                parent_title = f"Step {parent.rsplit('s', 1)[1]}"
                assert by_title[change.spec.title]["parent_id"] == by_title[parent_title]["id"]
