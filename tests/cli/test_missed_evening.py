"""One missed evening (review finding 2): a goal whose work is booked to finish months
before its deadline missed its Monday block; the next sync booked it again. Status,
review and today must not call it "behind" (45 % expected, 0 % done) nor offer to move
its deadline, add hours or drop steps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.cli import cli
from tests.helpers.cli import memory_world

PLAN = """\
timezone: Europe/Berlin
weekly_hours: 6
goals:
  - id: dbt
    title: Learn dbt
    deadline: 2027-03-31
    priority: p1
    weekly_hours: 4
    milestones:
      - id: course
        title: Course done
        due: 2027-01-31
        steps:
          - {id: setup, title: Setup, estimate: 1h}
          - {id: mod1, title: Module 1, estimate: 90m, after: [setup]}
          - {id: mod2, title: Module 2, estimate: 100m, after: [mod1]}
          - {id: project, title: Project, estimate: 10h, after: [mod2]}
      - id: exam
        title: Exam passed
        due: 2027-03-31
        steps:
          - {id: practice, title: Practice, estimate: 3h, after: [course/project]}
          - {id: book, title: Book exam, estimate: 30m}
  - id: talks
    title: Give talks
    deadline: 2027-06-30
    priority: important
    milestones:
      - id: cfp
        title: Submit CFPs
        due: 2027-02-28
        steps:
          - {id: abstract, title: Write abstract, estimate: 2h}
          - {id: submit, title: Submit, estimate: 45m, after: [abstract]}
    habits:
      - {id: practice, title: Practice speaking, per_week: 2, duration: 30m}
"""


@pytest.fixture
def missed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    memory_world(monkeypatch, tmp_path, PLAN)
    for moment in ("2026-12-07T08:00", "2026-12-08T08:00"):  # Monday's blocks pass
        result = CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", moment])
        assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("missed")
@pytest.mark.parametrize("offline", [False, True])
def test_a_missed_block_booked_again_is_not_behind(offline: bool) -> None:
    args = ["status", "goals.yaml", "--now", "2026-12-09T08:00", "--json"]
    result = CliRunner().invoke(cli, args + (["--offline"] if offline else []))
    assert result.exit_code == 0, result.output
    talks = next(g for g in json.loads(result.output)["goals"] if g["id"] == "talks")
    assert talks["status"] == "on track"
    assert talks["expected"] == 0.0
    assert talks["forecast"] < talks["deadline"]


@pytest.mark.usefixtures("missed")
def test_the_review_offers_no_change_for_a_goal_booked_in_time() -> None:
    result = CliRunner().invoke(cli, ["review", "goals.yaml", "--now", "2026-12-09T08:00",
                                      "--offline", "--non-interactive"])
    assert result.exit_code == 0, result.output
    assert "talks/" not in result.output
    assert "Give talks is behind" not in result.output
    assert "hours a week" not in result.output
