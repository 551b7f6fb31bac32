"""``goalsync today`` / ``goalsync week``: the blocks and due steps of the period and
what to do first, from the state (no server is asked unless --fresh)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from syncer import engine
from syncer.core.model import Block
from tests.cli.test_status import seed
from tests.helpers.cli import memory_world, run_main
from tests.helpers.home import isolate_home
from tests.helpers.plans import GOAL_G_PLAN, pmp_plan


def at(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path)
    (tmp_path / "goals.yaml").write_text(GOAL_G_PLAN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("today/week must not open the backends without --fresh")

    monkeypatch.setattr(engine, "open_backends", no_network)
    return tmp_path


def test_today_puts_the_overdue_step_with_a_block_first_and_says_why(home: Path) -> None:
    # Wed 16 Dec: m1 (due the 15th) is overdue; a is done, b and c are open.
    seed(home, {"g/m1/a": at(1, 9)}, [Block("g/m1/c", at(16, 9), at(16, 10)),
                                       Block("g/m1/b", at(17, 9), at(17, 10))])
    code, out, err = run_main("today", "goals.yaml", now="2026-12-16T07:00:00+00:00")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Today, Wednesday 16 December 2026"
    first = lines.index("First:")
    assert lines[first + 1].strip().startswith("1. C (g)")
    assert "overdue since Tue 15 Dec" in lines[first + 2]
    assert "booked Wed 09:00–10:00" in lines[first + 2]
    assert lines[first + 3].strip().startswith("2. B (g)")  # overdue too, booked later
    assert "09:00–10:00  C (g)" in out
    assert "B (g)" not in out.split("Time blocks:")[1].split("Due:")[0]  # tomorrow
    assert "overdue since Tue 15 Dec  B (g)" in out
    assert "From the last sync" in out


def test_week_runs_to_sunday_and_json_has_the_documented_shape(home: Path) -> None:
    seed(home, {}, [Block("g/m1/a", at(16, 9), at(16, 11)),
                    Block("g/m1/a", at(20, 9), at(20, 10)),   # Sunday: in
                    Block("g/m1/b", at(21, 9), at(21, 10))])  # next Monday: out
    code, out, err = run_main("week", "goals.yaml", "--json",
                              now="2026-12-16T07:00:00+00:00")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"period", "start", "end", "now", "timezone", "source", "last_sync",
                        "first", "blocks", "due", "milestones", "notes"}
    assert doc["notes"] == []
    assert (doc["period"], doc["start"], doc["end"]) == ("week", "2026-12-16", "2026-12-20")
    assert doc["source"] == "state"
    assert [b["start"] for b in doc["blocks"]] == ["2026-12-16T09:00:00+00:00",
                                                   "2026-12-20T09:00:00+00:00"]
    assert set(doc["blocks"][0]) == {"step", "title", "goal", "start", "end", "done",
                                     "habit"}
    assert doc["first"][0]["step"] == "g/m1/a"
    assert set(doc["first"][0]) == {"step", "title", "goal", "why", "block"}
    assert all(set(d) == {"step", "title", "goal", "milestone", "due", "overdue"}
               for d in doc["due"])
    assert {d["step"] for d in doc["due"]} == {"g/m1/a", "g/m1/b", "g/m1/c"}


def test_a_step_that_waits_for_another_brings_that_one_first(home: Path) -> None:
    # b (after a) is booked today; a is not done and has no block today
    seed(home, {}, [Block("g/m1/b", at(2, 9), at(2, 10))])
    code, out, _ = run_main("today", "goals.yaml", now="2026-12-02T07:00:00+00:00")
    assert code == 0
    first = out.split("First:")[1]
    assert first.strip().startswith("1. A (g)")
    assert "needed before “B”" in first


def test_nothing_booked_or_due_says_so(home: Path) -> None:
    code, out, _ = run_main("today", "goals.yaml", now="2026-11-02T07:00:00+00:00")
    assert code == 0
    assert "Nothing is due or booked today." in out
    # review finding 15: before any sync, say what to run
    assert "No sync yet" in out and "Run `goalsync sync goals.yaml`" in out
    assert "From the last sync" not in out
    code, out, _ = run_main("week", "goals.yaml", "--json", now="2026-11-02T07:00:00+00:00")
    doc = json.loads(out)
    assert doc["last_sync"] is None and "goalsync sync goals.yaml" in doc["notes"][0]


def test_today_after_a_real_sync_shows_the_synced_blocks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    memory_world(monkeypatch, tmp_path, pmp_plan(steps=4, priority=False))
    assert run_main("sync", "goals.yaml")[0] == 0
    code, out, err = run_main("today", "goals.yaml", "--json",
                              now="2026-11-23T07:00:00+00:00")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["blocks"], doc
    assert doc["last_sync"] is not None
    code, out, err = run_main("today", "goals.yaml", "--fresh", "--json",
                              now="2026-11-23T07:00:00+00:00")
    assert code == 0, err
    assert json.loads(out)["source"] == "servers"


def test_a_block_of_a_step_no_longer_in_the_plan_is_shown_by_its_key(home: Path) -> None:
    seed(home, {}, [Block("g/gone/x", at(2, 9), at(2, 10))])
    code, out, err = run_main("today", "goals.yaml", now="2026-12-02T07:00:00+00:00")
    assert code == 0, err
    assert "g/gone/x" in out
    code, out, _ = run_main("today", "goals.yaml", "--json", now="2026-12-02T07:00:00+00:00")
    assert json.loads(out)["blocks"][0]["goal"] is None


def test_another_plans_state_is_named_and_nothing_of_it_is_shown(home: Path) -> None:
    """Review finding 15: with the state of another plan (the default state folder is
    shared; the plan id comes from the file name), `today` listed that plan's blocks by
    their raw keys under "Nothing is due or booked today"."""
    from syncer.state import STATE_FILE, State

    seed(home, {"g/m1/a": at(1, 9)}, [Block("dbt/course/setup", at(2, 9), at(2, 10)),
                                       Block("g/m1/b", at(2, 11), at(2, 12))])
    with State.open(home / "state" / STATE_FILE) as state:
        state.set_meta("plan_id", "plan1")
    for kind in ("today", "week"):
        code, out, err = run_main(kind, "goals.yaml", now="2026-12-02T07:00:00+00:00")
        assert code == 0, err
        text = " ".join(out.split())  # the note folds at the width
        assert "belongs to plan id `plan1`, not to goals.yaml (plan id `goals`)" in text
        assert "add `id: plan1`" in text  # how to claim it when it is this plan renamed
        assert "dbt/course/setup" not in out and "Time blocks:" not in out
        assert "From the last sync" not in out
        code, out, err = run_main(kind, "goals.yaml", "--json",
                                  now="2026-12-02T07:00:00+00:00")
        doc = json.loads(out)
        assert doc["blocks"] == [] and doc["last_sync"] is None
        assert "plan1" in doc["notes"][0]
    # the other plan's completion of a same-named step does not count here: on the 16th
    # m1 is overdue and A is still open
    code, out, _ = run_main("today", "goals.yaml", "--json", now="2026-12-16T07:00:00+00:00")
    assert {"g/m1/a", "g/m1/b"} <= {d["step"] for d in json.loads(out)["due"]}
