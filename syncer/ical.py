"""iCalendar bodies for goalsync: time blocks (VEVENT), tasks (VTODO), busy time.

No network and no disk: bytes and ``icalendar`` components in, values out.

Ownership: an object is goalsync's when its UID has the form
``goalsync-<plan>-...@goalsync`` (blocks) or ``goalsync-<plan>-...@goalsync-task``
(tasks). ``X-GOALSYNC-*`` properties carry the plan key and context, but they alone do
not make an object owned: a calendar app may copy them into a user's duplicate, and that
copy is the user's. UIDs never contain ``/`` or ``+`` (servers and clients mangle them)
and a block UID is never reused (Nextcloud's trash bin refuses a deleted UID).

Time: blocks are written with ``TZID`` of the plan's zone (plus its VTIMEZONE) so every
client shows them at the planned wall time across daylight-saving changes. When reading,
floating times (no zone) are read in UTC unless a ``floating_tz`` is given, and all-day
events become whole-day intervals starting at midnight in that same zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, cast
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from syncer.backends.base import BlockSpec, RemoteBlock, RemoteTask, TaskKind, TaskSpec
from syncer.core.desired import next_occurrence
from syncer.core.identity import (  # noqa: F401  (re-exported for the adapters)
    BLOCK_UID_SUFFIX,
    KINDS,
    TASK_UID_SUFFIX,
    UID_PREFIX,
    block_uid,
    description_with_note,
    habit_of,
    is_block_uid,
    is_owned_uid,
    is_task_uid,
    split_note,
    task_uid,
)
from syncer.core.model import BusyTime, Interval

PRODID = "-//goalsync//goalsync//EN"
CATEGORY = "goalsync"


# ------------------------------------------------------------------------------ UIDs


def href_name(uid: str) -> str:
    """The resource name an object is stored under: the UID with its ``@`` as ``.``,
    plus ``.ics`` (servers disagree on whether ``@`` and ``%40`` name one resource)."""
    local, _, domain = uid.rpartition("@")
    return f"{local}.{domain}.ics" if local else f"{uid}.ics"


# ------------------------------------------------------------------------ time helpers


def _zone(name: str) -> tzinfo:
    return UTC if name.upper() in ("UTC", "Z", "ETC/UTC") else ZoneInfo(name)


def _in_zone(value: datetime, zone_name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} for a block; pass aware times")
    return value.astimezone(_zone(zone_name))


def _aware(value: date | datetime, floating_tz: tzinfo) -> datetime:
    """A DATE becomes midnight, a floating DATE-TIME gets ``floating_tz``."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=floating_tz)
    return value


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _text(component: icalendar.cal.Component, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):  # a property given twice: the first one wins
        value = value[0]
    return str(value)


def _categories(component: icalendar.cal.Component) -> list[str]:
    raw = component.get("CATEGORIES")
    if raw is None:
        return []
    values = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for value in values:
        out.extend(str(c) for c in getattr(value, "cats", [value]))
    return out


def _new_calendar() -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    return cal


def _calendar_bytes(components: Iterable[icalendar.cal.Component]) -> bytes:
    cal = _new_calendar()
    for component in components:
        cal.add_component(component)
    cal.add_missing_timezones(*_timezone_span(cal))
    return cast(bytes, cal.to_ical())


def _timezone_span(cal: icalendar.Calendar) -> tuple[date, date]:
    """The years the VTIMEZONEs must cover: a year either side of every time in the
    calendar (a few hundred bytes per object instead of ~4 kB), or 1970-2038 when a
    component recurs."""
    years: list[int] = []
    for component in cal.subcomponents:
        if "RRULE" in component or "RDATE" in component:
            return date(1970, 1, 1), date(2038, 1, 1)
        for name in ("DTSTART", "DTEND", "DUE"):
            if name in component:
                years.append(component.decoded(name).year)
    if not years:
        return date(1970, 1, 1), date(2038, 1, 1)
    return date(min(years) - 1, 1, 1), date(max(years) + 2, 1, 1)


# ---------------------------------------------------------------------------- blocks


