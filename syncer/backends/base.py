"""The backend contract: the two kinds of backend, their values, and the exceptions
adapters raise.

A task backend (Todoist, CalDAV VTODO, memory) stores one task per plan object it is
given; a calendar backend (CalDAV VEVENT, memory) stores time blocks and reports busy
time. Adapters own the mapping details (projects, sections, lists, markers, UIDs); the
engine speaks only in the values below.

The whole contract is declared here, and the engine uses nothing else (no ``getattr``):

* ``TaskBackend`` and ``CalendarBackend`` are base classes. An adapter subclasses one of
  them, sets ``name`` and implements the abstract (required) methods; a subclass that
  misses one cannot be instantiated.
* Optional capabilities are ordinary methods with a default that is right for an
  adapter without the capability (``Adapter``: ``close``, ``remember_urls``,
  ``resolved_urls``, ``target_missing``; ``TaskBackend.tasks_since``;
  ``CalendarBackend.blocks_since``, ``CalendarBackend.busy_elsewhere``). An adapter
  that has the capability overrides it.

Ownership: every object an adapter writes carries the plan key in a marker (Todoist: a
marker line in the description; CalDAV: ``X-GOALSYNC-KEY`` and a ``goalsync-`` UID).
Listings return only owned objects, and they are complete or they raise: a partial
listing must never look like deletions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

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
    """A remote call failed (exit 1). ``permanent``: the server refused the request
    itself, so a rerun of the same request will not fix it."""

    exit_code = 1
    permanent = False


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


# ------------------------------------------------------------------------ both kinds


class Adapter(ABC):
    """What every backend adapter has: a ``name`` (required) and the optional
    capabilities both kinds share, each with its default."""

    name: str
    """Required: the adapter's kind ("todoist", "caldav", "memory"). The engine files
    change tokens, snapshots and links under it."""

    def close(self) -> None:  # noqa: B027 (a default on purpose: nothing to release)
        """Release what the adapter holds (HTTP sessions); it is not used afterwards.
        Called once when the run ends, also when it failed. Default: nothing to release."""

    def remember_urls(self, known_urls: Mapping[str, str]) -> None:  # noqa: B027 (default)
        """Take the server URLs a former run resolved (what ``resolved_urls()`` gave,
        for the same binding), before the first call, so they are not discovered again.
        Default: ignored."""

    def resolved_urls(self) -> dict[str, str] | None:
        """The server URLs resolved so far (no secrets in them), which the engine keeps
        in the state and gives back to ``remember_urls`` next run. Default None: the
        adapter resolves no URLs, and nothing is kept."""
        return None

    def target_missing(self) -> bool:
        """Whether the target (task list, calendar) does not exist yet, so that reading
        it would create it; a dry run then takes it as empty instead of reading it.
        Never creates the target. Raises no BackendError: when it cannot tell, False
        (the read that follows reports the failure); AuthError may be raised. Default
        False: the target always exists."""
        return False


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


class TaskBackend(Adapter):
    """Required: ``name``, ``list_tasks``, ``changes_since``, ``apply``. Optional, with
    defaults: ``tasks_since`` and those of ``Adapter``."""

    @abstractmethod
    def list_tasks(self) -> list[RemoteTask]:
        """Every owned task, open and completed (completed ones with ``completed_at``).

        Raises AuthError, Unreachable, RateLimited, IncompleteListing. Never returns a
        partial list.
        """

    @abstractmethod
    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """Cheap check: ``(changed, new_token)``. ``token=None`` always says changed.

        One request where the server allows it. Raises AuthError, Unreachable.
        """

    @abstractmethod
    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        """Apply changes (batched where the server allows), one result per change.

        Creating a key that already exists remotely adopts the existing task (idempotent
        after a crash). Per-object failures are results, not exceptions; AuthError and
        Unreachable are raised when nothing could be sent.
        """

    def tasks_since(
        self, token: str | None, listing: Sequence[RemoteTask],
    ) -> tuple[str, list[RemoteTask]] | None:
        """``(new_token, tasks)`` as the server holds them now, given a ``listing`` read
        at or after ``token`` (from ``changes_since`` in this run): the listing plus what
        changed since, typically in one request. None when the adapter cannot say
        exactly; then the caller uses ``changes_since`` + ``list_tasks``. Raises
        BackendError. Default None: not supported, list again."""
        return None

    def explain_missing(self, missing: Sequence[tuple[str, str | None]]) -> Missing:
        """What became of owned tasks (``(remote_id, goal_title)``) that were synced
        before but are not in the listing: completed (found where completed tasks are
        kept), or held (in a project the user archived); the rest the user deleted.
        Raises BackendError. Default: nothing to add, all deleted."""
        return Missing()

    def room(self, changes: Sequence[TaskChange]) -> str | None:
        """Why these changes cannot all be made within the account's limits (a sentence
        naming the limit and the person's choices), or None. Asked before anything is
        written. Default None: no limits known."""
        return None


@dataclass(frozen=True)
class Missing:
    """``TaskBackend.explain_missing``'s answer."""

    completed: Sequence[RemoteTask] = ()  # done: progress, not a deletion
    held: Mapping[str, str] = field(default_factory=dict)  # remote id -> archived project
    held_all: bool = False  # goalsync's root project is archived: create nothing


# ------------------------------------------------------------------------ calendar


class CalendarBackend(Adapter):
    """Required: ``name``, ``list_blocks``, ``busy``, ``changes_since``, ``create``,
    ``update``, ``delete``. Optional, with defaults: ``blocks_since`` and those of
    ``Adapter``."""

    @abstractmethod
    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        """Every owned block overlapping [start, end). Complete or raises
        IncompleteListing / Unreachable / AuthError."""

    @abstractmethod
    def busy(self, start: datetime, end: datetime) -> BusyTime:
        """Busy time in [start, end): events on the busy calendars and every event in the
        target calendar that goalsync does not own, recurring ones expanded."""

    def busy_elsewhere(self, start: datetime, end: datetime) -> BusyTime:
        """Busy time in [start, end) from everything but the target calendar: what a
        dry run reads when the target does not exist yet (``target_missing``), as
        reading it would create it. Default: ``busy`` (an adapter whose target always
        exists)."""
        return self.busy(start, end)

    @abstractmethod
    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """Cheap check via ctag / sync-token: ``(changed, new_token)``."""

    @abstractmethod
    def create(self, spec: BlockSpec) -> str:
        """Create with If-None-Match: * and return the new ETag.
        Raises PreconditionFailed if the UID exists already."""

    @abstractmethod
    def update(self, spec: BlockSpec, etag: str | None) -> str:
        """Replace with If-Match: etag; return the new ETag.
        Raises PreconditionFailed (changed meanwhile), NotFound."""

    @abstractmethod
    def delete(self, uid: str, etag: str | None) -> None:
        """Delete with If-Match: etag. Raises PreconditionFailed, NotFound."""

    def blocks_since(
        self, token: str | None, listing: Sequence[RemoteBlock], start: datetime,
        end: datetime,
    ) -> tuple[str, list[RemoteBlock]] | None:
        """``(new_token, blocks)`` overlapping [start, end) as they are now, given a
        ``listing`` of that range read at or after ``token`` (from ``changes_since`` in
        this run): the listing plus what changed since, typically in one request. None
        when the adapter cannot say exactly; then the caller uses ``changes_since`` +
        ``list_blocks``. Raises BackendError. Default None: not supported, list again."""
        return None
