"""The plan's `holidays:` through the CLI: a bad code is a `file:line:col` error with
exit 2 from every command that reads the plan, before anything is written; a good one
keeps the country's holidays free in what `schedule` shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import memory_world
from tests.hostile.harness import assert_sentence, guarded

PLAN = """\
vision: Lead a data platform team
timezone: Europe/Berlin
holidays: {holidays}
weekly_hours: 8
goals:
  - id: talk
    title: Give a talk on stream processing at a conference
    deadline: 2027-03-31
    habits:
      - {{title: Read a paper, per_week: 2, duration: 45m}}
    milestones:
      - id: draft
        title: Draft the talk
        steps:
          - {{id: outline, title: Outline the talk, estimate: 6h}}
          - {{id: slides, title: Make the slides, estimate: 8h, after: [outline]}}
"""
CHRISTMAS_EVE = "2026-12-24T08:00:00+01:00"
COMMANDS = [("check",), ("schedule",), ("plan",), ("sync",), ("status",), ("today",),
            ("week",), ("review", "--non-interactive"), ("report", "--html", "r.html")]


@pytest.mark.parametrize(("holidays", "where", "says"), [
    ("XX", "goals.yaml:3:11", "no public holidays are known for country 'XX'"),
    ("DE-XX", "goals.yaml:3:11", "DE has no subdivision 'XX'"),
    ("Germany", "goals.yaml:3:11", "not a country code"),
    ("[DE, AT]", "goals.yaml:3:11", "must be one code")])
def test_a_bad_country_is_a_plan_error_in_every_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, holidays: str, where: str,
        says: str) -> None:
    backends = memory_world(monkeypatch, tmp_path, PLAN.format(holidays=holidays))
    for command in COMMANDS:
        outcome = guarded(command[0], "goals.yaml", *command[1:])
        assert_sentence(outcome, 2, says=says)
        assert where in outcome.text, (command, outcome.text)
    assert guarded("--debug", "sync", "goals.yaml", measure=False).code == 2
    assert backends.tasks.list_tasks() == []
    assert not (tmp_path / "r.html").exists()
    state = tmp_path / "state"
    assert not state.exists() or not (state / "history.jsonl").exists()


def test_schedule_keeps_christmas_free_and_none_books_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, PLAN.format(holidays="DE"))
    kept = guarded("schedule", "goals.yaml", now=CHRISTMAS_EVE)
    assert_sentence(kept, 0)
    assert "Thu 24" in kept.out and "Fri 25" not in kept.out and "Sat 26" not in kept.out
    (tmp_path / "goals.yaml").write_text(PLAN.format(holidays="none"))
    booked = guarded("schedule", "goals.yaml", now=CHRISTMAS_EVE)
    assert "Fri 25" in booked.out or "Sat 26" in booked.out, booked.out


def test_an_unknown_hour_set_is_a_plan_error_in_every_command_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hours: evenings` names no hour set of the rules: every command exits 2 with the
    line, and no state or server object is written (sync used to create the state and
    the embedded collections before the scheduler found it)."""
    plan = PLAN.format(holidays="DE").replace(
        "    deadline: 2027-03-31\n", "    deadline: 2027-03-31\n    hours: evenings\n", 1)
    backends = memory_world(monkeypatch, tmp_path, plan)
    for command in COMMANDS:
        outcome = guarded(command[0], "goals.yaml", *command[1:])
        assert_sentence(outcome, 2, says="names no hour set")
        assert "goals.yaml:" in outcome.text, (command, outcome.text)
    assert backends.tasks.list_tasks() == []
    state = tmp_path / "state"
    assert not state.exists() or not any(state.iterdir()), sorted(state.iterdir())
