"""Benchmark: the whole engine on the large plan, Todoist (fake) + CalDAV (embedded Radicale).

    .venv/bin/python bench/sync.py
    .venv/bin/python bench/sync.py --plan examples/large.yaml --busy-events 0 --profile

Runs the real ``syncer.engine.sync`` on ``examples/large.yaml`` (~500 steps) with
``[tasks] backend = "todoist"`` against the fake Todoist API and ``[calendar] backend =
"caldav"`` against the embedded Radicale, at a fixed ``--now`` so runs are comparable, and
prints requests per server and seconds for: the first sync, a no-change sync, a sync after
10 step tasks were completed in the app, and another no-change sync; then a no-change
``goalsync sync`` as a subprocess next to a bare ``goalsync --help`` (process start);
then peak memory. Targets of issue 6 are printed next to the figures.

How requests are counted:

* Todoist: server side, by the fake's own counters (``FakeTodoist.count()``), so the
  subprocess run is counted the same way.
* CalDAV: client side, by wrapping ``niquests.Session.request`` at class level before any
  adapter exists. Every DAV request of caldav's ``DAVClient`` goes through that method
  (retries and auth round-trips included), so the wrapper sees each HTTP request once;
  only requests whose URL starts with the Radicale URL are counted. For the subprocess
  run the same wrapper is installed by a ``sitecustomize.py`` on ``PYTHONPATH`` (a second,
  separately timed subprocess; the timed one runs without it).

Not a test: seconds vary by machine. Peak memory: ``ru_maxrss`` of this process (the fake
Todoist server thread included, Radicale excluded: it is a child process), and with
``--tracemalloc`` the tracemalloc peak of one extra first sync (slow: it traces parsing).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder is sys.path[0]; bench/caldav.py there would hide the
# caldav package, so the repository root takes its place (also for tests.fake_todoist).
sys.path[0] = str(ROOT)

from syncer.config import Config, from_mapping  # noqa: E402
from syncer.embedded import DEFAULT_USER, EmbeddedServer  # noqa: E402
from syncer.engine import SyncReport, sync  # noqa: E402
from tests.fake_todoist import FakeTodoist  # noqa: E402

TOKEN = "bench-token-0123456789"
NOW = "2026-11-23T08:00"
COMPLETIONS = 10
TARGET_TODOIST = 1  # requests of a no-change sync (issue 6)
TARGET_PER_CALENDAR = 2
TARGET_SECONDS = 1.0  # plus process start


# ------------------------------------------------------------------ request counting


@dataclass
class DavCounter:
    """HTTP requests sent to one base URL through niquests (method, path, seconds)."""

    base: str = ""
    calls: list[tuple[str, str, float]] = field(default_factory=list)
    listing: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, depth

    def reset(self) -> None:
        self.calls.clear()
        self.listing.clear()

    def by_method(self) -> str:
        """``PROPFIND×2 PUT×5``; each request listed when there are few."""
        counts = Counter(method for method, _, _ in self.calls)
        text = " ".join(f"{m}×{n}" for m, n in sorted(counts.items())) or "-"
        if 0 < len(self.calls) <= 8:
            text += "".join(f"\n             {method} {path} (depth {depth})"
                            for method, path, depth in self.listing)
        return text


def install_counter(counter: DavCounter) -> None:
    """Wrap ``niquests.Session.request`` (class level, so sessions made later see it)."""
    import niquests

    original = niquests.Session.request

    def counted(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return original(self, method, url, *args, **kwargs)
        finally:
            if counter.base and str(url).startswith(counter.base):
                path = urlsplit(str(url)).path
                counter.calls.append((str(method).upper(), path, time.perf_counter() - began))
                headers = kwargs.get("headers") or {}
                counter.listing.append((str(method).upper(), path,
                                        str(headers.get("Depth", headers.get("depth", "-")))))

    niquests.Session.request = counted  # type: ignore[method-assign]


# The same wrapper for the subprocess: counts go to $GOALSYNC_BENCH_DAV_COUNT at exit.
SITECUSTOMIZE = '''
import atexit, json, os
_calls = []
def _install():
    import niquests
    original = niquests.Session.request
    base = os.environ["GOALSYNC_BENCH_DAV_BASE"]
    def counted(self, method, url, *args, **kwargs):
        if str(url).startswith(base):
            _calls.append(str(method).upper())
        return original(self, method, url, *args, **kwargs)
    niquests.Session.request = counted
_install()
atexit.register(lambda: open(os.environ["GOALSYNC_BENCH_DAV_COUNT"], "w").write(
    json.dumps(_calls)))
'''


# ------------------------------------------------------------------ phase timing

# (module, attribute, label): the engine's steps whose seconds are summed per run. Only
# attributes that exist are wrapped, so a renamed step just drops out of the table.
PHASES = (
    ("syncer.planfile", "load_plan", "load plan (YAML parse + validation)"),
    ("syncer.policy", "load_rules", "load rules"),
    ("syncer.engine:_Run", "_check_binding", "check binding"),
    ("syncer.engine:_Run", "_pull", "pull (changes_since / listings / busy)"),
    ("syncer.engine:_Run", "_resolve_journal", "resolve journal"),
    ("syncer.engine:_Run", "_decide", "decide (total)"),
    ("syncer.engine:_Run", "_bases", "  decide: bases from state links"),
    ("syncer.engine:_Run", "_review_blocks", "  decide: review blocks"),
    ("syncer.engine:_Run", "_schedule", "  decide: schedule"),
    ("syncer.engine", "desired_blocks", "  decide: desired blocks"),
    ("syncer.engine", "desired_tasks", "  decide: desired tasks"),
    ("syncer.core.reconcile", "reconcile", "  decide: reconcile"),
    ("syncer.engine:_Run", "_guard", "guard"),
    ("syncer.engine:_Run", "_execute", "execute (total)"),
    ("syncer.engine:_Run", "_record", "  execute: record"),
    ("syncer.engine:_Run", "_push_tasks", "  execute: push tasks"),
    ("syncer.engine:_Run", "_write_block", "  execute: write blocks"),
    ("syncer.engine:_Run", "_save_tokens", "  execute: save tokens + snapshots"),
    ("syncer.state:State", "save_planned_blocks", "save planned blocks"),
    ("syncer.state:State", "prune_journal", "prune journal"),
    ("syncer.state:State", "end_run", "end run"),
)


class Phases:
    """Seconds and calls per engine step, summed since the last ``reset()``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: Counter[str] = Counter()

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def install(self) -> None:
        import importlib

        for where, name, label in PHASES:
            module_name, _, class_name = where.partition(":")
            owner: Any = importlib.import_module(module_name)
            if class_name:
                owner = getattr(owner, class_name, None)
            if owner is not None and callable(getattr(owner, name, None)):
                setattr(owner, name, self._timed(getattr(owner, name), label))

    def _timed(self, func: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + (
                    time.perf_counter() - began)
                self.calls[label] += 1
        return timed

    def text(self, total: float) -> str:
        order = [label for _, _, label in PHASES if label in self.seconds]
        lines = [f"      {label:<44} {self.seconds[label]:>6.3f} s  ×{self.calls[label]}"
                 for label in order]
        top = sum(self.seconds[label] for label in order if not label.startswith(" "))
        lines.append(f"      {'other (backends, state open, lock, …)':<44} "
                     f"{total - top:>6.3f} s")
        return "\n".join(lines)


# ------------------------------------------------------------------ set-up


def make_config(fake: FakeTodoist, server: EmbeddedServer, busy: bool) -> dict[str, Any]:
    return {
        "calendar": {"backend": "caldav"},
        # examples/large.yaml has 50 goals: a project per goal on a Pro account, every
        # step a task (the figures compare with earlier runs; bench/todoist.py measures
        # the free plan's default layout)
        "todoist": {"api_url": fake.url, "layout": "projects"},
        "tasks": {"backend": "todoist", "steps": "all"},
        "caldav": {"url": server.url, "username": DEFAULT_USER, "calendar": "Goals",
                   "busy_calendars": ["Work"] if busy else []},
    }


def add_busy_calendar(server: EmbeddedServer, events: int, now: datetime) -> None:
    """A "Work" calendar with ``events`` one-hour meetings on weekdays from ``now`` on
    (the user's other commitments; goalsync reads it as busy time)."""
    from syncer.backends.caldav_common import DavConnection

    dav = DavConnection(server.url, DEFAULT_USER, "x")
    work = dav.find_or_create_collection("Work", "VEVENT")
    day = now.replace(hour=10, minute=0, second=0, microsecond=0)
    for n in range(events):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = day.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
        end = (day + timedelta(hours=1)).astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
        ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
               f"UID:work-{n}@bench\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\n"
               f"DTEND:{end}\r\nSUMMARY:Meeting {n}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        dav.put(dav.object_url(work.url, f"work-{n}.ics"), ics.encode(), create=True)
        day += timedelta(days=1)


def step_tasks_to_complete(fake: FakeTodoist, n: int) -> list[str]:
    """The ``n`` open step tasks due first (the ones whose blocks are in the window)."""
    steps = [t for t in fake.tasks(include_completed=False)
             if ":step:" in (t.get("description") or "")]
    steps.sort(key=lambda t: ((t.get("due") or {}).get("date") or "9999", t["id"]))
    return [t["id"] for t in steps[:n]]


# ------------------------------------------------------------------ measuring


@dataclass
class Row:
    label: str
    todoist: int
    caldav: int
    seconds: float
    detail: str = ""
    todoist_paths: str = ""
    caldav_methods: str = ""
    phases: str = ""


class Bench:
    def __init__(self, fake: FakeTodoist, dav: DavCounter, plan: Path, config: Config,
                 now: datetime, profile: bool, phases: Phases) -> None:
        self.fake, self.dav, self.plan, self.config = fake, dav, plan, config
        self.phases = phases
        self.now, self.profile = now, profile
        self.rows: list[Row] = []
        self.profiles: list[tuple[str, str]] = []

    def run(self, label: str, repeat: int = 1) -> SyncReport:
        """One sync, measured; with ``repeat`` > 1 the same sync again (it must then be
        a no-change sync) and the median of the seconds is shown."""
        self.fake.reset_counters()
        self.dav.reset()
        self.phases.reset()
        profiler = cProfile.Profile() if self.profile else None
        began = time.perf_counter()
        if profiler:
            profiler.enable()
        report = sync(self.plan, self.config, now=self.now)
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - began
        paths = Counter(f"{r.method} {r.path.removeprefix('/api/v1')}"
                        for r in self.fake.requests)
        summary = report.summary()
        detail = (f"created {summary['created']}, updated {summary['updated']}, deleted "
                  f"{summary['deleted']}, completed {summary['completed']}, unscheduled "
                  f"{len(summary['unscheduled'])}, errors {len(summary['errors'])}")
        self.rows.append(Row(label, self.fake.count(), len(self.dav.calls), seconds, detail,
                             " ".join(f"{p}×{n}" for p, n in sorted(paths.items())) or "-",
                             self.dav.by_method(), self.phases.text(seconds)))
        if report.errors:
            print(f"  ! {label}: {list(report.errors)[:3]}", file=sys.stderr)
        if profiler:
            self.profiles.append((label, _top(profiler)))
        if repeat > 1:
            times = [seconds] + [self._timed_sync() for _ in range(repeat - 1)]
            row = self.rows[-1]
            row.seconds = statistics.median(times)
            row.label += f" (median of {repeat})"
            row.detail += f"; seconds {min(times):.2f}–{max(times):.2f}"
        return report

    def _timed_sync(self) -> float:
        began = time.perf_counter()
        sync(self.plan, self.config, now=self.now)
        return time.perf_counter() - began


def _top(profiler: cProfile.Profile, n: int = 18) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(n)
    text = out.getvalue()
    return text[text.find("   ncalls"):] if "   ncalls" in text else text


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def toml_of(data: dict[str, Any]) -> str:
    lines = []
    for section, table in data.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def run_cli(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    began = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT, check=False)
    return time.perf_counter() - began, done


def bench_cli(bench: Bench, folder: Path, data: dict[str, Any], env: dict[str, str],
              server_url: str, repeat: int) -> list[str]:
    """A no-change ``goalsync sync`` as a subprocess: timed bare, then counted."""
    config_file = folder / "goalsync.toml"
    config_file.write_text(toml_of(data))
    goalsync = str(Path(sys.executable).with_name("goalsync"))
    command = [goalsync, "sync", str(bench.plan), "--config", str(config_file),
               "--now", NOW, "--json"]
    full_env = {**os.environ, **env}
    start_s = statistics.median(run_cli([goalsync, "--help"], full_env)[0]
                                for _ in range(repeat))
    bare_s = statistics.median(run_cli([sys.executable, "-c", "pass"], full_env)[0]
                               for _ in range(repeat))
    bench.fake.reset_counters()
    seconds, done = run_cli(command, full_env)
    todoist = bench.fake.count()
    if done.returncode != 0:
        return [f"subprocess sync failed ({done.returncode}): {done.stderr.strip()[-400:]}"]
    times = [seconds] + [run_cli(command, full_env)[0] for _ in range(repeat - 1)]
    hook = folder / "hook"
    hook.mkdir(exist_ok=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE)
    count_file = folder / "dav-count.json"
    counted_env = {**full_env, "PYTHONPATH": str(hook), "GOALSYNC_BENCH_DAV_BASE": server_url,
                   "GOALSYNC_BENCH_DAV_COUNT": str(count_file)}
    _, counted = run_cli(command, counted_env)
    methods = Counter(json.loads(count_file.read_text())) if count_file.exists() else Counter()
    bench.rows.append(Row(f"no-change sync, `goalsync sync` subprocess (median of {repeat})",
                          todoist, sum(methods.values()), statistics.median(times),
                          f"{_summary_text(counted.stdout)}; seconds "
                          f"{min(times):.2f}–{max(times):.2f}",
                          caldav_methods=" ".join(f"{m}×{n}" for m, n in
                                                  sorted(methods.items())) or "-"))
    bench.rows.append(Row(f"  process start: `goalsync --help` (median of {repeat})", 0, 0,
                          start_s))
    bench.rows.append(Row(f"  interpreter alone: `python -c pass` (median of {repeat})", 0,
                          0, bare_s))
    return []


def _summary_text(stdout: str) -> str:
    try:
        data = json.loads(stdout)
    except ValueError:
        return stdout.strip()[-200:]
    return ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in data.items())


