from __future__ import annotations

from dataclasses import replace
from datetime import date

from syncer.core.desired import block_fields, task_fields
from syncer.core.reconcile import (
    BaseBlock,
    BaseTask,
    Conflict,
    CreateBlock,
    DeleteBlock,
    Forget,
    Pin,
    PushTask,
    Rebase,
    RecordCompletion,
    UpdateBlock,
    UserDeleted,
    UserEdit,
    delete_guard,
    existing_blocks,
    reconcile,
)
from syncer.core.rules import SyncRules
from syncer.core.values import (
    BlockSpec,
    CreateTask,
    DeleteTask,
    RemoteBlock,
    RemoteTask,
    TaskSpec,
    UpdateTask,
)
from tests.unit.sync_plans import NOW, hours

SPEC = TaskSpec(key="g/m/s", kind="step", title="Read", goal_id="g", goal_title="G",
                description="ctx", due=date(2027, 1, 5), deadline=date(2027, 1, 31),
                duration_minutes=60, priority=2)
BLOCK = BlockSpec(uid="u1", key="g/m/s", title="Read", start=NOW + hours(2),
                  end=NOW + hours(3), goal_id="g")


def remote_of(spec: TaskSpec, **changes: object) -> RemoteTask:
    task = RemoteTask(key=spec.key, remote_id="r1", kind=spec.kind, title=spec.title,
                      description=spec.description, due=spec.due, deadline=spec.deadline,
                      duration_minutes=spec.duration_minutes, priority=spec.priority,
                      labels=spec.labels)
    return replace(task, **changes)  # type: ignore[arg-type]


def remote_block(spec: BlockSpec, **changes: object) -> RemoteBlock:
    block = RemoteBlock(spec.uid, spec.key, spec.title, spec.start, spec.end, '"e1"')
    return replace(block, **changes)  # type: ignore[arg-type]


def base_task(spec: TaskSpec = SPEC) -> dict[str, BaseTask]:
    return {spec.key: BaseTask(spec.key, "r1", task_fields(spec))}


def base_block(spec: BlockSpec = BLOCK, pinned: bool = False) -> dict[str, BaseBlock]:
    return {spec.uid: BaseBlock(spec.uid, spec.key, block_fields(spec), pinned)}


def run(tasks=(), remote=(), base=None, blocks=(), rblocks=(), bblocks=None, **kw):
    return reconcile(list(tasks), None if remote is None else list(remote), base or {},
                     list(blocks), None if rblocks is None else list(rblocks), bblocks or {},
                     None, now=kw.pop("now", NOW), **kw)


def test_nothing_changed_means_no_action_at_all():
    assert run([SPEC], [remote_of(SPEC)], base_task(), [BLOCK], [remote_block(BLOCK)],
               base_block(), known_keys={"g/m/s"}) == []


def test_new_step_is_created_and_new_block_booked():
    actions = run([SPEC], [], {}, [BLOCK], [], {})
    assert [type(a) for a in actions] == [PushTask, CreateBlock]
    assert isinstance(actions[0].change, CreateTask)


def test_plan_change_is_pushed_when_the_remote_did_not_change():
    new = replace(SPEC, duration_minutes=90, deadline=date(2027, 2, 1))
    push, = run([new], [remote_of(SPEC)], base_task())
    assert isinstance(push.change, UpdateTask)
    assert push.change.fields == {"duration_minutes", "deadline"}
    assert push.base["duration_minutes"] == 90


def test_users_rename_and_redate_are_kept_when_the_plan_did_not_change():
    remote = remote_of(SPEC, title="Read the book", due=date(2027, 1, 9))
    edit, rebase = run([SPEC], [remote], base_task())
    assert edit == UserEdit("task", "g/m/s", ("title", "due"))
    assert isinstance(rebase, Rebase) and rebase.values["title"] == "Read"
    # the edit was reported once; the next sync with nothing new says nothing
    seen = {SPEC.key: BaseTask(SPEC.key, "r1", rebase.values)}
    assert run([SPEC], [remote], seen) == []


def test_recurring_tasks_due_date_belongs_to_the_recurrence():
    habit = replace(SPEC, recurrence="FREQ=WEEKLY;BYDAY=MO", due=None)
    moved_on = remote_of(habit, due=date(2027, 1, 11))
    assert run([habit], [moved_on], base_task(habit)) == []


def test_both_changed_the_ownership_table_decides_and_reports():
    plan = replace(SPEC, title="Read v2", duration_minutes=30)
    remote = remote_of(SPEC, title="Read (mine)", duration_minutes=45)
    actions = run([plan], [remote], base_task())
    push = next(a for a in actions if isinstance(a, PushTask))
    assert push.change.fields == {"duration_minutes"}  # plan owns the estimate
    conflicts = {a.field: a.winner for a in actions if isinstance(a, Conflict)}
    assert conflicts == {"title": "user", "duration_minutes": "plan"}
    assert push.base["title"] == "Read"  # still the last pushed title: user keeps theirs


def test_ownership_can_be_overridden_by_rules():
    plan = replace(SPEC, title="Read v2")
    remote = remote_of(SPEC, title="Read (mine)")
    actions = reconcile([plan], [remote], base_task(), [], [], {},
                        SyncRules.from_mapping({"ownership": {"task": {"title": "plan"}}}),
                        now=NOW)
    push = next(a for a in actions if isinstance(a, PushTask))
    assert push.change.fields == {"title"}


