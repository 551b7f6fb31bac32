"""The three-way reconcile: desired (plan + schedule) vs remote (now) vs base (what
goalsync last pushed) → the complete list of actions, computed before any is executed.

Guarantees, per owned object and per owned field:

* Nothing changed anywhere → no action at all (not even bookkeeping).
* Plan changed, remote did not → the plan's value is pushed.
* Remote changed, plan did not → the user's edit stays: a moved or resized block is
  pinned where the user put it (``Pin``), a renamed or re-dated task keeps the user's
  values (``UserEdit``, reported).
* Both changed → the field-ownership table (``rules/sync.toml`` ``[ownership]``)
  decides, and a ``Conflict`` reports the decision.
* Remote already equals desired (for example after a run was killed between the write
  and the state update) → no write; the base is brought up to date (``Rebase``).
* A completed task is progress (``RecordCompletion``); it is never updated again. Its
  step's future blocks are released (deleted) because the scheduler no longer places
  them; past blocks are history and are never touched.
* A task the user deleted is not recreated (``UserDeleted``); a block the user deleted
  is forgotten and its time planned again.
* A remote listing that failed (``None``) makes no conclusion at all: nothing on that
  side is created, deleted or forgotten.
* An object with no base but a remote copy (lost state, or a write whose confirmation
  was lost) is adopted by its key or UID, never duplicated.
* Only owned objects are considered (listings return only goalsync's objects); a task
  whose key the plan still knows (a step marked done in the plan) is never deleted.

The module is pure: values in, values out; ``now`` is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from syncer.core.desired import TASK_FIELDS, block_fields, task_fields
from syncer.core.model import Block
from syncer.core.values import (
    BlockSpec,
    CreateTask,
    DeleteTask,
    RemoteBlock,
    RemoteTask,
    TaskChange,
    TaskSpec,
    UpdateTask,
)

if TYPE_CHECKING:
    from syncer.core.rules import SyncRules

DEFAULT_OWNERSHIP: Mapping[str, Mapping[str, str]] = {
    "task": {"title": "user", "description": "plan", "due": "user", "deadline": "plan",
             "duration_minutes": "plan", "priority": "plan", "labels": "plan"},
    "block": {"title": "plan", "time": "user"},
}


# ------------------------------------------------------------------------- inputs


@dataclass(frozen=True, slots=True)
class BaseTask:
    """What goalsync last pushed to one task (from the state's links)."""

    key: str
    remote_id: str
    values: Mapping[str, Any] = field(default_factory=dict)
    gone: bool = False  # the user deleted it; do not recreate


@dataclass(frozen=True, slots=True)
class BaseBlock:
    """What goalsync last pushed to one block (``values``: title, start, end)."""

    uid: str
    key: str
    values: Mapping[str, Any] = field(default_factory=dict)
    pinned: bool = False

    @property
    def start(self) -> datetime:
        return self.values["start"]

    @property
    def end(self) -> datetime:
        return self.values["end"]


# ------------------------------------------------------------------------ actions
#
# One shape: every action says what it is (``name``, also its ``--json`` kind), which
# plan object it is about (``key``) and which remote object (``remote_id``: a task's
# id, a block's UID; None before a task is created). The four writes also say their
# ``target`` ("task" or "block"), their ``op`` (create, update, delete) and the
# ``journal()`` entry recorded before the request. Consumers take actions apart with
# one ``match`` each: adding an action means its class here and a case in the executor.


@dataclass(frozen=True, slots=True)
class PushTask:
    """Write one task change (create, update or delete); after success the base for
    this key becomes ``base`` (ignored for deletes)."""

    change: TaskChange
    reason: str
    base: Mapping[str, Any] = field(default_factory=dict)
    target = "task"

    @property
    def op(self) -> str:
        match self.change:
            case CreateTask():
                return "create"
            case UpdateTask():
                return "update"
        return "delete"

    @property
    def name(self) -> str:
        return f"{self.op}-task"

    @property
    def key(self) -> str:
        return self.change.key if isinstance(self.change, DeleteTask) else self.change.spec.key

    @property
    def remote_id(self) -> str | None:
        return None if isinstance(self.change, CreateTask) else self.change.remote_id

    def journal(self) -> dict[str, Any]:
        fields = sorted(self.change.fields) if isinstance(self.change, UpdateTask) else None
        return {"op": self.op, "remote_id": self.remote_id, "fields": fields,
                "base": dict(self.base)}


class _BlockWrite:
    """A block write that carries the whole block (create, update)."""

    __slots__ = ()
    spec: BlockSpec
    target = "block"

    @property
    def key(self) -> str:
        return self.spec.key

    @property
    def remote_id(self) -> str:
        return self.spec.uid


@dataclass(frozen=True, slots=True)
class CreateBlock(_BlockWrite):
    spec: BlockSpec
    reason: str = "new block"
    op = "create"
    name = "create-block"

    def journal(self) -> dict[str, Any]:
        return _block_journal(self.op, self.spec, False, block_fields(self.spec))


@dataclass(frozen=True, slots=True)
class UpdateBlock(_BlockWrite):
    spec: BlockSpec
    etag: str | None
    fields: frozenset[str]
    reason: str = "plan changed"
    pinned: bool = False
    base: Mapping[str, Any] = field(default_factory=dict)  # the new base after success
    op = "update"
    name = "update-block"

    def journal(self) -> dict[str, Any]:
        return _block_journal(self.op, self.spec, self.pinned,
                              self.base or block_fields(self.spec))


@dataclass(frozen=True, slots=True)
class DeleteBlock:
    uid: str
    key: str
    etag: str | None
    start: datetime
    reason: str  # "released" (step done) | "removed" (not in plan) | "not needed"
    target = "block"
    op = "delete"
    name = "delete-block"

    @property
    def remote_id(self) -> str:
        return self.uid

    def journal(self) -> dict[str, Any]:
        return {"op": self.op, "uid": self.uid, "key": self.key}


def _block_journal(op: str, spec: BlockSpec, pinned: bool,
                   base: Mapping[str, Any]) -> dict[str, Any]:
    return {"op": op, "uid": spec.uid, "key": spec.key, "title": spec.title,
            "start": spec.start, "end": spec.end, "pinned": pinned, "base": dict(base)}


@dataclass(frozen=True, slots=True)
class Pin:
    """The user moved or resized a block: it stays there from now on."""

    uid: str
    key: str
    start: datetime
    end: datetime
    title: str
    name = "pin"

    @property
    def remote_id(self) -> str:
        return self.uid


@dataclass(frozen=True, slots=True)
class RecordCompletion:
    key: str
    completed_at: datetime
    name = "completed"
    remote_id = None


@dataclass(frozen=True, slots=True)
class Reopened:
    """A task recorded as completed is open again."""

    key: str
    name = "reopened"
    remote_id = None


@dataclass(frozen=True, slots=True)
class Rebase:
    """No write: remember ``values`` as the synced base of an owned object (adoption of
    an object the state did not know, or convergence after a lost confirmation)."""

    kind: str  # "task" | "block"
    key: str
    remote_id: str
    values: Mapping[str, Any]
    reason: str = "adopted"
    name = "adopt"


@dataclass(frozen=True, slots=True)
class Forget:
    """No write: the remote object is gone; drop its link."""

    kind: str
    key: str
    remote_id: str
    reason: str
    name = "forget"


@dataclass(frozen=True, slots=True)
class UserDeleted:
    """The user deleted an owned task that the plan still wants: it is not recreated."""

    key: str
    remote_id: str
    name = "deleted-by-user"


@dataclass(frozen=True, slots=True)
class UserEdit:
    """The user changed owned fields the plan did not: the user's values stay."""

    kind: str
    key: str
    fields: tuple[str, ...]
    name = "user-edit"
    remote_id = None


@dataclass(frozen=True, slots=True)
class Conflict:
    """Both sides changed ``field``; ``winner`` ("plan" or "user") says which value
    stays, by the ownership table."""

    kind: str
    key: str
    field: str
    winner: str
    plan_value: Any
    user_value: Any
    name = "conflict"
    remote_id = None


Write = PushTask | CreateBlock | UpdateBlock | DeleteBlock
Action = (Write | Pin | RecordCompletion | Reopened | Rebase | Forget | UserDeleted | UserEdit
          | Conflict)
WRITES = (PushTask, CreateBlock, UpdateBlock, DeleteBlock)


# --------------------------------------------------------------------- reconcile


def reconcile(
    desired_tasks: Sequence[TaskSpec],
    remote_tasks: Sequence[RemoteTask] | None,
    base_tasks: Mapping[str, BaseTask],
    desired_blocks: Sequence[BlockSpec],
    remote_blocks: Sequence[RemoteBlock] | None,
    base_blocks: Mapping[str, BaseBlock],
    rules: SyncRules | None = None,
    *,
    now: datetime,
    known_keys: Iterable[str] = (),
    done_keys: Iterable[str] = (),
    completed: Mapping[str, datetime] | None = None,
) -> list[Action]:
    """Every action that brings the remote side to the plan (see the module docstring).

    ``base_tasks`` is keyed by plan key, ``base_blocks`` by UID. ``rules`` are the
    sync rules (their ``ownership`` table; None: the defaults). ``known_keys`` are the plan's
    keys (never deleted as removed); ``done_keys`` the steps done, whose future blocks
    are released; ``completed`` the completions already recorded.
    """
    ownership = _ownership(rules)
    actions: list[Action] = []
    if remote_tasks is not None:
        actions += _reconcile_tasks(desired_tasks, remote_tasks, base_tasks, ownership["task"],
                                    frozenset(known_keys), completed or {})
    if remote_blocks is not None:
        actions += _reconcile_blocks(desired_blocks, remote_blocks, base_blocks,
                                     ownership["block"], now, frozenset(known_keys),
                                     frozenset(done_keys))
    return actions


def _ownership(rules: SyncRules | None) -> dict[str, dict[str, str]]:
    table = dict(rules.ownership) if rules is not None else {}
    return {kind: {**DEFAULT_OWNERSHIP[kind], **dict(table.get(kind, {}))}
            for kind in DEFAULT_OWNERSHIP}


# -- tasks


def _reconcile_tasks(desired: Sequence[TaskSpec], remote: Sequence[RemoteTask],
                     base: Mapping[str, BaseTask], owner: Mapping[str, str],
                     known: frozenset[str], completed: Mapping[str, datetime]) -> list[Action]:
    wanted = {spec.key: spec for spec in desired}
    found = _remote_tasks_by_key(remote, base)
    actions: list[Action] = []
    for key in sorted(wanted.keys() | found.keys() | base.keys()):
        actions += _one_task(key, wanted.get(key), found.get(key), base.get(key), owner,
                             known, completed)
    return actions


def _remote_tasks_by_key(remote: Sequence[RemoteTask],
                         base: Mapping[str, BaseTask]) -> dict[str, RemoteTask]:
    """One remote task per key: the linked one if it is there, else the first by id
    (a user's copy carrying the same marker is left alone)."""
    found: dict[str, RemoteTask] = {}
    for task in sorted(remote, key=lambda t: t.remote_id):
        linked = base.get(task.key)
        if task.key not in found or (linked and linked.remote_id == task.remote_id):
            found[task.key] = task
    return found


def _one_task(key: str, want: TaskSpec | None, have: RemoteTask | None,
              base: BaseTask | None, owner: Mapping[str, str], known: frozenset[str],
              completed: Mapping[str, datetime]) -> list[Action]:
    if have is None:
        return _missing_task(key, want, base)
    if have.held:
        return []  # in a project the user archived: left as it is, link kept
    actions: list[Action] = []
    if base is None or base.remote_id != have.remote_id:
        actions.append(Rebase("task", key, have.remote_id, _remote_task_values(have)))
    if have.completed:
        if key not in completed and have.completed_at is not None:
            actions.append(RecordCompletion(key, have.completed_at))
        return actions
    if key in completed:
        actions.append(Reopened(key))
    if want is None:
        if key not in known:
            actions = [a for a in actions if not isinstance(a, Rebase)]
            actions.append(PushTask(DeleteTask(key, have.remote_id, have.etag),
                                    "removed from the plan"))
        return actions
    synced = base.values if base is not None and base.remote_id == have.remote_id else None
    fields = _task_fields(want, have, synced, owner)
    if have.outdated:
        fields = _reshape(want, have, synced, fields)
    return _drop_adopt_if_pushed(actions + fields)


RESHAPE_FIELDS = frozenset({"labels", "goal_title"})
"""What rewriting an outdated task sends: its categories and goal (the goal's
category, a RELATED-TO only where its parent exists), values it already has."""


def _reshape(want: TaskSpec, have: RemoteTask, synced: Mapping[str, Any] | None,
             actions: list[Action]) -> list[Action]:
    """Rewrite a task an older goalsync wrote in a shape since changed (a CalDAV to-do
    pointing at a goal to-do that never existed, no goal category): once, with its
    other changes if it has any."""
    for index, action in enumerate(actions):
        if isinstance(action, PushTask) and isinstance(action.change, UpdateTask):
            change = replace(action.change, fields=action.change.fields | RESHAPE_FIELDS)
            actions[index] = replace(action, change=change,
                                     base={**action.base, "labels": want.labels})
            return actions
    values = {**(synced if synced is not None else task_fields(want)), "labels": want.labels}
    change = UpdateTask(have.remote_id, want, RESHAPE_FIELDS, have.etag)
    return [*[a for a in actions if not isinstance(a, Rebase)],
            PushTask(change, "rewritten in the current shape", values)]


def _missing_task(key: str, want: TaskSpec | None, base: BaseTask | None) -> list[Action]:
    if base is None:
        return [] if want is None else [PushTask(CreateTask(want), "new in the plan",
                                                 task_fields(want))]
    if want is None:
        return [Forget("task", key, base.remote_id, "deleted and no longer in the plan")]
    if base.gone:
        return []
    return [UserDeleted(key, base.remote_id)]


def _task_fields(want: TaskSpec, have: RemoteTask, synced: Mapping[str, Any] | None,
                 owner: Mapping[str, str]) -> list[Action]:
    """Per-field three-way merge of one task; ``synced`` None means no base (adopted):
    the plan's values win. A user's value that stays is reported once: the base
    remembers it as seen (``SEEN``), so later syncs with nothing new stay silent."""
    push: set[str] = set()
    kept: dict[str, Any] = {}
    reports: list[Action] = []
    seen = dict((synced or {}).get(SEEN) or {})
    owned = _owned_task_fields(want, have)
    for name in owned:
        mine, theirs = getattr(want, name), getattr(have, name)
        if same(name, mine, theirs):
            continue
        before = (synced or {}).get(name)
        if synced is None or same(name, theirs, before) or (name == "due" and want.recurrence):
            push.add(name)
            continue
        plan_changed = not same(name, mine, before)
        winner = owner.get(name, "plan") if plan_changed else "user"
        if winner == "plan":
            push.add(name)
        else:
            kept[name] = theirs
        if name in seen and same(name, theirs, seen[name]) and winner == "user":
            continue  # reported before; nothing new
        if plan_changed:
            reports.append(Conflict("task", want.key, name, winner, mine, theirs))
        else:
            reports.append(UserEdit("task", want.key, (name,)))
    reports = _merge_user_edits(reports)
    new_base: dict[str, Any] = {  # a field goalsync does not own keeps its base value
        name: (synced or {}).get(name)
        if name in kept or (synced is not None and name not in owned and name not in push)
        else getattr(want, name)
        for name in TASK_FIELDS}
    if kept:
        new_base[SEEN] = kept
    if push:
        change = UpdateTask(have.remote_id, want, frozenset(push), have.etag)
        return [PushTask(change, "plan changed", new_base), *reports]
    if synced is not None and not _same_values(new_base, synced):
        reports.append(Rebase("task", want.key, have.remote_id, new_base, "converged"))
    return reports


SEEN = "_user_values_seen"  # base entry: the user's kept values, already reported


def _owned_task_fields(want: TaskSpec, have: RemoteTask) -> tuple[str, ...]:
    """A recurring task's due date moves on as the user completes occurrences: the
    recurrence owns it, not goalsync; only a recurring task with no due date at all
    (written by an older goalsync, or a series an app marked done) gets the next
    occurrence, so that apps can advance it again."""
    return tuple(f for f in TASK_FIELDS
                 if not (want.recurrence and f == "due" and have.due is not None))


def _merge_user_edits(reports: list[Action]) -> list[Action]:
    """One UserEdit per task listing every field, after the conflicts."""
    edits = [r for r in reports if isinstance(r, UserEdit)]
    rest: list[Action] = [r for r in reports if not isinstance(r, UserEdit)]
    if not edits:
        return rest
    fields = tuple(f for e in edits for f in e.fields)
    return [*rest, UserEdit(edits[0].kind, edits[0].key, fields)]


def _drop_adopt_if_pushed(actions: list[Action]) -> list[Action]:
    """An adopted task that is also updated needs only the update (it sets the base);
    an adopted one that is not gets its Rebase with the plan's view of the base."""
    if any(isinstance(a, PushTask) for a in actions):
        return [a for a in actions if not isinstance(a, Rebase)]
    return actions


def _remote_task_values(task: RemoteTask) -> dict[str, Any]:
    return {name: getattr(task, name) for name in TASK_FIELDS}


# -- blocks


def _reconcile_blocks(desired: Sequence[BlockSpec], remote: Sequence[RemoteBlock],
                      base: Mapping[str, BaseBlock], owner: Mapping[str, str],
                      now: datetime, known: frozenset[str],
                      done: frozenset[str]) -> list[Action]:
    wanted = {spec.uid: spec for spec in desired}
    found = {block.uid: block for block in remote}
    actions: list[Action] = []
    for uid in sorted(wanted.keys() | found.keys() | base.keys()):
        want, have, synced = wanted.get(uid), found.get(uid), base.get(uid)
        if have is None:
            actions += _missing_block(want, synced)
        elif want is None:
            actions += _unwanted_block(have, synced, now, known, done)
        else:
            actions += _one_block(want, have, synced, owner, now)
    return actions


def _missing_block(want: BlockSpec | None, synced: BaseBlock | None) -> list[Action]:
    if synced is not None:
        reason = "deleted in the calendar" if want is not None else "gone"
        return [Forget("block", synced.key, synced.uid, reason)]
    return [] if want is None else [CreateBlock(want)]


def _unwanted_block(have: RemoteBlock, synced: BaseBlock | None, now: datetime,
                    known: frozenset[str], done: frozenset[str]) -> list[Action]:
    if have.end <= now:  # history: a past block is never changed
        if synced is None:
            return [Rebase("block", have.key, have.uid, _remote_block_values(have))]
        return []
    if have.key in done:
        reason = "released"
    elif have.key not in known:
        reason = "removed"
    else:
        reason = "not needed"
    return [DeleteBlock(have.uid, have.key, have.etag, have.start, reason)]


def _one_block(want: BlockSpec, have: RemoteBlock, synced: BaseBlock | None,
               owner: Mapping[str, str], now: datetime) -> list[Action]:
    theirs = _remote_block_values(have)
    if synced is None:  # adopted: the block is there, the plan decides its values
        actions: list[Action] = [Rebase("block", want.key, want.uid, theirs)]
        changed = _block_diff(block_fields(want), theirs)
        if changed and have.end > now:
            return [UpdateBlock(want, have.etag, frozenset(changed), "adopted",
                                base=block_fields(want))]
        return actions
    if have.end <= now:
        return []
    return _block_three_way(want, have, synced, owner)


def _block_three_way(want: BlockSpec, have: RemoteBlock, synced: BaseBlock,
                     owner: Mapping[str, str]) -> list[Action]:
    mine, theirs, before = block_fields(want), _remote_block_values(have), dict(synced.values)
    actions: list[Action] = []
    moved = not _same_time(theirs, before)
    if moved:
        actions.append(Pin(have.uid, have.key, have.start, have.end, have.title))
    push: set[str] = set()
    for name in ("time", "title"):
        if _field_same(name, mine, theirs):
            continue
        if _field_same(name, theirs, before):
            push.add(name)
        elif _field_same(name, mine, before):
            if name == "title" and not moved:
                actions += _seen_block_title(want, have, before)
            else:
                actions.append(UserEdit("block", want.key, (name,)))
        else:
            winner = owner.get(name, "plan")
            actions.append(Conflict("block", want.key, name, winner, _pick(name, mine),
                                    _pick(name, theirs)))
            if winner == "plan":
                push.add(name)
    if not push:
        return actions
    fields = frozenset({"start", "end"} if "time" in push else set()) | (
        frozenset({"title"}) if "title" in push else frozenset())
    spec = want if "time" in push else _keep_time(want, have)
    spec = spec if "title" in push else _keep_title(spec, have)
    pinned = synced.pinned or (moved and "time" not in push)
    # The new base: what was pushed; the user's time once acknowledged (the pin keeps
    # it); the last pushed title while the user's own title stays.
    new_base = {"start": spec.start, "end": spec.end,
                "title": want.title if "title" in push or _field_same("title", mine, theirs)
                else before.get("title")}
    return [*[a for a in actions if not isinstance(a, Pin)],
            UpdateBlock(spec, have.etag, fields, pinned=pinned, base=new_base)]


def _seen_block_title(want: BlockSpec, have: RemoteBlock,
                      before: Mapping[str, Any]) -> list[Action]:
    """The user retitled a block: report it once, then remember it as seen."""
    seen = dict(before.get(SEEN) or {})
    if same("title", have.title, seen.get("title")):
        return []
    values = {**before, SEEN: {**seen, "title": have.title}}
    return [UserEdit("block", want.key, ("title",)),
            Rebase("block", want.key, want.uid, values, "user values seen")]


def _keep_time(spec: BlockSpec, have: RemoteBlock) -> BlockSpec:
    return replace(spec, start=have.start, end=have.end)


def _keep_title(spec: BlockSpec, have: RemoteBlock) -> BlockSpec:
    return replace(spec, title=have.title)


def _pick(name: str, values: Mapping[str, Any]) -> Any:
    return (values["start"], values["end"]) if name == "time" else values.get(name)


def _field_same(name: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if name == "time":
        return _same_time(a, b)
    return same(name, a.get(name), b.get(name))


def _same_time(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return bool(a.get("start") == b.get("start") and a.get("end") == b.get("end"))


def _block_diff(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> set[str]:
    changed = set() if _same_time(mine, theirs) else {"start", "end"}
    if not same("title", mine.get("title"), theirs.get("title")):
        changed.add("title")
    return changed


def _remote_block_values(block: RemoteBlock) -> dict[str, Any]:
    return {"title": block.title, "start": block.start, "end": block.end}


# ----------------------------------------------------------------------- helpers


def same(name: str, a: Any, b: Any) -> bool:
    """Field equality as a person sees it: text ignores surrounding whitespace, labels
    ignore order, a missing duration equals none, a midnight-less date equals itself."""
    if name in ("title", "description"):
        return (a or "").strip() == (b or "").strip()
    if name == "labels":
        return sorted(a or ()) == sorted(b or ())
    if name == "duration_minutes":
        return (a or None) == (b or None)
    if isinstance(a, datetime) != isinstance(b, datetime) and (
            isinstance(a, date) and isinstance(b, date)):
        return False
    return bool(a == b)


def _same_values(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(_same_values(a.get(name) or {}, b.get(name) or {}) if name == SEEN
               else same(name, a.get(name), b.get(name)) for name in set(a) | set(b))


def user_moved(remote_blocks: Iterable[RemoteBlock],
               base_blocks: Mapping[str, BaseBlock]) -> set[str]:
    """UIDs of blocks the user moved or resized since goalsync last wrote them, plus
    those pinned before."""
    moved = {uid for uid, b in base_blocks.items() if b.pinned}
    for block in remote_blocks:
        synced = base_blocks.get(block.uid)
        if synced and (block.start, block.end) != (synced.start, synced.end):
            moved.add(block.uid)
    return moved


def existing_blocks(remote_blocks: Iterable[RemoteBlock],
                    base_blocks: Mapping[str, BaseBlock]) -> list[Block]:
    """The scheduler's ``existing`` input: every owned block on the calendar, with its
    UID, pinned where the user moved it."""
    moved = user_moved(remote_blocks, base_blocks)
    return [Block(step=b.key, start=b.start, end=b.end, uid=b.uid, pinned=b.uid in moved)
            for b in sorted(remote_blocks, key=lambda b: (b.start, b.uid))]


def writes(actions: Iterable[Action]) -> list[Write]:
    """Only the actions that write to a server."""
    return [a for a in actions if isinstance(a, WRITES)]


def guarded_deletes(actions: Iterable[Action]) -> list[Action]:
    """Deletions the max-delete guard looks at: tasks, and blocks of objects gone from
    the plan. Blocks released because their step is done (the user's own progress) or
    no longer needed after rescheduling are not counted: the plan still holds them."""
    return [a for a in actions
            if (isinstance(a, PushTask) and isinstance(a.change, DeleteTask))
            or (isinstance(a, DeleteBlock) and a.reason == "removed")]


def deleted_keys(actions: Iterable[Action]) -> set[str]:
    """The plan objects (keys) whose task or blocks this sync would delete."""
    return {a.key for a in guarded_deletes(actions)}


def delete_guard(actions: Sequence[Action], owned: int, max_share: float) -> str | None:
    """A sentence when the deletions touch more than ``max_share`` of the ``owned``
    plan objects (distinct keys goalsync has written), or every one of them; None when
    they may go ahead. Counting objects, not calendar entries, keeps a step with many
    blocks from looking like a mass deletion."""
    deletes = len(deleted_keys(actions))
    if deletes == 0 or owned == 0:
        return None
    if deletes >= owned:
        return f"this sync would delete all {owned} of goalsync's objects"
    if deletes > max_share * owned:
        return (f"this sync would delete {deletes} of goalsync's {owned} objects "
                f"({deletes / owned:.0%}, more than the {max_share:.0%} allowed)")
    return None
