"""The engine with in-memory backends: the sync guarantees without servers."""

from __future__ import annotations

from dataclasses import replace

import pytest

from syncer.backends.memory import MemoryCalendarBackend, MemoryTaskBackend
from syncer.core import reconcile as rc
from syncer.core.desired import REVIEW_KEY
from syncer.engine import Backends, SyncReport, run
from syncer.errors import LockedError, SafetyStop
from syncer.policy import load_rules
from syncer.state import State, lock
from tests.unit.sync_plans import NOW, hours, make_plan, step

RULES = load_rules()


@pytest.fixture
def world(tmp_path):
    tasks, calendar = MemoryTaskBackend(), MemoryCalendarBackend()
    return tmp_path, Backends(tasks, calendar, "memory")


def sync(world, plan=None, now=NOW, **kw) -> SyncReport:
    state_dir, backends = world
    return run(plan or make_plan(), RULES, backends, state_dir, now=now, **kw)


def writes(world) -> int:
    _, b = world
    return b.tasks.requests + b.calendar.requests


def task_by_key(world, key):
    return next(t for t in world[1].tasks.tasks.values() if t.key == key)


def test_first_sync_creates_tasks_and_blocks_in_the_window(world):
    report = sync(world)
    _, b = world
    assert {t.key for t in b.tasks.tasks.values()} == {
        "pmp/course", "pmp/course/research", "pmp/course/enroll", "pmp/course/study",
        REVIEW_KEY}
    assert len(b.calendar.blocks) >= 3
    assert report.created == 5 + len(b.calendar.blocks) and report.ok
    assert all(s.start < NOW + hours(24 * 14) for s, _ in b.calendar.blocks.values())
    research = task_by_key(world, "pmp/course/research")
    last = max(s.end for s, _ in b.calendar.blocks.values()
               if s.key == "pmp/course/research")
    assert research.due == last  # due when its scheduled work ends


def test_second_sync_with_nothing_changed_makes_no_write_and_few_requests(world):
    sync(world)
    _, b = world
    before_tasks, before_cal = b.tasks.requests, b.calendar.requests
    report = sync(world)
    assert [a for a in report.actions if isinstance(a, rc.WRITES)] == []
    assert report.actions == ()
    assert b.tasks.requests - before_tasks == 1  # changes_since only
    assert b.calendar.requests - before_cal == 1  # changes_since; busy time was kept


def test_dry_run_writes_nothing_anywhere(world):
    state_dir, b = world
    report = sync(world, dry_run=True)
    assert report.created > 0 and report.dry_run
    assert b.tasks.tasks == {} and b.calendar.blocks == {}
    assert not (state_dir / "state.sqlite").exists()


def test_block_moved_by_the_user_stays_pinned(world):
    sync(world)
    _, b = world
    uid, (spec, _) = next(iter(sorted(b.calendar.blocks.items())))
    b.calendar.move(uid, spec.start + hours(24), spec.end + hours(24))
    report = sync(world)
    assert report.pinned == 1
    moved, _ = b.calendar.blocks[uid]
    assert moved.start == spec.start + hours(24)
    again = sync(world)
    assert again.actions == () and b.calendar.blocks[uid][0].start == moved.start
    with State.open(world[0] / "state.sqlite") as state:
        assert next(lk for lk in state.links("block") if lk.remote_id == uid).pinned


def test_task_completed_in_the_app_is_progress_and_frees_its_blocks(world):
    sync(world)
    _, b = world
    research = task_by_key(world, "pmp/course/research")
    b.tasks.complete(research.remote_id, NOW + hours(0.5))
    report = sync(world, now=NOW + hours(0.75))
    assert report.completed == 1
    assert report.completions["pmp/course/research"] == NOW + hours(0.5)
    assert not [s for s, _ in b.calendar.blocks.values() if s.key == "pmp/course/research"]


def test_plan_edits_propagate(world):
    sync(world)
    plan = make_plan((step("research", "Research PMP course providers", 180),
                      step("enroll", "Enroll in the course", 30)))
    report = sync(world, plan=plan)
    research = task_by_key(world, "pmp/course/research")
    assert research.title == "Research PMP course providers"
    assert research.duration_minutes == 180
    assert "pmp/course/study" not in {t.key for t in world[1].tasks.tasks.values()}
    assert report.deleted >= 1 and report.ok


def test_users_rename_is_kept(world):
    sync(world)
    research = task_by_key(world, "pmp/course/research")
    world[1].tasks.edit(research.remote_id, title="Find a course")
    report = sync(world)
    assert task_by_key(world, "pmp/course/research").title == "Find a course"
    assert rc.UserEdit("task", "pmp/course/research", ("title",)) in report.actions


