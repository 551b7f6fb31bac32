"""`goalsync schedule` after a sync: one plan on screen. The preview is what the next
sync would book (read from the saved state, no server contacted): blocks on the
calendar stay, a block the person moved stays where they put it, a completed step is
gone; `--fresh` plans from scratch."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from syncer import engine
from syncer.cli import cli
from syncer.core.model import Interval
from syncer.state import State
from tests.helpers.cli import memory_world

ROOT = Path(__file__).resolve().parents[2]
CAREER = (ROOT / "examples" / "career.yaml").read_text()
MONDAY = datetime.fromisoformat("2026-11-23T07:00:00+01:00")


@pytest.fixture
def career(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> engine.Backends:
    backends = memory_world(monkeypatch, tmp_path, CAREER)
    # the person's standing meetings: Tuesday's team sync, Thursday's 1:1
    for day, hour in ((1, 10), (3, 14)):
        for week in range(12):
            start = MONDAY + timedelta(days=day + 7 * week, hours=hour - 7)
            backends.calendar.foreign.append(Interval(start, start + timedelta(hours=1)))
    return backends


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


def _preview(now: datetime, *extra: str) -> list[tuple[str, datetime, datetime]]:
    data = json.loads(_cli("schedule", "goals.yaml", "--now", now.isoformat(), "--json",
                           *extra).output)
    return sorted((b["step"], datetime.fromisoformat(b["start"]),
                   datetime.fromisoformat(b["end"])) for b in data["blocks"])


def _planned(tmp_path: Path, now: datetime) -> list[tuple[str, datetime, datetime]]:
    with State.open(tmp_path / "state" / "state.sqlite", readonly=True) as state:
        return sorted((b.step, b.start, b.end) for b in state.planned_blocks()
                      if b.end > now)


def _state_dir(tmp_path: Path) -> Path:
    found = list(tmp_path.rglob("state.sqlite"))
    assert len(found) == 1, found
    return found[0].parent


def test_a_day_later_the_preview_is_the_next_sync_block_for_block(
        career: engine.Backends, tmp_path: Path) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    tuesday = MONDAY + timedelta(days=1)
    preview = _preview(tuesday)
    _cli("sync", "goals.yaml", "--now", tuesday.isoformat())
    with State.open(_state_dir(tmp_path) / "state.sqlite", readonly=True) as state:
        booked = sorted((b.step, b.start, b.end) for b in state.planned_blocks()
                        if b.end > tuesday)
    assert [(k, s.timestamp(), e.timestamp()) for k, s, e in preview] == [
        (k, s.timestamp(), e.timestamp()) for k, s, e in booked]
    fresh = _preview(tuesday, "--fresh")
    assert fresh != preview  # from scratch, Monday's missed work is not re-booked


def test_the_preview_keeps_a_moved_block_and_drops_a_completed_step(
        career: engine.Backends) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    calendar, tasks = career.calendar, career.tasks
    research = sorted((spec.start, uid) for uid, (spec, _) in calendar.blocks.items()
                      if spec.key == "pmp/course/research")
    assert research, "the first step is booked in the window"
    # the person moves their first research block to Saturday morning …
    start, uid = research[0]
    saturday = (MONDAY + timedelta(days=5)).replace(hour=10)
    length = calendar.blocks[uid][0].end - start
    calendar.move(uid, saturday, saturday + length)
    # … and ticks off "Join PMI" in the task app
    join = next(t for t in tasks.tasks.values() if t.title.startswith("Join PMI"))
    tasks.complete(join.remote_id, MONDAY + timedelta(hours=3))
    _cli("sync", "goals.yaml", "--now", (MONDAY + timedelta(hours=4)).isoformat())

    blocks = _preview(MONDAY + timedelta(hours=5))
    assert ("pmp/course/research", saturday, saturday + length) in blocks
    assert not any(k == join.key for k, _, _ in blocks)
    # from scratch, the moved block goes back to a weekday and the done step returns
    fresh = _preview(MONDAY + timedelta(hours=5), "--fresh")
    assert any(k == join.key for k, _, _ in fresh)
    assert not any(s == saturday for _, s, _ in fresh)


def test_without_a_sync_the_preview_plans_from_scratch(career: engine.Backends) -> None:
    assert _preview(MONDAY) == _preview(MONDAY, "--fresh")
    agenda = _cli("schedule", "goals.yaml", "--now", MONDAY.isoformat()).output
    assert "next `goalsync sync`" not in agenda


def test_the_agenda_says_it_is_the_next_syncs_plan(career: engine.Backends) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    requests = career.calendar.requests + career.tasks.requests
    agenda = _cli("schedule", "goals.yaml", "--now", MONDAY.isoformat()).output
    assert "As the next `goalsync sync` would book it" in agenda
    assert career.calendar.requests + career.tasks.requests == requests  # no server read


def test_a_damaged_state_falls_back_to_a_fresh_plan(career: engine.Backends,
                                                    tmp_path: Path) -> None:
    _cli("sync", "goals.yaml", "--now", MONDAY.isoformat())
    requests = career.calendar.requests + career.tasks.requests
    (_state_dir(tmp_path) / "state.sqlite").write_bytes(b"not a database" * 100)
    result = CliRunner().invoke(cli, ["schedule", "goals.yaml", "--now",
                                      MONDAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert career.calendar.requests + career.tasks.requests == requests


# Two goals of different priority and deadline (review finding 4): a P4 blog post due in
# January and a P1 certificate whose videos are due at the end of December.
TWO_GOALS = """\
timezone: America/New_York
weekly_hours: 4
goals:
  - id: aws
    title: Get AWS Solutions Architect certified
    deadline: 2027-01-15
    priority: [urgent, important]
    milestones:
      - id: study
        title: Finish the study course
        due: 2026-12-31
        steps:
          - {id: videos, title: Watch the course videos, estimate: 12h}
          - {id: labs, title: Do the labs, estimate: 6h, after: [videos]}
  - id: blog
    title: Publish a technical blog post
    deadline: 2027-01-10
    priority: p4
    milestones:
      - id: first
        title: First post
        due: 2027-01-10
        steps:
          - {id: draft, title: Draft the post, estimate: 3h}
          - {id: edit, title: Edit the post, estimate: 1h, after: [draft]}
