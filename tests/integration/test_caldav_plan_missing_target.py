"""`goalsync plan` (a dry run) before the target calendar exists still reads the busy
calendars: found against Cyrus, where blocks were previewed on top of a recurring Monday
meeting because a missing target made the dry run skip busy time altogether. Runs
against the Radicale that requires alice's password, through the CLI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from syncer.embedded import EmbeddedServer
from tests.fixtures.radicale import AUTH_PASSWORD, AUTH_USER, unique_name
from tests.helpers.cli import NOW, run_main
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration

# Every Monday 08:00-20:00 UTC from the Monday the run plans for (NOW).
MEETING = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//test//EN
BEGIN:VEVENT
UID:monday-meeting@example.org
DTSTAMP:20261101T000000Z
DTSTART:20261123T080000Z
DTEND:20261123T200000Z
RRULE:FREQ=WEEKLY;BYDAY=MO
SUMMARY:Monday meeting
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def alice(radicale_auth_server: EmbeddedServer) -> Iterator[Any]:
    import caldav

    client = caldav.DAVClient(radicale_auth_server.url, username=AUTH_USER,
                              password=AUTH_PASSWORD, auth_type="basic")
    yield client
    client.close()


@pytest.fixture
def user(radicale_auth_server: EmbeddedServer, alice: Any, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """alice with a busy calendar holding the meeting, and a config naming a calendar
    and a task list that do not exist yet."""
    names = {"work": unique_name("Work"), "goals": unique_name("Goals"),
             "tasks": unique_name("Goal tasks")}
    alice.principal().make_calendar(name=names["work"]).save_event(MEETING)
    isolate_home(monkeypatch, tmp_path)
    config = tmp_path / "goalsync.toml"
    config.write_text(
        '[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
        f'[caldav]\nurl = "{radicale_auth_server.url}"\nusername = "{AUTH_USER}"\n'
        f'calendar = "{names["goals"]}"\ntask_list = "{names["tasks"]}"\n'
        f'busy_calendars = ["{names["work"]}"]\n')
    monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", AUTH_PASSWORD)
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    monkeypatch.chdir(tmp_path)
    return names


def test_plan_with_a_missing_target_books_around_the_busy_calendars(
        user: dict[str, str], alice: Any) -> None:
    code, out, err = run_main("plan", "goals.yaml", "--json")
    assert code == 0, out + err
    blocks = [(datetime.fromisoformat(a["start"]), datetime.fromisoformat(a["end"]))
              for a in json.loads(out)["actions"] if a["kind"] == "create-block"]
    assert blocks
    assert blocks[0][0].date() >= datetime.fromisoformat(NOW).date()
    assert [b for b in blocks if _on_the_meeting(*b)] == []
    names = {c.get_display_name() for c in alice.principal().get_calendars()}
    assert user["goals"] not in names and user["tasks"] not in names  # still a dry run


def test_plan_with_the_wrong_password_exits_3(user: dict[str, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "wrong-password")
    code, out, err = run_main("plan", "goals.yaml")
    assert code == 3, out + err
    assert "rejected" in err and "wrong-password" not in out + err
    assert "to create" not in out


def _on_the_meeting(start: datetime, end: datetime) -> bool:
    if start.weekday() != 0:
        return False
    meeting = (start.replace(hour=8, minute=0), start.replace(hour=20, minute=0))
    return start < meeting[1] and meeting[0] < end
