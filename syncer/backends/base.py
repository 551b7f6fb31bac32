"""The two backend protocols, their values, and the exceptions adapters raise.

A task backend (Todoist, CalDAV VTODO, memory) stores one task per plan object it is
given; a calendar backend (CalDAV VEVENT, memory) stores time blocks and reports busy
time. Adapters own the mapping details (projects, sections, lists, markers, UIDs); the
engine speaks only in the values below.

Ownership: every object an adapter writes carries the plan key in a marker (Todoist: a
marker line in the description; CalDAV: ``X-GOALSYNC-KEY`` and a ``goalsync-`` UID).
Listings return only owned objects, and they are complete or they raise: a partial
listing must never look like deletions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from syncer.core.model import BusyTime
from syncer.core.values import (
    BlockSpec,
    CreateTask,
    DeleteTask,
    RemoteBlock,
    RemoteTask,
    TaskChange,
    TaskKind,
    TaskSpec,
    UpdateTask,
)
from syncer.errors import CredentialError, GoalsyncError

# Re-exported: defined in the core (the pure planner builds them), used by adapters.
__all__ = [
    "BlockSpec",
    "BusyTime",
    "CreateTask",
    "DeleteTask",
    "RemoteBlock",
    "RemoteTask",
    "TaskChange",
    "TaskKind",
    "TaskSpec",
    "UpdateTask",
]


class BackendError(GoalsyncError):
    """A remote call failed in a way a rerun may fix (exit 1)."""

    exit_code = 1


class NotFound(BackendError):
    """The object does not exist (any more) on the server."""


class PreconditionFailed(BackendError):
    """If-Match / If-None-Match failed: someone else changed (or created) it. Re-read."""


class RateLimited(BackendError):
    """HTTP 429/503 after bounded retries; ``retry_after`` in seconds."""

    def __init__(self, message: str, retry_after: float = 0.0, hint: str | None = None):
        super().__init__(message, hint)
        self.retry_after = retry_after


class Unreachable(BackendError):
    """The server could not be reached (DNS, refused, timeout, dropped connection)."""


class IncompleteListing(BackendError):
    """A listing failed part way; nothing may be concluded from what was seen."""


class AuthError(CredentialError):
    """401/403: the credential is missing or was rejected (exit 3)."""


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True, slots=True)
class ChangeResult:
    """The outcome of one change, in input order. ``error`` is None on success."""

    key: str
    remote_id: str | None = None
    etag: str | None = None
    error: str | None = None
    retryable: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


def change_identity(change: TaskChange) -> tuple[str, str | None]:
    """``(plan key, remote id)`` of a change; the remote id is None for a create."""
    if isinstance(change, CreateTask):
        return change.spec.key, None
    if isinstance(change, UpdateTask):
        return change.spec.key, change.remote_id
    return change.key, change.remote_id


def apply_change(
    change: TaskChange,
    create: Callable[[TaskSpec], ChangeResult],
    update: Callable[[UpdateTask], ChangeResult],
    delete: Callable[[DeleteTask], ChangeResult],
) -> ChangeResult:
    """Hand ``change`` to the one of ``create`` (given the spec), ``update`` and
    ``delete`` that fits it, and return what that gives."""
    if isinstance(change, CreateTask):
        return create(change.spec)
    if isinstance(change, UpdateTask):
        return update(change)
    return delete(change)


class TaskBackend(Protocol):
    name: str

    def list_tasks(self) -> list[RemoteTask]:
        """Every owned task, open and completed (completed ones with ``completed_at``).

        Raises AuthError, Unreachable, RateLimited, IncompleteListing. Never returns a
        partial list.
        """
        ...

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """Cheap check: ``(changed, new_token)``. ``token=None`` always says changed.

        One request where the server allows it. Raises AuthError, Unreachable.
        """
        ...

    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        """Apply changes (batched where the server allows), one result per change.

        Creating a key that already exists remotely adopts the existing task (idempotent
        after a crash). Per-object failures are results, not exceptions; AuthError and
        Unreachable are raised when nothing could be sent.
        """
        ...


# ------------------------------------------------------------------------ calendar


class CalendarBackend(Protocol):
    name: str

    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        """Every owned block overlapping [start, end). Complete or raises
        IncompleteListing / Unreachable / AuthError."""
        ...

    def busy(self, start: datetime, end: datetime) -> BusyTime:
        """Busy time in [start, end): events on the busy calendars and every event in the
        target calendar that goalsync does not own, recurring ones expanded."""
        ...

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """Cheap check via ctag / sync-token: ``(changed, new_token)``."""
        ...

    def create(self, spec: BlockSpec) -> str:
        """Create with If-None-Match: * and return the new ETag.
        Raises PreconditionFailed if the UID exists already."""
        ...

    def update(self, spec: BlockSpec, etag: str | None) -> str:
        """Replace with If-Match: etag; return the new ETag.
        Raises PreconditionFailed (changed meanwhile), NotFound."""
        ...

    def delete(self, uid: str, etag: str | None) -> None:
        """Delete with If-Match: etag. Raises PreconditionFailed, NotFound."""
        ...
