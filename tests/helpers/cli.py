"""Running the CLI against in-memory backends, shared by the CLI tests."""

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

NOW = "2026-11-23T08:00:00+00:00"


def memory_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                 plan_text: str) -> engine.Backends:
    """In-memory backends that every sync in the test uses, a private home and config,
    and ``plan_text`` as ./goals.yaml in ``tmp_path`` (the working directory)."""
    backends = engine.Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "memory")

    @contextlib.contextmanager
    def fake_open(config: Any, plan: Any, state_dir: Path,
                  **kw: Any) -> Iterator[engine.Backends]:
        yield backends

    monkeypatch.setattr(engine, "open_backends", fake_open)
    isolate_home(monkeypatch, tmp_path, config_dir="xdg")
    (tmp_path / "goals.yaml").write_text(plan_text)
    monkeypatch.chdir(tmp_path)
    return backends


def stop_servers(backends: engine.Backends, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on every read fails as if the server had stopped."""
    def refuse(*args: Any) -> Any:
        raise Unreachable("cannot reach the CalDAV server 127.0.0.1:1: connection refused")

    monkeypatch.setattr(backends.tasks, "changes_since", refuse)
    monkeypatch.setattr(backends.calendar, "changes_since", refuse)


def run_main(*args: str, now: str = NOW) -> tuple[int, str, str]:
    """The console script's behaviour: errors become sentences and exit codes."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([*args, "--now", now])
        except SystemExit as done:
            code = int(done.code or 0)
    return code, out.getvalue(), err.getvalue()