def block_event(spec: BlockSpec, stamp: datetime | None = None) -> icalendar.Event:
    """The VEVENT for one block: UID, DTSTART/DTEND in the plan's zone (TZID), SUMMARY,
    DESCRIPTION, CATEGORIES, TRANSP:OPAQUE, X-GOALSYNC-* and DTSTAMP.

    Never carries ATTENDEE or ORGANIZER (some servers mail invitations for them).
    ``stamp`` is the DTSTAMP (default: now, in UTC).
    """
    event = icalendar.Event()
    event.add("UID", spec.uid)
    event.add("DTSTAMP", stamp or _now())
    event.add("DTSTART", _in_zone(spec.start, spec.timezone))
    event.add("DTEND", _in_zone(spec.end, spec.timezone))
    event.add("SUMMARY", spec.title)
    if spec.description:
        event.add("DESCRIPTION", spec.description)
    event.add("CATEGORIES", list(spec.categories) or [CATEGORY])
    event.add("TRANSP", "OPAQUE")
    kind, item = _block_item(spec.key)
    for name, value in (("KEY", spec.key), ("GOAL", spec.goal_id),
                        ("MILESTONE", spec.milestone_id), (kind, item),
                        ("PLAN", spec.plan_id)):
        if name and value:  # an empty value is invalid iCalendar (Cyrus refuses it: 403)
            event.add(f"X-GOALSYNC-{name}", value)
    return event


def _block_item(key: str) -> tuple[str, str]:
    """``("STEP", "research")`` for ``pmp/course/research``, ``("HABIT", "study")`` for
    ``pmp/habit:study``; ``("", "")`` for anything else (the review block)."""
    parts = key.split("/")
    if len(parts) == 3:
        return "STEP", parts[2]
    habit = habit_of(key)
    return ("HABIT", habit[1]) if habit else ("", "")


def event_ics(spec: BlockSpec, stamp: datetime | None = None) -> bytes:
    """One calendar object resource (a VCALENDAR with one VEVENT and its VTIMEZONE)."""
    return _calendar_bytes([block_event(spec, stamp)])


def calendar_ics(specs: Sequence[BlockSpec], stamp: datetime | None = None) -> bytes:
    """A VCALENDAR with every block and the VTIMEZONEs they use: an .ics file that any
    calendar application can import."""
    stamp = stamp or _now()
    return _calendar_bytes(block_event(spec, stamp) for spec in specs)


def _event_span(event: icalendar.cal.Component, floating_tz: tzinfo) -> tuple[datetime, datetime]:
    start_raw = event.decoded("DTSTART")
    start = _aware(start_raw, floating_tz)
    if "DTEND" in event:
        end = _aware(event.decoded("DTEND"), floating_tz)
    elif "DURATION" in event:
        end = start + event.decoded("DURATION")
    elif isinstance(start_raw, datetime):
        end = start  # RFC 5545: an instant
    else:
        end = start + timedelta(days=1)  # RFC 5545: a DATE event lasts one day
    return start, end


def block_from_event(
    component: icalendar.cal.Component, etag: str | None = None, floating_tz: tzinfo = UTC
) -> RemoteBlock | None:
    """The RemoteBlock for a goalsync-owned VEVENT, else None.

    Owned means a goalsync block UID. ``key`` is X-GOALSYNC-KEY, or ``""`` when a client
    dropped the property (the engine then matches by UID); ``plan_id`` is
    X-GOALSYNC-PLAN (``identity.belongs_to`` decides which plan the block is of).
    """
    if component.name != "VEVENT":
        return None
    uid = _text(component, "UID") or ""
    if not is_block_uid(uid) or "DTSTART" not in component:
        return None
    start, end = _event_span(component, floating_tz)
    return RemoteBlock(
        uid=uid,
        key=_text(component, "X-GOALSYNC-KEY") or "",
        title=_text(component, "SUMMARY") or "",
        start=start,
        end=end,
        etag=etag,
        plan_id=_text(component, "X-GOALSYNC-PLAN") or None,
    )


