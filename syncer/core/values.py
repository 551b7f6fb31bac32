"""The values goalsync exchanges with its backends: what a task or block should be
(``TaskSpec``, ``BlockSpec``), what it is on the server (``RemoteTask``, ``RemoteBlock``)
and the task changes a backend applies.

They live in the core so that the pure planner (``syncer.core.desired``,
``syncer.core.reconcile``) can build and compare them without importing the backends;
``syncer.backends.base`` re-exports every name, which stays the place adapters import
them from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

TaskKind = Literal["goal", "milestone", "step", "habit", "review"]


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What goalsync wants one remote task to be.

    ``description`` is the human text; adapters add their own ownership marker.
    ``recurrence`` is an RFC 5545 RRULE value (``FREQ=WEEKLY;BYDAY=MO,WE,FR``) for
    habits; adapters translate it (Todoist: ``every mon, wed, fri``).
    ``due`` is a date (all-day) or an aware datetime.
    """

    key: str
    kind: TaskKind
    title: str
    goal_id: str
    goal_title: str
    description: str = ""
    milestone_id: str | None = None
    milestone_title: str | None = None
    due: date | datetime | None = None
    deadline: date | None = None
    duration_minutes: int | None = None
    priority: int = 4  # 1 highest .. 4 lowest (the app's P1..P4)
    labels: tuple[str, ...] = ()
    recurrence: str | None = None
    parent_key: str | None = None
    plan_id: str = "plan"


@dataclass(frozen=True, slots=True)
class RemoteTask:
    """An owned task as it is on the server now."""

    key: str
    remote_id: str
    kind: TaskKind
    title: str
    description: str = ""  # without the marker
    due: date | datetime | None = None
    deadline: date | None = None
    duration_minutes: int | None = None
    priority: int = 4
    labels: tuple[str, ...] = ()
    completed: bool = False
    completed_at: datetime | None = None
    etag: str | None = None  # CalDAV ETag; Todoist leaves it None
    plan_id: str | None = None  # the plan the object names (marker, X-GOALSYNC-PLAN)
    outdated: bool = False  # written in an older goalsync's shape: rewrite it once
    held: bool = False  # out of reach (in a project the user archived): left as it is

    @property
    def ident(self) -> str:
        return self.remote_id


@dataclass(frozen=True, slots=True)
class CreateTask:
    spec: TaskSpec


@dataclass(frozen=True, slots=True)
class UpdateTask:
    remote_id: str
    spec: TaskSpec
    fields: frozenset[str]  # TaskSpec field names to change; others are left alone
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class DeleteTask:
    key: str
    remote_id: str
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class BlockSpec:
    """One time block goalsync wants on the calendar (a VEVENT)."""

    uid: str
    key: str  # the step or habit key it is for
    title: str
    start: datetime
    end: datetime
    goal_id: str
    milestone_id: str | None = None
    description: str = ""
    timezone: str = "UTC"  # the plan's zone, for VTIMEZONE/TZID
    plan_id: str = "plan"
    categories: tuple[str, ...] = ("goalsync",)


@dataclass(frozen=True, slots=True)
class RemoteBlock:
    uid: str
    key: str
    title: str
    start: datetime
    end: datetime
    etag: str | None = None
    plan_id: str | None = None  # X-GOALSYNC-PLAN; None when a client dropped it

    @property
    def ident(self) -> str:
        return self.uid

TaskChange = CreateTask | UpdateTask | DeleteTask
