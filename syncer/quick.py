"""The quick path of a sync: a run whose servers have not changed needs only their
change tokens, so it is settled without the CalDAV stack (caldav, niquests,
icalendar) and without starting the embedded server.

How it stays exactly the full run: the engine runs the same ``_Run`` (pull → decide
→ report) with *probe* backends. A probe answers ``changes_since`` alone: for a CalDAV
server with one depth-0 PROPFIND of the collection a former run resolved (standard
library HTTP, the same properties and the same token as ``caldav_common``); for the
embedded server by comparing its storage folder on disk with the mark a former full
run recorded. An unchanged token makes the full run reuse the saved snapshot too, so
the decision is the same. Everything else a probe is asked for (a listing, busy time
not in the snapshot, a missing task, any write) raises ``NeedFull``, and the decision
is checked before anything is executed: with a write to make, ``NeedFull`` (a dry run
only reports its writes, so ``goalsync plan`` and ``status`` stay quick). The quick
run's state changes are one transaction, rolled back on ``NeedFull``; the engine then
runs the full path. Any doubt (no saved URL or token, another server answer than a
207 with a token, a proxy in the environment, busy calendars, Todoist) is a
``NeedFull`` too.

The embedded mark (``storage_mark``): every file under the storage folder except
Radicale's caches and lock, with its inode, size, modification and status-change
times. Radicale writes an object by writing a new file and renaming it over the old
one, so any change made through a server (``goalsync serve``, an app) changes the
mark. A full run takes the mark before it reads the server, and again after its own
writes, when it then reads both sides back; it records it only when it read both
sides (``record_mark``): the snapshots it saves are then at least as new as the mark,
so an equal mark later proves they still hold. A read that failed drops it (the next
run reads the server).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from base64 import b64encode
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from syncer.backends.base import CalendarBackend, Missing, TaskBackend
from syncer.errors import GoalsyncError

if TYPE_CHECKING:
    from syncer.backends.base import (
        BlockSpec,
        BusyTime,
        ChangeResult,
        RemoteBlock,
        RemoteTask,
        TaskChange,
    )
    from syncer.backends.registry import Backends
    from syncer.config import Config
    from syncer.core.rules import Rules
    from syncer.state import State

EMBEDDED_MARK_META = "embedded:mark"  # {"storage": path, "mark": digest} (module doc)
MAX_ANSWER = 256 * 1024  # a depth-0 PROPFIND answer is a few hundred bytes
_SKIPPED = (".Radicale.cache", ".Radicale.lock")  # written by reads, or a lock only
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
_URLS_META = "dav_urls:"  # = pull._URLS_META (not imported: pull loads the scheduler)


class NeedFull(Exception):  # noqa: N818 - a signal, not an error: never reaches a person
    """The quick path cannot settle this run; the full path must. ``notes``: what the
    full run must still say (the state file was repaired on opening)."""

    def __init__(self, notes: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.notes = notes


# ------------------------------------------------------------------ embedded mark


def storage_mark(storage: Path) -> str | None:
    """A digest of the embedded server's storage as written (module doc); None when
    the folder cannot be read."""
    entries: list[tuple[str, int, int, int, int, bool]] = []
    try:
        _walk(storage, "", entries)
    except OSError:
        return None
    entries.sort()
    return hashlib.sha256(repr(entries).encode()).hexdigest()


def _walk(folder: Path, prefix: str, entries: list[tuple[str, int, int, int, int, bool]],
          ) -> None:
    with os.scandir(folder) as listing:
        for entry in listing:
            if entry.name.startswith(_SKIPPED):
                continue
            info = entry.stat(follow_symlinks=False)
            is_dir = entry.is_dir(follow_symlinks=False)
            name = prefix + entry.name
            entries.append((name, info.st_ino, 0 if is_dir else info.st_size,
                            0 if is_dir else info.st_mtime_ns,
                            0 if is_dir else info.st_ctime_ns, is_dir))
            if is_dir:
                _walk(Path(entry.path), name + "/", entries)


def mark_value(storage: Path, mark: str) -> str:
    return json.dumps({"storage": str(storage), "mark": mark}, sort_keys=True)


def record_mark(state: State, storage: Path, mark: str | None, *, read_all: bool) -> None:
    """After a full run with the embedded server: keep ``mark`` (taken before the
    snapshots it saves were read) when the run read both sides; else drop the one
    kept, so that the next run reads the server."""
    value = mark_value(storage, mark) if mark is not None and read_all else ""
    if (state.meta(EMBEDDED_MARK_META) or "") != value:
        state.set_meta(EMBEDDED_MARK_META, value)


# ------------------------------------------------------------------ probes


class _Probe:
    """The change token of one side, asked once."""

    name = "caldav"  # the real adapters' name: tokens and links are filed under it

    def __init__(self, check: _Check, component: str) -> None:
        self._check, self.component = check, component
        self._known: dict[str, str] = {}

    def remember_urls(self, known_urls: Mapping[str, str]) -> None:
        self._known = dict(known_urls)
        self._check.prefetch(self.component, self._known.get("target"))

    def _changes_since(self, token: str | None) -> tuple[bool, str | None]:
        if token is None:
            raise NeedFull
        now = self._check.token(self.component, self._known.get("target"), token)
        if now != token:
            raise NeedFull  # changed: the full path lists it
        return False, token

    def close(self) -> None:
        pass  # nothing held: each check's connection is closed after its answer


class ProbeTasks(_Probe, TaskBackend):
    """A task list known by its change token alone (module doc)."""

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        return self._changes_since(token)

    def list_tasks(self) -> list[RemoteTask]:
        raise NeedFull

    def apply(self, changes: Sequence[TaskChange]) -> list[ChangeResult]:
        raise NeedFull

    def explain_missing(self, missing: Sequence[tuple[str, str | None]]) -> Missing:
        raise NeedFull

    def room(self, changes: Sequence[TaskChange]) -> str | None:
        return None  # as the CalDAV adapters: no account limits (a dry run asks)


class ProbeCalendar(_Probe, CalendarBackend):
    """A calendar known by its change token alone (module doc)."""

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        return self._changes_since(token)

    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        raise NeedFull

    def busy(self, start: datetime, end: datetime) -> BusyTime:
        raise NeedFull

    def busy_elsewhere(self, start: datetime, end: datetime) -> BusyTime:
        raise NeedFull

    def create(self, spec: BlockSpec) -> str:
        raise NeedFull

    def update(self, spec: BlockSpec, etag: str | None) -> str:
        raise NeedFull

    def delete(self, uid: str, etag: str | None) -> None:
        raise NeedFull


class _Check:
    """How a probe's token is read."""

    def token(self, component: str, target: str | None, saved: str) -> str:
        """The side's change token now (``saved``: the one the state keeps)."""
        raise NeedFull

    def prefetch(self, component: str, target: str | None) -> None:
        """The side's URL is known: its token may be asked for now, ahead of use."""