# ------------------------------------------------------------------ printing


def verdict(row: Row, calendars: int, start_s: float | None) -> str:
    misses = []
    if row.todoist > TARGET_TODOIST:
        misses.append(f"Todoist {row.todoist} > {TARGET_TODOIST}")
    if row.caldav > TARGET_PER_CALENDAR * calendars:
        misses.append(f"CalDAV {row.caldav} > {TARGET_PER_CALENDAR * calendars}")
    limit = TARGET_SECONDS + (start_s or 0.0)
    if row.seconds >= limit:
        misses.append(f"{row.seconds:.2f} s ≥ {limit:.2f} s")
    return "MISSED: " + "; ".join(misses) if misses else "met"


def print_table(rows: list[Row], calendars: int) -> None:
    start = next((r.seconds for r in rows if r.label.strip().startswith("process start")),
                 None)
    print(f"\n{'run':<60} {'Todoist':>7} {'CalDAV':>7} {'seconds':>8}  target")
    print("-" * 108)
    for row in rows:
        check = ""
        if "no-change" in row.label:
            check = verdict(row, calendars, start if "subprocess" in row.label else None)
        print(f"{row.label:<60} {row.todoist:>7} {row.caldav:>7} {row.seconds:>8.2f}  {check}")
    print(f"\ntargets (issue 6), no-change sync: ≤ {TARGET_TODOIST} Todoist request, "
          f"≤ {TARGET_PER_CALENDAR} per calendar ({calendars} calendar(s) → "
          f"≤ {TARGET_PER_CALENDAR * calendars} CalDAV), < {TARGET_SECONDS:.0f} s "
          "(in process; + process start for the subprocess)")
    print("\nwhere the requests go:")
    for row in rows:
        if row.detail or row.todoist_paths:
            print(f"  {row.label.strip()}")
            if row.detail:
                print(f"    result : {row.detail}")
            if row.todoist_paths:
                print(f"    Todoist: {row.todoist_paths}")
            if row.caldav_methods:
                print(f"    CalDAV : {row.caldav_methods}")
            if row.phases:
                print(f"    seconds by engine step:\n{row.phases}")


