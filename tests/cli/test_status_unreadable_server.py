"""``goalsync status`` and ``goalsync report`` when a server cannot be read: they still
show what the last sync knew, but say so and exit 1 (found in acceptance testing: both
silently showed stale numbers and exited 0 with Radicale stopped)."""

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
def backends(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    shared = engine.Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "memory")

    @contextlib.contextmanager
    def fake_open(config: Any, plan: Any, state_dir: Path,
                  **kw: Any) -> Iterator[engine.Backends]:
        yield shared

    monkeypatch.setattr(engine, "open_backends", fake_open)
    isolate_home(monkeypatch, tmp_path, config_dir="xdg")
    (tmp_path / "goals.yaml").write_text(pmp_plan(steps=2, priority=False))
    monkeypatch.chdir(tmp_path)
    return shared


def run_main(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "--now", NOW])
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()


def stop(backends: engine.Backends, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise Unreachable("cannot reach the CalDAV server 127.0.0.1:1: connection refused")

    monkeypatch.setattr(backends.tasks, "changes_since", refuse)
    monkeypatch.setattr(backends.calendar, "changes_since", refuse)


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
