"""How many requests a sync costs against CalDAV (the embedded Radicale, which is the
default for both tasks and the calendar): discovery happens once, a sync with nothing
changed is one change check per collection, and after writing only what changed is
read back. Counted on the wire: every HTTP request each adapter's session sends.

These count the full path: the quick path (syncer/quick.py, tests/integration/
test_quick_sync.py), which settles a no-change run against an unchanged embedded
storage without starting the server at all, is switched off here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from syncer import engine
from syncer.backends.caldav_calendar import CalDAVCalendar
from syncer.backends.caldav_common import DavConnection
from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.config import from_mapping
from syncer.embedded import DEFAULT_USER, EmbeddedServer
from syncer.engine import SyncReport, sync
from syncer.quick import NeedFull
from syncer.state import State
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat("2026-11-23T08:00:00+00:00")  # a Monday
WRITES = frozenset({"PUT", "DELETE", "MKCALENDAR", "PROPPATCH"})
REPORTS = ("sync-collection", "calendar-query", "calendar-multiget")
PLAN = pmp_plan()


class Wire:
    """Requests sent by every DavConnection made while installed, per connection (one
    connection per adapter, so per collection)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []  # (connection, method, path)

    def clear(self) -> None:
        self.sent.clear()

    def per_connection(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for conn, method, path in self.sent:
            found.setdefault(conn, []).append(f"{method} {path}")
        return found

    def writes(self) -> list[str]:
        return [f"{m} {p}" for _, m, p in self.sent if m in WRITES]


@pytest.fixture(autouse=True)
def full_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: Any, **kwargs: Any) -> SyncReport:
        raise NeedFull

    monkeypatch.setattr(engine, "_quick_run", never)


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    seen = Wire()
    counted = DavConnection._count_session_requests

    def logging(self: DavConnection) -> None:
        counted(self)
        session: Any = self.client.session
        send = session.request

        def logged(*args: Any, **kwargs: Any) -> Any:
            method = args[0] if args else kwargs.get("method", "")
            url = args[1] if len(args) > 1 else kwargs.get("url", "")
            method = str(method).upper()
            if method == "REPORT":  # which REPORT: sync-collection, calendar-query, …
                body = kwargs.get("data") or (args[2] if len(args) > 2 else b"") or b""
                text = body.decode() if isinstance(body, bytes) else str(body)
                method += " " + next((k for k in REPORTS if k in text), "?")
            seen.sent.append((id(self), method, urlsplit(str(url)).path))
            return send(*args, **kwargs)

        session.request = logged

    monkeypatch.setattr(DavConnection, "_count_session_requests", logging)
    return seen


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GOALSYNC_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "goals.yaml").write_text(PLAN)
    yield tmp_path


def run_sync(home: Path, plan: str | None = None, *, dry_run: bool = False) -> SyncReport:
    if plan is not None:
        (home / "goals.yaml").write_text(plan)
    config = from_mapping({"tasks": {"backend": "embedded"},
                           "calendar": {"backend": "embedded"}})
    report = sync(home / "goals.yaml", config, now=NOW, dry_run=dry_run)
    assert report.ok, report.errors
    return report


def wrote(report: SyncReport) -> int:
    return report.created + report.updated + report.deleted


def assert_cheap_no_change(wire: Wire) -> None:
    per = wire.per_connection()
    assert len(per) == 2, per  # the task list and the calendar
    for sent in per.values():
        assert len(sent) <= 2, per
        assert all(s.startswith("PROPFIND") for s in sent), per
    assert wire.writes() == []


def test_a_second_sync_with_nothing_changed_is_one_check_per_collection(
    home: Path, wire: Wire,
) -> None:
    first = run_sync(home)
    assert wrote(first) > 0
    wire.clear()
    second = run_sync(home)
    assert wrote(second) == 0
    assert_cheap_no_change(wire)
    # what is measured today: one depth-0 PROPFIND of each collection, no discovery
    assert sorted(len(s) for s in wire.per_connection().values()) == [1, 1]
    assert not any(path == "/" for _, _, path in wire.sent)


def test_a_dry_run_after_a_sync_is_one_check_per_collection_too(
    home: Path, wire: Wire,
) -> None:
    run_sync(home)
    wire.clear()
    run_sync(home, dry_run=True)
    assert sorted(len(s) for s in wire.per_connection().values()) == [1, 1]
    assert wire.writes() == []


def test_after_writing_only_the_changes_are_read_back_and_the_snapshot_is_exact(
    home: Path, wire: Wire,
) -> None:
    run_sync(home)
    wire.clear()
    edited = PLAN.replace("Research PMP courses", "Compare PMP courses").replace(
        "estimate: 6h", "estimate: 8h")
    report = run_sync(home, edited)
    assert wrote(report) > 0
    reads = [m for _, m, _ in wire.sent if m not in WRITES]
    assert reads.count("PROPFIND") == 2, reads  # the change checks only
    assert reads.count("REPORT sync-collection") == 2, reads  # one per collection written
    assert "REPORT calendar-query" not in reads  # no full listing
    tasks_snapshot, blocks_snapshot = saved_snapshots(home)
    with EmbeddedServer(home / "state" / "radicale") as server:
        tasks = CalDAVTasks(server.url, DEFAULT_USER, "x")
        calendar = CalDAVCalendar(server.url, DEFAULT_USER, "x")
        try:
            listed_tasks = {t.remote_id: t.etag for t in tasks.list_tasks()}
            listed_blocks = {b.uid: b.etag for b in calendar.list_blocks(
                NOW - timedelta(days=60), NOW + timedelta(days=400))}
        finally:
            tasks.close()
            calendar.close()
    assert {t["remote_id"]: t["etag"] for t in tasks_snapshot} == listed_tasks
    assert {b["uid"]: b["etag"] for b in blocks_snapshot} == listed_blocks
    wire.clear()
    assert wrote(run_sync(home, edited)) == 0
    assert_cheap_no_change(wire)


