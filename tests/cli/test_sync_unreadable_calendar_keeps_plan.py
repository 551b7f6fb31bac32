"""A sync that could not read the calendar must not replace the remembered schedule:
otherwise the next sync re-places (and re-dates) blocks nobody moved. Found in
acceptance testing: one `goalsync sync` against a stopped Radicale, then a sync with the
server back, moved two blocks and re-dated five tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from syncer import engine
from syncer.backends.base import Unreachable
from syncer.config import load_config
from syncer.core.model import Block
from syncer.engine import state_path
from syncer.state import State
from tests.helpers.cli import memory_world, run_main
from tests.helpers.plans import pmp_plan


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    return memory_world(monkeypatch, tmp_path, pmp_plan(steps=4, priority=False))


def planned() -> list[Block]:
    with State.open(state_path(load_config(None)), readonly=True) as state:
        return state.planned_blocks()


def test_a_sync_that_could_not_read_the_calendar_keeps_the_remembered_schedule(
        backends: engine.Backends, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    before = planned()
    assert before

    def refuse(*args: Any) -> Any:
        raise Unreachable("cannot reach the CalDAV server 127.0.0.1:1: connection refused")

    calendar = backends.calendar
    assert calendar is not None
    monkeypatch.setattr(calendar, "changes_since", refuse)
    monkeypatch.setattr(calendar, "list_blocks", refuse)
    assert run_main("sync", "goals.yaml")[0] == 1
    assert planned() == before