def blocks_from_ics(
    data: bytes | str, etag: str | None = None, floating_tz: tzinfo = UTC
) -> list[RemoteBlock]:
    """Every owned block in one calendar object (the master event; overrides skipped).
    Raises ValueError when the object cannot be read (bad iCalendar, bad times)."""
    out = []
    for component in parse_ics(data).walk("VEVENT"):
        if "RECURRENCE-ID" in component:
            continue
        try:
            block = block_from_event(component, etag, floating_tz)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"unreadable event ({type(exc).__name__})") from exc
        if block is not None:
            out.append(block)
    return out


def parse_ics(data: bytes | str) -> icalendar.Calendar:
    """Parse one VCALENDAR. Raises ValueError on text that is not iCalendar."""
    try:
        return icalendar.Calendar.from_ical(data)
    except ValueError:
        raise
    except Exception as exc:  # the parser raises several kinds on broken input
        raise ValueError(f"not iCalendar data ({type(exc).__name__})") from exc


def object_uid(data: bytes | str) -> str | None:
    """The UID of the first VEVENT/VTODO in a calendar object, if any."""
    for component in parse_ics(data).subcomponents:
        if component.name in ("VEVENT", "VTODO", "VJOURNAL"):
            return _text(component, "UID")
    return None


# ----------------------------------------------------------------------------- busy


def busy_from_ics(
    data: bytes | str,
    start: datetime,
    end: datetime,
    *,
    floating_tz: tzinfo = UTC,
    skip_owned: bool = True,
) -> BusyTime:
    """Busy time of one calendar (object) in [start, end).

    Expands RRULE/RDATE/EXDATE and overridden instances; skips TRANSP:TRANSPARENT,
    STATUS:CANCELLED and (with ``skip_owned``) goalsync's own blocks. All-day events go
    to ``BusyTime.all_day`` as whole days from midnight in ``floating_tz``; floating
    times are read in ``floating_tz`` (UTC unless told otherwise). Intervals are clipped
    to nothing: an event overlapping the range is returned whole.
    """
    return busy_from_calendars([parse_ics(data)], start, end,
                               floating_tz=floating_tz, skip_owned=skip_owned)


def busy_from_calendars(
    calendars: Iterable[icalendar.Calendar],
    start: datetime,
    end: datetime,
    *,
    floating_tz: tzinfo = UTC,
    skip_owned: bool = True,
) -> BusyTime:
    """Like :func:`busy_from_ics` for many parsed calendars; results sorted by start."""
    timed: set[Interval] = set()
    all_day: set[Interval] = set()
    warnings: list[str] = []
    for cal in calendars:
        for event in _occurrences(cal, start, end, warnings):
            if not _counts_as_busy(event, skip_owned):
                continue
            try:
                is_all_day = not isinstance(event.decoded("DTSTART"), datetime)
                try:
                    span_start, span_end = _event_span(event, floating_tz)
                except OverflowError:  # it would end after the year 9999
                    span_start = _aware(event.decoded("DTSTART"), floating_tz)
                    span_end = span_start + MAX_CLIPPED_EVENT
                    warnings.append(f"{_event_name(event)} lasts beyond any date; it was "
                                    f"read as {MAX_CLIPPED_EVENT.days} days long")
            except (KeyError, ValueError, TypeError, OverflowError):
                continue  # a broken foreign event cannot be read as busy time
            if span_start < end and span_end > start:
                (all_day if is_all_day else timed).add(Interval(span_start, span_end))
    return BusyTime(_sorted(timed), _sorted(all_day), tuple(dict.fromkeys(warnings)))


def _event_name(event: icalendar.cal.Component) -> str:
    summary = (_text(event, "SUMMARY") or "").strip()
    uid = _text(event, "UID") or "?"
    return f"the event {summary!r} ({uid})" if summary else f"the event {uid}"