def test_completed_task_is_progress_and_never_updated():
    done_at = NOW - hours(1)
    remote = remote_of(SPEC, completed=True, completed_at=done_at, title="x")
    assert run([replace(SPEC, title="new")], [remote], base_task()) == [
        RecordCompletion("g/m/s", done_at)]
    assert run([SPEC], [remote], base_task(), completed={"g/m/s": done_at}) == []


def test_task_deleted_by_the_user_is_not_recreated():
    assert run([SPEC], [], base_task()) == [UserDeleted("g/m/s", "r1")]
    gone = {SPEC.key: BaseTask(SPEC.key, "r1", task_fields(SPEC), gone=True)}
    assert run([SPEC], [], gone) == []


def test_a_failed_listing_concludes_nothing():
    assert run([SPEC], None, base_task(), [BLOCK], None, base_block()) == []


def test_lost_state_adopts_by_key_instead_of_duplicating():
    actions = run([SPEC], [remote_of(SPEC)], {}, [BLOCK], [remote_block(BLOCK)], {})
    assert all(isinstance(a, Rebase) for a in actions) and len(actions) == 2


def test_adopted_task_that_differs_takes_the_plans_values():
    push, = run([SPEC], [remote_of(SPEC, priority=4)], {})
    assert push.change.fields == {"priority"} and push.base == task_fields(SPEC)


def test_step_removed_from_the_plan_is_deleted_but_a_done_one_is_kept():
    push, = run([], [remote_of(SPEC)], base_task())
    assert isinstance(push.change, DeleteTask)
    assert run([], [remote_of(SPEC)], base_task(), known_keys={"g/m/s"}) == []


def test_block_moved_by_the_user_is_pinned_not_moved_back():
    moved = remote_block(BLOCK, start=BLOCK.start + hours(24), end=BLOCK.end + hours(24))
    actions = run(blocks=[BLOCK], rblocks=[moved], bblocks=base_block())
    assert [type(a) for a in actions] == [Pin, UserEdit]
    assert existing_blocks([moved], base_block())[0].pinned


def test_plan_retitle_of_a_pinned_block_keeps_the_users_time():
    moved = remote_block(BLOCK, start=BLOCK.start + hours(24), end=BLOCK.end + hours(24))
    retitled = replace(BLOCK, title="Read more")
    update = next(a for a in run(blocks=[retitled], rblocks=[moved], bblocks=base_block())
                  if isinstance(a, UpdateBlock))
    assert update.fields == {"title"} and update.spec.start == moved.start and update.pinned


def test_rescheduled_block_is_updated():
    later = replace(BLOCK, start=BLOCK.start + hours(1), end=BLOCK.end + hours(1))
    update, = run(blocks=[later], rblocks=[remote_block(BLOCK)], bblocks=base_block())
    assert isinstance(update, UpdateBlock) and update.fields == {"start", "end"}
    assert update.etag == '"e1"'


def test_future_blocks_of_a_done_step_are_released_past_ones_kept():
    past = replace(BLOCK, uid="u0", start=NOW - hours(5), end=NOW - hours(4))
    actions = run(rblocks=[remote_block(BLOCK), remote_block(past)],
                  bblocks={**base_block(), **base_block(past)},
                  known_keys={"g/m/s"}, done_keys={"g/m/s"})
    assert actions == [DeleteBlock("u1", "g/m/s", '"e1"', BLOCK.start, "released")]


def test_block_deleted_in_the_calendar_is_forgotten():
    actions = run(blocks=[], rblocks=[], bblocks=base_block())
    assert actions == [Forget("block", "g/m/s", "u1", "gone")]


def test_delete_guard_counts_owned_objects_but_not_released_blocks():
    def delete(key):
        return PushTask(DeleteTask(key, "r"), "removed from the plan")

    released = DeleteBlock("u", "k", None, NOW, "released")
    assert delete_guard([delete("a")], owned=10, max_share=0.25) is None
    three = [delete("a"), delete("b"), delete("c")]
    assert "3 of goalsync's 10" in (delete_guard(three, 10, 0.25) or "")
    assert "all 2" in (delete_guard([delete("a"), delete("b")], 2, 0.25) or "")
    removed_blocks = [DeleteBlock(f"u{i}", "a", None, NOW, "removed") for i in range(5)]
    assert delete_guard([delete("a"), *removed_blocks], 5, 0.25) is None
    assert delete_guard([released] * 9, 10, 0.25) is None
    rescheduled = DeleteBlock("u", "k", None, NOW, "not needed")
    assert delete_guard([rescheduled] * 9, 10, 0.25) is None


def test_users_block_title_is_kept_and_reported_once():
    retitled = remote_block(BLOCK, title="Deep work")
    edit, rebase = run(blocks=[BLOCK], rblocks=[retitled], bblocks=base_block())
    assert edit == UserEdit("block", "g/m/s", ("title",)) and isinstance(rebase, Rebase)
    seen = {BLOCK.uid: BaseBlock(BLOCK.uid, BLOCK.key, rebase.values)}
    assert run(blocks=[BLOCK], rblocks=[retitled], bblocks=seen) == []
