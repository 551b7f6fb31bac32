"""Terminal conventions: the status table fits 80 and 132 columns without cutting names,
colour follows --color and NO_COLOR, a pipe gets plain text, bars fall back to ASCII."""

from __future__ import annotations

import re
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
    assert term.bar(0.5, 10, unicode=False) == "[#####-----]"
    assert term.bar(0.5, 10) == "█████░░░░░"
    assert term.bar(0.25, 2) == "▌░"  # eighths for the partly filled cell
    assert term.bar(1.5, 4) == "████" and term.bar(-1, 4) == "░░░░"
