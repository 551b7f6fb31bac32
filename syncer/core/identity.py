"""Who is who: the one place that builds and reads keys, UIDs and Todoist markers.

* A **key** names a plan object by its ids: ``pmp`` (goal), ``pmp/course`` (milestone),
  ``pmp/course/research`` (step), ``pmp/habit:study`` (habit), ``review:weekly``.
  Ids match ``[a-z0-9][a-z0-9_-]*``, so ``/`` and ``:`` only ever separate.
* A **block UID** is ``goalsync-<plan>-<key>-<n>@goalsync`` and a CalDAV **task UID**
  ``goalsync-<plan>-<key>[~g]@goalsync-task``, the key with ``/`` and ``:`` written as
  ``.``. ``n`` is allocated by the state and never reused; ``g`` > 1 is the next UID to
  try when a server refuses a deleted one.
* A **Todoist marker** is the description line ``goalsync:<plan>:<kind>:<key>``; a
  CalDAV to-do's DESCRIPTION ends with the note ``goalsync: <key> (managed by …)``, a
  fallback for clients that drop ``X-GOALSYNC-KEY``.

Plan ids may contain ``-``, so a UID prefix alone cannot tell plan ``career`` from plan
``career-2027`` (``goalsync-career-2027-…`` starts with ``goalsync-career-``). Ownership
is therefore decided by ``belongs_to``: the plan the object itself names
(``X-GOALSYNC-PLAN``, the marker's plan field), else the exact UID goalsync would build
for that plan and the object's own key. An object that names neither is nobody's.
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Protocol, cast

from syncer.core.values import TaskKind

UID_PREFIX = "goalsync-"
BLOCK_UID_SUFFIX = "@goalsync"
TASK_UID_SUFFIX = "@goalsync-task"
MARKER_PREFIX = "goalsync:"
MARKER_NOTE = "(managed by goalsync; keep this line)"
KINDS: tuple[TaskKind, ...] = ("goal", "milestone", "step", "habit", "review")
REVIEW_KEY = "review:weekly"  # ':' never occurs in ids, so it cannot collide

_UNSAFE = re.compile(r"[/:+~\s@]")  # "~" is kept for task_uid generations
_BLOCK_INDEX = re.compile(r"-(\d+)@[^@]*$")
_GENERATION = re.compile(r"~\d+")
_MARKER = re.compile(r"^goalsync:([^:\s]+):(goal|milestone|step|habit|review):(\S+)\s*$")


# ------------------------------------------------------------------------------ keys


def milestone_key(goal_id: str, milestone_id: str) -> str:
    return f"{goal_id}/{milestone_id}"


def step_key(goal_id: str, milestone_id: str, step_id: str) -> str:
    return f"{goal_id}/{milestone_id}/{step_id}"


def habit_key(goal_id: str, habit_id: str) -> str:
    return f"{goal_id}/habit:{habit_id}"


def habit_of(key: str) -> tuple[str, str] | None:
    """``(goal id, habit id)`` for a habit key, else None."""
    goal, _, rest = key.partition("/")
    return (goal, rest.removeprefix("habit:")) if rest.startswith("habit:") else None


# ------------------------------------------------------------------------------ UIDs


def uid_part(text: str) -> str:
    return _UNSAFE.sub(".", text)


def block_uid(key: str, index: int, plan_id: str) -> str:
    """Deterministic; never contains ``/`` or ``+``."""
    return f"{UID_PREFIX}{uid_part(plan_id)}-{uid_part(key)}-{index}{BLOCK_UID_SUFFIX}"


def task_uid(plan_id: str, key: str, generation: int = 1) -> str:
    """The deterministic VTODO UID of a plan object (distinct from every block UID)."""
    again = f"~{generation}" if generation > 1 else ""
    return f"{UID_PREFIX}{uid_part(plan_id)}-{uid_part(key)}{again}{TASK_UID_SUFFIX}"


def is_block_uid(uid: str) -> bool:
    return uid.startswith(UID_PREFIX) and uid.endswith(BLOCK_UID_SUFFIX)


def is_task_uid(uid: str) -> bool:
    return uid.startswith(UID_PREFIX) and uid.endswith(TASK_UID_SUFFIX)


def is_owned_uid(uid: str) -> bool:
    return is_block_uid(uid) or is_task_uid(uid)


def block_index(uid: str) -> int | None:
    """The ``n`` of a block UID (None for anything else)."""
    found = _BLOCK_INDEX.search(uid)
    return int(found.group(1)) if found else None


# ------------------------------------------------------------------------ markers


def marker(plan_id: str, kind: str, key: str) -> str:
    return f"{MARKER_PREFIX}{plan_id}:{kind}:{key}"


def parse_marker(description: str | None) -> tuple[str, TaskKind, str, str] | None:
    """``(plan_id, kind, key, description without the marker)`` or None if not owned.
    The marker may stand on any line: a user's note appended below it is kept."""
    if not description or MARKER_PREFIX not in description:
        return None
    lines = description.split("\n")
    for index in range(len(lines) - 1, -1, -1):
        found = _MARKER.match(lines[index].strip())
        if found:
            human = "\n".join(lines[:index] + lines[index + 1:]).strip("\n").rstrip()
            return found.group(1), cast(TaskKind, found.group(2)), found.group(3), human
    return None


