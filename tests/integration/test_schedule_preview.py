"""`goalsync schedule` after real syncs (fake Todoist, Radicale): the preview is the
plan the next sync books, block for block, and it contacts no server."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from syncer.state import STATE_FILE, State
from tests.integration.test_sync_reliability import NOW_DT, World, ok, world

pytestmark = pytest.mark.integration
__all__ = ["world"]


def _preview(w: World, now: datetime, *extra: str) -> list[tuple[str, float, float]]:
    result = w.goalsync("schedule", str(w.plan), "--json", *extra, now=now.isoformat())
    assert result.returncode == 0, result.stderr + result.stdout
    return sorted((b["step"], datetime.fromisoformat(b["start"]).timestamp(),
                   datetime.fromisoformat(b["end"]).timestamp())
                  for b in json.loads(result.stdout)["blocks"])


def _booked(w: World, now: datetime) -> list[tuple[str, float, float]]:
    with State.open(w.state_dir / STATE_FILE, readonly=True) as state:
        return sorted((b.step, b.start.timestamp(), b.end.timestamp())
                      for b in state.planned_blocks() if b.end > now)


def test_a_day_later_and_after_a_completion_the_preview_is_the_next_sync(
        world: World) -> None:
    ok(world.sync())
    research = world.task("pmp/course/research")
    world.fake.complete(research["id"], NOW_DT + timedelta(hours=5))
    ok(world.sync(now=(NOW_DT + timedelta(hours=6)).isoformat()))
    tuesday = NOW_DT + timedelta(days=1)
    world.fake.reset_counters()
    preview = _preview(world, tuesday)
    assert world.fake.count() == 0  # the preview read the saved state only
    assert not any(k == "pmp/course/research" for k, _, _ in preview)
    ok(world.sync(now=tuesday.isoformat()))
    assert preview == _booked(world, tuesday)
    assert any(k == "pmp/course/research" for k, _, _ in _preview(world, tuesday, "--fresh"))
