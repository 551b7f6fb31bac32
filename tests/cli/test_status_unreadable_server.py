"""``goalsync status`` and ``goalsync report`` when a server cannot be read: they still
show what the last sync knew, but say so and exit 1 (found in acceptance testing: both
silently showed stale numbers and exited 0 with Radicale stopped)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer import engine
from tests.helpers.cli import memory_world, run_main
from tests.helpers.cli import stop_servers as stop
from tests.helpers.plans import pmp_plan


@pytest.fixture
def backends(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    return memory_world(monkeypatch, tmp_path, pmp_plan(steps=2, priority=False))


def test_status_with_an_unreadable_server_shows_the_table_says_so_and_exits_1(
        backends: engine.Backends, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    stop(backends, monkeypatch)
    code, out, err = run_main("status", "goals.yaml")
    assert code == 1
    assert "Status on" in out
    assert "127.0.0.1:1" in err and "last sync" in err


def test_status_offline_does_not_complain(backends: engine.Backends,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    stop(backends, monkeypatch)
    assert run_main("status", "goals.yaml", "--offline")[0] == 0


def test_report_with_an_unreadable_server_still_writes_the_page_and_exits_1(
        backends: engine.Backends, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert run_main("sync", "goals.yaml")[0] == 0
    stop(backends, monkeypatch)
    code, _, err = run_main("report", "goals.yaml", "--html", "out.html")
    assert code == 1
    assert (tmp_path / "out.html").exists()
    assert "127.0.0.1:1" in err
