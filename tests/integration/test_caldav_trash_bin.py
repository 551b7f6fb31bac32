"""A server that refuses to re-create a deleted UID (Nextcloud's trash bin answers 400)
gets the task under the next generation of its UID, and a replay still adopts it."""

from __future__ import annotations

from typing import Any

import pytest

from syncer.backends.base import CreateTask, DeleteTask, TaskSpec
from syncer.backends.caldav_common import WriteRefused
from syncer.ical import task_uid

pytestmark = pytest.mark.integration

SPEC = TaskSpec(key="pmp/course/research", kind="step", title="Research", goal_id="pmp",
                goal_title="PMP", milestone_id="course")


def _with_trash_bin(tasks: Any, refused_uid: str) -> None:
    """Make the task list answer like Nextcloud for one UID in its trash bin."""
    real_put = tasks.dav.put

    def put(url: str, data: bytes, **kwargs: Any) -> str:
        if kwargs.get("create") and url.endswith(refused_uid.replace("@", ".") + ".ics"):
            raise WriteRefused("Deleted calendar object with uid already exists", 400)
        return str(real_put(url, data, **kwargs))

    tasks.dav.put = put


def test_a_uid_in_the_trash_bin_moves_to_the_next_generation(caldav_tasks: Any) -> None:
    (first,) = caldav_tasks.apply([CreateTask(SPEC)])
    caldav_tasks.apply([DeleteTask(SPEC.key, first.remote_id)])
    _with_trash_bin(caldav_tasks, task_uid("plan", SPEC.key))
    (again,) = caldav_tasks.apply([CreateTask(SPEC)])
    assert again.ok and again.remote_id == task_uid("plan", SPEC.key, 2)
    (replayed,) = caldav_tasks.apply([CreateTask(SPEC)])  # a replay after a crash
    assert replayed.ok and replayed.remote_id == again.remote_id
    (listed,) = caldav_tasks.list_tasks()
    assert (listed.key, listed.remote_id) == (SPEC.key, again.remote_id)


def test_other_refusals_are_failed_results(caldav_tasks: Any) -> None:
    def refuse(url: str, data: bytes, **kwargs: Any) -> str:
        raise WriteRefused("refused (403 Forbidden)", 403)

    caldav_tasks.dav.put = refuse
    (result,) = caldav_tasks.apply([CreateTask(SPEC)])
    assert not result.ok and "403" in (result.error or "")
