"""The quick path of a no-change sync (syncer/quick.py): taken only when it settles the
run exactly as the full path would, and left for the full path otherwise: a remote
edit (through a server or another client), a plan edit, a day that needs new writes,
busy calendars. Against the embedded default (no server started when nothing changed)
and a CalDAV server that is already running (no CalDAV library used)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from syncer import engine, quick
from syncer.backends.caldav_common import DavConnection
from syncer.backends.caldav_tasks import CalDAVTasks
from syncer.config import Config, from_mapping
from syncer.embedded import DEFAULT_USER, EmbeddedServer
from syncer.engine import SyncReport, sync
from syncer.state import State
from tests.fixtures.radicale import RADICALE_USER
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration

NOW = datetime.fromisoformat("2026-11-23T08:00:00+00:00")  # a Monday
PLAN = pmp_plan()
EMBEDDED = from_mapping({"tasks": {"backend": "embedded"}, "calendar": {"backend": "embedded"}})


class Counts:
    def __init__(self) -> None:
        self.servers = 0  # embedded servers started
        self.connections = 0  # CalDAV-library connections made
        self.quick = 0  # runs the quick path settled


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> Counts:
    seen = Counts()
    start, connect, quick_run = EmbeddedServer.start, DavConnection.__init__, engine._quick_run

    def counted_start(self: EmbeddedServer) -> EmbeddedServer:
        seen.servers += 1
        return start(self)

    def counted_connect(self: DavConnection, *args: Any, **kwargs: Any) -> None:
        seen.connections += 1
        connect(self, *args, **kwargs)

    def counted_quick(*args: Any, **kwargs: Any) -> SyncReport:
        report = quick_run(*args, **kwargs)
        seen.quick += 1
        return report

    monkeypatch.setattr(EmbeddedServer, "start", counted_start)
    monkeypatch.setattr(DavConnection, "__init__", counted_connect)
    monkeypatch.setattr(engine, "_quick_run", counted_quick)
    return seen


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("GOALSYNC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "x")
    for name in [n for n in os.environ if n.lower().endswith("_proxy")]:
        monkeypatch.delenv(name)
    (tmp_path / "goals.yaml").write_text(PLAN)
    yield tmp_path


def run_sync(home: Path, config: Config = EMBEDDED, *, now: datetime = NOW,
             plan: str | None = None) -> SyncReport:
    if plan is not None:
        (home / "goals.yaml").write_text(plan)
    report = sync(home / "goals.yaml", config, now=now)
    assert report.ok, report.errors
    return report


def full_sync(home: Path, monkeypatch: pytest.MonkeyPatch, config: Config = EMBEDDED, *,
              now: datetime = NOW) -> SyncReport:
    """The same sync with the quick path switched off."""
    with monkeypatch.context() as patch:
        def never(*args: Any, **kwargs: Any) -> SyncReport:
            raise quick.NeedFull

        patch.setattr(engine, "_quick_run", never)
        return run_sync(home, config, now=now)


def outcome(report: SyncReport) -> tuple[Any, ...]:
    return (report.summary(), sorted(a.name + ":" + a.key for a in report.actions),
            sorted((b.step, b.start, b.end) for b in report.schedule.blocks), report.notes)


def runs(home: Path) -> int:
    """Runs the state recorded as finished."""
    with sqlite3.connect(home / "state" / "state.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM runs WHERE ended_at IS NOT NULL")
                   .fetchone()[0])


def settled(home: Path, counts: Counts, config: Config = EMBEDDED) -> None:
    """The first sync writes everything, reads it back and saves what the quick path
    compares with."""
    assert run_sync(home, config).created > 0
    counts.servers = counts.connections = counts.quick = 0


# ------------------------------------------------------------------ embedded


def test_a_no_change_sync_starts_no_server_and_records_the_run(
        home: Path, counts: Counts, monkeypatch: pytest.MonkeyPatch) -> None:
    settled(home, counts)
    before = runs(home)
    report = run_sync(home)
    assert (counts.quick, counts.servers, counts.connections) == (1, 0, 0)
    assert report.created == report.updated == report.deleted == 0
    assert runs(home) == before + 1
    assert outcome(report) == outcome(full_sync(home, monkeypatch))


def test_an_edit_made_through_a_server_is_read(home: Path, counts: Counts) -> None:
    settled(home, counts)
    storage = home / "state" / "radicale"
    with EmbeddedServer(storage) as server:  # `goalsync serve`, and an app that uses it
        tasks = CalDAVTasks(server.url, DEFAULT_USER, "x")
        try:
            research = next(t for t in tasks.list_tasks() if t.key == "pmp/course/research")
            from syncer.core.values import DeleteTask

            assert tasks.apply([DeleteTask(research.key, research.remote_id)])[0].ok
        finally:
            tasks.close()
    counts.servers = counts.connections = 0
    report = run_sync(home)
    assert counts.quick == 0 and counts.servers == 1
    assert any(a.name == "deleted-by-user" and a.key == "pmp/course/research"
               for a in report.actions)


def test_a_plan_edit_takes_the_full_path_and_the_quick_run_leaves_no_trace(
        home: Path, counts: Counts) -> None:
    settled(home, counts)
    before = runs(home)
    edited = PLAN.replace("Research PMP courses", "Compare PMP courses")
    report = run_sync(home, plan=edited)
    assert counts.quick == 0 and counts.servers == 1
    assert report.updated > 0
    assert runs(home) == before + 1  # the quick attempt was rolled back


def test_a_later_day_is_the_full_paths_outcome(
        home: Path, counts: Counts, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settled(home, counts)
    twin = tmp_path / "twin"
    shutil.copytree(home / "state", twin / "state")
    shutil.copy(home / "goals.yaml", twin / "goals.yaml")
    quick_runs = 0
    for later in (NOW + timedelta(hours=2), *(NOW + timedelta(days=d) for d in (1, 8, 30))):
        monkeypatch.setenv("GOALSYNC_STATE_DIR", str(twin / "state"))
        expected = full_sync(twin, monkeypatch, now=later)
        monkeypatch.setenv("GOALSYNC_STATE_DIR", str(home / "state"))
        counts.quick = 0
        got = run_sync(home, now=later)
        assert outcome(got) == outcome(expected), later
        wrote = bool(expected.created or expected.updated or expected.deleted)
        assert counts.quick == (0 if wrote else 1), later
        quick_runs += counts.quick
    assert quick_runs >= 1  # a later moment with nothing new was settled quickly


def test_the_storage_mark_sees_a_rewrite_and_ignores_caches(tmp_path: Path) -> None:
    item = tmp_path / "collection-root" / "goalsync" / "cal" / "a.ics"
    item.parent.mkdir(parents=True)
    item.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    mark = quick.storage_mark(tmp_path)
    cache = item.parent / ".Radicale.cache" / "item" / "a.ics"
    cache.parent.mkdir(parents=True)
    cache.write_text("cached")
    (tmp_path / ".Radicale.lock").write_text("")
    assert quick.storage_mark(tmp_path) == mark
    stat = item.stat()
    temporary = item.with_name(".Radicale.tmp-a")
    temporary.write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")  # same size
    os.utime(temporary, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same time
    temporary.replace(item)  # how Radicale writes an object
    assert quick.storage_mark(tmp_path) != mark
    assert quick.storage_mark(tmp_path / "missing") is None


@pytest.mark.parametrize("holidays", ["", "holidays: DE-BY\n"], ids=["rules", "plan-DE-BY"])
def test_a_no_change_sync_imports_no_caldav_stack(home: Path, counts: Counts,
                                                  holidays: str) -> None:
    """Nor the holidays package when the plan names a country: the first sync kept the
    dates beside the state (syncer/holiday_store.py)."""
    (home / "goals.yaml").write_text(PLAN.replace("timezone: UTC\n",
                                                  f"timezone: UTC\n{holidays}"))
    settled(home, counts)
    script = textwrap.dedent(f"""
        import sys
        sys.argv = ["goalsync", "sync", {str(home / "goals.yaml")!r}, "--now",
                    {NOW.isoformat()!r}]
        from syncer.cli import main
        try:
            main()
        except SystemExit as done:
            assert not done.code, done.code
        heavy = sorted(m for m in ("caldav", "niquests", "httpx", "icalendar", "holidays",
                                   "keyring", "rich") if m in sys.modules)
        print("HEAVY", heavy)
    """)
    env = {**os.environ, "GOALSYNC_CONFIG": str(home / "none.toml")}
    (home / "none.toml").write_text("")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stdout, done.stdout
    assert "already up to date" in done.stdout


# ------------------------------------------------------------------ a CalDAV server


@pytest.fixture
def dav_settings(radicale_server: EmbeddedServer, calendar_name: str,
                 task_list_name: str) -> dict[str, Any]:
    return {"tasks": {"backend": "caldav"}, "calendar": {"backend": "caldav"},
            "caldav": {"url": radicale_server.url, "username": RADICALE_USER,
                       "calendar": calendar_name, "task_list": task_list_name}}


@pytest.fixture
def dav(dav_settings: dict[str, Any]) -> Config:
    return from_mapping(dav_settings)


def test_a_no_change_sync_against_a_caldav_server_uses_no_caldav_library(
        home: Path, counts: Counts, dav: Config, monkeypatch: pytest.MonkeyPatch) -> None:
    settled(home, counts, dav)
    report = run_sync(home, dav)
    assert (counts.quick, counts.connections) == (1, 0)
    assert outcome(report) == outcome(full_sync(home, monkeypatch, dav))


def test_another_clients_edit_on_the_caldav_server_is_read(
        home: Path, counts: Counts, dav: Config, other_client: Any,
        calendar_name: str) -> None:
    settled(home, counts, dav)
    calendar = next(c for c in other_client.principal().calendars()
                    if c.get_display_name() == calendar_name)
    event = next(e for e in calendar.events() if "goalsync-" in e.data)
    moved = event.icalendar_instance
    for component in moved.walk("VEVENT"):
        component["DTSTART"].dt += timedelta(hours=1)
        component["DTEND"].dt += timedelta(hours=1)
    event.data = moved.to_ical().decode()
    event.save()
    report = run_sync(home, dav)
    assert counts.quick == 0 and counts.connections > 0
    assert report.pinned == 1


def test_busy_calendars_take_the_full_path(
        home: Path, counts: Counts, dav_settings: dict[str, Any]) -> None:
    dav_settings["caldav"]["busy_calendars"] = [dav_settings["caldav"]["calendar"]]
    busy = from_mapping(dav_settings)
    settled(home, counts, busy)
    run_sync(home, busy)
    assert counts.quick == 0 and counts.connections > 0


def test_a_probe_refuses_anything_but_the_token() -> None:
    check = quick._EmbeddedCheck(Path("/nonexistent"), json.dumps({}))
    probe = quick.ProbeTasks(check, "VTODO")
    with pytest.raises(quick.NeedFull):
        probe.changes_since("token")
    with pytest.raises(quick.NeedFull):
        probe.list_tasks()
    with pytest.raises(quick.NeedFull):
        probe.changes_since(None)


# ------------------------------------------------------------------ the probe's answers

MULTISTATUS = """<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"
             xmlns:CS="http://calendarserver.org/ns/">
 <response><href>/u/cal/</href><propstat><prop>
  <resourcetype><collection/><C:calendar/></resourcetype><displayname>Goals</displayname>
  <C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
  {props}</prop><status>HTTP/1.1 200 OK</status></propstat></response>