def note_marker(key: str) -> str:
    return f"{MARKER_PREFIX} {key} {MARKER_NOTE}"


def description_with_note(text: str, key: str) -> str:
    """The human text, a blank line, and the note line that names the plan key.
    :func:`split_note` gives ``text`` back exactly."""
    return f"{text}\n\n{note_marker(key)}" if text else note_marker(key)


def split_note(description: str) -> tuple[str, str | None]:
    """``(human text, key)``; key is None when no note line is present. Lines a user
    added below the note stay in the human text."""
    lines = description.split("\n")
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if line.startswith(MARKER_PREFIX):
            key = line[len(MARKER_PREFIX):].replace(MARKER_NOTE, "").strip()
            before = "\n".join(lines[:i])
            before = before[:-1] if before.endswith("\n") else before  # the blank line
            after = "\n".join(lines[i + 1:])
            human = f"{before}\n{after}" if before and after else before or after
            return human, key or None
    return description, None


# ---------------------------------------------------------------------- ownership


class Remote(Protocol):
    """What ``belongs_to`` reads of a remote task or block: its id on the server (a
    block's UID; a task's UID on CalDAV, a number on Todoist), its key and the plan it
    names (None when it names none)."""

    @property
    def ident(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def plan_id(self) -> str | None: ...


def belongs_to(plan_id: str, remote: Remote, linked: Container[str] = ()) -> bool:
    """Whether ``remote`` is an object of plan ``plan_id`` (see the module doc).

    ``linked`` are the ids this plan's state has written (the state holds one plan): they
    settle an object whose plan and key a client dropped. Objects of another plan, and
    anything not goalsync's, are never touched: callers drop them before deciding."""
    ident = remote.ident
    if remote.plan_id is not None:  # the object names its plan
        if remote.plan_id != plan_id:
            return False
        return not is_owned_uid(ident) or ident.startswith(f"{UID_PREFIX}{uid_part(plan_id)}-")
    if ident in linked:
        return True
    if not remote.key:  # no plan, no key, not ours on record: nothing to go by
        return False
    if is_block_uid(ident):
        index = block_index(ident)
        return index is not None and ident == block_uid(remote.key, index, plan_id)
    if is_task_uid(ident):
        stem = task_uid(plan_id, remote.key).removesuffix(TASK_UID_SUFFIX)
        rest = ident.removesuffix(TASK_UID_SUFFIX).removeprefix(stem)
        return ident.startswith(stem) and (rest == "" or _GENERATION.fullmatch(rest) is not None)
    return False
