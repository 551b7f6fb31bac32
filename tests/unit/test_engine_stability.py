"""The engine a day later with nothing changed: no block that is still valid moves,
on the calendar or in the plan the state keeps beyond its window."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.core import reconcile as rc
from syncer.engine import Backends, run
from syncer.planfile import load_plan
from syncer.policy import load_rules
from syncer.state import State

CAREER = load_plan(Path(__file__).resolve().parents[2] / "examples" / "career.yaml")
RULES = load_rules()
SATURDAY = datetime.fromisoformat("2026-11-28T21:00:00+01:00")  # after Saturday's hours


def _planned(folder: Path, now: datetime) -> set[tuple[str, datetime, datetime]]:
    with State.open(folder / "state.sqlite", readonly=True) as state:
        return {(b.step, b.start, b.end) for b in state.planned_blocks() if b.end > now}


def test_a_weekend_day_later_nothing_moves(tmp_path: Path) -> None:
    """Synced on Saturday evening, again on Sunday morning: no work was bookable in
    between (the default goal hours end at 17:00 on Saturday and start at 10:00 on
    Sunday), so every block stays, in and beyond the window."""
    backends = Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "memory")
    run(CAREER, RULES, backends, tmp_path, now=SATURDAY)
    before = _planned(tmp_path, SATURDAY)
    sunday = SATURDAY + timedelta(hours=12)  # Sunday 09:00
    report = run(CAREER, RULES, backends, tmp_path, now=sunday)
    moved = [a for a in report.actions if isinstance(a, rc.UpdateBlock | rc.DeleteBlock)]
    assert moved == []
    after = _planned(tmp_path, sunday)
    assert {k for k in before if k[2] > sunday} == after


def test_work_done_as_booked_moves_nothing_the_next_morning(tmp_path: Path) -> None:
    """Monday's blocks were worked and the steps whose blocks all passed were ticked:
    Tuesday morning's sync keeps every future block where it was."""
    backends = Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "memory")
    monday = datetime.fromisoformat("2026-11-30T07:00:00+01:00")
    first = run(CAREER, RULES, backends, tmp_path, now=monday)
    tuesday = monday + timedelta(days=1)
    ends: dict[str, datetime] = {}
    for block in first.schedule.blocks:
        ends[block.step] = max(ends.get(block.step, block.end), block.end)
    finished = {k for k, end in ends.items() if end <= tuesday and ":" not in k}
    for task in list(backends.tasks.tasks.values()):
        if task.key in finished:
            backends.tasks.complete(task.remote_id, tuesday - timedelta(hours=10))
    started = {b.step for b in first.schedule.blocks if b.start < tuesday} - finished
    before = {(b.step, b.start, b.end) for b in first.schedule.blocks
              if b.start >= tuesday and b.step not in started and ":" not in b.step
              and b.step != "review:weekly"}
    second = run(CAREER, RULES, backends, tmp_path, now=tuesday)
    assert before <= {(b.step, b.start, b.end) for b in second.schedule.blocks}
