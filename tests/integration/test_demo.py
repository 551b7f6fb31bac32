"""`goalsync demo`, the README's first command: a full sync of the shipped example into
the embedded server, with no account and no config; running it again changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from tests.helpers.home import isolate_home

pytestmark = pytest.mark.integration


def test_demo_syncs_the_example_and_a_rerun_changes_nothing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_home(monkeypatch, tmp_path, config_dir="xdg")
    args = ["demo", "--data-dir", str(tmp_path / "demo"), "--now", "2026-11-23T08:00"]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "95 created" in first.output
    assert "Week of Mon 23 Nov 2026" in first.output and "Weekly review" in first.output
    assert f"goalsync serve --data-dir {tmp_path / 'demo'}" in first.output
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 0, again.output
    assert "everything was already up to date" in again.output
    assert "booked earlier; still fits" in again.output
    as_json = CliRunner().invoke(cli, [*args, "--json"])
    assert as_json.exit_code == 0, as_json.output
    doc = json.loads(as_json.stdout)
    assert doc["created"] == 0 and doc["data_dir"] == str(tmp_path / "demo")
    assert doc["week"] and doc["week"][0]["start"].endswith("+01:00")  # Europe/Berlin
    assert doc["calendar_url"].startswith("http://127.0.0.1:")
