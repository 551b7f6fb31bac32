"""Day one with goalsync (the career example, synced): one 20-minute task ticked in the
app. The old pace rule read that as "at risk … forecast 2028" and the review offered to
move deadlines to 2028; the booked schedule fits, so nothing is at risk."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer import engine
from syncer.cli import cli
from tests.helpers.cli import memory_world

ROOT = Path(__file__).resolve().parents[2]
MONDAY = datetime.fromisoformat("2026-11-23T07:30:00+01:00")


@pytest.fixture
def day_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    backends = memory_world(monkeypatch, tmp_path,
                            (ROOT / "examples" / "career.yaml").read_text())
    result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", MONDAY.isoformat()])
    assert result.exit_code == 0, result.output
    join = next(t for t in backends.tasks.tasks.values() if t.title.startswith("Join PMI"))
    backends.tasks.complete(join.remote_id, MONDAY.replace(hour=20))
    return backends


def test_status_on_day_one_is_on_track_with_dates_inside_the_deadlines(
        day_one: engine.Backends) -> None:
    evening = MONDAY.replace(hour=21).isoformat()
    result = CliRunner().invoke(cli, ["status", "goals.yaml", "--now", evening, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    for goal in doc["goals"]:
        assert goal["status"] != "at risk", goal["id"]
        assert goal["forecast"] is not None and goal["forecast"] <= goal["deadline"]
        assert all(m["status"] != "at risk" for m in goal["milestones"])
    assert not any(p["trigger"] == "at-risk" for p in doc["prompts"])


def test_the_review_on_day_one_offers_no_deadline_move(day_one: engine.Backends) -> None:
    evening = (MONDAY.replace(hour=21) + timedelta(minutes=5)).isoformat()
    result = CliRunner().invoke(cli, ["review", "goals.yaml", "--now", evening,
                                      "--non-interactive"])
    assert result.exit_code == 0, result.output
    assert "2028" not in result.output
    assert "move-deadline" not in result.output
