"""``goalsync plan`` and ``goalsync sync`` when a server cannot be read: the output never
claims everything is up to date, and the exit status is 1 (found in acceptance testing:
`plan` against a stopped server printed "Nothing to do" and exited 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer import engine
from tests.helpers.cli import memory_world, run_main, stop_servers
from tests.helpers.plans import pmp_plan


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    """In-memory backends whose reads fail as if the server had stopped."""
    backends = memory_world(monkeypatch, tmp_path, pmp_plan(steps=2, priority=False))
    stop_servers(backends, monkeypatch)
    return backends


def test_plan_against_an_unreadable_server_exits_1_naming_the_host(
        stopped: engine.Backends) -> None:
    code, out, err = run_main("plan", "goals.yaml")
    assert code == 1
    assert "127.0.0.1:1" in err
    assert "up to date" not in out


def test_plan_json_against_an_unreadable_server_exits_1(stopped: engine.Backends) -> None:
    code, out, _ = run_main("plan", "goals.yaml", "--json")
    assert code == 1
    assert '"errors"' in out


def test_sync_against_an_unreadable_server_does_not_claim_up_to_date(
        stopped: engine.Backends) -> None:
    code, out, err = run_main("sync", "goals.yaml")
    assert code == 1
    assert "up to date" not in out
    assert "127.0.0.1:1" in err
