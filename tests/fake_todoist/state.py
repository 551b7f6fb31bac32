"""The fake Todoist account: projects, sections, labels, tasks, and the sync engine.

Everything here is plain Python over dicts shaped like Todoist API v1 JSON, guarded by
one lock so the threaded HTTP server and the test ("the user in the app") can both act.

Sync semantics kept faithful to the real service:
* every change bumps a global version; ``sync_token`` encodes the version it was read at;
  a read with ``sync_token="*"`` is a full sync (deleted and completed tasks left out),
  any other token returns only objects changed since, deleted and completed ones included;
* a command whose ``uuid`` was seen before is not executed again: its original status
  (and, unless ``replay_mapping`` is off, its temp id mapping) is returned;
* ``temp_id`` values map to real ids and may be referenced by later commands of the
  same request only (API v1 "Temporary resource ID": the server resolves a ``temp_id``
  inside a single ``/sync`` request); a later request must use the real id.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.fake_todoist.limits import (
    LIMIT_ERRORS,
    MAX_CONTENT,
    MAX_DESCRIPTION,
    MAX_LABEL_NAME,
    MAX_LABELS_PER_ACCOUNT,
    MAX_PROJECT_NAME,
    MAX_SECTION_NAME,
    TIERS,
    plan_limits,
)

JSON = dict[str, Any]
RESOURCE_TYPES = ("projects", "sections", "labels", "items")
USER_ID = "1855589"


class ApiError(Exception):
    """An error object as Todoist returns it (HTTP body or per-command sync_status)."""

    def __init__(self, http_code: int, error: str, tag: str, code: int,
                 extra: JSON | None = None) -> None:
        super().__init__(error)
        self.http_code = http_code
        self.body: JSON = {
            "error": error,
            "error_code": code,
            "error_extra": extra or {},
            "error_tag": tag,
            "http_code": http_code,
        }


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found", f"{what.upper()}_NOT_FOUND", 22)


def invalid(argument: str) -> ApiError:
    return ApiError(400, "Invalid argument value", "INVALID_ARGUMENT_VALUE", 20,
                    {"argument": argument})


def limit_reached(kind: str) -> ApiError:
    """A plan cap refused the command (HTTP 403 per command, see limits.py)."""
    tag, text, code = LIMIT_ERRORS[kind]
    return ApiError(403, text, tag, code)


def check_name(value: Any, longest: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise missing("name")
    if len(value) > longest:
        raise invalid("name")
    return value


def missing(argument: str) -> ApiError:
    return ApiError(400, "Required argument is missing", "ARGUMENT_MISSING", 19,
                    {"argument": argument})


def stamp(moment: datetime) -> str:
    """The API's timestamp spelling: UTC with microseconds and a Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_stamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# Words of recurring due strings (help centre "Introduction to recurring dates"):
# "every day", "every 3 days", "every other week", "every mon, wed", "every 15th",
# "every last day", "every 2nd monday", "every jan 27th", "every day at 9am starting
# 2027-01-04", "every 3 months until 2027-06-30"
_RECURRING_WORDS = {
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "day", "days", "week",
    "weeks", "month", "months", "year", "years", "hour", "hours", "minute", "minutes",
    "weekday", "weekdays", "workday", "workdays", "weekend", "other", "and", "starting",
    "from", "until", "for", "at", "on", "the", "last", "first", "second", "third",
    "fourth", "morning", "afternoon", "evening", "night", "am", "pm", "jan", "feb", "mar",
    "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "january", "february",
    "march", "april", "june", "july", "august", "september", "october", "november",
    "december", "st", "nd", "rd", "th", "t", "z",
}


def normalize_due(value: Any, today: date, user_zone: str = "UTC") -> JSON | None:
    """A due object from command input (``date`` and/or ``string``, optional
    ``timezone``/``lang``), or None. API v1 "Due dates" has no ``datetime`` field: a
    time goes in ``date`` (``...THH:MM:SS`` floating, ``...THH:MM:SSZ`` fixed, in UTC)."""
    if value is None:
        return None
    if not isinstance(value, dict) or "datetime" in value:
        raise invalid("due")
    text = value.get("date")
    string = value.get("string")
    if string is not None and (not isinstance(string, str) or len(string) > 150):
        raise invalid("due")  # help centre "Usage limits": due strings up to 150 characters
    recurring = bool(string and string.strip().lower().startswith("every"))
    if string and recurring and not set(re.findall(r"[a-z]+", string.lower()[5:])
                                        ) <= _RECURRING_WORDS:
        raise invalid("due")
    if text is None:
        if not string:
            raise invalid("due")
        text = today.isoformat()
    text = _check_due_date(str(text))
    timezone = value.get("timezone")
    if text.endswith("Z") and timezone is None:
        timezone = user_zone  # "optionally ... overwrite the default timezone of the user"
    return {
        "date": text,
        "timezone": timezone,
        "string": string or text,
        "lang": value.get("lang") or "en",
        "is_recurring": recurring,
    }