"""
FIRST_RUN = datetime.fromisoformat("2026-12-07T08:00:00-05:00")


def test_weeks_shows_the_first_weeks_of_the_plan_the_first_sync_books(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    memory_world(monkeypatch, tmp_path, TWO_GOALS)
    everything = _preview(FIRST_RUN)
    one_week = _preview(FIRST_RUN, "--weeks", "1")
    week_end = FIRST_RUN + timedelta(weeks=1)
    # --weeks limits what is shown, never the horizon: the P1 videos keep Monday and
    # Tuesday, the P4 post does not take their place
    assert one_week == [b for b in everything if b[1] < week_end]
    assert {k for k, _, _ in one_week} == {"aws/study/videos", "review:weekly"}
    agenda = _cli("schedule", "goals.yaml", "--now", FIRST_RUN.isoformat(),
                  "--weeks", "1").output
    assert "Not booked within" not in agenda
    assert "later blocks from Mon 14 Dec 2026 08:00 on not shown" in agenda
    _cli("sync", "goals.yaml", "--now", FIRST_RUN.isoformat())
    booked = _planned_blocks(tmp_path, FIRST_RUN)
    assert [(k, s.timestamp(), e.timestamp()) for k, s, e in everything] == [
        (k, s.timestamp(), e.timestamp()) for k, s, e in booked]


def _planned_blocks(tmp_path: Path, now: datetime) -> list[tuple[str, datetime, datetime]]:
    with State.open(_state_dir(tmp_path) / "state.sqlite", readonly=True) as state:
        return sorted((b.step, b.start, b.end) for b in state.planned_blocks()
                      if b.end > now)


def test_after_a_sync_the_review_block_is_in_its_week_in_time_order(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    memory_world(monkeypatch, tmp_path, TWO_GOALS)
    _cli("sync", "goals.yaml", "--now", FIRST_RUN.isoformat())
    later = (FIRST_RUN + timedelta(hours=1)).isoformat()
    data = json.loads(_cli("schedule", "goals.yaml", "--now", later, "--json").output)
    starts = [datetime.fromisoformat(b["start"]) for b in data["blocks"]]
    assert starts == sorted(starts)
    assert "review:weekly" in {b["step"] for b in data["blocks"]}
    agenda = _cli("schedule", "goals.yaml", "--now", later).output.splitlines()
    headers = [line for line in agenda if line.startswith("Week of ")]
    assert len(headers) == len(set(headers)), agenda  # each week once
    review = next(i for i, line in enumerate(agenda) if "Weekly review" in line)
    assert agenda[review].startswith("  Sun 13 ")
    assert agenda[review].endswith("Weekly review  — the weekly review slot")
    first_week = agenda[agenda.index("Week of Mon 7 Dec 2026") + 1:review + 1]
    assert all(line.startswith("  ") for line in first_week), agenda
