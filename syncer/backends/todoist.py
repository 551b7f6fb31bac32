"""The Todoist task backend (Todoist API v1 over httpx; the sync and completed-task
endpoints are read as plain JSON, see ``_read_completed``).

Mapping: goal → a project under the root project (or, with ``layout="sections"``, a
section of the root project); milestone → a section of its goal's project plus a
milestone task; step/habit/review → a task; tasks without a goal go in the root project.
The marker format is in ``todoist_mapping``; routing and retries in ``todoist_http``.

Reads. The adapter keeps the whole account state it read (projects, sections, labels,
items) with its ``sync_token``:
* the first read is a full ``POST /api/v1/sync`` plus the completed tasks of the last
  ``completed_lookback_days`` (``GET /tasks/completed/by_completion_date``, one request
  per page of ≤ 200 and per window of ≤ 89 days, because a full sync leaves completed
  tasks out);
* every later read is one incremental sync from the cached token (incremental syncs do
  include tasks completed since), so ``changes_since`` followed by ``list_tasks`` does
  not read everything again.
A listing either completes or raises; the cache is dropped when a read fails half way.
Completed tasks older than the lookback and never seen by this process are not listed.

Writes. ``apply`` turns changes into sync commands (creating missing projects, sections
and labels in the same batch, referenced by ``temp_id``), sends them in batches of at
most 100, and reads each command's ``sync_status``. Command uuids are deterministic (plan
id, operation, key, payload, and the sync token or ``updated_at`` the command was planned
from), so a batch retried after a dropped connection is not executed twice, while the
same change made again later is. A create whose key already exists remotely (marker
found) adopts the existing task instead of duplicating.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Literal
from urllib.parse import quote

import httpx

from syncer import activity
from syncer.backends.base import (
    AuthError,
    BackendError,
    ChangeResult,
    CreateTask,
    DeleteTask,
    IncompleteListing,
    Missing,
    RateLimited,
    RemoteTask,
    TaskBackend,
    TaskChange,
    TaskSpec,
    Unreachable,
    UpdateTask,
    change_identity,
)
from syncer.backends.todoist_http import (
    DEFAULT_API_URL,
    Refused,
    RequestCounter,
    Retrier,
    ServerError,
    routed_client,
)
from syncer.backends.todoist_limits import (
    MAX_NAME,
    Limits,
    Planned,
    limit_sentence,
    room_for,
    shorten,
)
from syncer.backends.todoist_mapping import (
    JSON,
    MappingError,
    command_uuid,
    field_args,
    labels_for,
    owner_plan,
    parse_marker,
    remote_task,
    temp_id,
    zone_named,
)
from syncer.errors import ConfigError

Layout = Literal["projects", "sections"]
SYNC_URL = "https://api.todoist.com/api/v1/sync"  # routed to api_url by the transport
COMPLETED_URL = "https://api.todoist.com/api/v1/tasks/completed/by_completion_date"
ARCHIVED_URL = "https://api.todoist.com/api/v1/projects/archived"
MISSING_LOOKBACK = timedelta(days=730)  # how far back a vanished task's completion is sought
RESOURCES = ("projects", "sections", "labels", "items")
BATCH_SIZE = 100  # API v1 "Request limits": at most 100 commands per request
MAX_BODY = 900_000  # bytes; the same section: POST bodies are limited to 1 MiB
COMPLETED_WINDOW = timedelta(days=89)  # the API allows windows of up to 3 months
PAGE_LIMIT = 200
JUST_CHECKED = 2.0  # seconds a changes_since read counts as "now" for list_tasks
_FATAL = (AuthError, Unreachable, RateLimited, ServerError)  # later batches would fail too
_ON_ITEM = frozenset({"item_update", "item_move", "item_delete"})
NOT_FOUND = "not found"  # the ChangeResult error the engine reads as "already gone"
_MOVE_FIELDS = frozenset({"goal_id", "goal_title", "milestone_id", "milestone_title",
                          "parent_key"})


@dataclass
class _Cache:
    """The account as last read: objects by id per resource type, and the token."""

    token: str
    objects: dict[str, dict[str, JSON]]
    completed_loaded: bool = False
    zone: tzinfo = UTC  # the user's (``user.tz_info``): floating due times are in it
    limits: Limits = field(default_factory=Limits)  # ``user_plan_limits`` (full syncs)

    @classmethod
    def from_full(cls, response: JSON) -> _Cache:
        cache = cls(str(response["sync_token"]), {kind: {} for kind in RESOURCES})
        cache.apply(response)
        return cache

    def apply(self, response: JSON) -> None:
        for kind in RESOURCES:
            bucket = self.objects[kind]
            for obj in response.get(kind) or ():
                if kind == "items" and obj.get("is_deleted") and obj.get("checked"):
                    # older sync versions also flagged a completed task is_deleted: it
                    # is a completion (progress), not a deletion
                    bucket[str(obj["id"])] = {**obj, "is_deleted": False}
                elif obj.get("is_deleted"):
                    bucket.pop(str(obj["id"]), None)
                else:
                    bucket[str(obj["id"])] = obj
        user = response.get("user")
        if isinstance(user, dict) and isinstance(user.get("tz_info"), dict):
            self.zone = zone_named(user["tz_info"].get("timezone"), self.zone)
        if "user_plan_limits" in response:
            self.limits = Limits.read(response["user_plan_limits"])
        self.token = str(response["sync_token"])

    def add_completed(self, items: Sequence[JSON]) -> None:
        for item in items:
            self.objects["items"][str(item["id"])] = item
        self.completed_loaded = True

    @property
    def items(self) -> dict[str, JSON]:
        return self.objects["items"]


@dataclass
class _Command:
    type: str
    args: JSON
    uuid: str
    temp_id: str | None = None
    change: int | None = None  # index of the change it belongs to

    def wire(self, ids: Mapping[str, str]) -> JSON:
        args = {k: ids.get(v, v) if k.endswith("id") and isinstance(v, str) else v
                for k, v in self.args.items()}
        out: JSON = {"type": self.type, "uuid": self.uuid, "args": args}
        if self.temp_id:
            out["temp_id"] = self.temp_id
        return out


@dataclass
class _Plan:
    """Commands for one ``apply``, plus what is already known per change."""

    commands: list[_Command] = field(default_factory=list)
    results: dict[int, ChangeResult] = field(default_factory=dict)
    create_temp: dict[int, str] = field(default_factory=dict)  # change → item temp id
    pending: dict[str, str] = field(default_factory=dict)  # container/label/key → temp id


class TodoistTasks(TaskBackend):
    """TaskBackend for Todoist. The token is never logged, shown or put in errors."""

    name = "todoist"

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL,
                 layout: Layout = "sections", root_project: str = "Goals",
                 max_wait: float = 60, *, plan_id: str | None = None,
                 completed_lookback_days: int = 178, retry_backoff: float = 0.2,
                 as_of: datetime | None = None) -> None:
        if layout not in ("projects", "sections"):
            raise ConfigError(f"todoist layout must be 'projects' or 'sections', not {layout!r}",
                              hint="fix [todoist] layout in the config")
        if not root_project.strip() or len(root_project) > MAX_NAME:
            raise ConfigError(f"[todoist] root_project must be a name of 1 to {MAX_NAME} "
                              "characters (Todoist's limit for project names)",
                              hint="fix [todoist] root_project in the config")
        self._token = token
        self.api_url = api_url
        self.layout = layout
        self.root_project = root_project
        self.plan_id = plan_id
        self.lookback = timedelta(days=max(1, completed_lookback_days))
        # the moment the run plans for (`--now`); completions up to it are read even when
        # it lies ahead of this machine's clock (a server or test with its own clock)
        self.as_of = as_of
        self._counter = RequestCounter()
        self._client = routed_client(api_url, self._counter)
        self._retry = Retrier(max_wait=max_wait, backoff=retry_backoff)
        self._cache: _Cache | None = None
        self._dirty = False
        self._checked_at: float | None = None  # when changes_since left the cache current
        self._extra = ["user", "user_plan_limits"]  # resource types a read asks for too
        self._refused_args: set[str] = set()  # task arguments Todoist refused; see _send
        self._archived_seen: dict[str, JSON] = {}  # archived projects an incremental read showed
        self._encoding = "form"  # of POST /sync bodies; see _sync_post
        self._encoding_known = False

    def __repr__(self) -> str:
        return (f"TodoistTasks(api_url={self.api_url!r}, layout={self.layout!r}, "
                f"root_project={self.root_project!r})")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> TodoistTasks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def requests(self) -> int:
        """HTTP requests attempted so far (retries included)."""
        return self._counter.count

    # ------------------------------------------------------------------ reads
    def list_tasks(self) -> list[RemoteTask]:
        """Every owned task, open and completed; complete or raises AuthError,
        Unreachable, RateLimited or IncompleteListing."""
        just_checked = (self._checked_at is not None
                        and time.monotonic() - self._checked_at < JUST_CHECKED)
        self._checked_at = None
        cache = self._load(fresh=not just_checked)
        tasks = [replace(t, held=True) if _archived_home(cache, item) else t
                 for item in cache.items.values() if self._mine(item)
                 if (t := remote_task(item, cache.zone)) is not None]
        return sorted(tasks, key=lambda t: t.key)

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """One incremental sync read: ``(changed, new_token)``; changed means an owned
        task changed (or ``token`` is None / was not accepted). When the read brought
        the cache up to date, a ``list_tasks`` right after it makes no read of its own.
        Raises AuthError, Unreachable, RateLimited, BackendError."""
        if token is None and self._cache is not None:
            cache = self._load(fresh=True)  # incremental: keeps the cache whole
            self._checked_at = time.monotonic()
            return True, cache.token
        response = self._read(token)
        try:
            return self._take_changes(token, response)
        except (KeyError, TypeError, ValueError) as error:
            self._cache = None
            raise BackendError(f"Todoist sent an unexpected sync answer ({error!r})",
                               hint="rerun; if it persists, please report it") from None

    def _take_changes(self, token: str | None, response: JSON) -> tuple[bool, str]:
        if token is None or response.get("full_sync"):
            self._cache = _Cache.from_full(response)
            self._dirty = False
            self._checked_at = time.monotonic()
            return True, self._cache.token
        cache = self._cache
        changed = any(self._mine(item) or (cache is not None and str(item.get("id"))
                                           in cache.items)
                      or (item.get("is_deleted") and "description" not in item)
                      for item in response.get("items") or ())  # a bare tombstone may be ours
        # a project archived or back from the archive takes tasks out of (into) the sync
        # a project archived, or back from the archive, takes tasks out of (into) the
        # sync; other project edits change no task
        known = cache.objects["projects"] if cache is not None else {}
        for project in response.get("projects") or ():
            if isinstance(project, dict) and project.get("is_archived"):
                self._archived_seen[str(project.get("id"))] = project
        changed = changed or any(
            isinstance(p, dict) and (bool(p.get("is_archived")) or (
                str(p.get("id")) in known
                and bool(known[str(p.get("id"))].get("is_archived")) != bool(
                    p.get("is_archived"))))
            for p in response.get("projects") or ())
        if cache is not None and cache.token == token:
            cache.apply(response)
            self._dirty = False
            self._checked_at = time.monotonic()
        return changed, str(response["sync_token"])

    def _mine(self, item: JSON) -> bool:
        plan = owner_plan(item)
        return plan is not None and (self.plan_id is None or plan == self.plan_id)

    def _load(self, fresh: bool) -> _Cache:
        """The cached account, read or brought up to date; a read that fails part way
        drops the cache and raises (IncompleteListing unless the cause says more)."""
        try:
            return self._ensure_cache(fresh)
        except (AuthError, Unreachable, RateLimited):
            raise  # raised before the cache was touched: it stays valid
        except (BackendError, KeyError, TypeError, ValueError) as error:
            self._cache = None
            raise IncompleteListing(f"reading Todoist tasks failed part way: {error}",
                                    hint="rerun; nothing was concluded from it") from None

    def _ensure_cache(self, fresh: bool) -> _Cache:
        if self._cache is None:
            self._cache = _Cache.from_full(self._read(None))
            self._dirty = False
        elif fresh or self._dirty:
            response = self._read(self._cache.token)
            if response.get("full_sync"):
                limits = self._cache.limits
                self._cache = _Cache.from_full(response)
                if "user_plan_limits" not in response:
                    self._cache.limits = limits
            else:
                self._cache.apply(response)
            self._dirty = False
        if not self._cache.completed_loaded:
            self._cache.add_completed(self._read_completed())
        return self._cache

    def _read(self, token: str | None) -> JSON:
        """One sync read. The user resource is asked for its tz_info, and a full read
        for ``user_plan_limits`` too (the plan's caps, see todoist_limits); a server
        that refuses them (400) is asked without them from then on (floating times read
        as UTC, the free plan's caps assumed)."""
        extra = [t for t in self._extra if token is None or t != "user_plan_limits"]
        try:
            return self._sync_post({"sync_token": token or "*",
                                    "resource_types": [*RESOURCES, *extra]},
                                   "reading changes")
        except Refused as error:
            if not extra or error.status != 400:
                raise
        self._extra.remove(extra[-1])  # the limits first, then the user
        return self._read(token)

    def _read_completed(self) -> list[JSON]:
        """Tasks completed within the lookback, in windows of ≤ 89 days (the API allows
        "up to 3 months"; ``since`` inclusive, ``until`` exclusive, so windows meet
        without overlap) and pages of 200. Read as plain JSON rather than SDK models:
        the items are task objects like the sync ones, and one field the SDK model
        insists on but goalsync does not need must not fail the whole listing."""
        until, start = self._lookback()
        return [item for page in self._completed_pages(start, until) for item in page]

    def _lookback(self) -> tuple[datetime, datetime]:
        """``(until, start)`` of the completed tasks a listing reads."""
        clock = datetime.now(UTC)
        moments = (clock, self.as_of) if self.as_of is not None else (clock,)
        until = max(moments).replace(microsecond=0) + timedelta(minutes=1)
        start = min(moments).replace(microsecond=0) + timedelta(minutes=1) - self.lookback
        return until, start

    def _completed_pages(self, start: datetime, until: datetime) -> Iterator[list[JSON]]:
        """Pages of tasks completed in [start, until), newest window first."""
        while until > start:
            since = max(start, until - COMPLETED_WINDOW)
            params = {"since": _stamp(since), "until": _stamp(until)}
            for found in self._cursor_pages(COMPLETED_URL, params, "items",
                                            "completed tasks"):
                if not all(isinstance(i, dict) and "id" in i for i in found):
                    raise BackendError("Todoist sent an unexpected list of completed tasks")
                # the endpoint lists completed tasks only (its sample shows checked false)
                yield [{**item, "checked": True} for item in found]
            until = since

    def _cursor_pages(self, url: str, params: Mapping[str, Any], field_name: str,
                      what: str, max_pages: int | None = None) -> Iterator[list[Any]]:
        """The ``field_name`` list of each page of a paginated GET (``limit`` 200,
        following ``next_cursor``), at most ``max_pages`` pages. Raises BackendError
        when a page has no such list."""
        query: dict[str, Any] = {**params, "limit": PAGE_LIMIT}
        pages = 0
        while max_pages is None or pages < max_pages:
            page = self._retry.call(lambda q=query: self._get_json(  # type: ignore[misc]
                url, q), f"reading {what}")
            found = page.get(field_name)
            if not isinstance(found, list):
                raise BackendError(f"Todoist sent an unexpected list of {what}")
            yield found
            pages += 1
            if not page.get("next_cursor"):
                return
            query = {**query, "cursor": page["next_cursor"]}

    # ------------------------------------------------------------------ missing tasks
    def explain_missing(self, missing: Sequence[tuple[str, str | None]]) -> Missing:
        """Owned tasks synced before and absent from the listing. First the archived
        projects (``GET /projects/archived``, one request): goalsync's root archived
        holds everything, a goal's project archived holds that goal's tasks; nothing in
        them is recreated. Then the completed tasks older than the listing's lookback
        (back to ``MISSING_LOOKBACK``, stopping once all are found): a completion found
        is progress, not a deletion. What is left the user deleted."""
        if not missing:
            return Missing()
        held, held_all = self._archived_holding(missing)
        wanted = {remote_id for remote_id, _ in missing if remote_id not in held}
        completed: list[RemoteTask] = []
        cache = self._load(fresh=False)
        for remote_id in list(wanted):  # a tombstone of a completion kept in the cache
            item = cache.items.get(remote_id)
            if item is not None and item.get("checked"):
                wanted.discard(remote_id)
        if wanted:
            until, start = self._lookback()
            for page in self._completed_pages(until - MISSING_LOOKBACK, start):
                for item in page:
                    if str(item.get("id")) in wanted and self._mine(item):
                        task = remote_task(item, cache.zone)
                        if task is not None:
                            completed.append(task)
                            wanted.discard(str(item["id"]))
                if not wanted:
                    break
        return Missing(tuple(completed), held, held_all)

    def _archived_holding(self, missing: Sequence[tuple[str, str | None]]
                          ) -> tuple[dict[str, str], bool]:
        archived = self._archived_projects()
        cache = self._load(fresh=False)
        active_roots = {str(p["id"]) for p in cache.objects["projects"].values()
                        if p.get("name") == self.root_project and not p.get("parent_id")
                        and _adoptable(p)}
        roots = [p for p in archived if p.get("name") == self.root_project
                 and not p.get("parent_id") and _adoptable({**p, "is_archived": False})]
        if roots and not active_roots:  # else an old archived namesake, not goalsync's
            name = str(roots[0].get("name"))
            return {remote_id: name for remote_id, _ in missing}, True
        goal_projects = {str(p.get("name")) for p in archived
                         if str(p.get("parent_id") or "") in active_roots}
        return {remote_id: shorten(goal, MAX_NAME) for remote_id, goal in missing
                if goal and shorten(goal, MAX_NAME) in goal_projects}, False

    def _archived_projects(self) -> list[JSON]:
        """Every archived project; none from a server without the endpoint (a refusal:
        then what is missing is read as before, deleted or completed)."""
        projects: list[JSON] = []
        try:  # 50 pages: 10,000 archived projects, more is not an account
            for found in self._cursor_pages(ARCHIVED_URL, {}, "results",
                                            "archived projects", max_pages=50):
                projects.extend(p for p in found if isinstance(p, dict))
        except Refused:  # no such endpoint: what incremental reads showed archived
            return list(self._archived_seen.values())
        return projects

    def _get_json(self, url: str, params: Mapping[str, Any]) -> JSON:
        response = self._client.get(url, params=dict(params),
                                    headers={"Authorization": f"Bearer {self._token}"})
        response.raise_for_status()
        return _json_object(response, "reading completed tasks")

    def _sync_post(self, data: JSON, what: str) -> JSON:
        """``POST /api/v1/sync``, form-encoded as documented; a server that answers
        400/415 to the first body gets it once as JSON (nothing ran on a 400), and the
        encoding that worked is kept."""
        auth = {"Authorization": f"Bearer {self._token}"}

        def send(encoding: str) -> httpx.Response:
            if encoding == "json":
                return self._client.post(SYNC_URL, json=data, headers=auth)
            form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
            return self._client.post(SYNC_URL, data=form, headers=auth)

        def post() -> JSON:
            response = send(self._encoding)
            if response.status_code in (400, 415) and not self._encoding_known:
                other = "json" if self._encoding == "form" else "form"
                retried = send(other)
                if retried.is_success:
                    self._encoding, response = other, retried
            response.raise_for_status()
            self._encoding_known = True
            return _json_object(response, what)

        return self._retry.call(post, what)

    # ------------------------------------------------------------------ writes
    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        """Apply changes through sync batches; one result per change, in order.
        Raises AuthError / Unreachable / RateLimited only when nothing was sent."""
        if not changes:
            return []
        cache = self._load(fresh=False)
        plan = _Planner(self, cache).plan(changes)
        statuses, ids = self._send(plan, changes)
        return self._results(plan, changes, statuses, ids)

    def _send(self, plan: _Plan, changes: Sequence[TaskChange]
              ) -> tuple[dict[str, Any], dict[str, str]]:
        """Send the commands level by level: a command that names an object another
        command makes (a ``temp_id``) goes in a later request than its maker, and is not
        sent at all when the maker was refused (its change gets the maker's reason, not
        Todoist's INVALID_TEMPID). Containers cost one request more on a first sync."""
        statuses: dict[str, Any] = {}
        ids: dict[str, str] = {}
        makers = {c.temp_id: c for c in plan.commands if c.temp_id}
        levels = _levels(plan.commands, makers)
        sent = False
        for level_index, level in enumerate(levels):
            ready = [c for c in level if not self._blocked(c, makers, statuses)]
            _drop_refused_labels(ready, plan.commands, statuses)
            batches = _batches(ready)
            for number, batch in enumerate(batches):
                wire = [command.wire(ids) for command in batch]
                try:
                    response = self._sync_post({"commands": wire},
                                               f"sending {len(wire)} changes")
                except BackendError as error:
                    fatal = isinstance(error, _FATAL)
                    if fatal and not sent:
                        raise  # nothing was sent (or nothing is known to have been)
                    retryable = fatal and not isinstance(error, AuthError)
                    for command in (plan.commands if fatal else batch):
                        statuses.setdefault(command.uuid, _failure(str(error), retryable))
                    if fatal:
                        return statuses, ids
                    continue
                finally:
                    self._dirty, self._checked_at = True, None
                sent = True
                activity.tick(len(batch))
                _take_answer(response, statuses, ids)
                self._resend_without_paid_args(batch, statuses, ids)
                unmapped = [c for c in batch if c.temp_id and c.temp_id not in ids
                            and statuses.get(c.uuid) == "ok"]
                later = number + 1 < len(batches) or level_index + 1 < len(levels)
                if unmapped and later:
                    self._recover_ids(unmapped, ids)
        return statuses, ids

    def _resend_without_paid_args(self, batch: Sequence[_Command], statuses: dict[str, Any],
                                  ids: dict[str, str]) -> None:
        """Tasks refused for an argument the account's plan does not have (a free
        account refuses ``deadline`` and ``duration``, "Invalid argument value") are
        sent again at once without it, and the argument is left off from then on (the
        description still says the milestone's date)."""
        for _ in range(len(_ARG_FIELDS)):
            again = [c for c in batch if c.type in ("item_add", "item_update")
                     and (arg := _refused_arg(statuses.get(c.uuid))) in _ARG_FIELDS
                     and arg in c.args]
            if not again:
                return
            for command in again:
                self._refused_args.add(str(_refused_arg(statuses[command.uuid])))
                command.args = {k: v for k, v in command.args.items()
                                if k not in self._refused_args}
                command.uuid = temp_id("without", command.uuid, *sorted(self._refused_args))
            try:
                response = self._sync_post({"commands": [c.wire(ids) for c in again]},
                                           f"sending {len(again)} changes again")
            except BackendError as error:
                for command in again:
                    statuses[command.uuid] = _failure(str(error), True)
                return
            _take_answer(response, statuses, ids)
            batch = again

    def _blocked(self, command: _Command, makers: Mapping[str, _Command],
                 statuses: dict[str, Any]) -> bool:
        """Whether a command needs an object whose maker was refused; if so its status
        says why (attributed to the maker's reason) and it is not sent."""
        for name, value in command.args.items():
            maker = makers.get(value) if name.endswith("id") and isinstance(
                value, str) else None
            if maker is None or maker is command:
                continue
            status = statuses.get(maker.uuid)
            if status is None or status == "ok":
                continue
            reason, retryable = _status_text(maker, status, self._limits())
            what = {"project_add": "its project", "section_add": "its section",
                    "item_add": "its parent task"}.get(maker.type, "an object it needs")
            statuses[command.uuid] = _failure(f"not sent, because {what} could not be "
                                              f"made: {reason}", retryable)
            return True
        return False

    def dropped_args(self) -> frozenset[str]:
        """Task arguments not sent: the paid features the account's plan lacks
        (``deadline``, ``duration`` on the free plan), as its limits say or as Todoist
        refused them in this run."""
        limits = self._limits()
        said = {arg for arg, ok in (("deadline", limits.deadlines),
                                    ("duration", limits.durations)) if not ok}
        return frozenset(said | self._refused_args)

    def unsupported_fields(self) -> frozenset[str]:
        return frozenset(_ARG_FIELDS[arg] for arg in self.dropped_args())

    def _limits(self) -> Limits:
        return self._cache.limits if self._cache is not None else Limits()

    def room(self, changes: Sequence[TaskChange]) -> str | None:
        """Why these changes cannot all be made within the account's plan caps, or None
        (see todoist_limits.room_for); no request beyond the listing already made."""
        if not changes:
            return None
        cache = self._load(fresh=False)
        plan = _Planner(self, cache).plan(changes)
        return room_for(cache.objects, (Planned(c.type, c.args, c.temp_id)
                                        for c in plan.commands), cache.limits, self.layout)

    def _recover_ids(self, commands: Sequence[_Command], ids: dict[str, str]) -> None:
        """API v1 resolves a ``temp_id`` only inside its own request, and a replayed
        command (same uuid, not run again) may come back "ok" without its mapping: find
        what it made with one incremental read, so later batches name the real ids."""
        try:
            cache = self._load(fresh=True)
        except BackendError:
            return  # the commands that needed them fail and are reported per change
        owned = _owned_index(cache)
        for command in commands:
            found = _created_by(cache, owned, command.type, command.wire(ids)["args"])
            if found is not None and command.temp_id:
                ids[command.temp_id] = found

    def _results(self, plan: _Plan, changes: Sequence[TaskChange],
                 statuses: Mapping[str, Any], ids: Mapping[str, str]) -> list[ChangeResult]:
        by_change: dict[int, list[_Command]] = {}
        for command in plan.commands:
            if command.change is not None:
                by_change.setdefault(command.change, []).append(command)
        results: list[ChangeResult] = []
        unresolved: list[int] = []
        for index, change in enumerate(changes):
            if index in plan.results:
                results.append(plan.results[index])
                continue
            error = _first_error(by_change.get(index, []), statuses, self._limits())
            key, remote_id = change_identity(change)
            if index in plan.create_temp:
                remote_id = ids.get(plan.create_temp[index])
                if error is None and remote_id is None:
                    unresolved.append(index)
            results.append(ChangeResult(key, remote_id) if error is None else ChangeResult(
                key, remote_id, error=error[0], retryable=error[1]))
        if unresolved:
            self._resolve_created(results, unresolved, changes)
        return results

    def _resolve_created(self, results: list[ChangeResult], unresolved: list[int],
                         changes: Sequence[TaskChange]) -> None:
        """A replayed create may come back without its temp id mapping: find it."""
        try:
            index = _owned_index(self._load(fresh=True))
        except BackendError as error:
            index, reason = {}, str(error)
        else:
            reason = "Todoist accepted it but the new task was not found"
        for i in unresolved:
            spec = changes[i].spec  # type: ignore[union-attr]
            found = index.get((spec.plan_id, spec.key))
            results[i] = ChangeResult(spec.key, found) if found else ChangeResult(
                spec.key, None, error=reason, retryable=True)

    # ------------------------------------------------------------------ config
    @classmethod
    def from_settings(cls, settings: Mapping[str, Any], token: str) -> TodoistTasks:
        return from_settings(settings, token)


def from_settings(settings: Mapping[str, Any], token: str) -> TodoistTasks:
    """A TodoistTasks from the ``[todoist]`` config table (api_url, layout,
    root_project; optional max_wait, completed_lookback_days, plan_id, and as_of: the
    aware moment the run plans for)."""
    return TodoistTasks(
        token,
        api_url=str(settings.get("api_url") or DEFAULT_API_URL),
        layout=settings.get("layout") or "sections",
        root_project=str(settings.get("root_project") or "Goals"),
        max_wait=float(settings.get("max_wait", 60)),
        plan_id=settings.get("plan_id"),
        completed_lookback_days=int(settings.get("completed_lookback_days", 178)),
        as_of=settings.get("as_of"),
    )


# ---------------------------------------------------------------------- planning


class _Planner:
    """Turns changes into sync commands against the cached account state."""

    def __init__(self, backend: TodoistTasks, cache: _Cache) -> None:
        self.backend = backend
        self.cache = cache
        self.owned = _owned_index(cache)
        self.out = _Plan()

    def plan(self, changes: Sequence[TaskChange]) -> _Plan:
        for index in self._children_deleted_first(changes, _parents_first(changes)):
            change = changes[index]
            try:
                if isinstance(change, CreateTask):
                    self._create(index, change.spec)
                elif isinstance(change, UpdateTask):
                    self._update(index, change)
                else:
                    self._delete(index, change)
            except MappingError as error:
                self.out.results[index] = ChangeResult(
                    change_identity(change)[0], change_identity(change)[1], error=str(error),
                    retryable=False)
        return self.out

    def _children_deleted_first(self, changes: Sequence[TaskChange],
                                order: list[int]) -> list[int]:
        """``order`` with its deletes re-sorted deepest first: ``item_delete`` removes a
        task with its subtasks (API v1 "Delete tasks"), so a child deleted after its
        parent would fail as not found."""
        deletes = [i for i in order if isinstance(changes[i], DeleteTask)]
        if len(deletes) < 2:
            return order
        deepest = iter(sorted(deletes, key=lambda i: -self._depth(
            changes[i].remote_id)))  # type: ignore[union-attr]
        return [next(deepest) if isinstance(changes[i], DeleteTask) else i for i in order]

    def _depth(self, item_id: str) -> int:
        depth, seen = 0, {item_id}
        parent = self.cache.items.get(item_id, {}).get("parent_id")
        while parent and str(parent) not in seen and depth < 50:
            seen.add(str(parent))
            depth += 1
            parent = self.cache.items.get(str(parent), {}).get("parent_id")
        return depth

    # -- tasks
    def _create(self, index: int, spec: TaskSpec) -> None:
        adopted = self.owned.get((spec.plan_id, spec.key))
        if adopted is not None:
            self.out.results[index] = ChangeResult(spec.key, adopted)
            return
        item_temp = temp_id("item", spec.plan_id, spec.key)
        self.out.create_temp[index] = item_temp
        if self.out.pending.get(f"item:{spec.plan_id}:{spec.key}"):
            return  # the same key twice in one apply: both get the one new task
        dropped = self.backend.dropped_args()
        args = {k: v for k, v in field_args(spec).items()
                if v is not None and k not in dropped}
        args.update(self._placement(spec))
        self._labels(spec)
        self.out.pending[f"item:{spec.plan_id}:{spec.key}"] = item_temp
        # salted with the sync token the plan was made from: the server never runs a
        # uuid twice, so a step deleted and later created again needs a new one; a
        # resend of this very batch keeps its uuids, and a rerun adopts by marker
        self._add("item_add", args, spec.plan_id, spec.key, index, item_temp,
                  salt=self.cache.token)

    def _update(self, index: int, change: UpdateTask) -> None:
        spec = change.spec
        salt = str(self.cache.items.get(change.remote_id, {}).get("updated_at", ""))
        dropped = self.backend.dropped_args()
        args = {k: v for k, v in field_args(spec, change.fields).items() if k not in dropped}
        if args:
            if "labels" in args:
                self._labels(spec)
            self._add("item_update", {"id": change.remote_id, **args}, spec.plan_id,
                      spec.key, index, salt=salt)
        if change.fields & _MOVE_FIELDS:
            self._add("item_move", {"id": change.remote_id, **self._destination(spec)},
                      spec.plan_id, spec.key, index, salt=salt)
        if not args and not change.fields & _MOVE_FIELDS:
            self.out.results[index] = ChangeResult(spec.key, change.remote_id)

    def _delete(self, index: int, change: DeleteTask) -> None:
        item = self.cache.items.get(change.remote_id, {})
        plan = owner_plan(item) or self.backend.plan_id or ""
        self._add("item_delete", {"id": change.remote_id}, plan, change.key, index,
                  salt=str(item.get("updated_at", "")))

    # -- containers
    def _placement(self, spec: TaskSpec, moving: bool = False) -> JSON:
        """Where a new task goes: its project always, its section and parent if any
        (the parent's place wins on the server if they differ). A new task joins the
        tasks of its goal and milestone where they are; a move (``moving``) goes to the
        containers named by the spec."""
        project, section = self._container(spec, follow=not moving)
        args: JSON = {"project_id": project}
        if section:
            args["section_id"] = section
        parent = self._parent(spec)
        if parent is not None:
            args["parent_id"] = parent
        return args

    def _destination(self, spec: TaskSpec) -> JSON:
        """``item_move`` takes exactly one of parent, section, project."""
        place = self._placement(spec, moving=True)
        for name in ("parent_id", "section_id", "project_id"):
            if name in place:
                return {name: place[name]}
        raise AssertionError("a placement always names a project")

    def _parent(self, spec: TaskSpec) -> str | None:
        if not spec.parent_key:
            return None
        return self.owned.get((spec.plan_id, spec.parent_key)) or self.out.pending.get(
            f"item:{spec.plan_id}:{spec.parent_key}")

    def _container(self, spec: TaskSpec, follow: bool = True) -> tuple[str, str | None]:
        """Where a task lives: goal projects are children of the root project
        (``projects`` layout) or sections of it (``sections`` layout). With ``follow``,
        the containers already holding the goal's (milestone's) tasks come first."""
        root = self._project(self.backend.root_project, spec.plan_id, None)
        if not spec.goal_title:
            return root, None
        plan, goal = spec.plan_id, spec.goal_id
        if self.backend.layout == "sections":
            home = self._home_section(plan, goal, root) if follow else None
            return root, home or self._section(spec.goal_title, root, plan)
        home = self._home_project(plan, goal, root) if follow else None
        project = home or self._project(spec.goal_title, plan, root)
        if spec.milestone_title:
            milestone = f"{goal}/{spec.milestone_id or ''}"
            home = self._home_section(plan, milestone, project) if follow else None
            return project, home or self._section(spec.milestone_title, project, plan)
        return project, None

    def _homes(self, plan_id: str, prefix: str, field_name: str) -> list[str]:
        """Where the owned tasks under plan key ``prefix`` live now (``project_id`` or
        ``section_id``), the most common first. A goal or milestone renamed in the plan
        keeps its project or section this way: finding containers by the new name
        alone made a second, empty project (the new task went under its parent)."""
        places: Counter[str] = Counter()
        for (plan, key), item_id in self.owned.items():
            if plan == plan_id and (key == prefix or key.startswith(prefix + "/")):
                place = self.cache.items.get(item_id, {}).get(field_name)
                if place:
                    places[str(place)] += 1
        return [place for place, _ in places.most_common()]

    def _home_project(self, plan_id: str, goal: str, root: str) -> str | None:
        projects = self.cache.objects["projects"]
        for place in self._homes(plan_id, goal, "project_id"):
            project = projects.get(place)
            if project is not None and place != root and _adoptable(project):
                return place
        return None

    def _home_section(self, plan_id: str, prefix: str, project: str) -> str | None:
        sections = self.cache.objects["sections"]
        for place in self._homes(plan_id, prefix, "section_id"):
            section = sections.get(place)
            if (section is not None and str(section.get("project_id")) == project
                    and not section.get("is_archived")):
                return place
        return None

    def _project(self, name: str, plan_id: str, parent: str | None) -> str:
        name = shorten(name, MAX_NAME)
        for project in self.cache.objects["projects"].values():
            if (project.get("name") == name and (project.get("parent_id") or None) == parent
                    and _adoptable(project)):
                return str(project["id"])
        args = {"name": name} if parent is None else {"name": name, "parent_id": parent}
        return self._pending("project_add", args, f"project:{parent}:{name}", plan_id)

    def _section(self, name: str, project: str, plan_id: str) -> str:
        name = shorten(name, MAX_NAME)
        for section in self.cache.objects["sections"].values():
            if (section.get("name") == name and str(section.get("project_id")) == project
                    and not section.get("is_archived")):
                return str(section["id"])
        return self._pending("section_add", {"name": name, "project_id": project},
                             f"section:{project}:{name}", plan_id)

    def _labels(self, spec: TaskSpec) -> None:
        known = {str(lab.get("name")) for lab in self.cache.objects["labels"].values()}
        for name in labels_for(spec):
            if name not in known:
                self._pending("label_add", {"name": name}, f"label:{name}", spec.plan_id)

    def _pending(self, kind: str, args: JSON, ident: str, plan_id: str) -> str:
        if ident not in self.out.pending:
            self.out.pending[ident] = temp_id(ident)
            # salted with the sync token: a container the user deleted is made again
            self._add(kind, args, plan_id, ident, None, self.out.pending[ident],
                      salt=self.cache.token)
        return self.out.pending[ident]

    def _add(self, kind: str, args: JSON, plan_id: str, key: str, change: int | None,
             temp: str | None = None, salt: str = "") -> None:
        uuid = command_uuid(plan_id, kind, key, args, salt)
        self.out.commands.append(_Command(kind, args, uuid, temp, change))


def _take_answer(response: JSON, statuses: dict[str, Any], ids: dict[str, str]) -> None:
    """A sync answer's command statuses and temp id mapping, added to the run's."""
    statuses.update(response.get("sync_status") or {})
    ids.update({str(k): str(v) for k, v in (response.get("temp_id_mapping") or {}).items()})


def _levels(commands: Sequence[_Command], makers: Mapping[str, _Command]
            ) -> list[list[_Command]]:
    """Commands grouped by how many makers (of the temp ids they name) come before
    them, in order; deletions first within a level (they free room under the caps)."""
    level_of: dict[int, int] = {}
    for command in commands:
        deps = [level_of.get(id(maker), 0) for name, value in command.args.items()
                if name.endswith("id") and isinstance(value, str)
                and (maker := makers.get(value)) is not None and maker is not command]
        level_of[id(command)] = 1 + max(deps) if deps else 0
    levels: list[list[_Command]] = [[] for _ in range(max(level_of.values(), default=-1) + 1)]
    for command in commands:
        levels[level_of[id(command)]].append(command)
    return [sorted(level, key=lambda c: c.type != "item_delete") for level in levels]


def _drop_refused_labels(ready: Sequence[_Command], commands: Sequence[_Command],
                         statuses: Mapping[str, Any]) -> None:
    """A label Todoist refused to make (e.g. the account's label cap) is left off the
    tasks about to be sent: the task matters more than its tag."""
    refused = {str(c.args.get("name")) for c in commands if c.type == "label_add"
               and statuses.get(c.uuid) not in (None, "ok")}
    if not refused:
        return
    for command in ready:
        labels = command.args.get("labels")
        if isinstance(labels, list) and refused & set(labels):
            command.args = {**command.args, "labels": [n for n in labels if n not in refused]}


def _batches(commands: Sequence[_Command]) -> list[list[_Command]]:
    """Commands in order, cut into requests of at most 100 commands and ~900 kB of
    form-encoded body (long descriptions could pass 1 MiB well before 100)."""
    batches: list[list[_Command]] = []
    size = 0
    for command in commands:
        # measured percent-encoded (a form body); the real ids wired in later are
        # shorter than the temp ids measured here
        cost = len(quote(json.dumps(command.wire({})), safe="")) + 3
        if not batches or len(batches[-1]) >= BATCH_SIZE or size + cost > MAX_BODY:
            batches.append([])
            size = 0
        batches[-1].append(command)
        size += cost
    return batches


def _parents_first(changes: Sequence[TaskChange]) -> list[int]:
    """Change indices with every created parent before its created children."""
    creates = {c.spec.key: i for i, c in enumerate(changes) if isinstance(c, CreateTask)}
    order: list[int] = []
    seen: set[int] = set()

    def visit(index: int, depth: int = 0) -> None:
        if index in seen:
            return
        seen.add(index)
        change = changes[index]
        if isinstance(change, CreateTask) and change.spec.parent_key in creates and depth < 50:
            visit(creates[change.spec.parent_key], depth + 1)
        order.append(index)

    for index in range(len(changes)):
        visit(index)
    return order


def _owned_index(cache: _Cache) -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for item in cache.items.values():
        owned = parse_marker(item.get("description"))
        if owned is not None:
            index.setdefault((owned[0], owned[2]), str(item["id"]))
    return index


def _created_by(cache: _Cache, owned: Mapping[tuple[str, str], str], kind: str,
                args: JSON) -> str | None:
    """The id of the object an ``*_add`` command with ``args`` made, if it is there."""
    if kind == "item_add":
        marked = parse_marker(args.get("description"))
        return owned.get((marked[0], marked[2])) if marked else None
    wanted = {"project_add": ("projects", ("name", "parent_id")),
              "section_add": ("sections", ("name", "project_id")),
              "label_add": ("labels", ("name",))}.get(kind)
    if wanted is None:
        return None
    resource, keys = wanted
    for obj in cache.objects[resource].values():
        if resource == "projects" and not _adoptable(obj):
            continue
        if not obj.get("is_archived") and all(
                (obj.get(k) or None) == (args.get(k) or None) for k in keys):
            return str(obj["id"])
    return None


def _archived_home(cache: _Cache, item: Mapping[str, Any]) -> bool:
    """Whether a listed task sits in an archived project or section (a server that
    keeps archived projects in the sync, flagged): it is held, like one that left."""
    project = cache.objects["projects"].get(str(item.get("project_id")))
    section = cache.objects["sections"].get(str(item.get("section_id")))
    return bool((project and project.get("is_archived"))
                or (section and section.get("is_archived")))


_ARG_FIELDS = {"deadline": "deadline", "duration": "duration_minutes"}  # paid features


def _refused_arg(status: Any) -> str | None:
    """The argument an "Invalid argument value" refusal names (``error_extra``)."""
    if not isinstance(status, dict) or status.get("error_tag") != "INVALID_ARGUMENT_VALUE":
        return None
    extra = status.get("error_extra")
    argument = extra.get("argument") if isinstance(extra, dict) else None
    return argument if isinstance(argument, str) else None


def _adoptable(project: Mapping[str, Any]) -> bool:
    """Whether goalsync may put its tasks in this project: the user's own and active.
    Never the Inbox, an archived project, a shared one or a team workspace's, even
    when it is named like goalsync's root (someone else's tasks live there)."""
    return not (project.get("inbox_project") or project.get("is_archived")
                or project.get("shared") or project.get("is_shared")
                or project.get("workspace_id"))


def _failure(message: str, retryable: bool) -> JSON:
    """A status for a command that never got an answer (``local``: Todoist said nothing)."""
    return {"error": message, "http_code": 503 if retryable else 400, "local": True}


def _first_error(commands: Sequence[_Command], statuses: Mapping[str, Any],
                 limits: Limits) -> tuple[str, bool] | None:
    for command in commands:
        status = statuses.get(command.uuid)
        if status == "ok":
            continue
        if status is None:
            return "Todoist returned no status for this change", True
        if _item_missing(command, status):
            return NOT_FOUND, False  # the engine forgets a task the user deleted
        return _status_text(command, status, limits)
    return None


def _status_text(command: _Command, status: Any, limits: Limits) -> tuple[str, bool]:
    """A refused command's reason for a person, and whether a rerun may succeed. A plan
    cap (``*_LIMIT_REACHED``, HTTP 403) is permanent until the person acts."""
    if not isinstance(status, dict):
        return f"Todoist rejected {command.type}: {status}", False
    text = str(status.get("error") or status)
    try:
        code = int(status.get("http_code") or 400)
    except (TypeError, ValueError):
        code = 400
    if status.get("local"):
        return text, code >= 500
    tag = str(status.get("error_tag") or "")
    if tag.endswith("_LIMIT_REACHED"):
        return limit_sentence(tag, limits), False
    detail = f" ({tag})" if tag else ""
    return f"Todoist rejected {command.type}: {text}{detail}", code >= 500 or code == 429


def _item_missing(command: _Command, status: Any) -> bool:
    """The error says the task the command names is gone (API v1 error objects carry
    ``error_tag``/``error_code``/``http_code``; older answers only code 22, "Item not
    found")."""
    if command.type not in _ON_ITEM or not isinstance(status, dict):
        return False
    tag = str(status.get("error_tag") or "")
    if tag:
        return tag in ("ITEM_NOT_FOUND", "TASK_NOT_FOUND")
    text = str(status.get("error") or "").lower()
    return status.get("error_code") == 22 or (
        status.get("http_code") == 404 and ("item" in text or "task" in text))


def _json_object(response: httpx.Response, what: str) -> JSON:
    """The JSON object a 2xx answer carries, else BackendError (e.g. a proxy's page)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise BackendError(f"Todoist sent an answer that is not a JSON object while {what}",
                           hint="check api_url in the config; rerun later")
    return body


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