def _occurrences(
    cal: icalendar.Calendar, start: datetime, end: datetime, warnings: list[str]
) -> list[icalendar.cal.Component]:
    """Every VEVENT occurrence in [start, end); a calendar whose recurrence cannot be
    expanded at all contributes its plain events instead of failing the whole sync."""
    _tame_recurrences(cal, warnings)
    try:
        found = recurring_ical_events.of(cal, skip_bad_series=True).between(start, end)
        occurrences = list(itertools.islice(found, MAX_OCCURRENCES + 1))
        if len(occurrences) > MAX_OCCURRENCES:
            warnings.append(f"a calendar has more than {MAX_OCCURRENCES:,} events in the "
                            "planning horizon; only the first were read as busy time")
        return occurrences[:MAX_OCCURRENCES]
    except Exception:  # the library's error classes vary by version
        return [e for e in cal.walk("VEVENT") if "RRULE" not in e and "DTSTART" in e]


MAX_OCCURRENCES = 50_000  # per calendar and range: far above any real week's events
MAX_CLIPPED_EVENT = timedelta(days=31)  # an event that would end after the year 9999
_TOO_FAST = {"SECONDLY", "MINUTELY"}  # no meeting repeats that often; a hostile rule does


def _tame_recurrences(cal: icalendar.Calendar, warnings: list[str]) -> None:
    """Recurrence rules that would expand without end (INTERVAL=0 loops forever in the
    expansion, FREQ=SECONDLY yields millions per week) keep their first occurrence
    only: one shared calendar with such an event must not stall anyone's sync."""
    for event in cal.walk("VEVENT"):
        rules = event.get("RRULE")
        for rule in rules if isinstance(rules, list) else [rules] if rules else []:
            try:
                freq = [str(f).upper() for f in rule.get("FREQ", [])]
                interval_ok = all(int(i) > 0 for i in rule.get("INTERVAL", [1]))
            except Exception:  # unreadable: the expansion skips that series by itself
                continue
            if not interval_ok or not freq or _TOO_FAST.intersection(freq):
                del event["RRULE"]
                warnings.append(f"{_event_name(event)} repeats without end (RRULE "
                                f"{rule.to_ical().decode(errors='replace')}); only its first "
                                "occurrence was read as busy time")
                break


def _counts_as_busy(event: icalendar.cal.Component, skip_owned: bool) -> bool:
    if (_text(event, "TRANSP") or "OPAQUE").upper() == "TRANSPARENT":
        return False
    if (_text(event, "STATUS") or "").upper() == "CANCELLED":
        return False
    return not (skip_owned and is_owned_uid(_text(event, "UID") or ""))


def _sorted(intervals: set[Interval]) -> tuple[Interval, ...]:
    return tuple(sorted(intervals, key=lambda i: (i.start, i.end)))


# ----------------------------------------------------------------------------- tasks

# PRIORITY: RFC 5545 says 1 is highest and 9 lowest, 0 undefined; task apps (Apple
# Reminders, Thunderbird, tasks.org, Nextcloud Tasks) show 1 high, 5 medium, 9 low.
# goalsync's 1..4 (Todoist's P1..P4, where P4 is "no priority") maps onto them.
_PRIORITY_TO_ICAL = {1: 1, 2: 5, 3: 9, 4: 0}


def priority_to_ical(priority: int) -> int:
    """1 → 1 (high), 2 → 5 (medium), 3 → 9 (low), 4 → 0 (none)."""
    return _PRIORITY_TO_ICAL.get(priority, 0)


def priority_from_ical(value: int | None) -> int:
    """0/absent → 4, 1-4 → 1, 5 → 2, 6-9 → 3."""
    if not value:
        return 4
    if value <= 4:
        return 1
    return 2 if value == 5 else 3


def related_key(spec: TaskSpec) -> str | None:
    """The key of the to-do a task is a sub-task of: a step's milestone. Milestones and
    habits have none: goalsync makes no to-do for a goal (a goal is a CATEGORIES group,
    see :func:`goal_category`), and RELATED-TO must never name a UID that is not there."""
    if spec.parent_key:
        return spec.parent_key
    if spec.kind == "step" and spec.milestone_id:
        return f"{spec.goal_id}/{spec.milestone_id}"
    return None


ParentUid = Callable[[TaskSpec, str], "str | None"]
"""Given a task and its parent's key, the UID the parent's to-do has in the list, or
None when there is none (then no RELATED-TO is written)."""