def test_a_remembered_url_that_is_gone_is_discovered_again(home: Path, wire: Wire) -> None:
    run_sync(home)
    with State.open(home / "state" / "state.sqlite") as state:
        for kind in ("tasks", "calendar"):
            saved = json.loads(state.meta(f"dav_urls:{kind}") or "{}")
            assert saved["urls"]["target"].startswith("/")  # a path: the port changes
            saved["urls"] = {"home": "/nobody/", "target": "/nobody/gone/"}
            state.set_meta(f"dav_urls:{kind}", json.dumps(saved))
    wire.clear()
    assert wrote(run_sync(home)) == 0
    assert wire.writes() == []
    assert any(path == "/nobody/gone/" for _, _, path in wire.sent)  # tried once
    wire.clear()
    run_sync(home)
    assert_cheap_no_change(wire)  # and the rediscovered URLs were remembered


def saved_snapshots(home: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with State.open(home / "state" / "state.sqlite") as state:
        _, tasks = state.token("tasks:caldav")
        _, calendar = state.token("calendar:caldav")
    return tasks, calendar["blocks"]


def test_blocks_since_sees_our_writes_and_another_clients_edit_in_one_request(
    caldav_calendar: Any, other_client: Any,
) -> None:
    start = datetime(2030, 3, 25, 9, tzinfo=NOW.tzinfo)
    window = (start - timedelta(days=7), start + timedelta(days=14))
    calendar = caldav_calendar
    first, second, third = (block(n, start + timedelta(days=n)) for n in (1, 2, 3))
    etag = calendar.create(first)
    calendar.create(second)
    _, token = calendar.changes_since(None)
    listing = calendar.list_blocks(*window)
    calendar.delete(first.uid, etag)  # goalsync's own writes…
    calendar.create(third)
    event = other_client.calendar(url=calendar.target.url).event_by_uid(second.uid)
    moved_to = start + timedelta(days=5)  # …and the user moving a block meanwhile
    with event.edit_icalendar_component() as component:
        for name, value in (("DTSTART", moved_to), ("DTEND", moved_to + timedelta(hours=1))):
            component.pop(name)
            component.add(name, value)
    event.save()
    before = calendar.requests
    fresh = calendar.blocks_since(token, listing, *window)
    assert calendar.requests - before == 1
    assert fresh is not None
    new_token, blocks = fresh
    assert blocks == calendar.list_blocks(*window)
    assert [b.uid for b in blocks] == [third.uid, second.uid]
    assert calendar.changes_since(new_token) == (False, new_token)


def test_tasks_since_without_a_sync_token_of_this_run_says_it_cannot(caldav_tasks: Any) -> None:
    caldav_tasks.changes_since(None)
    assert caldav_tasks.tasks_since("not-the-token", []) is None


def block(n: int, start: datetime) -> Any:
    from syncer.backends.base import BlockSpec
    from syncer.ical import block_uid

    return BlockSpec(uid=block_uid("pmp/course/research", n, "plan"),
                     key="pmp/course/research", title="Research PMP courses", start=start,
                     end=start + timedelta(hours=1), goal_id="pmp", milestone_id="course")


def test_an_unknown_sync_token_means_list_everything_not_an_error(caldav_tasks: Any) -> None:
    caldav_tasks.changes_since(None)
    url = caldav_tasks.target.url
    unknown = "http://radicale.org/ns/sync/" + "0" * 64
    assert caldav_tasks.dav.changed_since(url, unknown) is None


def test_with_busy_calendars_the_change_check_is_one_listing_of_the_home(
    caldav_calendar: Any,
) -> None:
    url, user = caldav_calendar.dav.url, caldav_calendar.dav.username
    busy = f"Work {uuid.uuid4().hex[:8]}"
    DavConnection(url, user, "x").find_or_create_collection(busy, "VEVENT")

    def adapter(known: dict[str, str] | None = None) -> CalDAVCalendar:
        return CalDAVCalendar(url, user, "x", calendar=caldav_calendar.calendar_name,
                              busy_calendars=[busy], known_urls=known)

    first = adapter()
    _, token = first.changes_since(None)
    known = first.resolved_urls()
    first.close()
    assert set(known) == {"home", "target"}
    again = adapter(known)
    try:
        assert again.changes_since(token) == (False, token)
        assert again.requests == 1
    finally:
        again.close()


def test_renaming_steps_reads_their_to_dos_in_one_multiget_not_one_each(
    home: Path, wire: Wire,
) -> None:
    run_sync(home)
    wire.clear()
    renamed = PLAN.replace("Research PMP", "Compare PMP").replace(
        "Enroll in the course", "Sign up for the course").replace(
        "Study chapters 1-4", "Read chapters 1-4")
    report = run_sync(home, renamed)
    assert report.updated >= 3
    sent = [m for _, m, _ in wire.sent]
    # the updates' objects and the parents their RELATED-TO names: one multiget, not
    # one read per update and per parent (the rename bench's 94 REPORTs)
    assert sent.count("REPORT calendar-multiget") == 1, sent
    assert sent.count("PUT") == report.updated, sent
