"""The calendar and the task list have distinct default names ("Goals", "Goal tasks"),
and a setup already bound to the old shared default "Goals" keeps its task list: no
rebind stop, no second list, nothing created again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syncer.backends.caldav_common import DavConnection
from syncer.embedded import EmbeddedServer
from tests.helpers.plans import pmp_plan
from tests.integration.test_sync_reliability import NOW, _in_process

pytestmark = pytest.mark.integration


def _sync(home: Path) -> dict[str, object]:
    env = {"GOALSYNC_CONFIG": str(home / "goalsync.toml"),
           "GOALSYNC_STATE_DIR": str(home / "state"), "XDG_CONFIG_HOME": str(home / "xdg")}
    result = _in_process(["sync", str(home / "goals.yaml"), "--json", "--now", NOW], env)
    assert result.returncode == 0, result.stderr + result.stdout
    return dict(json.loads(result.stdout))


def _collections(home: Path) -> list[tuple[str, list[str]]]:
    with EmbeddedServer(home / "state" / "radicale") as server:
        return sorted((c.name, sorted(c.components))
                      for c in DavConnection(server.url, "goalsync", "x").collections())


def test_a_new_setup_gets_two_distinct_names(tmp_path: Path) -> None:
    (tmp_path / "goalsync.toml").write_text("")
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    assert _sync(tmp_path)["created"] > 0
    assert _sync(tmp_path)["created"] == 0
    assert _collections(tmp_path) == [("Goal tasks", ["VTODO"]), ("Goals", ["VEVENT"])]


def test_a_setup_bound_to_the_old_default_keeps_its_task_list(tmp_path: Path) -> None:
    # what the old default did: both named "Goals" (the binding it saved is the same)
    (tmp_path / "goalsync.toml").write_text('[caldav]\ntask_list = "Goals"\n')
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    assert _sync(tmp_path)["created"] > 0
    (tmp_path / "goalsync.toml").write_text("")  # the config never set it
    again = _sync(tmp_path)
    assert (again["created"], again["deleted"]) == (0, 0)
    assert _collections(tmp_path) == [("Goals", ["VEVENT"]), ("Goals", ["VTODO"])]
