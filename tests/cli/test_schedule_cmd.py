"""`goalsync schedule`: agenda, --json shape, --busy calendars, --ics export, errors."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import icalendar
import pytest
from click.testing import CliRunner, Result

from syncer.cli import cli
from syncer.errors import UsageError

ROOT = Path(__file__).resolve().parents[2]
CAREER = ROOT / "examples" / "career.yaml"

PLAN = """\
timezone: Europe/Berlin
goals:
  - id: pmp
    title: Become a certified project manager
    deadline: 2027-06-30
    priority: important
    milestones:
      - id: course
        title: Complete a PMP course
        due: 2026-11-27
        steps:
          - {id: research, title: Research PMP courses, estimate: 2h}
          - {id: enroll, title: Enroll in the course, estimate: 30m, after: [research]}
          - {id: huge, title: Read everything, estimate: 40h}
    habits:
      - {title: Study session, per_week: 3, duration: 1h}
"""

BUSY = """\
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:meeting-1@example.com
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261123T090000
DTEND;TZID=Europe/Berlin:20261123T120000
SUMMARY:Team offsite
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture(autouse=True)
def no_user_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "goals.yaml"
    path.write_text(PLAN, encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["schedule", *args], catch_exceptions=False)


def test_json_has_exactly_the_documented_shape(plan: Path) -> None:
    result = run(str(plan), "--now", "2026-11-23T08:00", "--weeks", "2", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert set(doc) == {"blocks", "unscheduled"}
    first = doc["blocks"][0]
    assert set(first) == {"step", "goal", "start", "end", "why"}
    # the shipped goal hours: weekday evenings and weekends, around the day job
    assert first == {"step": "pmp/course/research", "goal": "pmp",
                     "start": "2026-11-23T18:30:00+01:00", "end": "2026-11-23T20:30:00+01:00",
                     "why": first["why"]}  # in one piece
    [huge] = doc["unscheduled"]
    assert set(huge) == {"step", "reason", "missing_minutes"}
    assert huge["step"] == "pmp/course/huge"
    assert huge["reason"].startswith("needs 40h before Fri 27 Nov 2026, only ")
    assert huge["missing_minutes"] > 0


def test_busy_calendar_is_avoided(plan: Path, tmp_path: Path) -> None:
    busy = tmp_path / "work.ics"
    busy.write_text(BUSY, encoding="utf-8")
    result = run(str(plan), "--now", "2026-11-23T08:00", "--busy", str(busy), "--json")
    assert result.exit_code == 0, result.output
    starts = [datetime.fromisoformat(b["start"]) for b in json.loads(result.output)["blocks"]]
    offsite_end = datetime.fromisoformat("2026-11-23T12:00:00+01:00")
    monday = [s for s in starts if s.date() == offsite_end.date()]
    assert monday and all(s >= offsite_end for s in monday)


def test_human_agenda_is_week_by_week(plan: Path) -> None:
    result = run(str(plan), "--now", "2026-11-23T08:00", "--weeks", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Week of Mon 23 Nov 2026"
    assert "Week of Mon 30 Nov 2026" in lines
    assert any(line.startswith("  Mon 23 18:30–20:30  Research PMP courses (pmp)  — ")
               for line in lines), result.output
    assert "Cannot be booked before their deadline (1):" in lines
    assert any("Read everything (pmp/course/huge): needs 40h" in line for line in lines)


def test_ics_export_can_be_read_back(plan: Path, tmp_path: Path) -> None:
    out = tmp_path / "blocks.ics"
    result = run(str(plan), "--now", "2026-11-23T08:00", "--weeks", "1", "--ics", str(out))
    assert result.exit_code == 0, result.output
    events = list(icalendar.Calendar.from_ical(out.read_bytes()).walk("VEVENT"))
    assert len(events) == len([line for line in result.output.splitlines()
                               if line.startswith("  ") and "–" in line])
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert f"Wrote {len(events)} blocks to {out}." in result.output


def test_the_shipped_example_schedules(tmp_path: Path) -> None:
    result = run(str(CAREER), "--now", "2026-11-23T08:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["blocks"]


def test_steps_beyond_the_horizon_are_listed_apart(tmp_path: Path) -> None:
    config = tmp_path / "gs.toml"
    config.write_text("[rules.scheduling]\nhorizon = 4\nhorizon_max = 4\n")
    result = run(str(CAREER), "--now", "2026-11-23T08:00", "--config", str(config))
    assert result.exit_code == 0, result.output
    assert "Not booked within the 4-week horizon (" in result.output


def test_weeks_limits_what_is_shown_not_the_plan(tmp_path: Path) -> None:
    """`--weeks 4` shows the first four weeks of the whole plan: nothing is reported
    unbookable because of a shorter horizon (review finding 4)."""
    full = json.loads(run(str(CAREER), "--now", "2026-11-23T08:00", "--json").output)
    four = run(str(CAREER), "--now", "2026-11-23T08:00", "--weeks", "4", "--json")
    assert four.exit_code == 0, four.output
    doc = json.loads(four.output)
    end = datetime.fromisoformat("2026-12-21T08:00:00+01:00")
    assert doc["blocks"] == [b for b in full["blocks"]
                             if datetime.fromisoformat(b["start"]) < end]
    assert doc["unscheduled"] == full["unscheduled"]
    agenda = run(str(CAREER), "--now", "2026-11-23T08:00", "--weeks", "4").output
    assert "horizon" not in agenda
    assert "later blocks from Mon 21 Dec 2026 08:00 on not shown" in agenda


def test_unreadable_busy_file_is_a_usage_error(plan: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.ics"
    bad.write_text("this is not a calendar", encoding="utf-8")
    result = CliRunner().invoke(cli, ["schedule", str(plan), "--busy", str(bad)])
    assert result.exit_code == 2
    assert "iCalendar" in result.output


def test_missing_plan_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schedule", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2 or isinstance(result.exception, UsageError)
    assert "does not exist" in result.output


ONE_STEP = """\
timezone: Europe/Berlin
goals:
  - id: g
    title: Write the conference abstract
    deadline: 2027-06-30
    milestones:
      - id: m
        title: Abstract sent
        due: 2027-03-01
        steps:
          - {id: a, title: Write the abstract, estimate: 1h}
"""


def test_wording_says_goal_hours_and_counts_in_the_singular(plan: Path,
                                                            tmp_path: Path) -> None:
    """Review finding 18: "free inside working hours" meant the goal hours (the day
    job's are "work"), and the summary read "for 1 steps and habits"."""
    result = run(str(plan), "--now", "2026-11-23T08:00")
    assert "free inside your goal hours" in result.output
    assert "working hours" not in result.output
    one = tmp_path / "one.yaml"
    one.write_text(ONE_STEP, encoding="utf-8")
    result = run(str(one), "--now", "2026-11-23T08:00")
    assert result.exit_code == 0, result.output
    assert "2 blocks, 1h30m for 1 step or habit and the weekly review." in result.output
    checked = CliRunner().invoke(cli, ["check", str(one)])
    assert "valid, 1 goal, 1 step, " in checked.output
