"""`goalsync schedule` after a sync: one plan on screen. The preview is what the next
sync would book (read from the saved state, no server contacted): blocks on the
calendar stay, a block the person moved stays where they put it, a completed step is
gone; `--fresh` plans from scratch."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syncer import engine
from syncer.cli import cli
from syncer.core.model import Interval
from syncer.state import State
from tests.helpers.cli import memory_world

ROOT = Path(__file__).resolve().parents[2]
CAREER = (ROOT / "examples" / "career.yaml").read_text()
MONDAY = datetime.fromisoformat("2026-11-23T07:00:00+01:00")


@pytest.fixture
def career(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    backends = memory_world(monkeypatch, tmp_path, CAREER)
    # the person's standing meetings: Tuesday's team sync, Thursday's 1:1
    for day, hour in ((1, 10), (3, 14)):
        for week in range(12):
            start = MONDAY + timedelta(days=day + 7 * week, hours=hour - 7)
            backends.calendar.foreign.append(Interval(start, start + timedelta(hours=1)))
    return backends


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def _preview(now: datetime, *extra: str) -> list[tuple[str, datetime, datetime]]:
    data = json.loads(_cli("schedule", "goals.yaml", "--now", now.isoformat(), "--json",
                           *extra).output)
    return sorted((b["step"], datetime.fromisoformat(b["start"]),
                   datetime.fromisoformat(b["end"])) for b in data["blocks"])


def _planned(tmp_path: Path, now: datetime) -> list[tuple[str, datetime, datetime]]:
    with State.open(tmp_path / "state" / "state.sqlite", readonly=True) as state:
        return sorted((b.step, b.start, b.end) for b in state.planned_blocks()
                      if b.end > now)


def _state_dir(tmp_path: Path) -> Path:
    found = list(tmp_path.rglob("state.sqlite"))
    assert len(found) == 1, found
    return found[0].parent


def test_a_day_later_the_preview_is_the_next_sync_block_for_block(
        career: engine.Backends, tmp_path: Path) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    tuesday = MONDAY + timedelta(days=1)
    preview = _preview(tuesday)
    _cli("sync", "goals.yaml", "--now", tuesday.isoformat())
    with State.open(_state_dir(tmp_path) / "state.sqlite", readonly=True) as state:
        booked = sorted((b.step, b.start, b.end) for b in state.planned_blocks()
                        if b.end > tuesday)
    assert [(k, s.timestamp(), e.timestamp()) for k, s, e in preview] == [
        (k, s.timestamp(), e.timestamp()) for k, s, e in booked]
    fresh = _preview(tuesday, "--fresh")
    assert fresh != preview  # from scratch, Monday's missed work is not re-booked


def test_the_preview_keeps_a_moved_block_and_drops_a_completed_step(
        career: engine.Backends) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    calendar, tasks = career.calendar, career.tasks
    research = sorted((spec.start, uid) for uid, (spec, _) in calendar.blocks.items()
                      if spec.key == "pmp/course/research")
    assert research, "the first step is booked in the window"
    # the person moves their first research block to Saturday morning …
    start, uid = research[0]
    saturday = (MONDAY + timedelta(days=5)).replace(hour=10)
    length = calendar.blocks[uid][0].end - start
    calendar.move(uid, saturday, saturday + length)
    # … and ticks off "Join PMI" in the task app
    join = next(t for t in tasks.tasks.values() if t.title.startswith("Join PMI"))
    tasks.complete(join.remote_id, MONDAY + timedelta(hours=3))
    _cli("sync", "goals.yaml", "--now", (MONDAY + timedelta(hours=4)).isoformat())

    blocks = _preview(MONDAY + timedelta(hours=5))
    assert ("pmp/course/research", saturday, saturday + length) in blocks
    assert not any(k == join.key for k, _, _ in blocks)
    # from scratch, the moved block goes back to a weekday and the done step returns
    fresh = _preview(MONDAY + timedelta(hours=5), "--fresh")
    assert any(k == join.key for k, _, _ in fresh)
    assert not any(s == saturday for _, s, _ in fresh)


def test_without_a_sync_the_preview_plans_from_scratch(career: engine.Backends) -> None:
    assert _preview(MONDAY) == _preview(MONDAY, "--fresh")
    agenda = _cli("schedule", "goals.yaml", "--now", MONDAY.isoformat()).output
    assert "next `goalsync sync`" not in agenda


def test_the_agenda_says_it_is_the_next_syncs_plan(career: engine.Backends) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    requests = career.calendar.requests + career.tasks.requests
    agenda = _cli("schedule", "goals.yaml", "--now", MONDAY.isoformat()).output
    assert "As the next `goalsync sync` would book it" in agenda
    assert career.calendar.requests + career.tasks.requests == requests  # no server read


def test_a_damaged_state_falls_back_to_a_fresh_plan(career: engine.Backends,
                                                    tmp_path: Path) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    requests = career.calendar.requests + career.tasks.requests
    (_state_dir(tmp_path) / "state.sqlite").write_bytes(b"not a database" * 100)
    result = CliRunner().invoke(cli, ["schedule", "goals.yaml", "--now",
                                      MONDAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert career.calendar.requests + career.tasks.requests == requests
