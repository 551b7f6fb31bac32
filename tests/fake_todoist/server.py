"""The fake Todoist API v1 over loopback HTTP, with fault injection and request counting.

Usage::

    with FakeTodoist(token="t0k") as fake:
        api = TodoistAPI("t0k", client=fake.client())   # the real SDK, routed here
        ...
        fake.rate_limit_next(1, retry_after=0)          # next request gets a 429
        fake.drop_next(1, path="/api/v1/sync")          # executed, then socket closed
        fake.complete(task_id)                          # "the user in the app"
        fake.count("POST", "/api/v1/sync")              # requests seen
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.fake_todoist.state import JSON, ApiError, TodoistState, invalid, missing

API = "/api/v1"
MAX_LIMIT = 200
MAX_COMPLETED_WINDOW = timedelta(days=92)
MAX_BODY = 1 << 20  # API v1 "Request limits": 1 MiB POST bodies (the status is a guess)


@dataclass
class Fault:
    """An injected failure for the next ``count`` matching requests after ``skip``.

    kind: ``status`` (HTTP ``status`` with an error body), ``rate_limit`` (429 with
    Retry-After), ``drop_before`` (socket closed before the request is processed),
    ``drop_after`` (the request is processed, then the socket is closed unanswered),
    ``not_json`` (200 with an HTML page, as a captive portal or proxy may send).
    """

    kind: str
    count: int = 1
    path: str | None = None
    skip: int = 0
    status: int = 500
    retry_after: int = 0


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None  # None when the connection was dropped


class FakeTodoist:
    """A stateful fake Todoist account served on 127.0.0.1 (a free port)."""

    def __init__(self, token: str = "fake-token-0123456789",
                 clock: Callable[[], datetime] | None = None,
                 sync_encodings: tuple[str, ...] = ("form", "json"),
                 tier: str = "free") -> None:
        """``sync_encodings``: the bodies ``POST /sync`` understands (``form``:
        application/x-www-form-urlencoded with JSON-encoded values; ``json``); a body in
        another encoding reads as empty (400, argument missing). ``tier``: the
        account's plan, ``free`` (the default, as most accounts are) or ``pro``; its
        caps are enforced with Todoist's error shapes (limits.py)."""
        self.token = token
        self.sync_encodings = sync_encodings
        self.state = TodoistState(clock, tier=tier)
        self.requests: list[RecordedRequest] = []
        self.counts: Counter[tuple[str, str]] = Counter()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeTodoist:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTodoist:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The origin to use instead of https://api.todoist.com."""
        assert self._server is not None, "the fake is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client(self) -> httpx.Client:
        """An httpx client for the real SDK whose requests land on this fake."""
        origin = httpx.URL(self.url)

        class _Route(httpx.HTTPTransport):
            def handle_request(self, request: httpx.Request) -> httpx.Response:
                request.url = request.url.copy_with(
                    scheme=origin.scheme, host=origin.host, port=origin.port)
                request.headers["Host"] = f"{origin.host}:{origin.port}"
                return super().handle_request(request)

        return httpx.Client(transport=_Route())

    # ------------------------------------------------------------ faults
    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(replace(fault))  # counted down here, not in the caller's

    def fail_next(self, count: int = 1, status: int = 500, path: str | None = None,
                  skip: int = 0) -> None:
        self.inject(Fault("status", count, path, skip, status=status))

    def rate_limit_next(self, count: int = 1, retry_after: int = 0,
                        path: str | None = None, skip: int = 0, status: int = 429) -> None:
        self.inject(Fault("rate_limit", count, path, skip, status=status,
                          retry_after=retry_after))

    def drop_next(self, count: int = 1, path: str | None = None, skip: int = 0,
                  after_processing: bool = True) -> None:
        kind = "drop_after" if after_processing else "drop_before"
        self.inject(Fault(kind, count, path, skip))

    def fail_commands(self, match: Callable[[JSON], bool], http_code: int = 400,
                      error: str = "Invalid argument value") -> None:
        """Make every sync command for which ``match(command)`` is true fail."""
        self.state.command_errors.append(
            (match, ApiError(http_code, error, "INVALID_ARGUMENT_VALUE", 20)))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        """The first due fault for this request; every matching fault still skipping
        counts this request (so each fault's ``skip`` counts on its own)."""
        with self._lock:
            chosen: Fault | None = None
            for fault in list(self._faults):
                if fault.path is not None and not path.startswith(fault.path):
                    continue
                if fault.skip > 0:
                    fault.skip -= 1
                elif chosen is None:
                    chosen = fault
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
            return chosen

    # ------------------------------------------------------------ counters
    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen, optionally for one method and/or path (``/api/v1/...``)."""
        return sum(n for (m, p), n in self.counts.items()
                   if (method is None or m == method) and (path is None or p == path))

    def sync_batches(self) -> list[list[JSON]]:
        """The ``commands`` of every ``POST /sync`` that carried commands, in order."""
        return [r.body["commands"] for r in self.requests
                if r.path == f"{API}/sync" and isinstance(r.body, dict)
                and r.body.get("commands") is not None]

    def reset_counters(self) -> None:
        with self._lock:
            self.requests.clear()
            self.counts.clear()

    # ------------------------------------------------------------ the user in the app
    def tasks(self, include_completed: bool = True) -> list[JSON]:
        return [dict(t) for t in self.state.live("items")
                if include_completed or not t["checked"]]

    def task(self, task_id: str) -> JSON:
        with self.state.lock:
            return dict(self.state.get("items", task_id, "Item"))

    def projects(self) -> list[JSON]:
        return [dict(p) for p in self.state.live("projects")]

    def sections(self) -> list[JSON]:
        return [dict(s) for s in self.state.live("sections")]

    def labels(self) -> list[JSON]:
        return [dict(lab) for lab in self.state.live("labels")]

    def complete(self, task_id: str, at: datetime | None = None) -> None:
        with self.state.lock:
            self.state.close_item(task_id, at)

    def reopen(self, task_id: str) -> None:
        with self.state.lock:
            self.state.reopen_item(task_id)

    def rename(self, task_id: str, content: str) -> None:
        with self.state.lock:
            self.state.update_item(task_id, {"content": content})

    def move_due(self, task_id: str, due: date | datetime | None) -> None:
        with self.state.lock:
            self.state.update_item(task_id, {"due": _due_arg(due)})

    def edit(self, task_id: str, **args: Any) -> None:
        with self.state.lock:
            self.state.update_item(task_id, args)

    def delete_task(self, task_id: str) -> None:
        with self.state.lock:
            self.state.delete("items", task_id, "Item")

    def archive_project(self, project_id: str) -> None:
        with self.state.lock:
            self.state.archive_project(project_id)

    def unarchive_project(self, project_id: str) -> None:
        with self.state.lock:
            self.state.unarchive_project(project_id)

    def add_project(self, name: str, *, parent_id: str | None = None,
                    workspace_id: str | None = None, shared: bool = False) -> JSON:
        """A project the user made (or a shared / team workspace one they joined)."""
        with self.state.lock:
            return dict(self.state.add_project(name, parent_id=parent_id,
                                               workspace_id=workspace_id, shared=shared))

    def active_tasks(self) -> list[JSON]:
        """Open tasks in active projects: what the user sees in the app."""
        with self.state.lock:
            return [dict(t) for t in self.state.live("items")
                    if not t["checked"] and not self.state.archived(t["project_id"])]

    def add_task(self, content: str, **args: Any) -> JSON:
        """A task the user made themselves (not owned by goalsync)."""
        with self.state.lock:
            return dict(self.state.add_item({"content": content, **args}))


def _due_arg(due: date | datetime | None) -> JSON | None:
    if due is None:
        return None
    if isinstance(due, datetime):
        return {"date": due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}
    return {"date": due.isoformat()}


# ---------------------------------------------------------------------- HTTP layer


class _Drop(Exception):
    """Close the socket without answering."""


def _make_handler(fake: FakeTodoist) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.fake = fake
    return Handler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes
    fake: FakeTodoist

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # quiet tests

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._serve("POST")

    def do_DELETE(self) -> None:  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        path = split.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        fake = self.fake
        fault = fake._take_fault(path)
        if fault is not None and fault.kind == "drop_before":
            self._record(method, path, query, None, None)
            return self._drop()
        body, encoding = self._read_body()
        if int(self.headers.get("Content-Length") or 0) > MAX_BODY:
            error = ApiError(413, "Request body too large", "REQUEST_TOO_LARGE", 413)
            self._record(method, path, query, None, 413)
            return self._send(413, error.body, {})
        routed = body
        if path == f"{API}/sync" and encoding not in fake.sync_encodings:
            routed = {}
        status: int | None
        if fault is not None and fault.kind == "not_json":
            self._record(method, path, query, body, 200)
            return self._send_raw(200, b"<html>Sign in to the network</html>", "text/html")
        try:
            status, payload, headers = self._answer(method, path, query, routed, fault)
        except _Drop:
            self._record(method, path, query, body, None)
            return self._drop()
        self._record(method, path, query, body, status)
        self._send(status, payload, headers)

    def _answer(self, method: str, path: str, query: dict[str, str], body: Any,
                fault: Fault | None) -> tuple[int, Any, dict[str, str]]:
        if self.headers.get("Authorization") != f"Bearer {self.fake.token}":
            error = ApiError(401, "Invalid token", "AUTH_INVALID_TOKEN", 401)
            return 401, error.body, {}
        if fault is not None and fault.kind == "rate_limit":
            error = ApiError(fault.status, "Too many requests", "LIMITS_REACHED", 35,
                             {"retry_after": fault.retry_after})
            return fault.status, error.body, {"Retry-After": str(fault.retry_after)}
        if fault is not None and fault.kind == "status":
            error = ApiError(fault.status, "Service error", "SERVICE_ERROR", 500)
            return fault.status, error.body, {}
        try:
            with self.fake.state.lock:
                status, payload = _route(self.fake.state, method, path, query, body)
        except ApiError as error:
            return error.http_code, error.body, {}
        if fault is not None and fault.kind == "drop_after":
            raise _Drop
        return status, payload, {}

    def _read_body(self) -> tuple[Any, str | None]:
        """The parsed body and its encoding (``form``, ``json`` or None)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None, None
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            form: dict[str, Any] = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
            for key in ("commands", "resource_types"):
                if key in form:
                    try:
                        form[key] = json.loads(form[key])
                    except json.JSONDecodeError:
                        form[key] = ValueError(key)
            return form, "form"
        try:
            return json.loads(raw), "json"
        except json.JSONDecodeError:
            return ValueError("body"), "json"

    def _record(self, method: str, path: str, query: dict[str, str], body: Any,
                status: int | None) -> None:
        with self.fake._lock:
            self.fake.requests.append(RecordedRequest(method, path, query, body, status))
            self.fake.counts[(method, path)] += 1

    def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_raw(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


# ---------------------------------------------------------------------- routes


def _route(state: TodoistState, method: str, path: str, query: dict[str, str],
           body: Any) -> tuple[int, Any]:
    if isinstance(body, ValueError):
        raise invalid(str(body))
    if not path.startswith(API + "/"):
        raise ApiError(404, "Not found", "NOT_FOUND", 404)
    parts = path[len(API) + 1:].split("/")
    data = body if isinstance(body, dict) else {}
    if parts == ["sync"] and method == "POST":
        return 200, _sync(state, data)
    if parts == ["projects", "archived"] and method == "GET":
        return 200, _page(state.archived_projects(), query, "results")
    if parts[:3] == ["tasks", "completed", "by_completion_date"] and method == "GET":
        return 200, _completed(state, query)
    if parts[0] == "tasks":
        return _tasks(state, method, parts[1:], query, data)
    kinds = {"projects": ("projects", "Project"), "sections": ("sections", "Section"),
             "labels": ("labels", "Label")}
    if parts[0] in kinds:
        return _simple(state, *kinds[parts[0]], method, parts[1:], query, data)
    raise ApiError(404, "Not found", "NOT_FOUND", 404)


def _sync(state: TodoistState, data: JSON) -> JSON:
    commands = data.get("commands")
    types = data.get("resource_types")
    if commands is not None and not isinstance(commands, list):
        raise invalid("commands")
    if types is not None and not isinstance(types, list):
        raise invalid("resource_types")
    if commands is None and types is None:
        raise missing("resource_types")
    if types and set(types) & state.refused_resource_types:
        raise invalid("resource_types")
    return state.sync(data.get("sync_token"), types, commands)


def _page(items: list[JSON], query: dict[str, str], field: str) -> JSON:
    try:
        limit = int(query.get("limit", 50))
        start = int(base64.urlsafe_b64decode(query["cursor"]).decode()) if query.get(
            "cursor") else 0
    except ValueError:
        raise invalid("cursor") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid("limit")
    chunk = items[start:start + limit]
    end = start + len(chunk)
    cursor = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return {field: [dict(o) for o in chunk], "next_cursor": cursor}


def _completed(state: TodoistState, query: dict[str, str]) -> JSON:
    try:
        since = datetime.fromisoformat(query["since"].replace("Z", "+00:00"))
        until = datetime.fromisoformat(query["until"].replace("Z", "+00:00"))
    except KeyError as error:
        raise missing(str(error.args[0])) from None
    except ValueError:
        raise invalid("since") from None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    if until.tzinfo is None:
        until = until.replace(tzinfo=UTC)
    if until < since or until - since > MAX_COMPLETED_WINDOW:
        raise invalid("until")
    return _page(state.completed_between(since, until), query, "items")


_REST_TASK_FIELDS = ("content", "description", "priority", "labels", "project_id",
                     "section_id", "parent_id")


def _task_args(data: JSON) -> JSON:
    """REST task arguments (``due_date``/``due_datetime``/...) as sync command args."""
    args = {k: data[k] for k in _REST_TASK_FIELDS if k in data}
    if data.get("due_string"):
        args["due"] = {"string": data["due_string"]}
    elif data.get("due_datetime"):
        args["due"] = {"date": data["due_datetime"]}
    elif data.get("due_date"):
        args["due"] = {"date": data["due_date"]}
    if data.get("deadline_date"):
        args["deadline"] = {"date": data["deadline_date"]}
    if data.get("duration") is not None:
        args["duration"] = {"amount": data["duration"],
                            "unit": data.get("duration_unit", "minute")}
    return args


def _tasks(state: TodoistState, method: str, rest: list[str], query: dict[str, str],
           data: JSON) -> tuple[int, Any]:
    if not rest and method == "GET":
        active = [t for t in state.live("items") if not t["checked"]]
        for name in ("project_id", "section_id", "parent_id"):
            if query.get(name):
                active = [t for t in active if t[name] == query[name]]
        if query.get("label"):
            active = [t for t in active if query["label"] in t["labels"]]
        if query.get("ids"):
            wanted = set(query["ids"].split(","))
            active = [t for t in active if t["id"] in wanted]
        return 200, _page(active, query, "results")
    if not rest and method == "POST":
        return 200, dict(state.add_item(_task_args(data)))
    task_id = rest[0]
    if len(rest) == 1 and method == "GET":
        return 200, dict(state.get("items", task_id, "Task"))
    if len(rest) == 1 and method == "POST":
        return 200, dict(state.update_item(task_id, _task_args(data)))
    if len(rest) == 1 and method == "DELETE":
        state.delete("items", task_id, "Task")
        return 204, None
    actions = {"close": state.close_item, "reopen": state.reopen_item}
    if len(rest) == 2 and method == "POST" and rest[1] in actions:
        actions[rest[1]](task_id)
        return 204, None
    if len(rest) == 2 and method == "POST" and rest[1] == "move":
        state.move_item(task_id, data)
        return 204, None
    raise ApiError(404, "Not found", "NOT_FOUND", 404)


def _simple(state: TodoistState, kind: str, what: str, method: str, rest: list[str],
            query: dict[str, str], data: JSON) -> tuple[int, Any]:
    creators: dict[str, Callable[[JSON], JSON]] = {
        "projects": lambda d: state.add_project(d.get("name"), parent_id=d.get("parent_id"),
                                                description=d.get("description", "")),
        "sections": lambda d: state.add_section(d.get("name"), d.get("project_id")),
        "labels": lambda d: state.add_label(d.get("name")),
    }
    if not rest and method == "GET":
        objects = state.live(kind)
        if kind == "sections" and query.get("project_id"):
            objects = [s for s in objects if s["project_id"] == query["project_id"]]
        return 200, _page(objects, query, "results")
    if not rest and method == "POST":
        return 200, dict(creators[kind](data))
    if len(rest) == 1 and method == "GET":
        return 200, dict(state.get(kind, rest[0], what))
    if len(rest) == 1 and method == "POST":
        return 200, dict(state._rename(kind, {**data, "id": rest[0]}, what))
    if len(rest) == 1 and method == "DELETE":
        state.delete(kind, rest[0], what)
        return 204, None
    raise ApiError(404, "Not found", "NOT_FOUND", 404)
