"""One user's machine inside a test's tmp_path, for CLI tests."""

from __future__ import annotations

from pathlib import Path

import pytest


def isolate_home(monkeypatch: pytest.MonkeyPatch, root: Path, *,
                 config_dir: str = "config", state_dir: Path | None = None) -> None:
    """goalsync keeps its state in ``state_dir`` (default ``root/state``) and looks for
    its config only under ``root/config_dir``; GOALSYNC_CONFIG is unset."""
    monkeypatch.setenv("GOALSYNC_STATE_DIR", str(state_dir or root / "state"))
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / config_dir))