def test_emptied_plan_stops_and_deletes_nothing(world):
    sync(world)
    _, b = world
    count = len(b.tasks.tasks)
    empty = replace(make_plan(), goals=())
    with pytest.raises(SafetyStop) as info:
        sync(world, plan=empty)
    assert info.value.exit_code == 4 and len(b.tasks.tasks) == count


def test_max_delete_guard_needs_force(world):
    sync(world)
    plan = make_plan((step("research", "Research PMP courses", 120),))
    with pytest.raises(SafetyStop, match="would delete"):
        sync(world, plan=plan)
    report = sync(world, plan=plan, force=True)
    assert report.deleted >= 2


def test_max_delete_guard_protects_a_run_with_no_state_yet(world):
    state_dir, b = world
    sync(world)
    (state_dir / "state.sqlite").unlink()  # a lost state: no links to count
    count = len(b.tasks.tasks)
    with pytest.raises(SafetyStop, match="would delete"):
        sync(world, plan=make_plan((step("research", "Research PMP courses", 120),)))
    assert len(b.tasks.tasks) == count


def test_deleted_state_is_recovered_by_adoption_without_duplicates(world):
    state_dir, b = world
    sync(world)
    tasks, blocks = len(b.tasks.tasks), len(b.calendar.blocks)
    (state_dir / "state.sqlite").unlink()
    report = sync(world)
    assert (len(b.tasks.tasks), len(b.calendar.blocks)) == (tasks, blocks)
    assert report.created == 0 and report.ok


def test_corrupted_state_is_moved_aside_and_adopted(world):
    state_dir, b = world
    sync(world)
    tasks, blocks = len(b.tasks.tasks), len(b.calendar.blocks)
    for extra in ("state.sqlite-wal", "state.sqlite-shm"):
        (state_dir / extra).unlink(missing_ok=True)
    (state_dir / "state.sqlite").write_bytes(b"garbage" * 1000)
    report = sync(world)
    assert (len(b.tasks.tasks), len(b.calendar.blocks)) == (tasks, blocks)
    assert any("moved to" in n for n in report.notes)


def test_second_concurrent_run_refuses(world):
    state_dir, _ = world
    with lock(state_dir), pytest.raises(LockedError):
        sync(world)


def test_changed_target_asks_for_rebind(world):
    state_dir, b = world
    sync(world)
    other = (state_dir, Backends(MemoryTaskBackend(), MemoryCalendarBackend(), "elsewhere"))
    with pytest.raises(SafetyStop, match="--rebind"):
        sync(other)
    report = sync(other, rebind=True)
    assert report.created > 0 and len(b.tasks.tasks) == 5  # the old target is untouched


def test_failed_listing_concludes_nothing(world):
    sync(world)
    _, b = world

    def broken() -> list:
        from syncer.backends.base import IncompleteListing
        raise IncompleteListing("listing broke")

    b.tasks.list_tasks = broken  # type: ignore[method-assign]
    b.tasks.edit(next(iter(b.tasks.tasks)), title="x")  # force a re-list
    report = sync(world)
    assert not report.ok and len(b.tasks.tasks) == 5
    assert not [a for a in report.actions if isinstance(a, rc.PushTask)]


def test_block_write_failure_is_reported_and_the_rest_goes_on(world):
    _, b = world
    original = b.calendar.create
    calls = {"n": 0}

    def flaky(spec):
        calls["n"] += 1
        if calls["n"] == 2:
            from syncer.backends.base import Unreachable
            raise Unreachable("connection dropped")
        return original(spec)

    b.calendar.create = flaky  # type: ignore[method-assign]
    report = sync(world)
    assert len(report.errors) == 1 and "connection dropped" in report.errors[0]
    assert len(b.calendar.blocks) == calls["n"] - 1
    b.calendar.create = original  # type: ignore[method-assign]
    again = sync(world)
    assert again.ok and again.created == 1


def test_another_plans_blocks_on_the_same_calendar_are_left_alone(world):
    state_dir, b = world
    sync(world)
    blocks = dict(b.calendar.blocks)
    other = replace(make_plan((step("write", "Write a blog post", 60),)), id="other")
    other_world = (state_dir / "other", Backends(MemoryTaskBackend(), b.calendar, "other"))
    report = sync(other_world, plan=other)
    assert report.ok and report.deleted == 0
    assert all(uid in b.calendar.blocks for uid in blocks)



