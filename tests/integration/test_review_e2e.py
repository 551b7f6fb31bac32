"""The non-interactive weekly review end to end, against the embedded Radicale and the
fake Todoist: a task completed in the app at a chosen time, a scripted review with an
answers file, the plan file rewritten with an accepted adjustment and its comments
intact, answers and metrics in the journal, and the prompts in the review task."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer.backends.base import RemoteBlock
from syncer.cli import cli
from syncer.config import load_config
from syncer.engine import open_backends, sync
from syncer.planfile import load_plan
from syncer.state import STATE_FILE, State
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration

PLAN = """\
# Career plan: this comment must survive the review
timezone: UTC
weekly_hours: 4   # what I can give each week

goals:
  # The goal under test
  - id: cert
    title: Get certified
    measurable: {{metric: practice score, target: 80, unit: "%"}}
    deadline: {deadline}   # tight on purpose
    milestones:
      - id: prep
        title: Prepare
        due: {due}
        celebrate: Ice cream
        steps:
          - {{id: read, title: Read the exam guide, estimate: 1h}}   # the easy one
      - id: study
        title: Study
        steps:
          # far more than fits before the deadline
          - {{id: big, title: Study everything, estimate: 100h}}
          - {{id: exam, title: Take the exam, estimate: 2h, after: [big]}}
"""
# The fake Todoist lists completed tasks of the last months by the real clock, so the
# scenario happens in the recent past: all moments are fixed relative to three days ago.
BASE = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)
T0 = BASE + timedelta(hours=8)  # first sync
DONE_AT = BASE + timedelta(hours=10)  # "read" completed in the app
REVIEW_AT = (BASE + timedelta(hours=20)).isoformat()
DEADLINE = (BASE + timedelta(days=19)).date()
PLAN = PLAN.format(deadline=DEADLINE.isoformat(),
                   due=(BASE + timedelta(days=9)).date().isoformat())
ANSWERS = """\
answers:
  weekly:
    - Not yet, the study step is far too big.
    - No.
  milestone-done/cert/prep: The guide was short.
  infeasible/cert: Move the deadline.
metrics:
  cert: 55
accept:
  - cert/move-deadline
"""


@pytest.fixture(params=["embedded", "todoist"])
def setup(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Path, FakeTodoist | None]]:
    """A plan, answers file and config for one backend (``GOALSYNC_CONFIG``)."""
    monkeypatch.setenv("GOALSYNC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    (tmp_path / "goals.yaml").write_text(PLAN, encoding="utf-8")
    (tmp_path / "answers.yaml").write_text(ANSWERS, encoding="utf-8")
    config = tmp_path / "goalsync.toml"
    if request.param == "embedded":
        config.write_text('[tasks]\nbackend = "embedded"\n[calendar]\nbackend = "embedded"\n')
        monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
        yield request.param, tmp_path, None
        return
    with FakeTodoist(token=FAKE_TOKEN) as fake:
        config.write_text(f'[tasks]\nbackend = "todoist"\n[todoist]\napi_url = "{fake.url}"\n'
                          '[calendar]\nbackend = "none"\n')
        monkeypatch.setenv("GOALSYNC_CONFIG", str(config))
        monkeypatch.setenv("GOALSYNC_TODOIST_TOKEN", FAKE_TOKEN)
        yield request.param, tmp_path, fake


def complete_in_app(kind: str, home: Path, fake: FakeTodoist | None) -> None:
    """Tick "Read the exam guide" off in the to-do app at DONE_AT."""
    if fake is not None:
        task = next(t for t in fake.tasks() if t["content"] == "Read the exam guide")
        fake.complete(task["id"], DONE_AT)
        return
    config = load_config(None)
    plan = load_plan(home / "goals.yaml")
    with open_backends(config, plan, home / "state") as backends:
        task = next(t for t in backends.tasks.list_tasks() if t.key == "cert/prep/read")
        backends.tasks.complete(task.remote_id, DONE_AT)  # type: ignore[attr-defined]


def review_task_description(home: Path, fake: FakeTodoist | None) -> str:
    if fake is not None:
        task = next(t for t in fake.tasks() if t["content"] == "Weekly review")
        return str(task["description"])
    with open_backends(load_config(None), load_plan(home / "goals.yaml"),
                       home / "state") as backends:
        task = next(t for t in backends.tasks.list_tasks() if t.key == "review:weekly")
        return task.description


def review_calendar_blocks(home: Path) -> list[RemoteBlock]:
    with open_backends(load_config(None), load_plan(home / "goals.yaml"),
                       home / "state") as backends:
        assert backends.calendar is not None
        listed = backends.calendar.list_blocks(BASE, BASE + timedelta(days=30))
        return [b for b in listed if b.key == "review:weekly"]


def test_scripted_review_records_answers_and_rewrites_plan_keeping_comments(
        setup: tuple[str, Path, FakeTodoist | None]) -> None:
    kind, home, fake = setup
    plan_path = home / "goals.yaml"
    report = sync(str(plan_path), load_config(None), now=T0)
    assert report.ok, report.errors
    complete_in_app(kind, home, fake)

    before = CliRunner().invoke(cli, ["status", str(plan_path), "--now", REVIEW_AT, "--json"])
    assert before.exit_code == 0, before.output
    goal = json.loads(before.output)["goals"][0]
    assert goal["progress"] == pytest.approx(60 / (60 + 6000 + 120))
    assert goal["status"] == "infeasible"
    assert {m["id"]: m["status"] for m in goal["milestones"]}["prep"] == "done"

    result = CliRunner().invoke(cli, ["review", str(plan_path), "--now", REVIEW_AT,
                                      "--answers", str(home / "answers.yaml"),
                                      "--non-interactive"])
    assert result.exit_code == 0, result.output
    assert "Celebrate: Ice cream" in result.output

    new = plan_path.read_text(encoding="utf-8")
    changed = [line for line in difflib.unified_diff(PLAN.splitlines(), new.splitlines(),
                                                     lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed[0] == f"-    deadline: {DEADLINE.isoformat()}   # tight on purpose"
    assert changed[1].startswith("+    deadline: ") and changed[1].endswith("# tight on purpose")
    assert len(changed) == 2
    new_deadline = load_plan(plan_path).goal("cert").deadline
    assert new_deadline is not None and new_deadline > DEADLINE

    with State.open(home / "state" / STATE_FILE, readonly=True) as state:
        answers = {(a.trigger, a.question): a.answer for a in state.review_answers()}
        assert answers[("weekly", "Am I meeting the deadlines I set?")] == \
            "Not yet, the study step is far too big."
        assert answers[("milestone-done", "What helped you get there?")] == \
            "The guide was short."
        assert ("milestone-done", "Milestone done: Prepare! Celebrate: Ice cream.") in answers
        assert state.metrics()["cert"][0] == 55.0

    description = review_task_description(home, fake)
    if fake is None:  # the embedded calendar holds the review block at the next slot
        blocks = review_calendar_blocks(home)
        assert len(blocks) == 1 and blocks[0].start.astimezone(UTC).weekday() == 6
        assert blocks[0].start.astimezone(UTC).strftime("%H:%M") == "18:00"
    assert "Get certified is infeasible" in description
    assert "Am I meeting the deadlines I set?" in description

    after = CliRunner().invoke(cli, ["status", str(plan_path), "--now", REVIEW_AT, "--json",
                                     "--offline"])
    doc = json.loads(after.output)
    assert doc["goals"][0]["deadline"] == new_deadline.isoformat()
    triggers = {p["trigger"] for p in doc["prompts"]}
    assert "weekly" not in triggers and "milestone-done" not in triggers