def _generation_one(spec: TaskSpec, parent: str) -> str | None:
    return task_uid(spec.plan_id, parent)


def goal_category(spec: TaskSpec) -> str | None:
    """The category that groups a goal's to-dos (its title), unless a label already
    says it; None for tasks of no goal (the weekly review)."""
    title = (spec.goal_title or "").strip()
    if not spec.goal_id or not title or title == CATEGORY or title in spec.labels:
        return None
    return title


# Which TaskSpec fields each VTODO property is written from.
TODO_FIELDS = frozenset({
    "title", "description", "due", "deadline", "duration_minutes", "priority", "labels",
    "recurrence", "parent_key", "goal_title", "milestone_id", "milestone_title",
})


def todo_from_spec(
    spec: TaskSpec, stamp: datetime | None = None, uid: str | None = None,
    parent_uid: ParentUid = _generation_one,
) -> icalendar.Todo:
    """A fresh VTODO for a task: UID (default: from plan id + key), NEEDS-ACTION, every
    field. ``parent_uid`` says which UID the parent to-do has (adapters pass what the
    list holds; the default assumes the parent's first UID)."""
    todo = icalendar.Todo()
    todo.add("UID", uid or task_uid(spec.plan_id, spec.key))
    todo.add("DTSTAMP", stamp or _now())
    todo.add("STATUS", "NEEDS-ACTION")
    todo.add("X-GOALSYNC-KEY", spec.key)
    todo.add("X-GOALSYNC-KIND", spec.kind)
    todo.add("X-GOALSYNC-PLAN", spec.plan_id)
    return update_todo(todo, spec, TODO_FIELDS, stamp, parent_uid)


def update_todo(
    todo: icalendar.Todo,
    spec: TaskSpec,
    fields: Iterable[str],
    stamp: datetime | None = None,
    parent_uid: ParentUid = _generation_one,
) -> icalendar.Todo:
    """Rewrite only the properties that carry ``fields``; everything else the user or
    their app set (STATUS, COMPLETED, alarms, their own categories) is kept."""
    wanted = set(fields)
    if "title" in wanted:
        _set(todo, "SUMMARY", spec.title)
    if "description" in wanted:
        _set(todo, "DESCRIPTION", description_with_note(spec.description, spec.key))
    if wanted & {"due", "deadline"}:
        _set_due(todo, spec, "due" in wanted)
    if "duration_minutes" in wanted:
        _set(todo, "X-GOALSYNC-ESTIMATE", spec.duration_minutes)
    if "priority" in wanted:
        _set(todo, "PRIORITY", priority_to_ical(spec.priority))
    if wanted & {"labels", "goal_title"}:
        group = goal_category(spec)
        _set(todo, "CATEGORIES", [CATEGORY, *([group] if group else []), *spec.labels])
        _set(todo, "X-GOALSYNC-GOAL", spec.goal_id)
        _set(todo, "X-GOALSYNC-GOAL-TITLE", spec.goal_title or None)
        _set(todo, "X-GOALSYNC-GROUP", group)
    if "recurrence" in wanted:
        _set(todo, "RRULE", icalendar.vRecur.from_ical(spec.recurrence)
             if spec.recurrence else None)
    if spec.recurrence and "RRULE" in todo and not ("DTSTART" in todo and "DUE" in todo):
        _set_occurrence(todo, spec)  # an RRULE without its anchor cannot be advanced
    _set_related(todo, spec, parent_uid)  # every write: an older goalsync pointed
    # milestones and habits at a goal to-do that never existed
    if "milestone_title" in wanted or "milestone_id" in wanted:
        _set(todo, "X-GOALSYNC-MILESTONE", spec.milestone_id)
    _set(todo, "DTSTAMP", stamp or _now())
    _set(todo, "LAST-MODIFIED", stamp or _now())
    return todo


def _set(component: icalendar.cal.Component, name: str, value: Any) -> None:
    component.pop(name, None)
    if value is not None and value != "":
        component.add(name, value)


