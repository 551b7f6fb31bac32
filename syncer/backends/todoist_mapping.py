"""Pure translation between goalsync task values and Todoist API v1 JSON.

* The ownership marker is the last line of a task's description:
  ``goalsync:<plan>:<kind>:<key>``, built and read by ``syncer.core.identity``.
* Priority is inverted: goalsync 1 (the app's P1) is API priority 4.
* Dates: a ``date`` goes out as ``YYYY-MM-DD``; an aware datetime as UTC ``...Z``.
* Habits: an RRULE (``FREQ=WEEKLY;BYDAY=MO,WE,FR``) becomes a due string
  (``every mon, wed, fri``).
* Command uuids are uuid5 of plan id, operation, key and a payload hash, so the same
  command sent twice is recognised by the server and not executed twice.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncer.backends.base import RemoteTask, TaskSpec
from syncer.core import identity
from syncer.core.identity import parse_marker

JSON = dict[str, Any]
OWNER_LABEL = "goalsync"
_NAMESPACE = uuid.UUID("6f1c2b0e-3c55-5f63-9d0a-6b8a8f3f9a11")
_DAYS = {"MO": "mon", "TU": "tue", "WE": "wed", "TH": "thu", "FR": "fri", "SA": "sat",
         "SU": "sun"}


class MappingError(ValueError):
    """A spec cannot be expressed in Todoist (e.g. an RRULE it has no words for)."""


# --------------------------------------------------------------------- marker


def marker(spec: TaskSpec) -> str:
    return identity.marker(spec.plan_id, spec.kind, spec.key)


MAX_DESCRIPTION = 16_383  # Todoist's "Usage limits"


def description_with_marker(spec: TaskSpec) -> str:
    """The human description, a blank line, then the marker line; the text is cut so
    that the whole stays within what Todoist accepts."""
    line = marker(spec)
    text = spec.description.rstrip()
    room = MAX_DESCRIPTION - len(line) - 2
    if len(text) > room:
        text = text[:max(0, room - 1)].rstrip() + "…"
    return f"{text}\n\n{line}" if text else line


# --------------------------------------------------------------------- values out


def api_priority(priority: int) -> int:
    return 5 - min(4, max(1, priority))


def due_object(value: date | datetime) -> JSON:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise MappingError("a due time must carry a time zone")
        return {"date": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"date": value.isoformat()}


def recurrence_string(rrule: str) -> str:
    """``FREQ=WEEKLY;BYDAY=MO,WE,FR`` → ``every mon, wed, fri`` (MappingError if not
    expressible)."""
    parts = dict(p.split("=", 1) for p in rrule.upper().strip().split(";") if "=" in p)
    freq = parts.get("FREQ")
    interval = int(parts.get("INTERVAL", "1") or 1)
    days = [d[-2:] for d in parts.get("BYDAY", "").split(",") if d]
    if any(d not in _DAYS for d in days) or interval < 1:
        raise MappingError(f"cannot express the repeat rule {rrule!r} in Todoist")
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(
        freq or "")
    if unit is None:
        raise MappingError(f"cannot express the repeat rule {rrule!r} in Todoist")
    if days and unit in ("week", "day"):
        names = ", ".join(_DAYS[d] for d in days)
        return f"every {names}" if interval == 1 else f"every other {names}" if (
            interval == 2 and len(days) == 1) else _unsupported(rrule)
    if unit == "month" and parts.get("BYMONTHDAY", "").isdigit():
        return f"every {_ordinal(int(parts['BYMONTHDAY']))}"
    return f"every {unit}" if interval == 1 else f"every {interval} {unit}s"


def _unsupported(rrule: str) -> str:
    raise MappingError(f"cannot express the repeat rule {rrule!r} in Todoist")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def due_for(spec: TaskSpec) -> JSON | None:
    if spec.recurrence:
        return {"string": recurrence_string(spec.recurrence), "lang": "en"}
    return due_object(spec.due) if spec.due is not None else None


def labels_for(spec: TaskSpec) -> list[str]:
    seen: dict[str, None] = {OWNER_LABEL: None}
    for label in spec.labels:
        seen.setdefault(label, None)
    return list(seen)


def field_args(spec: TaskSpec, fields: frozenset[str] | None = None) -> JSON:
    """Item arguments for the TaskSpec ``fields`` (all when None); None clears."""
    every = fields is None
    wanted = fields or frozenset()
    args: JSON = {}
    if every or "title" in wanted:
        args["content"] = spec.title
    if every or wanted & {"description", "kind", "key", "plan_id"}:
        args["description"] = description_with_marker(spec)
    if every or wanted & {"due", "recurrence"}:
        args["due"] = due_for(spec)
    if every or "deadline" in wanted:
        args["deadline"] = {"date": spec.deadline.isoformat()} if spec.deadline else None
    if every or "duration_minutes" in wanted:
        minutes = spec.duration_minutes
        args["duration"] = {"amount": minutes, "unit": "minute"} if minutes else None
    if every or "priority" in wanted:
        args["priority"] = api_priority(spec.priority)
    if every or "labels" in wanted:
        args["labels"] = labels_for(spec)
    return args


def command_uuid(plan_id: str, operation: str, key: str, payload: Any, salt: str = "") -> str:
    """Deterministic command uuid: the same command always gets the same uuid."""
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, f"{plan_id}\x1f{operation}\x1f{key}\x1f{digest}"
                                      f"\x1f{salt}"))


def temp_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "temp\x1f" + "\x1f".join(parts)))


# --------------------------------------------------------------------- values in


def parse_due(due: JSON | None, local: tzinfo = UTC) -> date | datetime | None:
    """A due object as a date or an aware datetime. API v1 "Due dates": a fixed time
    ends in Z (UTC); a floating one has no zone (``timezone`` null) and means that wall
    time wherever the user is, read here in ``local`` (the user's zone)."""
    if not due:
        return None
    text = str(due.get("datetime") or due.get("date") or "")
    if not text:
        return None
    if len(text) == 10:
        return date.fromisoformat(text)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_named(due.get("timezone"), local))
    return moment


def zone_named(name: Any, default: tzinfo = UTC) -> tzinfo:
    """The IANA zone ``name`` (e.g. a user's ``tz_info.timezone``), else ``default``."""
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return default


def parse_stamp(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def remote_task(item: JSON, local: tzinfo = UTC) -> RemoteTask | None:
    """The owned task an item JSON describes, or None if goalsync does not own it;
    floating due times are read in ``local``."""
    owned = parse_marker(item.get("description"))
    if owned is None:
        return None
    plan, kind, key, human = owned
    duration = item.get("duration") or None
    minutes = None
    if duration:
        minutes = int(duration["amount"]) * (1440 if duration.get("unit") == "day" else 1)
    deadline = item.get("deadline") or None
    completed = bool(item.get("checked")) or (
        item.get("checked") is None and bool(item.get("completed_at")))
    return RemoteTask(
        key=key,
        remote_id=str(item["id"]),
        kind=kind,
        title=str(item.get("content", "")),
        description=human,
        due=parse_due(item.get("due"), local),
        deadline=date.fromisoformat(deadline["date"][:10]) if deadline else None,
        duration_minutes=minutes,
        priority=5 - int(item.get("priority") or 1),
        labels=tuple(lab for lab in item.get("labels") or () if lab != OWNER_LABEL),
        completed=completed,
        completed_at=parse_stamp(item.get("completed_at")) if completed else None,
        plan_id=plan,
    )


def owner_plan(item: JSON) -> str | None:
    owned = parse_marker(item.get("description"))
    return owned[0] if owned else None
