"""Start-up: ``goalsync --help`` and ``goalsync <command> --help`` load none of the heavy
modules (the backends' libraries, the engine, the core, rich), so help is as quick as
Python itself. Not timed here: bench/startup.py prints the seconds."""

from __future__ import annotations

import subprocess
import sys

import pytest

from syncer.cli import COMMANDS

HEAVY = ("httpx", "icalendar", "caldav", "todoist_api_python", "radicale", "niquests",
         "recurring_ical_events", "ruamel", "yaml", "rich", "keyring", "platformdirs",
         "syncer.engine", "syncer.core", "syncer.state", "syncer.report", "syncer.planfile",
         "syncer.backends", "syncer.embedded", "syncer.ical")
# init_cmd keeps its light helpers (syncer.answers, core.model, core.durations) at
# start-up; the YAML parser and everything heavier wait until an answer needs them
LIGHT_ONLY = {"init": ("httpx", "icalendar", "caldav", "todoist_api_python", "radicale",
                       "niquests", "rich", "ruamel", "yaml", "keyring", "syncer.engine",
                       "syncer.backends", "syncer.core.parse", "syncer.state",
                       "syncer.report", "syncer.ical")}

PROBE = """
import sys
from syncer.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = tuple(sys.stdin.read().split())
print("IMPORTED:" + " ".join(sorted(m for m in sys.modules if m.startswith(heavy))))
"""

HELPS = [()] + [(name,) for name in sorted(COMMANDS)] + [("auth", "caldav"),
                                                           ("auth", "todoist")]


@pytest.mark.parametrize("path", HELPS, ids=lambda p: " ".join(p) or "goalsync")
def test_help_imports_no_heavy_module(path: tuple[str, ...]) -> None:
    heavy = LIGHT_ONLY.get(path[0], HEAVY) if path else HEAVY
    done = subprocess.run([sys.executable, "-c", PROBE, *path, "--help"],
                          input=" ".join(heavy), capture_output=True, text=True, check=True,
                          timeout=120)
    assert "Usage:" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "IMPORTED:", done.stdout[-400:]


def test_the_constants_kept_apart_for_speed_equal_their_sources() -> None:
    from syncer.backends.todoist_http import DEFAULT_API_URL
    from syncer.commands import auth_todoist, demo_cmd, review_cmd
    from syncer.core.adjust import WEEKLY_HOURS
    from syncer.core.review import MILESTONE_DONE, MONTHLY, QUARTERLY
    from syncer.embedded import DEFAULT_USER

    assert auth_todoist.DEFAULT_API_URL == DEFAULT_API_URL
    assert demo_cmd.DEFAULT_USER == DEFAULT_USER
    assert review_cmd.WEEKLY_HOURS == WEEKLY_HOURS
    assert (review_cmd.MILESTONE_DONE, review_cmd.MONTHLY, review_cmd.QUARTERLY) == (
        MILESTONE_DONE, MONTHLY, QUARTERLY)
