"""Terminal conventions: the status table fits 80 and 132 columns without cutting names,
colour follows --color and NO_COLOR, a pipe gets plain text, bars fall back to ASCII."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer import term
from syncer.cli import cli
from tests.cli.test_status import seed
from tests.helpers.home import isolate_home
from tests.helpers.plans import GOAL_G_PLAN

LONG = "Become the go-to data engineer for streaming pipelines in the team"
MILESTONE = "Ship the change-data-capture pipeline for the orders database"
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    plan = GOAL_G_PLAN.replace("title: Goal G", f"title: {LONG}").replace(
        "title: M1", f"title: {MILESTONE}")
    (tmp_path / "goals.yaml").write_text(plan, encoding="utf-8")
    seed(tmp_path, {"g/m1/a": datetime(2026, 11, 20, tzinfo=UTC)}, [])
    term.set_colour_mode("auto")
    yield tmp_path
    term.set_colour_mode("auto")


def status(home: Path, *args: str, env: dict[str, str] | None = None,
           before: tuple[str, ...] = ()) -> str:
    result = CliRunner().invoke(cli, [*before, "status", str(home / "goals.yaml"), "--offline",
                                      "--now", "2026-12-01T12:00:00+00:00", *args], env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [80, 132])
def test_the_table_fits_the_width_and_keeps_every_word(home: Path, columns: int) -> None:
    out = status(home, env={"COLUMNS": str(columns)})
    lines = out.splitlines()
    assert max(len(line) for line in lines if str(home) not in line) <= columns
    words = " ".join(lines).split()
    for word in (LONG + " " + MILESTONE).split():
        assert word in words  # folded onto a second line, never cut
    header = next(line for line in lines if line.startswith("Goal / milestone"))
    assert "Status" in header and "Forecast" in header and "Due" in header
    if columns == 132:  # wide enough: each name on one line
        assert any(LONG in line for line in lines)
        assert any(MILESTONE in line for line in lines)


def test_a_pipe_gets_no_colour_and_always_forces_it(home: Path) -> None:
    assert not ANSI.search(status(home))
    assert ANSI.search(status(home, "--color", "always"))
    assert ANSI.search(status(home, before=("--color=always",)))
    assert not ANSI.search(status(home, "--color", "never"))


def test_no_color_turns_colour_off_but_an_explicit_flag_wins(home: Path) -> None:
    assert not ANSI.search(status(home, env={"NO_COLOR": "1", "FORCE_COLOR": "1"}))
    assert ANSI.search(status(home, "--color=always", env={"NO_COLOR": "1"}))


def test_bars_are_unicode_with_an_ascii_fallback(home: Path) -> None:
    assert "█" in status(home)
    out = status(home, env={"GOALSYNC_ASCII": "1"})
    assert "█" not in out and "[" in out and "#" in out
    assert term.bar(0.5, 10, unicode=False) == "[####----]"  # as wide as Unicode
    assert term.bar(0.5, 10) == "█████░░░░░"
    assert term.bar(0.25, 2) == "▌░"  # eighths for the partly filled cell
    assert term.bar(1.5, 4) == "████" and term.bar(-1, 4) == "░░░░"


@pytest.mark.parametrize("columns", [80, 90, 100, 110])
def test_ascii_bars_keep_the_percentage_visible(home: Path, columns: int) -> None:
    """Review finding 9: the ASCII bar was two cells wider than its column, so rich cut
    the percentage off with an ellipsis at every width."""
    out = status(home, env={"GOALSYNC_ASCII": "1", "COLUMNS": str(columns)})
    rows = [line for line in out.splitlines() if "[" in line and "]" in line]
    assert len(rows) == 3, out  # the goal and its two milestones
    for line in rows:
        assert re.search(r"\[[#-]+\] +\d+%", line), line
    assert "…" not in out
    for share in (0, 0.5, 1):
        for cells in (8, 12, 20):
            assert len(term.bar(share, cells, unicode=False)) == len(term.bar(share, cells))


def _goalsync(home: Path, encoding: str, *args: str) -> bytes:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "COLUMNS": "80"}
    env.pop("PYTHONUTF8", None)
    script = "from syncer.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          env=env, cwd=home, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return done.stdout + done.stderr


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_a_stream_that_cannot_show_unicode_gets_plain_text(home: Path, encoding: str,
                                                           ) -> None:
    """Review finding 9: under an ASCII encoding the ellipsis went out as UTF-8 bytes
    (click's fix for ASCII streams) and a Latin-1 stream stopped on the agenda's
    dash with UnicodeEncodeError."""
    now = ("--now", "2026-12-01T12:00:00+00:00")
    table = _goalsync(home, encoding, "status", "goals.yaml", "--offline", *now)
    agenda = _goalsync(home, encoding, "schedule", "goals.yaml", "--weeks", "1", *now)
    if encoding == "ascii":
        assert table.isascii() and agenda.isascii(), (table, agenda)
        assert b"[" in table and b"%" in table
    assert "—".encode() not in agenda and b"  -- " in agenda  # the reason's dash
    assert term.to_ascii("Zürich … 2–3 · “a”") == 'Zurich ... 2-3 - "a"'
