"""``goalsync review``: interactive prompts, the answers file, and --non-interactive
(all --offline here: the state alone; tests/integration/test_review_e2e.py syncs)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from syncer.cli import cli
from syncer.commands.review_cmd import Answers, load_answers
from syncer.core.review import Prompt
from syncer.errors import UsageError
from syncer.state import REVIEW_NOTES_META, STATE_FILE, State
from tests.helpers.cli import NOW as SYNC_NOW
from tests.helpers.cli import memory_world
from tests.helpers.home import isolate_home
from tests.helpers.plans import pmp_plan

PLAN = """\
# keep me
timezone: UTC
goals:
  - id: g
    title: Goal G
    measurable: {metric: score, target: 80}
    deadline: 2026-12-31   # keep me too
    milestones:
      - id: m1
        title: M1
        celebrate: Cake
        steps:
          - {id: a, title: A, estimate: 2h}
      - id: m2
        title: M2
        steps:
          - {id: b, title: B, estimate: 20h}
"""
NOW = "2026-12-01T12:00:00+00:00"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    (tmp_path / "goals.yaml").write_text(PLAN, encoding="utf-8")
    # this person trusts the pace after one completed step and a day (the default waits
    # for two weeks and three steps: tests/unit/test_forecast.py)
    config = tmp_path / "config" / "goalsync" / "goalsync.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[rules.review.progress]\npace_min_days = 1\npace_min_steps = 1\n")
    with State.open(tmp_path / "state" / STATE_FILE) as state:
        state.begin_run(datetime(2026, 11, 1, tzinfo=UTC))
        state.end_run(datetime(2026, 11, 1, 0, 1, tzinfo=UTC), {})
        # A (2 h) done: M1 done. Expected (linear from Nov 1 to Dec 31) 50 %, actual
        # 2/22 = 9 %: the goal is behind; 20 h at 0.5 h/week is far after Dec 31: at
        # risk too; M2 saw no completion for 30 days: stalled.
        state.record_completion("g/m1/a", datetime(2026, 11, 20, tzinfo=UTC))
    return tmp_path


def review(home: Path, *args: str, input: str | None = None) -> Result:
    result = CliRunner().invoke(cli, ["review", str(home / "goals.yaml"), "--offline",
                                      "--now", NOW, *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def journal(home: Path) -> list[tuple[str, str | None, str, str]]:
    with State.open(home / "state" / STATE_FILE, readonly=True) as state:
        return [(a.trigger, a.milestone, a.question, a.answer) for a in state.review_answers()]


def test_interactive_walkthrough(home: Path) -> None:
    # weekly, quarterly, milestone-done, behind, at risk (forecast after the deadline),
    # M2 stalled
    questions = 4 + 5 + 1 + 2 + 1 + 2
    # then the metric, then one confirmation per adjustment (deadline first).
    answers = ["Mostly"] + [""] * (questions - 1) + ["72", "y", "n", "n", "n"]
    result = review(home, input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    assert "Milestone done: M1! Celebrate: Cake." in result.output
    entries = journal(home)
    assert ("weekly", None, "Am I meeting the deadlines I set?", "Mostly") in entries
    assert any(t == "milestone-done" and m == "m1" for t, m, _, _ in entries)
    with State.open(home / "state" / STATE_FILE, readonly=True) as state:
        assert state.metrics()["g"][0] == 72.0
    text = (home / "goals.yaml").read_text(encoding="utf-8")
    assert "# keep me\n" in text and "# keep me too" in text
    assert "deadline: 2026-12-31" not in text  # the accepted deadline move


def test_interactive_prompts_say_how_to_skip_and_take_the_answer_on_its_own_line(
        home: Path) -> None:
    result = review(home, input="\n" * 40)
    assert result.exit_code == 0, result.output
    assert "press Enter alone to skip" in result.output
    assert "Am I meeting the deadlines I set?\n  > " in result.output
    assert "?:" not in result.output
    assert "Measurements:" in result.output
    assert "Goal G: score now (target 80; Enter to skip)" in result.output
    assert "Review recorded: 0 answers, 0 measurements, 0 adjustments applied, " \
        "1 milestone celebrated." in result.output


def test_metric_prompt_shows_the_last_recorded_value(home: Path) -> None:
    with State.open(home / "state" / STATE_FILE) as state:
        state.record_metric("g", 72, datetime(2026, 11, 25, tzinfo=UTC))
    result = review(home, input="\n" * 40)
    assert "Goal G: score now (last 72, target 80; Enter to skip)" in result.output


def test_metric_may_be_typed_with_its_unit(home: Path) -> None:
    plan = home / "goals.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "target: 80}", 'target: 80, unit: "%"}'), encoding="utf-8")
    questions = 4 + 5 + 1 + 2 + 1 + 2  # as in test_interactive_walkthrough
    result = review(home, input="\n" * questions + "72 %\n" + "n\n" * 10)
    assert result.exit_code == 0, result.output
    assert "Please type a number" not in result.output
    with State.open(home / "state" / STATE_FILE, readonly=True) as state:
        assert state.metrics()["g"][0] == 72.0


def test_stopping_halfway_records_no_answer(home: Path) -> None:
    plan = (home / "goals.yaml").read_text(encoding="utf-8")
    result = review(home, input="Mostly\n")  # the input ends halfway
    assert result.exit_code == 2
    assert "--non-interactive" in result.output
    assert journal(home) == []
    assert (home / "goals.yaml").read_text(encoding="utf-8") == plan
    again = review(home, "--non-interactive")
    assert "Weekly review:" in again.output.split("To review:")[-1]


def test_second_review_the_same_week_does_not_repeat_weekly_or_celebration(
        home: Path) -> None:
    assert review(home, "--non-interactive").exit_code == 0
    second = review(home, "--non-interactive")
    assert "Weekly review:" not in second.output.split("To review:")[-1]
    assert "Quarterly check-in" not in second.output
    assert "Milestone done" not in second.output


def test_non_interactive_review_puts_prompts_in_the_review_task_notes(home: Path) -> None:
    result = review(home, "--non-interactive")
    assert result.exit_code == 0, result.output
    assert "  - Am I meeting the deadlines I set?" in result.output
    with State.open(home / "state" / STATE_FILE, readonly=True) as state:
        notes = state.meta(REVIEW_NOTES_META) or ""
    assert "Am I meeting the deadlines I set?" in notes
    assert "Goal G is behind" in notes
    assert "g/move-deadline" in notes
    assert (home / "goals.yaml").read_text(encoding="utf-8") == PLAN


def test_answers_file_drives_the_review(home: Path) -> None:
    (home / "answers.yaml").write_text(
        "answers:\n"
        "  weekly:\n"
        "    Am I meeting the deadlines I set?: No\n"
        "    4: Ship less, finish more\n"
        "  behind/g: [Too much work]\n"
        "metrics: {g: 64}\n"
        "accept: [g/weekly-hours, not-proposed]\n", encoding="utf-8")
    result = review(home, "--answers", str(home / "answers.yaml"))
    assert result.exit_code == 0, result.output
    entries = journal(home)
    assert ("weekly", None, "Am I meeting the deadlines I set?", "No") in entries
    assert ("weekly", None, "What went well, and what will I change?",
            "Ship less, finish more") in entries
    assert any(t == "behind" and a == "Too much work" for t, _, _, a in entries)
    assert "weekly_hours:" in (home / "goals.yaml").read_text(encoding="utf-8")
    assert "goals.yaml:\n  - Give goal work" in result.output  # one change a line
    assert "not-proposed" in result.output  # warned about, skipped


@pytest.mark.parametrize("text,problem", [
    ("- a list\n", "must be a YAML mapping"),
    ("answer: {}\n", "unknown keys: answer"),
    ("metrics: {g: lots}\n", "must be a number"),
    ("accept: g/move-deadline\n", "a list of adjustment ids"),
])
def test_bad_answers_file_is_refused_with_a_sentence(tmp_path: Path, text: str,
                                                     problem: str) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=problem):
        load_answers(str(path))


def test_most_specific_answer_key_wins() -> None:
    prompt = Prompt("behind", "g", "m", "M is behind", ("Why?", "What now?"))
    answers = Answers({"behind": "general", "behind/g": {"Why?": "goal"},
                       "behind/g/m": ["milestone"]})
    assert answers.for_prompt(prompt) == ["milestone", None]
    assert Answers({"behind": "general"}).for_prompt(prompt) == ["general", None]
    assert Answers({}).for_prompt(prompt) == [None, None]


def test_review_says_what_its_sync_picked_up(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    world = memory_world(monkeypatch, tmp_path, pmp_plan(steps=2, priority=False))
    assert CliRunner().invoke(cli, ["sync", "goals.yaml", "--now", SYNC_NOW]).exit_code == 0
    step = next(t for t in world.tasks.tasks.values() if t.key == "pmp/course/research")
    world.tasks.complete(step.remote_id, datetime(2026, 11, 23, 9, tzinfo=UTC))
    result = CliRunner().invoke(cli, ["review", "goals.yaml", "--non-interactive",
                                      "--now", SYNC_NOW])
    assert result.exit_code == 0, result.output
    before_status = result.output.split("Status on")[0]
    assert "Syncing goals.yaml" in before_status and "1 completed" in before_status
