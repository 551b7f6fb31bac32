"""TaskBackend over CalDAV: plan objects as VTODOs in one task list.

For Nextcloud Tasks, Apple Reminders, Thunderbird, tasks.org (DAVx⁵) and any other
CalDAV to-do client. The VTODO mapping lives in ``syncer.ical``: SUMMARY, DESCRIPTION
(human text + a goalsync marker line), DUE, PRIORITY (1/5/9/0), RELATED-TO the parent
(milestone or goal) task, CATEGORIES, X-GOALSYNC-*, RRULE for habits.

* ``remote_id`` is the task's UID, deterministic from plan id + key, so a create after a
  crash finds the object it made before: PUT with If-None-Match: * answers 412, the
  adapter reads the object back and adopts it (the result is ok).
* An update reads the current VTODO and rewrites only the fields it was asked to change,
  with If-Match, so what the user set in their app (completion, alarms, notes in other
  properties) survives.
* Completion is read back from STATUS:COMPLETED and COMPLETED.
* "Nothing changed" is one depth-0 PROPFIND of the task list once its URL is known;
  ``resolved_urls()`` / ``known_urls`` carry that URL (and the calendar home) across
  runs, so discovery (three requests) happens once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import CancelledError, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import icalendar

from syncer import activity
from syncer.backends.base import (
    AuthError,
    BackendError,
    ChangeResult,
    CreateTask,
    DeleteTask,
    IncompleteListing,
    NotFound,
    PreconditionFailed,
    RemoteTask,
    TaskBackend,
    TaskChange,
    TaskSpec,
    Unreachable,
    UpdateTask,
    apply_change,
    change_identity,
)
from syncer.backends.caldav_common import (
    DEFAULT_TIMEOUT,
    DavAdapter,
    DavObject,
    WriteRefused,
    merge_delta,
    object_path,
    settings_url,
    settings_value,
)
from syncer.ical import (
    UID_PREFIX,
    find_todo,
    object_ics,
    parse_ics,
    related_key,
    task_from_todo,
    task_uid,
    todo_from_spec,
    todo_ics,
    update_todo,
)

DEFAULT_TASK_LIST = "Goal tasks"  # distinct from the calendar's "Goals" in every app
LEGACY_TASK_LIST = "Goals"  # the default before: a setup bound to it keeps it
UID_GENERATIONS = 3
PREFETCH_CHUNK = 100  # objects per calendar-multiget
LOCKED = 423  # a write the server refused because another one holds its store


class CalDAVTasks(DavAdapter, TaskBackend):
    """Tasks as VTODOs on a CalDAV task list. Connects lazily, on the first call."""

    name = "caldav"
    component = "VTODO"

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        task_list: str = DEFAULT_TASK_LIST,
        timeout: float = DEFAULT_TIMEOUT,
        *,
        allow_insecure_http: bool = False,
        known_urls: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(url, username, password, task_list, timeout=timeout,
                         allow_insecure_http=allow_insecure_http, known_urls=known_urls)
        self.task_list_name = task_list
        self._listed = False  # whether _hrefs holds every task of the list
        self._parents: dict[tuple[str, str], str | None] = {}  # (plan, key) → UID
        self._prefetched: dict[str, DavObject] = {}  # uid → object, read by apply()

    # -- reading

    def list_tasks(self) -> list[RemoteTask]:
        """Every owned task, open and completed: one REPORT. Complete or raises
        IncompleteListing / Unreachable / AuthError / RateLimited."""
        tasks = []
        for obj in self.dav.query(self.target.url, "VTODO"):
            task = self._task_of(obj)
            if task is not None:
                self._hrefs[task.remote_id] = self.dav.object_url(self.target.url, obj.href)
                tasks.append(task)
        self._listed = True
        return sorted(tasks, key=lambda t: t.key)

    def _task_of(self, obj: DavObject) -> RemoteTask | None:
        if UID_PREFIX not in obj.data:  # someone else's to-do: no need to parse it
            return None
        try:
            todo = find_todo(parse_ics(obj.data))
        except ValueError:
            if obj.href.rsplit("/", 1)[-1].startswith("goalsync-"):
                raise IncompleteListing(
                    f"goalsync's task {obj.href} on {self.dav.host} is not valid iCalendar",
                    hint="delete that task in your app; goalsync will create it again",
                ) from None
            return None
        if todo is None:
            return None
        try:
            return task_from_todo(todo, str(todo.get("UID", "")), obj.etag)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise IncompleteListing(
                f"the task {obj.href} on {self.dav.host} has values goalsync cannot read",
                hint="fix or delete that task in your app; goalsync creates it again",
            ) from None

    def get_task(self, remote_id: str) -> RemoteTask:
        """One task by UID (a calendar-multiget). Raises NotFound."""
        _, todo, etag = self._read(remote_id)
        task = task_from_todo(todo, remote_id, etag)
        if task is None:
            raise NotFound(f"the task {remote_id} on {self.dav.host} is not goalsync's")
        return task

    def _read(self, uid: str) -> tuple[icalendar.Calendar, icalendar.Todo, str | None]:
        """The whole calendar object, its master VTODO (a part of it) and its ETag."""
        prefetched = self._prefetched.pop(uid, None)
        objects = [prefetched] if prefetched is not None else \
            self.dav.fetch(self.target.url, [object_path(self._url(uid))])
        if not objects:
            raise NotFound(f"no task {uid} on {self.dav.host}")
        cal = parse_ics(objects[0].data)
        todo = find_todo(cal)
        if todo is None:
            raise NotFound(f"the object for task {uid} on {self.dav.host} holds no VTODO")
        return cal, todo, objects[0].etag

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """``(changed, new_token)`` from the task list's sync-token / ctag: one depth-0
        PROPFIND once its URL is known (discovery first otherwise)."""
        return self._target_changes(token)

    def tasks_since(
        self, token: str | None, listing: Sequence[RemoteTask],
    ) -> tuple[str, list[RemoteTask]] | None:
        """``(token, tasks)`` as the task list holds them now, for a ``listing`` read
        at or after ``token`` (from ``changes_since`` in this run) plus what changed
        since: one sync-collection REPORT instead of a PROPFIND and a full listing.
        None when the server cannot say exactly; then use changes_since + list_tasks."""
        delta = self._locator.delta(token) if token is not None else None
        if delta is None:
            return None
        target_url = self.target.url

        def parse(obj: DavObject) -> list[RemoteTask]:
            task = self._task_of(obj)
            if task is None:
                return []
            self._hrefs[task.remote_id] = self.dav.object_url(target_url, obj.href)
            return [task]

        tasks = merge_delta(listing, delta, lambda t: self._path_of_uid(t.remote_id),
                            lambda t: t.remote_id, parse)
        if tasks is None:
            return None
        for task in tasks:
            self._hrefs.setdefault(task.remote_id, self._url(task.remote_id))
        self._listed = True
        return delta.sync_token, sorted(tasks, key=lambda t: t.key)

    # -- writing

    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        """One result per change, in order. Per-object failures are results; AuthError
        and Unreachable are raised when they happen before anything was sent, and turn
        the remaining changes into retryable failures after that.

        The objects the updates rewrite (and, without a listing this run, the parents
        RELATED-TO may name) are read first in one multiget per 100. The writes then
        go up to ``write_workers`` at a time (see ``DavConnection.write_workers``), in
        waves: a change whose parent is written earlier in the batch waits for it, so
        RELATED-TO and the UIDs are what one-by-one writing would give."""
        if not changes:
            return []
        self._prefetch(changes)
        try:
            workers = self.dav.write_workers
            if workers <= 1 or len(changes) == 1:
                return self._apply_serially(changes)
            return self._apply_concurrently(changes, workers)
        finally:
            self._prefetched.clear()

    def _apply_serially(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        results: list[ChangeResult] = []
        for change in changes:
            try:
                results.append(self._apply_one(change))
                activity.tick()
            except (AuthError, Unreachable) as exc:
                if not results:
                    raise
                results.extend(_failed(c, str(exc)) for c in changes[len(results):])
                break
            except BackendError as exc:
                results.append(_failed(change, str(exc)))
        return results

    def _apply_concurrently(self, changes: Sequence[TaskChange],
                            workers: int) -> list[ChangeResult]:
        results: list[ChangeResult | None] = [None] * len(changes)
        stopped: AuthError | Unreachable | None = None
        with ThreadPoolExecutor(workers, thread_name_prefix="goalsync-dav") as pool:
            for wave in _waves(changes):
                if self.dav.write_workers <= 1:  # the server said: one at a time
                    stopped = self._one_by_one(changes, wave, results)
                    if stopped is not None:
                        break
                    continue
                futures = [(i, pool.submit(self._pooled, changes[i])) for i in wave]
                locked: list[int] = []
                for i, future in futures:
                    try:
                        results[i] = future.result()
                        activity.tick()  # in this thread: the display's context
                    except CancelledError:
                        continue  # never sent: failed below, as retryable
                    except _Deferred:
                        locked.append(i)  # not sent: the server wants one at a time
                    except (AuthError, Unreachable) as exc:
                        stopped = stopped or exc
                        for _, later in futures:
                            later.cancel()
                    except WriteRefused as exc:
                        if exc.status == LOCKED:
                            locked.append(i)
                        results[i] = _failed(changes[i], str(exc))
                    except BackendError as exc:
                        results[i] = _failed(changes[i], str(exc))
                if stopped is not None:
                    break
                if locked:
                    # 423: the server takes one write at a time (Xandikos locks its
                    # store); it did not act on these, nor were the deferred ones
                    # sent. Now one by one, like every later write of this connection.
                    self.dav.write_workers = 1
                    stopped = self._one_by_one(changes, locked, results)
                    if stopped is not None:
                        break
        if stopped is not None:
            if all(result is None for result in results):
                raise stopped  # nothing was written
            return [result if result is not None else _failed(change, str(stopped))
                    for change, result in zip(changes, results, strict=True)]
        return [result for result in results if result is not None]

    def _pooled(self, change: TaskChange) -> ChangeResult:
        """``_apply_one`` in a pool thread: not sent (``_Deferred``) once the server
        has answered 423 Locked to a write beside another, which makes this
        connection write one at a time."""
        if self.dav.write_workers <= 1:
            raise _Deferred
        try:
            return self._apply_one(change)
        except WriteRefused as refused:
            if refused.status == LOCKED:
                self.dav.write_workers = 1
            raise

    def _one_by_one(self, changes: Sequence[TaskChange], indexes: Sequence[int],
                    results: list[ChangeResult | None]) -> AuthError | Unreachable | None:
        """Write ``changes[i]`` for each of ``indexes`` in turn into ``results``; the
        AuthError or Unreachable that stopped it, if one did."""
        for i in indexes:
            try:
                results[i] = self._apply_one(changes[i])
                activity.tick()
            except (AuthError, Unreachable) as exc:
                results[i] = None
                return exc
            except BackendError as exc:
                results[i] = _failed(changes[i], str(exc))
        return None

    def _prefetch(self, changes: Sequence[TaskChange]) -> None:
        """Read, in one multiget per ``PREFETCH_CHUNK`` objects, the objects the updates
        rewrite and the parents ``_parent_uid`` would ask for one by one."""
        wanted: dict[str, str] = {}  # object path -> uid
        parents: set[tuple[str, str]] = set()
        created = {(c.spec.plan_id, c.spec.key) for c in changes if isinstance(c, CreateTask)}
        for change in changes:
            if isinstance(change, UpdateTask):
                wanted[object_path(self._url(change.remote_id))] = change.remote_id
            if isinstance(change, DeleteTask) or self._listed:
                continue
            parent = related_key(change.spec)
            if parent is None or (change.spec.plan_id, parent) in self._parents \
                    or (change.spec.plan_id, parent) in created:
                continue
            parents.add((change.spec.plan_id, parent))
            for generation in range(1, UID_GENERATIONS + 1):
                uid = task_uid(change.spec.plan_id, parent, generation)
                wanted[object_path(self._url(uid))] = uid
        if not wanted or PREFETCH_CHUNK <= 0:  # 0: off (bench/caldav.py's baseline)
            return
        paths = list(wanted)
        found: dict[str, DavObject] = {}
        for at in range(0, len(paths), PREFETCH_CHUNK):
            for obj in self.dav.fetch(self.target.url, paths[at:at + PREFETCH_CHUNK]):
                if obj.href in wanted:
                    found[wanted[obj.href]] = obj
        self._prefetched.update(found)
        for plan_id, parent in parents:
            candidates = [task_uid(plan_id, parent, g) for g in range(1, UID_GENERATIONS + 1)]
            self._parents[(plan_id, parent)] = next(
                (uid for uid in candidates if uid in found), None)

    def _apply_one(self, change: TaskChange) -> ChangeResult:
        return apply_change(change, self._create, self._update, self._delete)

    def _parent_uid(self, spec: TaskSpec, parent: str) -> str | None:
        """The UID the parent's to-do has in this list (any generation), or None when it
        is not there: RELATED-TO never names a to-do that does not exist. Known from the
        listing or this run's creates; without a listing this run (an unchanged list's
        saved snapshot), one multiget per parent asks the server."""
        if (spec.plan_id, parent) in self._parents:
            return self._parents[(spec.plan_id, parent)]
        candidates = [task_uid(spec.plan_id, parent, g) for g in range(1, UID_GENERATIONS + 1)]
        found = next((uid for uid in candidates if uid in self._hrefs), None)
        if found is None and not self._listed:
            for uid in candidates:
                try:
                    self._read(uid)
                except NotFound:
                    continue
                found = uid
                break
        self._parents[(spec.plan_id, parent)] = found
        return found

    def _create(self, spec: TaskSpec) -> ChangeResult:
        """PUT with If-None-Match: *. An existing object with this UID (made before a
        crash) is adopted. A UID the server will not take again (Nextcloud answers 400
        while a deleted object with that UID is in its trash bin) moves on to the next
        generation of the UID, up to UID_GENERATIONS."""
        for generation in range(1, UID_GENERATIONS + 1):
            uid = task_uid(spec.plan_id, spec.key, generation)
            url = self._url(uid)
            try:
                body = todo_ics(todo_from_spec(spec, uid=uid, parent_uid=self._parent_uid))
                etag = self.dav.put(url, body, create=True)
            except PreconditionFailed:
                try:
                    adopted = ChangeResult(spec.key, uid, self.get_task(uid).etag)
                    self._parents[(spec.plan_id, spec.key)] = uid
                    return adopted
                except NotFound:
                    continue  # the UID is taken where goalsync cannot see it
            except WriteRefused as refused:
                if refused.status != 400:
                    raise
                continue
            self._hrefs[uid] = url
            self._parents[(spec.plan_id, spec.key)] = uid
            return ChangeResult(spec.key, uid, etag)
        return ChangeResult(spec.key, None, retryable=False,
                            error=f"the server on {self.dav.host} refused every UID goalsync "
                            f"tried for {spec.key}")

    def _update(self, change: UpdateTask) -> ChangeResult:
        key, uid = change.spec.key, change.remote_id
        try:
            cal, todo, etag = self._read(uid)
        except NotFound:
            return ChangeResult(key, uid, error="not found", retryable=False)
        if change.etag is not None and etag is not None and change.etag != etag:
            return ChangeResult(key, uid, error="changed remotely")
        update_todo(todo, change.spec, change.fields,  # in place: overrides stay
                    parent_uid=self._parent_uid)
        try:
            new_etag = self.dav.put(self._url(uid), object_ics(cal), etag=etag)
        except PreconditionFailed:
            return ChangeResult(key, uid, error="changed remotely")
        except NotFound:
            return ChangeResult(key, uid, error="not found", retryable=False)
        return ChangeResult(key, uid, new_etag)

    def _delete(self, change: DeleteTask) -> ChangeResult:
        try:
            self.dav.delete(self._url(change.remote_id), change.etag)
        except NotFound:
            return ChangeResult(change.key, change.remote_id, error="not found",
                                retryable=False)
        except PreconditionFailed:
            return ChangeResult(change.key, change.remote_id, error="changed remotely")
        self._forget_deleted(change.remote_id)
        self._parents = {k: v for k, v in self._parents.items() if v != change.remote_id}
        return ChangeResult(change.key, change.remote_id)

    # -- what the user does in their app, for tests and demos

    def complete(self, remote_id: str, at: datetime | None = None) -> str:
        """Mark a task done as a to-do app would (STATUS, COMPLETED, PERCENT-COMPLETE);
        returns the new ETag."""
        cal, todo, etag = self._read(remote_id)
        stamp = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
        for name, value in (("STATUS", "COMPLETED"), ("COMPLETED", stamp),
                            ("PERCENT-COMPLETE", 100), ("LAST-MODIFIED", stamp)):
            todo.pop(name, None)
            todo.add(name, value)
        return self.dav.put(self._url(remote_id), object_ics(cal), etag=etag)


class _Deferred(Exception):
    """A pooled write not sent: the connection writes one at a time now."""


def _waves(changes: Sequence[TaskChange]) -> list[list[int]]:
    """The indexes of ``changes`` in waves that may be written at once. Two changes
    that touch one to-do, or a to-do and its parent (``related_key``: the parent's UID
    goes into RELATED-TO), keep their order: the later one comes in a later wave. One
    batch is one plan's, so keys identify to-dos."""
    wave_of: list[int] = []
    by_key: dict[str, int] = {}  # key → the last wave a change of that to-do is in
    by_parent: dict[str, int] = {}  # key → the last wave a change of a child is in
    for change in changes:
        key = change.key if isinstance(change, DeleteTask) else change.spec.key
        parent = None if isinstance(change, DeleteTask) else related_key(change.spec)
        after = [by_key.get(key, -1), by_parent.get(key, -1)]
        if parent is not None:
            after.append(by_key.get(parent, -1))
        wave = max(after) + 1
        wave_of.append(wave)
        by_key[key] = wave
        if parent is not None:
            by_parent[parent] = max(by_parent.get(parent, -1), wave)
    waves: list[list[int]] = [[] for _ in range(max(wave_of, default=-1) + 1)]
    for index, wave in enumerate(wave_of):
        waves[wave].append(index)
    return waves


def _failed(change: TaskChange, message: str) -> ChangeResult:
    return ChangeResult(*change_identity(change), error=message)


def from_settings(settings: Mapping[str, Any], password: str | None) -> CalDAVTasks:
    """Build the adapter from the ``[caldav]`` config section (keys: url, username,
    task_list, allow_insecure_http, timeout). Raises ConfigError."""
    return CalDAVTasks(
        url=settings_url(settings),
        username=settings_value(settings, "username"),
        password=password,
        task_list=str(settings_value(settings, "task_list", DEFAULT_TASK_LIST)),
        timeout=float(settings_value(settings, "timeout", DEFAULT_TIMEOUT)),
        allow_insecure_http=bool(settings_value(settings, "allow_insecure_http", False)),
    )
