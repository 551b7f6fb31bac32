"""The backend registry: config names to adapters, the binding, lazy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from syncer import config as config_module
from syncer.backends import registry
from syncer.config import Config, from_mapping
from syncer.errors import ConfigError
from tests.unit.sync_plans import make_plan

HEAVY = ("caldav", "httpx", "icalendar", "niquests", "radicale")


def choices(section: str) -> tuple[str, ...]:
    (setting,) = [s for s in config_module.SPEC if (s.section, s.key) == (section, "backend")]
    return setting.choices


def test_the_config_accepts_exactly_the_registered_names() -> None:
    assert choices("tasks") == tuple(registry.TASK_BACKENDS)
    assert choices("calendar") == tuple(registry.CALENDAR_BACKENDS)


@pytest.mark.parametrize("settings, expected", [
    ({}, "tasks=embedded calendar=embedded"),
    ({"tasks": {"backend": "todoist"}, "calendar": {"backend": "none"}},
     "tasks=todoist:https://api.todoist.com:projects:Goals calendar=none"),
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