</multistatus>"""


@pytest.fixture
def answering() -> Iterator[tuple[str, list[tuple[int, bytes]], list[dict[str, str]]]]:
    """A loopback HTTP server giving the queued (status, body) answers in turn; the
    headers of each request are kept."""
    import http.server
    import threading

    answers: list[tuple[int, bytes]] = []
    seen: list[dict[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_PROPFIND(self) -> None:  # noqa: N802 - the method's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(dict(self.headers))
            status, body = answers.pop(0)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", answers, seen
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("status, body, token", [
    (207, MULTISTATUS.format(props="<sync-token>data:,7</sync-token><CS:getctag>c</CS:getctag>"),
     "data:,7"),
    (207, MULTISTATUS.format(props="<CS:getctag>c9</CS:getctag>"), "c9"),
    (207, MULTISTATUS.format(props=""), None),  # no token: the full path digests ETags
    (200, MULTISTATUS.format(props="<CS:getctag>c9</CS:getctag>"), None),
    (401, "", None),
    (207, "<!DOCTYPE x [<!ENTITY a 'b'>]>" + MULTISTATUS.format(props=""), None),
    (207, MULTISTATUS.format(props="<CS:getctag>" + "x" * quick.MAX_ANSWER + "</CS:getctag>"),
     None),
    (207, "not xml", None),
    (207, MULTISTATUS.format(props="<sync-token>data:,7</sync-token>").replace(
        'name="VEVENT"', 'name="VTODO"'), None),  # not a calendar for events
])
def test_the_dav_check_reads_the_token_or_gives_up(
        answering: tuple[str, list[tuple[int, bytes]], list[dict[str, str]]],
        status: int, body: str, token: str | None) -> None:
    url, answers, seen = answering
    answers.append((status, body.encode()))
    check = quick._DavCheck(url, "alice", "secret", timeout=5)
    if token is None:
        with pytest.raises(quick.NeedFull):
            check.token("VEVENT", "/u/cal/", "saved")
    else:
        assert check.token("VEVENT", "/u/cal/", "saved") == token
    assert seen[0]["Depth"] == "0"
    assert seen[0]["Authorization"].startswith("Basic ")


def test_the_dav_check_never_follows_a_url_to_another_server(
        answering: tuple[str, list[tuple[int, bytes]], list[dict[str, str]]]) -> None:
    url, answers, seen = answering
    check = quick._DavCheck(url, "alice", "secret", timeout=5)
    with pytest.raises(quick.NeedFull):
        check.token("VEVENT", "https://elsewhere.example/u/cal/", "saved")
    with pytest.raises(quick.NeedFull):
        check.token("VTODO", None, "saved")
    assert seen == []


@pytest.mark.parametrize("caldav, environment", [
    ({"url": "http://dav.example.com/"}, {}),  # a password in clear: the full path says no
    ({"url": "https://dav.example.com/", "busy_calendars": ["Work"]}, {}),
    ({"url": "https://dav.example.com/"}, {"HTTPS_PROXY": "http://proxy:3128"}),
    ({"url": "https://user@dav.example.com/"}, {}),
])
def test_no_quick_check_where_the_full_path_must_judge(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caldav: dict[str, Any],
        environment: dict[str, str]) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GOALSYNC_CALDAV_PASSWORD", "x")
    config = from_mapping({"tasks": {"backend": "caldav"}, "calendar": {"backend": "caldav"},
                           "caldav": {"username": "me", **caldav}})
    with pytest.raises(quick.NeedFull):
        quick._dav_check(config)


def test_todoist_takes_the_full_path(tmp_path: Path) -> None:
    config = from_mapping({"tasks": {"backend": "todoist"}, "calendar": {"backend": "none"}})
    state = State.open(tmp_path / "state.sqlite")
    try:
        with pytest.raises(quick.NeedFull):
            quick.probes(config, state, tmp_path, None)
    finally:
        state.close()


def test_the_cli_asks_the_caldav_server_before_loading_the_engine(
        home: Path, counts: Counts, dav_settings: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.cli import run_main

    lines = []
    for section, values in dav_settings.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    (home / "goalsync.toml").write_text("\n".join(lines) + "\n")
    monkeypatch.setenv("GOALSYNC_CONFIG", str(home / "goalsync.toml"))
    monkeypatch.chdir(home)
    assert run_main("sync", "goals.yaml", now=NOW.isoformat())[0] == 0
    assert run_main("sync", "goals.yaml", now=NOW.isoformat())[0] == 0
    counts.quick = counts.connections = 0
    taken = []
    take = quick.Early.take

    def recorded(self: quick.Early, key: Any) -> Any:
        found = take(self, key)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(quick.Early, "take", recorded)
    code, out, err = run_main("sync", "goals.yaml", "--json", now=NOW.isoformat())
    assert code == 0, err
    assert json.loads(out)["notes"] == []
    assert (counts.quick, counts.connections, taken) == (1, 0, [True])


def test_no_early_check_for_a_broken_plan_or_rule(
        home: Path, dav: Config, dav_settings: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def never(config: Config) -> Any:
        raise AssertionError("a request was prepared")

    monkeypatch.setattr(quick, "_dav_check", never)
    (home / "broken.yaml").write_text("goals: [")
    assert quick.start_checks(dav, home / "broken.yaml") is None
    bad_rules = from_mapping({**dav_settings, "rules": {"scheduling": {"no_such_rule": 1}}})
    assert quick.start_checks(bad_rules, home / "goals.yaml") is None


def test_a_dry_run_is_quick_too_and_shows_what_the_full_one_would(
        home: Path, counts: Counts, monkeypatch: pytest.MonkeyPatch) -> None:
    settled(home, counts)
    edited = PLAN.replace("Research PMP courses", "Compare PMP courses")
    (home / "goals.yaml").write_text(edited)
    before = runs(home)
    quick_report = sync(home / "goals.yaml", EMBEDDED, now=NOW, dry_run=True)
    assert (counts.quick, counts.servers) == (1, 0)
    with monkeypatch.context() as patch:
        def never(*args: Any, **kwargs: Any) -> SyncReport:
            raise quick.NeedFull

        patch.setattr(engine, "_quick_run", never)
        full_report = sync(home / "goals.yaml", EMBEDDED, now=NOW, dry_run=True)
    assert quick_report.updated > 0 and quick_report.dry_run
    assert outcome(quick_report) == outcome(full_report)
    assert runs(home) == before  # a dry run writes nothing, quick or not