def test_plan_beyond_the_window_stays_put_between_syncs(world):
    from pathlib import Path

    from syncer.planfile import load_plan

    plan = load_plan(Path(__file__).resolve().parents[2] / "examples" / "large.yaml")
    first = sync(world, plan=plan)
    assert max(b.start for b in first.schedule.blocks) > NOW + hours(24 * 14)  # beyond
    assert sync(world, plan=plan).actions == ()  # nothing re-placed, nothing re-dated


def test_a_renamed_plan_file_is_not_synced_as_a_second_plan(world):
    sync(world)
    renamed = replace(make_plan(), id="career-2026")
    with pytest.raises(SafetyStop, match="plan id `career`") as stop:
        sync(world, plan=renamed)
    assert "id: career" in (stop.value.hint or "")
    assert len(world[1].tasks.tasks) == 5


def test_without_a_calendar_the_baseline_keeps_what_was_planned_before_now(tmp_path):
    """No calendar keeps a copy of past blocks: the state's baseline must, or expected
    progress would restart at every sync and "behind" could never fire."""
    tasks = MemoryTaskBackend()
    backends = Backends(tasks, None, "memory")
    run(make_plan(), RULES, backends, tmp_path, now=NOW)
    with State.open(tmp_path / "state.sqlite") as state:
        first = state.planned_blocks()
    week_later = NOW + hours(24 * 7)
    run(make_plan(), RULES, backends, tmp_path, now=week_later)
    with State.open(tmp_path / "state.sqlite") as state:
        baseline = state.planned_blocks()
    past = [b for b in first if b.end <= week_later]
    assert past, "the plan should have booked work in its first week"
    assert all(b in baseline for b in past)


def test_a_completed_habit_task_is_one_occurrence_on_any_backend(world):
    """A backend that reports a recurring task as completed (a Todoist history entry,
    a client marking the whole VTODO done) does not end the habit or drop its blocks."""
    from syncer.core.model import Habit

    habit = Habit(key="pmp/habit:study", id="study", title="Study session", goal_id="pmp",
                  per_week=3, duration_minutes=60)
    plan = make_plan(habits=(habit,))
    sync(world, plan)
    _, b = world
    before = {u for u, (s, _) in b.calendar.blocks.items() if s.key == habit.key}
    assert before
    b.tasks.complete(task_by_key(world, habit.key).remote_id, NOW + hours(1))
    report = sync(world, plan, now=NOW + hours(2))
    assert report.completed == 0 and report.deleted == 0
    after = {u for u, (s, _) in b.calendar.blocks.items() if s.key == habit.key}
    assert before <= after


def test_a_habit_is_quiet_when_its_next_occurrence_moves_on(world):
    from syncer.core.model import Habit

    habit = Habit(key="pmp/habit:study", id="study", title="Study session", goal_id="pmp",
                  per_week=3, duration_minutes=60)
    plan = make_plan(habits=(habit,))
    sync(world, plan)
    report = sync(world, plan, now=NOW + hours(30))  # Tuesday: next occurrence Wednesday
    assert not [a for a in report.actions  # the due date is the app's: no base churn
                if isinstance(a, (rc.Rebase, rc.PushTask)) and a.key == habit.key]


def test_a_refused_block_is_tried_again_under_the_same_uid(world):
    """A server that refuses a block (Cyrus refused the weekly review block) must not
    see a new UID on every run: the UID of a create it never took is used again."""
    from syncer.backends.caldav_common import WriteRefused

    _, b = world
    tried: list[str] = []

    def refuse(spec):
        tried.append(spec.uid)
        raise WriteRefused("refused (403 Forbidden: valid-calendar-data)", 403)

    b.calendar.create = refuse
    first = sync(world)
    assert not first.ok and tried
    attempted = sorted(tried)
    tried.clear()
    sync(world, now=NOW + hours(1))
    assert sorted(tried) == attempted


def test_a_uid_the_server_holds_elsewhere_is_never_tried_again(world):
    from syncer.backends.base import PreconditionFailed

    _, b = world
    real_create, taken = b.calendar.create, []

    def trash_bin(spec):  # the first UID of each key sits in the server's trash bin
        if spec.uid.endswith("-0@goalsync"):
            taken.append(spec.uid)
            raise PreconditionFailed(f"an object with the UID {spec.uid} exists already")
        return real_create(spec)

    b.calendar.create = trash_bin
    assert sync(world).ok and taken
    b.calendar.create = real_create
    sync(world, now=NOW + hours(1))
    assert not set(taken) & set(b.calendar.blocks)