def _set_due(todo: icalendar.Todo, spec: TaskSpec, due_wanted: bool = True) -> None:
    """DUE is the task's due date, else its deadline (VTODO has no deadline, and a
    to-do app should still show when it must be done); X-GOALSYNC-DUE-FROM says so,
    so that reading it back gives ``due=None`` again. A recurring task gets DTSTART and
    DUE of one occurrence instead (:func:`_set_occurrence`), written only when asked
    for its due date: afterwards the app advances them."""
    if spec.recurrence:
        if due_wanted:
            _set_occurrence(todo, spec)
        _set(todo, "X-GOALSYNC-DEADLINE", spec.deadline.isoformat() if spec.deadline else None)
        _set(todo, "X-GOALSYNC-DUE-FROM", None)
        return
    from_deadline = spec.due is None and spec.deadline is not None
    _set(todo, "DUE", spec.deadline if from_deadline else spec.due)
    _set(todo, "X-GOALSYNC-DEADLINE", spec.deadline.isoformat() if spec.deadline else None)
    _set(todo, "X-GOALSYNC-DUE-FROM", "deadline" if from_deadline else None)


def _set_occurrence(todo: icalendar.Todo, spec: TaskSpec) -> None:
    """DTSTART and DUE (one all-day date: the next occurrence) of a recurring to-do.
    With them, to-do apps (tasks.org/DAVx⁵, Apple Reminders, Thunderbird, todoman)
    advance the to-do to the next occurrence when one is ticked off; with an RRULE
    alone they cannot, and complete the whole series. A master an app marked completed
    is reopened at that occurrence: a habit ends when it leaves the plan."""
    due = spec.due or next_occurrence(spec.recurrence or "", _now().date())
    if isinstance(due, datetime):
        due = due.date()
    _set(todo, "DTSTART", due)
    _set(todo, "DUE", due)
    if (_text(todo, "STATUS") or "").upper() == "COMPLETED" or "COMPLETED" in todo:
        _set(todo, "STATUS", "NEEDS-ACTION")
        for name in ("COMPLETED", "PERCENT-COMPLETE"):
            todo.pop(name, None)


def _set_related(todo: icalendar.Todo, spec: TaskSpec, parent_uid: ParentUid) -> None:
    """RELATED-TO;RELTYPE=PARENT the parent's to-do when it is in the list. Links to
    goalsync to-dos are goalsync's (an older goalsync pointed milestones and habits at
    a goal to-do that never existed); a link the user made to their own to-do stays."""
    raw = todo.pop("RELATED-TO", None)
    theirs = [r for r in (raw if isinstance(raw, list) else [raw] if raw is not None else [])
              if not is_task_uid(str(r))]
    for link in theirs:
        todo.add("RELATED-TO", link, parameters=dict(getattr(link, "params", {})))
    parent = related_key(spec)
    uid = parent_uid(spec, parent) if parent else None
    if uid and not any(str(getattr(r, "params", {}).get("RELTYPE", "PARENT")).upper()
                       == "PARENT" for r in theirs):
        todo.add("RELATED-TO", uid, parameters={"RELTYPE": "PARENT"})


def todo_ics(todo: icalendar.Todo) -> bytes:
    """One calendar object resource holding the VTODO (and VTIMEZONEs for its times)."""
    return _calendar_bytes([todo])


def object_ics(cal: icalendar.Calendar) -> bytes:
    """A calendar object read from the server and changed in place, whole: overridden
    occurrences (RECURRENCE-ID) an app wrote next to the master stay, and the
    VTIMEZONEs its times need are there."""
    cal.add_missing_timezones(*_timezone_span(cal))
    return cast(bytes, cal.to_ical())


def find_todo(cal: icalendar.Calendar) -> icalendar.Todo | None:
    """The master VTODO of a calendar object (not an overridden occurrence)."""
    for component in cal.walk("VTODO"):
        if "RECURRENCE-ID" not in component:
            return cast(icalendar.Todo, component)
    return None


