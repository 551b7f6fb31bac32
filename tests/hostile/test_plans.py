"""Hostile plans: every file in tests/hostile/plans/ goes through `check`, `schedule`,
`plan` and `sync` (in-memory servers). The first line says the exit code promised
(`# expect: 2` for a plan error, `# expect: 0` for odd but valid input). Each run must
give that code with a sentence, no traceback, bounded memory, and a bad plan must
write nothing, to the servers or the state.

Add a file here for every plan that ever broke a command."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.helpers.cli import memory_world
from tests.hostile.harness import assert_sentence, guarded

HERE = Path(__file__).parent
CASES = sorted((HERE / "plans").glob("*.yaml"))
COMMANDS = ("check", "schedule", "plan", "sync")


def expected(path: Path) -> int:
    found = re.search(rb"# expect: (\d)", path.read_bytes()[:40])
    assert found, f"{path.name} does not say `# expect: N` on its first line"
    return int(found[1])


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_a_hostile_plan_gets_a_sentence_and_writes_nothing(
        case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backends = memory_world(monkeypatch, tmp_path, "")
    plan = tmp_path / "goals.yaml"
    plan.write_bytes(case.read_bytes())
    code = expected(case)
    for command in COMMANDS:
        outcome = guarded(command, str(plan))
        assert_sentence(outcome, code)
        if code == 2 and command != "check":
            assert "goals.yaml:" in outcome.err or "goals.yaml'" in outcome.err, outcome.err
    assert guarded("--debug", "plan", str(plan), measure=False).code == code  # same code
    if code:
        assert backends.tasks.list_tasks() == []
        assert not (tmp_path / "state").exists() or not os.listdir(tmp_path / "state") or \
            not (tmp_path / "state" / "history.jsonl").exists()


@pytest.mark.parametrize("special", ["/dev/zero", "fifo", "folder"])
def test_a_plan_that_is_not_a_regular_file_is_refused_at_once(
        special: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, "")
    path = special
    if special == "fifo":
        path = str(tmp_path / "goals.fifo")
        os.mkfifo(path)  # nobody will ever write to it
    elif special == "folder":
        path = str(tmp_path)
    for command in COMMANDS:
        assert_sentence(guarded(command, path), 2)


def test_offline_status_says_infeasible_like_the_live_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, _TIGHT)  # 400 h of work due in two weeks
    for extra in ((), ("--offline",)):
        outcome = guarded("status", "goals.yaml", *extra)
        assert_sentence(outcome, 0, says="infeasible")


def test_a_busy_calendar_that_is_a_fifo_is_refused_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, _TIGHT)
    os.mkfifo(tmp_path / "busy.ics")
    assert_sentence(guarded("schedule", "goals.yaml", "--busy", "busy.ics"), 2,
                    says="not a regular file")


_TIGHT = """\
timezone: UTC
goals:
  - id: pmp
    title: Become a certified project manager
    deadline: 2026-12-07
    milestones:
      - id: course
        title: Course
        steps:
          - {id: study, title: Study everything, estimate: 400h}
"""