# ------------------------------------------------------------------ main


def scenario(args: argparse.Namespace, folder: Path, dav: DavCounter) -> Bench:
    state_dir = folder / "state"
    env = {"GOALSYNC_STATE_DIR": str(state_dir), "GOALSYNC_TODOIST_TOKEN": TOKEN,
           "GOALSYNC_CALDAV_PASSWORD": "anything"}
    with environment(env), FakeTodoist(token=TOKEN, tier="pro") as fake, \
            EmbeddedServer(folder / "radicale") as server:
        dav.base = server.url
        from syncer.planfile import load_plan

        zone = ZoneInfo(load_plan(args.plan).timezone)
        now = datetime.fromisoformat(args.now).replace(tzinfo=zone)
        if args.busy_events:
            add_busy_calendar(server, args.busy_events, now)
        data = make_config(fake, server, busy=args.busy_events > 0)
        phases = Phases()
        phases.install()
        bench = Bench(fake, dav, args.plan, from_mapping(data), now, args.profile, phases)
        first = bench.run("first sync")
        print(f"first sync: {len(fake.tasks())} Todoist tasks, "
              f"{sum(1 for _ in (folder / 'radicale').rglob('*.ics'))} calendar objects, "
              f"{len(first.schedule.blocks)} blocks planned on the horizon", file=sys.stderr)
        bench.run("no-change sync", args.repeat)
        # Completed an hour ago by the real clock (the fake's and the adapter's), which is
        # also before --now: a completion "after" the real clock would be outside the
        # window the adapter reads completed tasks from.
        at = min(datetime.now(UTC), now) - timedelta(hours=1)
        for task_id in step_tasks_to_complete(fake, COMPLETIONS):
            fake.complete(task_id, at=at)
        bench.run(f"sync after {COMPLETIONS} completions in the app")
        bench.run("no-change sync (after the completions)", args.repeat)
        if not args.no_cli:
            for problem in bench_cli(bench, folder, data, env, server.url, args.repeat):
                print(f"  ! {problem}", file=sys.stderr)
        return bench


