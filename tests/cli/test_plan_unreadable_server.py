"""``goalsync plan`` and ``goalsync sync`` when a server cannot be read: the output never
claims everything is up to date, and the exit status is 1 (found in acceptance testing:
`plan` against a stopped server printed "Nothing to do" and exited 0)."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncer import engine
from syncer.backends.base import Unreachable
from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.cli import main
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan

NOW = "2026-11-23T08:00:00+00:00"


@pytest.fixture
def stopped(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    """In-memory backends whose reads fail as if the server had stopped."""
    backends = engine.Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "memory")

    def refuse(*args: Any) -> Any:
        raise Unreachable("cannot reach the CalDAV server 127.0.0.1:1: connection refused")

    backends.tasks.changes_since = refuse  # type: ignore[method-assign, assignment]
    backends.calendar.changes_since = refuse  # type: ignore[method-assign, union-attr]

    @contextlib.contextmanager
    def fake_open(config: Any, plan: Any, state_dir: Path,
                  **kw: Any) -> Iterator[engine.Backends]:
        yield backends

    monkeypatch.setattr(engine, "open_backends", fake_open)
    isolate_home(monkeypatch, tmp_path, config_dir="xdg")
    (tmp_path / "goals.yaml").write_text(pmp_plan(steps=2, priority=False))
    monkeypatch.chdir(tmp_path)
    return backends


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "--now", NOW])
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


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