def task_from_todo(
    todo: icalendar.cal.Component, remote_id: str, etag: str | None = None
) -> RemoteTask | None:
    """The RemoteTask for a goalsync-owned VTODO (task UID and a key), else None.

    Done when STATUS:COMPLETED or a COMPLETED time is present; ``completed_at`` is
    COMPLETED, else LAST-MODIFIED, else DTSTAMP (clients differ in what they set).

    A recurring to-do (an RRULE, or a habit or review) is never done: apps record a
    ticked occurrence by advancing DTSTART/DUE, by a COMPLETED override with a
    RECURRENCE-ID (``todo`` is the master, which stays open), or by marking the master
    COMPLETED. The last leaves no open occurrence, so its ``due`` reads as None and the
    next sync anchors it at the next occurrence again (``_set_occurrence``).
    """
    uid = _text(todo, "UID") or ""
    if todo.name != "VTODO" or not is_task_uid(uid):
        return None
    description, marker_key = split_note(_text(todo, "DESCRIPTION") or "")
    key = _text(todo, "X-GOALSYNC-KEY") or marker_key
    if not key:
        return None
    kind = _kind(_text(todo, "X-GOALSYNC-KIND"))
    completed = (_text(todo, "STATUS") or "").upper() == "COMPLETED" or "COMPLETED" in todo
    due = _own_due(todo)
    if "RRULE" in todo or kind in ("habit", "review"):
        series_done = (_text(todo, "STATUS") or "").upper() == "COMPLETED"
        due = None if series_done or "DTSTART" not in todo else due
        completed = False
    return RemoteTask(
        key=key,
        remote_id=remote_id,
        kind=kind,
        title=_text(todo, "SUMMARY") or "",
        description=description,
        due=due,
        deadline=_deadline(todo),
        duration_minutes=_int(_text(todo, "X-GOALSYNC-ESTIMATE")),
        priority=priority_from_ical(_int(_text(todo, "PRIORITY"))),
        labels=_labels(todo),
        completed=completed,
        completed_at=_completed_at(todo) if completed else None,
        etag=etag,
        plan_id=_text(todo, "X-GOALSYNC-PLAN") or None,
        outdated=_outdated(todo, kind),
    )


def _outdated(todo: icalendar.cal.Component, kind: TaskKind) -> bool:
    """Written by an older goalsync: a milestone or habit pointing at a goal to-do
    (never created), or a goal's to-do without the goal's category."""
    links = todo.get("RELATED-TO")
    links = links if isinstance(links, list) else [links] if links is not None else []
    if kind in ("milestone", "habit") and any(is_task_uid(str(r)) for r in links):
        return True
    title = (_text(todo, "X-GOALSYNC-GOAL-TITLE") or "").strip()
    return bool(_text(todo, "X-GOALSYNC-GOAL") and title and title != CATEGORY
                and "X-GOALSYNC-GROUP" not in todo and title not in _categories(todo))


def _labels(todo: icalendar.cal.Component) -> tuple[str, ...]:
    """CATEGORIES without ``goalsync`` and the goal's group (X-GOALSYNC-GROUP)."""
    labels = [c for c in _categories(todo) if c != CATEGORY]
    group = _text(todo, "X-GOALSYNC-GROUP")
    if group in labels:
        labels.remove(group)
    return tuple(labels)


def _kind(value: str | None) -> TaskKind:
    for kind in KINDS:
        if value == kind:
            return kind
    return "step"


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _due(todo: icalendar.cal.Component) -> date | datetime | None:
    if "DUE" not in todo:
        return None
    value = todo.decoded("DUE")
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return cast("date | datetime", value)


def _own_due(todo: icalendar.cal.Component) -> date | datetime | None:
    """DUE, or None when goalsync wrote the deadline there and nobody changed it."""
    due = _due(todo)
    if _text(todo, "X-GOALSYNC-DUE-FROM") == "deadline" and due == _deadline(todo):
        return None
    return due


def _deadline(todo: icalendar.cal.Component) -> date | None:
    text = _text(todo, "X-GOALSYNC-DEADLINE")
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _completed_at(todo: icalendar.cal.Component) -> datetime | None:
    for name in ("COMPLETED", "LAST-MODIFIED", "DTSTAMP"):
        if name in todo:
            value = todo.decoded(name)
            if isinstance(value, datetime):
                return _aware(value, UTC)
    return None