_DUE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?Z?")


def _check_due_date(text: str) -> str:
    """``YYYY-MM-DD``, or a time with optional microseconds (the docs show both
    ``...T05:00:00Z`` and ``...T05:00:00.000000Z``), floating or ending in Z."""
    try:
        if len(text) == 10:
            date.fromisoformat(text)
        elif _DUE_TIME.fullmatch(text):
            datetime.fromisoformat(text.removesuffix("Z"))
        else:
            raise ValueError(text)
    except ValueError:
        raise invalid("due") from None
    return text


def normalize_deadline(value: Any) -> JSON | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("date"), str):
        raise invalid("deadline")
    try:
        date.fromisoformat(value["date"])
    except ValueError:
        raise invalid("deadline") from None
    return {"date": value["date"], "lang": "en"}


def normalize_duration(value: Any) -> JSON | None:
    if value is None:
        return None
    if (not isinstance(value, dict) or not isinstance(value.get("amount"), int)
            or value["amount"] < 1 or value.get("unit") not in ("minute", "day")):
        raise invalid("duration")
    return {"amount": value["amount"], "unit": value["unit"]}


def check_priority(value: Any) -> int:
    if not isinstance(value, int) or not 1 <= value <= 4:
        raise invalid("priority")
    return value


def check_labels(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise invalid("labels")
    return list(value)


@dataclass
class CommandRecord:
    """What a processed command answered, kept for uuid replays."""

    status: Any
    temp_id_mapping: dict[str, str] = field(default_factory=dict)


class TodoistState:
    """One fake account. All public methods are thread-safe."""

    def __init__(self, clock: Callable[[], datetime] | None = None,
                 tier: str = "free") -> None:
        if tier not in TIERS:
            raise ValueError(f"unknown plan tier {tier!r}")
        self.tier = tier  # the account's plan: its caps are enforced (limits.py)
        self.lock = threading.RLock()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.version = 0
        self.objects: dict[str, dict[str, JSON]] = {t: {} for t in RESOURCE_TYPES}
        self.versions: dict[tuple[str, str], int] = {}
        self.commands: dict[str, CommandRecord] = {}
        # the docs do not say whether a replayed command's temp_id_mapping is sent
        # again; tests turn this off to check clients cope when it is not
        self.replay_mapping = True
        self.user_timezone = "UTC"  # the user's tz_info.timezone
        # resource types a read may not name (to play a stricter or older server)
        self.refused_resource_types: set[str] = set()
        # archived projects leave full syncs (API v1); True plays a server that keeps
        # them there, flagged ``is_archived``, with their tasks
        self.archived_in_sync = False
        self.executed_commands = 0  # commands actually executed (replays not counted)
        self.command_errors: list[tuple[Callable[[JSON], bool], ApiError]] = []
        self._ids = itertools.count(1)
        self.inbox_id = self.add_project("Inbox", inbox=True)["id"]

    # ------------------------------------------------------------------ basics
    def now(self) -> datetime:
        return self.clock()

    def new_id(self) -> str:
        n = next(self._ids)
        return "6X" + base64.b32encode(n.to_bytes(5, "big")).decode().lower().rstrip("=")

    def touch(self, kind: str, obj: JSON) -> JSON:
        """Record a change of ``obj`` (bumps the version the sync read compares)."""
        with self.lock:
            self.version += 1
            self.versions[(kind, obj["id"])] = self.version
            if "updated_at" in obj:
                obj["updated_at"] = stamp(self.now())
            self.objects[kind][obj["id"]] = obj
            return obj

    def get(self, kind: str, object_id: str, what: str) -> JSON:
        obj = self.objects[kind].get(object_id)
        if obj is None or obj.get("is_deleted"):
            raise not_found(what)
        return obj

    def live(self, kind: str) -> list[JSON]:
        with self.lock:
            return [o for o in self.objects[kind].values() if not o.get("is_deleted")]

    # ---------------------------------------------------------------- creators
    def cap(self, name: str) -> int:
        return int(TIERS[self.tier][name])

    def active_projects(self) -> list[JSON]:
        """The projects the plan's cap counts: the user's own, not archived (the Inbox
        is not counted; whether it is is not documented, and goalsync's default layout
        needs one project either way)."""
        return [p for p in self.live("projects") if not p["inbox_project"]
                and not p["is_archived"] and p.get("workspace_id") is None]

    def archived(self, project_id: str | None) -> bool:
        project = self.objects["projects"].get(project_id or "")
        return bool(project and project.get("is_archived"))

    def active_items(self, project_id: str) -> int:
        return sum(1 for i in self.live("items")
                   if i["project_id"] == project_id and not i["checked"])

    def _room_for_item(self, project_id: str) -> None:
        if self.active_items(project_id) >= self.cap("tasks_per_project"):
            raise limit_reached("items")

    def add_project(self, name: Any, *, parent_id: str | None = None,
                    inbox: bool = False, description: str = "",
                    workspace_id: str | None = None, shared: bool = False) -> JSON:
        check_name(name, MAX_PROJECT_NAME)
        if parent_id is not None:
            parent = self.get("projects", parent_id, "Project")
            if parent["is_archived"]:
                raise not_found("Project")
            parent_id = parent["id"]
        if (not inbox and workspace_id is None
                and len(self.active_projects()) >= self.cap("active_projects")):
            raise limit_reached("projects")
        now = stamp(self.now())
        project = {
            "id": self.new_id(), "name": name, "description": description,
            "parent_id": parent_id, "child_order": len(self.objects["projects"]),
            "color": "charcoal", "is_collapsed": False, "shared": False,
            "is_shared": False, "is_favorite": False, "is_archived": False,
            "is_deleted": False, "can_assign_tasks": False, "view_style": "list",
            "inbox_project": inbox, "created_at": now, "updated_at": now,
            "workspace_id": workspace_id, "folder_id": None,
        }
        if shared:
            project.update(shared=True, is_shared=True, can_assign_tasks=True)
        return self.touch("projects", project)

    def add_section(self, name: Any, project_id: Any) -> JSON:
        check_name(name, MAX_SECTION_NAME)
        project = self.get("projects", project_id, "Project")
        if project["is_archived"]:
            raise not_found("Project")
        sections = [s for s in self.live("sections")
                    if s["project_id"] == project["id"] and not s["is_archived"]]
        if len(sections) >= self.cap("sections_per_project"):
            raise limit_reached("sections")
        section = {
            "id": self.new_id(), "name": name, "project_id": project["id"],
            "section_order": len(self.objects["sections"]) + 1, "is_collapsed": False,
            "is_archived": False, "is_deleted": False, "user_id": USER_ID,
            "added_at": stamp(self.now()), "updated_at": stamp(self.now()),
        }
        return self.touch("sections", section)

    def add_label(self, name: Any) -> JSON:
        check_name(name, MAX_LABEL_NAME)
        if any(lab["name"] == name for lab in self.live("labels")):
            raise ApiError(400, "Label already exists", "LABEL_ALREADY_EXISTS", 128)
        if len(self.live("labels")) >= MAX_LABELS_PER_ACCOUNT:
            raise limit_reached("labels")
        order = len(self.objects["labels"]) + 1
        label = {"id": self.new_id(), "name": name, "color": "charcoal", "order": order,
                 "item_order": order, "is_favorite": False, "is_deleted": False}
        return self.touch("labels", label)

    def add_item(self, args: JSON) -> JSON:
        content = args.get("content")
        if not isinstance(content, str) or not content.strip():
            raise missing("content")
        if len(content) > MAX_CONTENT:
            raise invalid("content")
        description = str(args.get("description") or "")
        if len(description) > MAX_DESCRIPTION:
            raise invalid("description")
        labels = self.check_labels(args.get("labels", []))
        project_id, section_id, parent_id = self._placement(args)
        self._room_for_item(project_id)
        now = stamp(self.now())
        item = {
            "id": self.new_id(), "user_id": USER_ID, "project_id": project_id,
            "section_id": section_id, "parent_id": parent_id, "content": content,
            "description": description,
            "priority": check_priority(args.get("priority", 1)),
            "labels": labels,
            "due": normalize_due(args.get("due"), self.now().date(), self.user_timezone),
            "deadline": normalize_deadline(args.get("deadline")),
            "duration": normalize_duration(args.get("duration")),
            "checked": False, "is_deleted": False, "is_collapsed": False,
            "child_order": len(self.objects["items"]) + 1, "day_order": -1,
            "added_at": now, "added_by_uid": USER_ID, "assigned_by_uid": None,
            "responsible_uid": None, "completed_at": None, "updated_at": now,
            "note_count": 0,
        }
        return self.touch("items", item)

    def check_labels(self, value: Any) -> list[str]:
        labels = _few_labels(check_labels(value))
        if len(labels) > self.cap("labels_per_task"):
            raise invalid("labels")
        return labels

    def _placement(self, args: JSON) -> tuple[str, str | None, str | None]:
        """Where a task goes; an archived project takes nothing (its tasks left the
        sync: the fake answers as if it were not there)."""
        parent_id = args.get("parent_id")
        section_id = args.get("section_id")
        project_id = args.get("project_id")
        if parent_id:
            parent = self.get("items", parent_id, "Item")
            place = parent["project_id"], parent["section_id"], parent["id"]
        elif section_id:
            section = self.get("sections", section_id, "Section")
            place = section["project_id"], section["id"], None
        elif project_id:
            place = self.get("projects", project_id, "Project")["id"], None, None
        else:
            place = self.inbox_id, None, None
        if self.archived(place[0]):
            raise not_found("Project")
        return place

    # ---------------------------------------------------------------- item edits
    _EDITABLE = {
        "content": lambda v, today: v if isinstance(v, str) and v.strip() and len(
            v) <= MAX_CONTENT else _bad("content"),
        "description": lambda v, today: str(v or "") if len(str(v or "")) <= MAX_DESCRIPTION
        else _bad("description"),
        "priority": lambda v, today: check_priority(v),
        "labels": lambda v, today: _few_labels(check_labels(v)),
        "due": normalize_due,
        "deadline": lambda v, today: normalize_deadline(v),
        "duration": lambda v, today: normalize_duration(v),
        "is_collapsed": lambda v, today: bool(v),
        "collapsed": lambda v, today: bool(v),
    }

    def update_item(self, item_id: str, args: JSON) -> JSON:
        item = self.get("items", item_id, "Item")
        changes: JSON = {}
        for name, value in args.items():
            if name in ("id", "child_order", "day_order"):
                continue
            convert = self._EDITABLE.get(name)
            if convert is None:
                raise invalid(name)
            if name == "due":
                changes[name] = normalize_due(value, self.now().date(), self.user_timezone)
                continue
            changes["is_collapsed" if name == "collapsed" else name] = convert(
                value, self.now().date())
        item.update(changes)
        return self.touch("items", item)

    def move_item(self, item_id: str, args: JSON) -> JSON:
        """API v1 "Move a task": only one of ``parent_id``, ``section_id`` or
        ``project_id`` may be set (``null`` parent/section: to the root of the
        task's section/project)."""
        item = self.get("items", item_id, "Item")
        named = [k for k in ("parent_id", "section_id", "project_id") if k in args]
        if not named:
            raise missing("project_id")
        if len(named) > 1:
            raise invalid(named[1])
        key, value = named[0], args[named[0]]
        place: tuple[str, str | None, str | None]
        if value is None and key == "parent_id":
            place = (item["project_id"], item["section_id"], None)
        elif value is None and key == "section_id":
            place = (item["project_id"], None, None)
        elif not isinstance(value, str) or not value:
            raise invalid(key)
        else:
            place = self._placement({key: value})
        if place[2] == item["id"]:
            raise invalid("parent_id")
        if place[0] != item["project_id"] and not item["checked"]:
            self._room_for_item(place[0])
        item.update(project_id=place[0], section_id=place[1], parent_id=place[2])
        return self.touch("items", item)

    def close_item(self, item_id: str, at: datetime | None = None) -> JSON:
        """Complete a task (and its subtasks); a recurring one moves to its next day
        instead, as in the app (the fake does not evaluate the recurrence itself)."""
        item = self.get("items", item_id, "Item")
        due = item.get("due")
        if due and due.get("is_recurring"):
            day = date.fromisoformat(due["date"][:10]) + timedelta(days=1)
            due["date"] = day.isoformat() + due["date"][10:]
            return self.touch("items", item)
        item.update(checked=True, completed_at=stamp(at or self.now()))
        self.touch("items", item)
        for child in self.live("items"):
            if child["parent_id"] == item["id"] and not child["checked"]:
                self.close_item(child["id"], at)
        return item

    def reopen_item(self, item_id: str) -> JSON:
        item = self.get("items", item_id, "Item")
        if item["checked"]:
            self._room_for_item(item["project_id"])
        item.update(checked=False, completed_at=None)
        return self.touch("items", item)

    def archive_project(self, project_id: str) -> JSON:
        """Archive a project and its sub-projects (the user's action in the app): they
        and what is in them leave full syncs; ``GET /projects/archived`` lists them."""
        project = self.get("projects", project_id, "Project")
        if project["inbox_project"]:
            raise invalid("id")
        for child in self.live("projects"):
            if child["parent_id"] == project["id"] and not child["is_archived"]:
                self.archive_project(child["id"])
        project["is_archived"] = True
        return self.touch("projects", project)

    def unarchive_project(self, project_id: str) -> JSON:
        """Back among the active projects (counted against the cap again); its sections
        and tasks come back in the next sync."""
        project = self.get("projects", project_id, "Project")
        if not project["is_archived"]:
            return project
        if (project.get("workspace_id") is None
                and len(self.active_projects()) >= self.cap("active_projects")):
            raise limit_reached("projects")
        project["is_archived"] = False
        self.touch("projects", project)
        for kind in ("sections", "items"):
            for obj in self.live(kind):
                if obj["project_id"] == project["id"]:
                    self.touch(kind, obj)
        return project

    def delete(self, kind: str, object_id: str, what: str) -> JSON:
        obj = self.get(kind, object_id, what)
        obj["is_deleted"] = True
        self.touch(kind, obj)
        if kind == "items":
            for child in self.live("items"):
                if child["parent_id"] == obj["id"]:
                    self.delete("items", child["id"], "Item")
        if kind == "projects":
            for other in ("sections", "items"):
                for o in self.live(other):
                    if o["project_id"] == obj["id"]:
                        self.delete(other, o["id"], what)
        return obj

    # ---------------------------------------------------------------- sync
    def sync(self, token: str | None, resource_types: list[str] | None,
             commands: list[JSON] | None) -> JSON:
        """One ``POST /sync``: run commands, then read (if resource types were given)."""
        with self.lock:
            response: JSON = {}
            if commands is not None:
                response.update(self._run_commands(commands))
            since = self._token_version(token)
            wanted = _resource_types(resource_types or [])
            for kind in wanted:
                response[kind] = self._changed(kind, since)
            if {"user_plan_limits", "all"} & set(resource_types or []):
                response["user_plan_limits"] = plan_limits(self.tier)
            if "user" in (resource_types or []) or "all" in (resource_types or []):
                response["user"] = {"id": USER_ID, "full_name": "Fake User",
                                    "email": "user@example.invalid", "tz_info": {
                                        "timezone": self.user_timezone}}
            response["sync_token"] = self.token()
            response["full_sync"] = since is None
            if since is None:
                response["full_sync_date_utc"] = stamp(self.now())
            return response

    def token(self) -> str:
        return base64.urlsafe_b64encode(f"fake-sync:{self.version}".encode()).decode()

    def _token_version(self, token: str | None) -> int | None:
        if token in (None, "", "*"):
            return None
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
            prefix, number = text.split(":")
            if prefix != "fake-sync" or int(number) > self.version:
                return None
            return int(number)
        except (ValueError, UnicodeDecodeError):
            return None

    def _changed(self, kind: str, since: int | None) -> list[JSON]:
        """A full sync leaves out deleted and completed tasks and archived projects with
        their sections and tasks (API v1: archived projects are listed separately)."""
        if since is None:
            return [dict(o) for o in self.objects[kind].values()
                    if not o.get("is_deleted") and not o.get("checked")
                    and (self.archived_in_sync or not (
                        o.get("is_archived")
                        or (kind != "projects" and self.archived(o.get("project_id")))))]
        return [dict(o) for o in self.objects[kind].values()
                if self.versions[(kind, o["id"])] > since]

    def _run_commands(self, commands: list[JSON]) -> JSON:
        if len(commands) > 100:
            raise ApiError(400, "Too many commands", "TOO_MANY_COMMANDS", 36,
                           {"max": 100})
        status: JSON = {}
        mapping: dict[str, str] = {}  # this request's temp ids: they resolve only here
        for command in commands:
            uuid = command.get("uuid")
            if not isinstance(uuid, str) or not uuid:
                raise missing("uuid")
            record = self.commands.get(uuid)
            if record is None:
                record = self._execute(command, mapping)
                self.commands[uuid] = record
            elif not self.replay_mapping:
                status[uuid] = record.status
                continue
            status[uuid] = record.status
            mapping.update(record.temp_id_mapping)
        return {"sync_status": status, "temp_id_mapping": mapping}

    def _execute(self, command: JSON, temp_ids: dict[str, str]) -> CommandRecord:
        self.executed_commands += 1
        args = dict(command.get("args") or {})
        for injected_match, error in self.command_errors:
            if injected_match(command):
                return CommandRecord(error.body)
        try:
            args = {k: temp_ids.get(v, v) if k.endswith("id") and isinstance(v, str)
                    else v for k, v in args.items()}
            created = self._dispatch(str(command.get("type")), args)
        except ApiError as error:
            return CommandRecord(error.body)
        temp_id = command.get("temp_id")
        if temp_id and created is not None:
            return CommandRecord("ok", {temp_id: created["id"]})
        return CommandRecord("ok")

    def _dispatch(self, kind: str, args: JSON) -> JSON | None:
        handlers: dict[str, Callable[[JSON], JSON | None]] = {
            "project_add": lambda a: self.add_project(
                a.get("name"), parent_id=a.get("parent_id"),
                description=a.get("description", "")),
            "project_update": lambda a: self._rename("projects", a, "Project"),
            "project_delete": lambda a: self.delete("projects", _id(a), "Project"),
            "project_archive": lambda a: self.archive_project(_id(a)),
            "project_unarchive": lambda a: self.unarchive_project(_id(a)),
            "section_add": lambda a: self.add_section(a.get("name"), _need(a, "project_id")),
            "section_update": lambda a: self._rename("sections", a, "Section"),
            "section_delete": lambda a: self.delete("sections", _id(a), "Section"),
            "label_add": lambda a: self.add_label(a.get("name")),
            "label_update": lambda a: self._rename("labels", a, "Label"),
            "label_delete": lambda a: self.delete("labels", _id(a), "Label"),
            "item_add": self.add_item,
            "item_update": lambda a: self.update_item(_id(a), a),
            "item_move": lambda a: self.move_item(_id(a), a),
            "item_delete": lambda a: self.delete("items", _id(a), "Item"),
            "item_close": lambda a: self.close_item(_id(a)),
            "item_complete": lambda a: self.close_item(
                _id(a), parse_stamp(a["date_completed"]) if a.get("date_completed") else None),
            "item_uncomplete": lambda a: self.reopen_item(_id(a)),
            "item_reopen": lambda a: self.reopen_item(_id(a)),
        }
        handler = handlers.get(kind)
        if handler is None:
            raise ApiError(400, "Invalid command type", "INVALID_COMMAND_TYPE", 43,
                           {"type": kind})
        return handler(args)

    def _rename(self, kind: str, args: JSON, what: str) -> JSON:
        obj = self.get(kind, _id(args), what)
        if "name" in args:
            longest = {"projects": MAX_PROJECT_NAME, "sections": MAX_SECTION_NAME}.get(
                kind, MAX_LABEL_NAME)
            obj["name"] = check_name(args["name"], longest)
        return self.touch(kind, obj)

    # ---------------------------------------------------------------- listings
    def archived_projects(self) -> list[JSON]:
        with self.lock:
            return [dict(p) for p in self.live("projects") if p["is_archived"]]

    def completed_between(self, since: datetime, until: datetime) -> list[JSON]:
        """API v1 "Tasks Completed By Completion Date": ``since`` inclusive, ``until``
        exclusive."""
        with self.lock:
            done = [o for o in self.live("items") if o["checked"] and o["completed_at"]
                    and since <= parse_stamp(o["completed_at"]) < until]
            return sorted(done, key=lambda o: o["completed_at"], reverse=True)


def _resource_types(requested: list[str]) -> list[str]:
    if "all" in requested:
        return list(RESOURCE_TYPES)
    return [t for t in RESOURCE_TYPES if t in requested]


def _id(args: JSON) -> str:
    return _need(args, "id")


def _need(args: JSON, name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise missing(name)
    return value


def _few_labels(labels: list[str]) -> list[str]:
    if len(labels) > TIERS["pro"]["labels_per_task"] or any(
            len(name) > MAX_LABEL_NAME for name in labels):
        raise invalid("labels")
    return labels


def _bad(argument: str) -> Any:
    raise invalid(argument)
