"""The backend registry: config names to adapters, the binding, closing both adapters
when a run ends, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from syncer import config as config_module
from syncer import engine
from syncer.backends import registry
from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.config import Config, from_mapping
from syncer.errors import ConfigError, CredentialError
from tests.helpers.plans import pmp_plan
from tests.unit.sync_plans import NOW, make_plan

HEAVY = ("caldav", "httpx", "icalendar", "niquests", "radicale")


def choices(section: str) -> tuple[str, ...]:
    (setting,) = [s for s in config_module.SPEC if (s.section, s.key) == (section, "backend")]
    return setting.choices


def test_the_config_accepts_exactly_the_registered_names() -> None:
    assert choices("tasks") == tuple(registry.TASK_BACKENDS)
    assert choices("calendar") == tuple(registry.CALENDAR_BACKENDS)


@pytest.mark.parametrize("settings, expected", [
    ({}, "tasks=embedded:Goal tasks calendar=embedded"),
    ({"caldav": {"task_list": "Goals"}}, "tasks=embedded calendar=embedded"),
    ({"tasks": {"backend": "todoist"}, "calendar": {"backend": "none"}},
     "tasks=todoist:https://api.todoist.com:sections:Goals calendar=none"),
    ({"tasks": {"backend": "todoist"}, "todoist": {"layout": "sections",
                                                   "root_project": "Career"}},
     "tasks=todoist:https://api.todoist.com:sections:Career calendar=embedded"),
    ({"tasks": {"backend": "caldav"}, "calendar": {"backend": "caldav"},
      "caldav": {"url": "https://dav.example.org/", "task_list": "Todo",
                 "calendar": "Work"}},
     "tasks=caldav:https://dav.example.org/:Todo "
     "calendar=caldav:https://dav.example.org/:Work"),
])
def test_the_binding_names_each_target(settings: dict[str, dict[str, str]],
                                       expected: str) -> None:
    assert registry.binding(from_mapping(settings)) == expected


CALDAV = {"tasks": {"backend": "caldav"}, "calendar": {"backend": "caldav"},
          "caldav": {"url": "https://dav.example.org/"}}


@pytest.mark.parametrize("settings, saved, name", [
    # a new setup: the calendar is "Goals", the task list "Goal tasks"
    ({}, None, "Goal tasks"),
    (CALDAV, None, "Goal tasks"),
    # bound to the old default "Goals" (the binding older versions saved): kept
    ({}, "tasks=embedded calendar=embedded", "Goals"),
    ({}, "tasks=embedded calendar=none", "Goals"),
    (CALDAV, "tasks=caldav:https://dav.example.org/:Goals "
             "calendar=caldav:https://dav.example.org/:Goals", "Goals"),
    # bound to the new default, or to something else: the new default
    ({}, "tasks=embedded:Goal tasks calendar=embedded", "Goal tasks"),
    (CALDAV, "tasks=caldav:https://dav.example.org/:Goal tasks calendar=none", "Goal tasks"),
    (CALDAV, "tasks=todoist:https://api.todoist.com:projects:Goals calendar=none",
     "Goal tasks"),
    # set in the config: always that
    ({"caldav": {"task_list": "Goals"}}, None, "Goals"),
    ({"caldav": {"task_list": "Mine"}}, "tasks=embedded calendar=embedded", "Mine"),
])
def test_an_unset_task_list_keeps_the_list_a_setup_is_bound_to(
        settings: dict[str, dict[str, str]], saved: str | None, name: str) -> None:
    config = from_mapping(settings)
    assert registry.task_list_name(config, saved) == name
    if saved is not None and name == "Goals":  # the rebind guard sees no change
        tasks_part = saved.rpartition(" calendar=")[0]
        assert registry.binding(config, saved).rpartition(" calendar=")[0] == tasks_part


def test_an_unregistered_name_is_a_config_error(tmp_path: Path) -> None:
    config = Config(values={"tasks": {"backend": "google"}, "calendar": {"backend": "none"}})
    with pytest.raises(ConfigError, match='one of "todoist", "caldav", "embedded"'), \
            registry.open_backends(config, make_plan(), tmp_path):
        pass


def test_importing_the_engine_loads_no_adapter_library() -> None:
    code = ("import json, sys, syncer.engine, syncer.backends.registry\n"
            "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = json.loads(done.stdout)
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert heavy == [], f"importing the engine loaded {heavy}"
    assert not [m for m in loaded if m.startswith("syncer.backends.")
                and m not in ("syncer.backends.base", "syncer.backends.registry")]


# ------------------------------------------------------------------ closing


@dataclass
class ClosingTasks(MemoryTaskBackend):
    closed: int = 0

    def close(self) -> None:
        self.closed += 1


@dataclass
class ClosingCalendar(MemoryCalendarBackend):
    closed: int = 0

    def close(self) -> None:
        self.closed += 1


@pytest.fixture
def stubs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[ClosingTasks,
                                                                    ClosingCalendar]:
    """The "caldav" entries build in-memory adapters that count their close() calls."""
    tasks, calendar = ClosingTasks(), ClosingCalendar()
    monkeypatch.setitem(registry.TASK_BACKENDS, "caldav", replace(
        registry.TASK_BACKENDS["caldav"], build=lambda opening: tasks))
    monkeypatch.setitem(registry.CALENDAR_BACKENDS, "caldav", replace(
        registry.CALENDAR_BACKENDS["caldav"], build=lambda opening: calendar))
    monkeypatch.setenv("GOALSYNC_STATE_DIR", str(tmp_path / "state"))
    return tasks, calendar


def caldav_config(calendar: str = "caldav") -> Config:
    return from_mapping({"tasks": {"backend": "caldav"}, "calendar": {"backend": calendar},
                         "caldav": {"url": "https://dav.example.org/"}})


def test_a_sync_closes_both_backends_when_it_ends(
        stubs: tuple[ClosingTasks, ClosingCalendar], tmp_path: Path) -> None:
    tasks, calendar = stubs
    plan = tmp_path / "goals.yaml"
    plan.write_text(pmp_plan())
    report = engine.sync(plan, caldav_config(), now=NOW)
    assert report.created > 0 and tasks.tasks and calendar.blocks  # the run used them
    assert (tasks.closed, calendar.closed) == (1, 1)


def test_a_failed_run_closes_both_backends(stubs: tuple[ClosingTasks, ClosingCalendar],
                                           tmp_path: Path) -> None:
    tasks, calendar = stubs
    with pytest.raises(RuntimeError), registry.open_backends(
            caldav_config(), make_plan(), tmp_path) as backends:
        assert (backends.tasks, backends.calendar) == (tasks, calendar)
        assert (tasks.closed, calendar.closed) == (0, 0)
        raise RuntimeError("the run failed")
    assert (tasks.closed, calendar.closed) == (1, 1)


def test_a_calendar_that_cannot_be_built_still_closes_the_task_backend(
        stubs: tuple[ClosingTasks, ClosingCalendar], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    tasks, _ = stubs

    def no_password(opening: registry.Opening) -> None:
        raise CredentialError("no CalDAV password")

    monkeypatch.setitem(registry.CALENDAR_BACKENDS, "caldav", replace(
        registry.CALENDAR_BACKENDS["caldav"], build=no_password))
    with pytest.raises(CredentialError), registry.open_backends(
            caldav_config(), make_plan(), tmp_path):
        pass
    assert tasks.closed == 1


def test_a_dry_run_before_the_embedded_server_has_data_closes_the_other_backend(
        stubs: tuple[ClosingTasks, ClosingCalendar], tmp_path: Path) -> None:
    tasks, _ = stubs
    with registry.open_backends(caldav_config(calendar="embedded"), make_plan(), tmp_path,
                                dry_run=True) as backends:
        assert backends.tasks is tasks
        assert type(backends.calendar) is MemoryCalendarBackend  # the empty stand-in
    assert tasks.closed == 1
    assert not (tmp_path / "radicale").exists()  # the server was not started


TODOIST = {"tasks": {"backend": "todoist"}, "calendar": {"backend": "none"}}
OLD = "tasks=todoist:https://api.todoist.com:projects:Goals calendar=none"


@pytest.mark.parametrize("settings, saved, layout", [
    (TODOIST, None, "sections"),  # a new setup: one project, a section per goal
    (TODOIST, OLD, "projects"),  # synced with the earlier default: kept, no --rebind
    (TODOIST, "tasks=todoist:https://api.todoist.com:sections:Goals calendar=none",
     "sections"),
    ({**TODOIST, "todoist": {"layout": "projects"}}, None, "projects"),
    ({**TODOIST, "todoist": {"layout": "sections"}}, OLD, "sections"),  # a choice wins
])
def test_an_unset_todoist_layout_keeps_the_layout_a_setup_is_bound_to(
        settings: dict[str, dict[str, str]], saved: str | None, layout: str) -> None:
    config = from_mapping(settings)
    assert registry.todoist_layout(config, saved) == layout
    assert f":{layout}:Goals " in registry.binding(config, saved)
