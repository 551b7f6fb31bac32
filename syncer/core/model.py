"""The plan model: frozen, typed values that keep their source position.

Identity: every goal, milestone, step and habit has a stable ``id`` (explicit, or the slug
of its title, unique within its parent) and a globally unique ``key`` built from the ids
on its path, joined by ``/``: ``pmp``, ``pmp/course``, ``pmp/course/research``; habits are
``pmp/habit:study-session``. Keys are what goalsync writes into remote markers, so a lost
state file is recovered by adoption, never by duplication.

Priorities are held as 1..4 where 1 is the most important (the Todoist *app*'s P1).
The Eisenhower quadrants map as: urgent+important → 1, important → 2, urgent → 3,
neither → 4.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

GOAL_TYPES = (
    "professional-development",
    "position",
    "networking",
    "work-life-balance",
    "entrepreneurial",
)
HORIZONS = ("short-term", "long-term")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
MAX_WEEKLY_HOURS = 168  # `weekly_hours` is at most the hours of a week


@dataclass(frozen=True, slots=True)
class Pos:
    """A place in a source file (1-based line and column)."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NOWHERE = Pos("<plan>", 0, 0)


def pos_of(item: Step | Milestone | Goal | Plan, name: str) -> Pos:
    """Where field ``name`` of ``item`` was written; the item's own position if unknown."""
    for field_name, pos in item.field_pos:
        if field_name == name:
            return pos
    return item.pos


MAX_SLUG = 120  # a longer slug is cut and tagged with a hash of the whole


def slugify(text: str) -> str:
    """``"Study chapters 1-4!"`` → ``"study-chapters-1-4"`` (ASCII, lowercase, dashes).
    Ids live in every object's marker, so a title's slug is at most ``MAX_SLUG``
    characters: a longer one keeps its start and ends with 8 hex digits of its hash."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_SLUG:
        digest = hashlib.sha256(slug.encode()).hexdigest()[:8]
        slug = f"{slug[:MAX_SLUG - 9].rstrip('-')}-{digest}"
    return slug or "item"


@dataclass(frozen=True, slots=True)
class Measurable:
    metric: str
    target: float
    unit: str = ""
    current: float | None = None
    pos: Pos = NOWHERE


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    id: str
    title: str
    goal_id: str
    milestone_id: str
    estimate_minutes: int | None = None
    after: tuple[str, ...] = ()  # keys of steps that must finish first
    not_before: date | None = None
    due: date | None = None  # a step's own due date; else the milestone's
    notes: str = ""
    done: bool = False  # marked done in the plan file itself
    pos: Pos = NOWHERE
    # where each field was written, for messages: ((field name, Pos), ...)
    field_pos: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Milestone:
    key: str
    id: str
    title: str
    goal_id: str
    due: date | None = None
    celebrate: str = ""
    steps: tuple[Step, ...] = ()
    pos: Pos = NOWHERE
    # where each field was written, for messages: ((field name, Pos), ...)
    field_pos: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class Habit:
    key: str
    id: str
    title: str
    goal_id: str
    per_week: int
    duration_minutes: int
    pos: Pos = NOWHERE
    hours: str | None = None  # hour set for its sessions (rules); None: the goal's


@dataclass(frozen=True, slots=True)
class Goal:
    key: str
    id: str
    title: str
    specific: str = ""
    measurable: Measurable | None = None
    achievable: str = ""
    relevant: str = ""
    deadline: date | None = None
    priority: int = 2
    type: str | None = None
    horizon: str | None = None
    labels: tuple[str, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    habits: tuple[Habit, ...] = ()
    pos: Pos = NOWHERE
    # where each field was written, for messages: ((field name, Pos), ...)
    field_pos: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)
    weekly_hours: float | None = None  # this goal's share of the week (within the plan's)
    hours: str | None = None  # hour set (rules/scheduling.toml) for its work; None: default

    @property
    def steps(self) -> tuple[Step, ...]:
        return tuple(s for m in self.milestones for s in m.steps)


@dataclass(frozen=True, slots=True)
class Plan:
    path: str
    timezone: str
    goals: tuple[Goal, ...]
    id: str = "plan"
    vision: str = ""
    weekly_hours: float | None = None  # budget: most goal work booked in one week
    reflection: tuple[str, ...] = ()  # the user's own review questions
    pos: Pos = NOWHERE
    # where each field was written, for messages: ((field name, Pos), ...)
    field_pos: tuple[tuple[str, Pos], ...] = field(default=(), compare=False)
    # public holidays kept free of goal work: a region ("DE", "US-CA") or "" (`none`);
    # None: not given, the scheduling rule `holidays` applies (see holiday_region)
    holidays: str | None = None

    def steps(self) -> Iterator[Step]:
        for goal in self.goals:
            yield from goal.steps

    def milestones(self) -> Iterator[Milestone]:
        for goal in self.goals:
            yield from goal.milestones

    def habits(self) -> Iterator[Habit]:
        for goal in self.goals:
            yield from goal.habits

    def goal(self, goal_id: str) -> Goal:
        for goal in self.goals:
            if goal.id == goal_id:
                return goal
        raise KeyError(goal_id)

    def step(self, key: str) -> Step:
        for step in self.steps():
            if step.key == key:
                return step
        raise KeyError(key)


@dataclass(frozen=True, slots=True)
class Problem:
    """One error or warning about the plan, with its place and a stable code."""

    pos: Pos
    code: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"{self.pos}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.pos.path,
            "line": self.pos.line,
            "column": self.pos.col,
            "code": self.code,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span [start, end) of aware instants."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class BusyTime:
    """Busy intervals in a range; ``all_day`` holds whole-day events separately (the
    scheduling rules decide whether an all-day event blocks the day)."""

    intervals: tuple[Interval, ...] = ()
    all_day: tuple[Interval, ...] = ()
    warnings: tuple[str, ...] = ()  # events read only in part (a runaway rule…), named


@dataclass(frozen=True, slots=True)
class Block:
    """A time block for one step (or habit occurrence) on the calendar.

    ``uid`` is None for a block the scheduler just placed; the engine gives it a fresh,
    never reused UID. ``pinned`` means the user moved or resized it and it stays put.
    """

    step: str  # the step or habit key
    start: datetime
    end: datetime
    uid: str | None = None
    pinned: bool = False
    why: str = ""

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class Unscheduled:
    step: str
    reason: str
    missing_minutes: int


@dataclass(frozen=True, slots=True)
class Schedule:
    blocks: tuple[Block, ...] = ()
    unscheduled: tuple[Unscheduled, ...] = ()
    missed: tuple[Block, ...] = field(default=())  # past blocks whose step is still open
