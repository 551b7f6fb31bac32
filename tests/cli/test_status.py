"""``goalsync status``: the table and the documented --json, from the synced state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.core.model import Block
from syncer.state import STATE_FILE, State
from tests.helpers.home import isolate_home
from tests.helpers.plans import GOAL_G_PLAN

PLAN = "# my plan\n" + GOAL_G_PLAN


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A plan file and an isolated state folder and config."""
    isolate_home(monkeypatch, tmp_path)
    (tmp_path / "goals.yaml").write_text(PLAN, encoding="utf-8")
    return tmp_path


def seed(home: Path, completions: dict[str, datetime], blocks: list[Block]) -> None:
    with State.open(home / "state" / STATE_FILE) as state:
        state.begin_run(datetime(2026, 11, 1, tzinfo=UTC))
        state.end_run(datetime(2026, 11, 1, 0, 1, tzinfo=UTC), {})
        for key, at in completions.items():
            state.record_completion(key, at)
        state.save_planned_blocks(blocks, datetime(2026, 11, 1, tzinfo=UTC))


def run(home: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["status", str(home / "goals.yaml"), "--offline",
                                      "--now", "2026-12-01T12:00:00+00:00", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def test_status_json_has_exactly_the_documented_shape(home: Path) -> None:
    seed(home, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [
        Block("g/m1/a", datetime(2026, 11, 19, 9, tzinfo=UTC),
              datetime(2026, 11, 19, 11, tzinfo=UTC)),
        Block("g/m1/b", datetime(2026, 12, 3, 9, tzinfo=UTC),
              datetime(2026, 12, 3, 10, tzinfo=UTC)),
    ])
    code, out = run(home, "--json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"goals", "prompts"}
    goal = doc["goals"][0]
    assert set(goal) == {"id", "title", "progress", "expected", "status", "forecast",
                         "deadline", "milestones"}
    # a 120 + d 240 of 480 minutes done; expected: a, d, and c (no blocks, not due) 0.
    assert goal["progress"] == pytest.approx(0.75)
    assert goal["expected"] == pytest.approx(0.75)
    assert goal["deadline"] == "2026-12-31"
    # B is booked to end on Dec 3 (C has no estimate: nothing to book); one completed
    # step is too little history for the pace (0.5 h/week) to count
    assert goal["forecast"] == "2026-12-03"
    assert goal["status"] == "on track"
    m1, m2 = goal["milestones"]
    assert set(m1) == {"id", "title", "progress", "status", "due"}
    assert (m1["id"], m1["progress"], m1["status"], m1["due"]) == ("m1", 0.5, "on track",
                                                                   "2026-12-15")
    assert (m2["status"], m2["due"]) == ("done", "2026-12-31")
    triggers = {(p["trigger"], p["goal"], p["milestone"]) for p in doc["prompts"]}
    assert ("weekly", None, None) in triggers
    assert ("milestone-done", "g", "m2") in triggers
    assert not any(t == "at-risk" for t, _, _ in triggers)
    assert all(set(p) == {"trigger", "goal", "milestone", "text"} for p in doc["prompts"])


def test_status_table_shows_bars_status_and_dates(home: Path) -> None:
    seed(home, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [])
    code, out = run(home)
    assert code == 0
    rows = {line.strip().split("  ")[0]: line.split() for line in out.splitlines()
            if "%" in line}
    # progress bar, 75 %, expected (linear from Nov 1 to Jan 1: 50 %), status, forecast
    # (unknown: nothing booked, and one completion is too little history), deadline;
    # on a pipe 100 columns wide: a 12-cell Unicode bar
    assert rows["Goal G"][2:] == ["█████████░░░", "75%", "50%", "on", "track", "-",
                                  "2026-12-31"]
    # M1: linear from Nov 1 to Dec 16: 68 % expected, 50 % done → behind
    assert rows["M1"][1:] == ["██████░░░░░░", "50%", "68%", "behind", "-", "2026-12-15"]
    assert rows["M2"][1:] == ["████████████", "100%", "50%", "done", "-", "2026-12-31"]
    assert "· velocity 0.5 h/week" in out
    assert "To review:" in out
    assert "Run `goalsync review " in out  # says how to act on the prompts
    assert "\x1b[" not in out  # a pipe gets no colour


def test_status_without_any_state_is_all_zero(home: Path) -> None:
    code, out = run(home, "--json")
    assert code == 0
    goal = json.loads(out)["goals"][0]
    assert goal["progress"] == 0.5 and goal["forecast"] is None


def test_status_of_a_broken_plan_exits_2(home: Path) -> None:
    (home / "goals.yaml").write_text("timezone: Mars/Base\ngoals: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["status", str(home / "goals.yaml"), "--offline"])
    assert result.exit_code != 0


def test_offline_status_refuses_another_plans_state(home: Path) -> None:
    """The state folder is shared by default and the plan id comes from the file name:
    `status --offline` (like `review` and `report` offline) must not show another plan's
    completions as this plan's progress; it stops as a sync would, naming both ids."""
    seed(home, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [])
    with State.open(home / "state" / STATE_FILE) as state:
        state.set_meta("plan_id", "plan1")
    code, out = run(home)
    assert code == 4
    text = " ".join(out.split())
    assert "belongs to plan id `plan1`" in text and "plan id `goals`" in text
    assert "its history is that plan's" in text
    assert "add `id: plan1`" in text
    code, out = run(home, "--json")
    assert code == 4 and "plan1" in json.loads(out[out.index("{"):])["error"]["message"]