class _EmbeddedCheck(_Check):
    """Unchanged when the storage is as the last full run recorded it."""

    def __init__(self, storage: Path, recorded: str | None) -> None:
        self.storage, self.recorded = storage, recorded
        self._same: bool | None = None

    def token(self, component: str, target: str | None, saved: str) -> str:
        if self._same is None:
            mark = storage_mark(self.storage) if self.recorded else None
            self._same = mark is not None and mark_value(self.storage, mark) == self.recorded
        if not self._same:
            raise NeedFull
        return saved  # nothing was written since the saved token was read


class _DavCheck(_Check):
    """One depth-0 PROPFIND of the remembered collection per side (http.client); the
    token is the collection's sync-token, else its ctag, as ``caldav_common.Target.
    fresh`` reads it. Both sides are asked at once, as soon as their URLs are known
    (``prefetch``), each on its own connection, while the run goes on."""

    def __init__(self, url: str, username: str | None, password: str | None,
                 timeout: float) -> None:
        self.url, self.timeout = url, timeout
        self.headers = {"Depth": "0", "Content-Type": "application/xml; charset=utf-8"}
        if username:
            pair = f"{username}:{password or ''}".encode()
            self.headers["Authorization"] = "Basic " + b64encode(pair).decode("ascii")
        # component → (its thread, its answer: a token or the exception, the target)
        self._asked: dict[str, tuple[threading.Thread, list[Any], str | None]] = {}
        self.key = (url, username, password or "", timeout)  # what the answers depend on

    def prefetch(self, component: str, target: str | None) -> None:
        if component in self._asked or not target:
            return
        # what the thread needs is imported here, not while the caller imports too
        import http.client  # noqa: F401
        from xml.etree import ElementTree  # noqa: F401

        import syncer.backends.dav_props  # noqa: F401

        if urlsplit(self.url).scheme == "https":
            import ssl  # noqa: F401
        answer: list[Any] = []

        def ask() -> None:
            try:
                answer.append(self._read(component, target))
            except Exception as error:  # noqa: BLE001 - any doubt: the full path
                answer.append(error)

        thread = threading.Thread(target=ask, name=f"goalsync-check-{component}",
                                  daemon=True)  # an abandoned check never holds the exit
        thread.start()
        self._asked[component] = (thread, answer, target)

    def token(self, component: str, target: str | None, saved: str) -> str:
        if not target:
            raise NeedFull  # never resolved: the full path discovers it
        self.prefetch(component, target)
        thread, answer, asked = self._asked[component]
        thread.join(self.timeout)  # a server that trickles is left to the full path
        if asked != target or not answer or not isinstance(answer[0], str):
            raise NeedFull
        return answer[0]

    def _read(self, component: str, target: str) -> str:
        from xml.etree import ElementTree

        from syncer.backends.dav_props import PROPFIND_COLLECTIONS, collection_in

        url = urljoin(self.url, target)
        parts, base = urlsplit(url), urlsplit(self.url)
        if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
            raise NeedFull  # another server: left to the full path
        body = self._propfind(parts.path or "/", PROPFIND_COLLECTIONS.encode())
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            raise NeedFull
        try:
            tree = ElementTree.fromstring(body)
        except ElementTree.ParseError:
            raise NeedFull from None
        found = collection_in(url, tree)
        if found is None or not found.holds(component) or found.state is None:
            raise NeedFull
        return found.state

    def _propfind(self, path: str, body: bytes) -> bytes:
        import http.client

        base = urlsplit(self.url)
        connection: http.client.HTTPConnection
        if base.scheme == "https":
            import ssl

            connection = http.client.HTTPSConnection(
                base.hostname or "", base.port, timeout=self.timeout,
                context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(base.hostname or "", base.port,
                                                    timeout=self.timeout)
        try:
            connection.request("PROPFIND", path, body, self.headers)
            response = connection.getresponse()
            answer = response.read(MAX_ANSWER + 1)
            if response.status != 207 or len(answer) > MAX_ANSWER:
                raise NeedFull
            return answer
        except (OSError, http.client.HTTPException, ValueError):
            raise NeedFull from None
        finally:
            connection.close()


def start_checks(config: Config, plan_path: str | Path) -> Early | None:
    """``goalsync sync``: ask the CalDAV server for both change tokens now, so that the
    answers arrive while the rest of goalsync is imported; the engine hands the result
    to ``probes``. Only once the plan and the rules are known to be valid (a broken
    plan or rule sends no request), and only for the URLs the state remembers for the
    configured binding. Never raises: anything unusual (None) is left to the run."""
    from syncer.backends.registry import binding, resolved
    from syncer.planfile import load_plan
    from syncer.policy import load_rules
    from syncer.state import STATE_FILE, default_state_dir, peek_meta

    if {config.tasks_backend, config.calendar_backend} - {"none"} != {"caldav"}:
        return None  # nothing to ask ahead: the embedded server's mark is on disk
    try:
        load_plan(plan_path)
        rules = load_rules(config.rules)
        path = default_state_dir(config.state_dir) / STATE_FILE
        saved = peek_meta(path, "binding")
        config = resolved(config, saved)
        if saved is None or saved != binding(config) or {
                config.tasks_backend, config.calendar_backend} - {"none"} != {"caldav"}:
            return None
        check = _dav_check(config)
        for kind, component in (("tasks", "VTODO"), ("calendar", "VEVENT")):
            known = json.loads(peek_meta(path, _URLS_META + kind) or "{}")
            if isinstance(known, dict) and known.get("binding") == saved and isinstance(
                    known.get("urls"), dict):
                target = known["urls"].get("target")
                check.prefetch(component, target if isinstance(target, str) else None)
        return Early(check, rules)
    except (GoalsyncError, NeedFull, ValueError, OSError):
        return None


class Early:
    """Change checks started ahead of a run (``start_checks``), for its ``probes``."""

    def __init__(self, check: _DavCheck, rules: Rules) -> None:
        self.check: _DavCheck | None = check
        self.rules = rules  # the run's rules, loaded (and validated) on the way

    def take(self, key: tuple[str, str | None, str, float]) -> _DavCheck | None:
        """The check when it was asked of the same server with the same credentials;
        once only."""
        check, self.check = self.check, None
        return check if check is not None and check.key == key else None


def probes(config: Config, state: State, state_dir: Path, saved_binding: str | None,
           early: Early | None = None) -> Backends:
    """The probe backends for this config, or NeedFull when the quick path does not
    apply (Todoist, busy calendars, a proxy, a URL or credential the full path must
    judge). ``early``: checks ``start_checks`` began for this run."""
    from syncer.backends.registry import Backends, binding, resolved

    config = resolved(config, saved_binding)
    kinds = {config.tasks_backend, config.calendar_backend} - {"none"}
    if config.tasks_backend == "none" or not kinds <= {"caldav", "embedded"} or len(kinds) != 1:
        raise NeedFull
    if kinds == {"embedded"}:
        storage = state_dir / "radicale"
        check: _Check = _EmbeddedCheck(storage, state.meta(EMBEDDED_MARK_META))
    else:
        check = _dav_check(config)
        check = (early.take(check.key) if early is not None else None) or check
    tasks = ProbeTasks(check, "VTODO")
    calendar = ProbeCalendar(check, "VEVENT") if config.calendar_backend != "none" else None
    return Backends(tasks, calendar, binding(config))


def _dav_check(config: Config) -> _DavCheck:
    from syncer.backends.urls import sends_in_clear
    from syncer.credentials import get_secret

    caldav = config.section("caldav")
    url = str(caldav.get("url") or "")
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if (parts.scheme not in ("http", "https") or not parts.hostname or not port_ok
            or "@" in parts.netloc or parts.query or parts.fragment):
        raise NeedFull
    if sends_in_clear(url) and not caldav.get("allow_insecure_http"):
        raise NeedFull  # the full path refuses it with a sentence
    if caldav.get("busy_calendars"):
        raise NeedFull
    environment = {name.lower() for name in os.environ}
    if environment & set(_PROXY_VARIABLES):
        raise NeedFull  # the full path's HTTP client honours proxies; this one does not
    try:
        password = get_secret("caldav", "GOALSYNC_CALDAV_PASSWORD", "goalsync auth caldav")
    except GoalsyncError:
        raise NeedFull from None
    timeout = caldav.get("timeout") or 30
    return _DavCheck(url, caldav.get("username") or None, password, float(timeout))