def traced_first_sync(args: argparse.Namespace) -> float:
    """tracemalloc peak (MB) of a first sync in a fresh folder (the fake included)."""
    with tempfile.TemporaryDirectory(prefix="goalsync-bench-") as tmp:
        folder = Path(tmp)
        env = {"GOALSYNC_STATE_DIR": str(folder / "state"), "GOALSYNC_TODOIST_TOKEN": TOKEN,
               "GOALSYNC_CALDAV_PASSWORD": "anything"}
        with environment(env), FakeTodoist(token=TOKEN, tier="pro") as fake, \
                EmbeddedServer(folder / "radicale") as server:
            config = from_mapping(make_config(fake, server, busy=False))
            from syncer.planfile import load_plan

            now = datetime.fromisoformat(args.now).replace(
                tzinfo=ZoneInfo(load_plan(args.plan).timezone))
            tracemalloc.start()
            sync(args.plan, config, now=now)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    return peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=ROOT / "examples" / "large.yaml")
    parser.add_argument("--now", default=NOW, help="wall-clock time in the plan's zone")
    parser.add_argument("--busy-events", type=int, default=20,
                        help="meetings on a second, busy calendar (0: no busy calendar)")
    parser.add_argument("--profile", action="store_true",
                        help="print the top of a cProfile of each in-process run")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="also measure a first sync's tracemalloc peak (slow)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="no-change runs per measurement (the median is shown)")
    parser.add_argument("--no-cli", action="store_true", help="skip the subprocess runs")
    args = parser.parse_args()
    args.plan = args.plan.resolve()
    dav = DavCounter()
    install_counter(dav)
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="goalsync-bench-") as tmp:
        bench = scenario(args, Path(tmp), dav)
    calendars = 2 if args.busy_events else 1
    print(f"plan {args.plan.relative_to(ROOT) if args.plan.is_relative_to(ROOT) else args.plan}"
          f", --now {args.now}, calendars: Goals" + (" + Work (busy)" if args.busy_events
                                                     else ""))
    print_table(bench.rows, calendars)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak memory, this process (max RSS, fake Todoist included): {peak:.1f} MiB")
    if args.tracemalloc:
        print(f"peak memory, first sync (tracemalloc peak): {traced_first_sync(args):.1f} MB")
    print(f"benchmark wall time: {time.perf_counter() - began:.1f} s")
    for label, text in bench.profiles:
        print(f"\n--- cProfile: {label} (cumulative) ---\n{text}")


if __name__ == "__main__":
    main()
