"""`goalsync init`: a commented starter plan that always passes `goalsync check`."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from syncer.commands.init_cmd import guess_timezone
from syncer.planfile import load_plan
from tests.cli.test_check import run_main


def answers(*lines: str) -> str:
    return "\n".join(lines) + "\n"


# vision, timezone, hours, title, specific, metric, target, unit, achievable, relevant,
# deadline, priority, milestone, due, celebrate, then steps, a habit and the goal's hours
INTERACTIVE = answers(
    "Lead marketing for a renewable-energy company", "Europe/Berlin", "6",
    "Get promoted to Senior Marketing Manager",
    "Be promoted to Senior Marketing Manager in the 2027 review",
    "quarters with targets met", "4", "quarters", "Targets agreed with my manager",
    "The next step toward leading marketing", "2027-12-15", "urgent-important",
    "Targets agreed", "2027-01-31", "Coffee with the team",
    "Pull the traffic baseline", "2h", "Draft the targets", "1h30m", "",
    "Weekly analytics hour", "1", "1h", "",
)


def test_example_writes_a_plan_that_passes_check(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    result = CliRunner().invoke(cli, ["init", str(target), "--example", "--timezone",
                                      "Europe/Berlin"])
    assert result.exit_code == 0, result.output
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# goalsync plan")
    assert "# S: exactly what you will achieve" in text
    check = CliRunner().invoke(cli, ["check", str(target)])
    assert check.exit_code == 0, check.output
    plan = load_plan(target)
    assert plan.timezone == "Europe/Berlin"
    assert len(list(plan.steps())) == 4 and len(list(plan.habits())) == 1


def test_interactive_answers_become_the_first_goal(tmp_path: Path) -> None:
    target = tmp_path / "career.yaml"
    result = CliRunner().invoke(cli, ["init", str(target)], input=INTERACTIVE)
    assert result.exit_code == 0, result.output
    goal = load_plan(target).goals[0]
    assert goal.title == "Get promoted to Senior Marketing Manager"
    assert goal.priority == 1 and str(goal.deadline) == "2027-12-15"
    assert goal.measurable is not None and goal.measurable.target == 4
    assert [(s.title, s.estimate_minutes) for s in goal.steps] == [
        ("Pull the traffic baseline", 120), ("Draft the targets", 90)]
    assert goal.habits[0].per_week == 1
    assert goal.hours == "goals"  # 6 h a week: the default, evenings and weekends


def test_init_asks_when_goal_work_happens_with_a_default_from_the_hours(
        tmp_path: Path) -> None:
    target = tmp_path / "career.yaml"
    lines = INTERACTIVE.splitlines()
    lines[2] = "15"  # hours a week: more than the evening set holds
    result = CliRunner().invoke(cli, ["init", str(target)], input=answers(*lines))
    assert result.exit_code == 0, result.output
    assert "When can you work on this goal?" in result.output
    assert "[personal]" in result.output
    assert load_plan(target).goals[0].hours == "personal"
    lines[-1] = "work"
    target.unlink()
    CliRunner().invoke(cli, ["init", str(target)], input=answers(*lines))
    assert load_plan(target).goals[0].hours == "work"


def test_bad_answers_are_asked_again(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    lines = INTERACTIVE.splitlines()
    lines[1:2] = ["Mars/Olympus", "Europe/Berlin"]  # bad zone, then a good one
    lines[11:12] = ["next year", "2027-12-15"]       # bad deadline, then a good one
    result = CliRunner().invoke(cli, ["init", str(target)], input=answers(*lines))
    assert result.exit_code == 0, result.output
    assert "not an IANA timezone" in result.output and "not a date" in result.output


def test_pressing_enter_everywhere_gives_the_example_goal(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    result = CliRunner().invoke(cli, ["init", str(target), "--timezone", "UTC"],
                                input="\n" * 30)
    assert result.exit_code == 0, result.output
    assert load_plan(target).goals[0].title == "Get PMP-certified"


def test_existing_file_is_kept_without_force(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    target.write_text("my precious plan\n")
    code, _, stderr = run_main(["init", str(target), "--example"])
    assert code == 2
    assert "already exists" in stderr and "--force" in stderr
    assert target.read_text() == "my precious plan\n"


def test_force_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "goals.yaml"
    target.write_text("old\n")
    result = CliRunner().invoke(cli, ["init", str(target), "--example", "--force"])
    assert result.exit_code == 0
    assert target.read_text().startswith("# goalsync plan")


def test_unknown_timezone_option_is_a_usage_error(tmp_path: Path) -> None:
    code, _, stderr = run_main(["init", str(tmp_path / "g.yaml"), "--example",
                                "--timezone", "Mars/Base"])
    assert code == 2 and "not an IANA timezone" in stderr


def test_timezone_is_guessed_from_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    assert guess_timezone() == "Asia/Tokyo"
    monkeypatch.setenv("TZ", "not a zone")
    assert guess_timezone() != "not a zone"
