"""Benchmark: requests and seconds of real syncs on every CalDAV server in the matrix.

    .venv/bin/python bench/caldav.py                      # examples/large.yaml, all servers
    .venv/bin/python bench/caldav.py --servers radicale   # the embedded server alone
    .venv/bin/python bench/caldav.py --plan examples/career.yaml --runs 3

For each server found on this machine (the embedded Radicale as ``goalsync`` starts it;
Xandikos, Cyrus IMAP and DAViCal started as the test fixtures in tests/fixtures/ start
them, skipped with the reason when not installed), it runs the real
``syncer.engine.sync`` with tasks (VTODOs) and blocks (VEVENTs) on that server: a first
sync into empty collections, an idle rerun, and a sync after renaming steps in the plan
(``RENAME``: their to-dos and blocks are rewritten). Each is done twice, side by side:

* ``baseline``: the path before this change: writes one at a time, an update's object
  and each parent read one by one, and on the embedded server Radicale's stock storage
  (``[storage] type`` left out of ``syncer.embedded.STORAGE_OPTIONS``);
* ``now``: as goalsync runs today.

``--runs N`` repeats each pair and prints the best seconds (the machine is shared; the
request counts do not vary). Every run starts with a fresh state folder and fresh
collections; the collections are deleted after it (Cyrus keeps a UID unique across a
user's calendars). Not a test: seconds vary by machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # this file's name would hide the caldav package

from syncer import embedded  # noqa: E402
from syncer.backends import caldav_common, caldav_tasks  # noqa: E402
from syncer.backends.caldav_common import DavConnection  # noqa: E402
from syncer.config import from_mapping  # noqa: E402
from syncer.engine import sync  # noqa: E402

NOW = "2026-11-23T08:00"
RENAME = ("mentor chat", "mentor call")  # step titles: their tasks and blocks change
PHASES = ("first sync", "idle rerun", "rename/edit")
SERVERS = ("radicale", "xandikos", "cyrus", "davical")


@dataclass
class Server:
    """Where a run syncs to: ``url`` None means the embedded server."""

    name: str
    url: str | None = None
    username: str = ""
    password: str = field(default="", repr=False)


@dataclass
class Figures:
    requests: int
    seconds: float
    methods: Counter[str]
    errors: int


class Wire:
    """Counts the requests every DavConnection sends, by method."""

    def __init__(self) -> None:
        self.methods: Counter[str] = Counter()
        counted = DavConnection._count_session_requests
        wire = self

        def counting(conn: DavConnection) -> None:
            counted(conn)
            session: Any = conn.client.session
            send = session.request

            def sent(*args: Any, **kwargs: Any) -> Any:
                wire.methods[str(args[0] if args else kwargs.get("method", "")).upper()] += 1
                return send(*args, **kwargs)

            session.request = sent

        DavConnection._count_session_requests = counting  # type: ignore[method-assign]


@contextlib.contextmanager
def baseline(enabled: bool) -> Iterator[None]:
    """The path before this change, while ``enabled``: one write at a time, no
    multiget read-ahead, Radicale's stock storage for the embedded server."""
    if not enabled:
        yield
        return
    saved = (caldav_common.WRITE_WORKERS, caldav_tasks.PREFETCH_CHUNK,
             embedded.STORAGE_OPTIONS.pop("type", None))
    caldav_common.WRITE_WORKERS, caldav_tasks.PREFETCH_CHUNK = 1, 0
    try:
        yield
    finally:
        caldav_common.WRITE_WORKERS, caldav_tasks.PREFETCH_CHUNK = saved[0], saved[1]
        if saved[2] is not None:
            embedded.STORAGE_OPTIONS["type"] = saved[2]


def config_for(server: Server, tag: str) -> Any:
    if server.url is None:
        return from_mapping({"tasks": {"backend": "embedded"},
                             "calendar": {"backend": "embedded"}})
    os.environ["GOALSYNC_CALDAV_PASSWORD"] = server.password
    return from_mapping({
        "tasks": {"backend": "caldav"}, "calendar": {"backend": "caldav"},
        "caldav": {"url": server.url, "username": server.username,
                   "calendar": f"Goals {tag}", "task_list": f"Goal tasks {tag}",
                   "allow_insecure_http": True},
    })


def drop_collections(server: Server, tag: str) -> None:
    """Delete the run's calendar and task list (external servers)."""
    if server.url is None:
        return
    dav = DavConnection(server.url, server.username, server.password,
                        allow_insecure_http=True)
    try:
        for name, component in ((f"Goals {tag}", "VEVENT"), (f"Goal tasks {tag}", "VTODO")):
            found = dav.find_collection(name, component)
            if found is not None:
                dav.request("DELETE", found.url)
    finally:
        dav.close()


def run_phases(server: Server, plan_text: str, now: datetime, wire: Wire, tag: str,
               is_baseline: bool) -> list[Figures]:
    figures = []
    with tempfile.TemporaryDirectory(prefix="goalsync-bench-") as tmp, baseline(is_baseline):
        os.environ["GOALSYNC_STATE_DIR"] = str(Path(tmp) / "state")
        plan = Path(tmp) / "plan.yaml"
        plan.write_text(plan_text)
        config = config_for(server, tag)
        edits: list[Callable[[], None]] = [
            lambda: None, lambda: None,
            lambda: plan.write_text(plan_text.replace(RENAME[0], RENAME[1]))]
        try:
            for edit in edits:
                edit()
                wire.methods.clear()
                began = time.perf_counter()
                report = sync(plan, config, now=now)
                seconds = time.perf_counter() - began
                figures.append(Figures(sum(wire.methods.values()), seconds,
                                       Counter(wire.methods), len(report.errors)))
        finally:
            drop_collections(server, tag)
    return figures


def best(runs: list[list[Figures]]) -> list[Figures]:
    return [min((run[i] for run in runs), key=lambda f: f.seconds) for i in range(len(PHASES))]


@contextlib.contextmanager
def started(name: str) -> Iterator[Server]:
    """The server ``name``, running for the block (started as the test fixtures do);
    raises LookupError with the reason when it cannot run here."""
    import pytest

    if name == "radicale":
        yield Server("Radicale (embedded)")
        return
    from tests.fixtures import cyrus, davical, radicale

    if name == "xandikos":
        factory = _TmpFactory()
        fixture = radicale.xandikos_url._get_wrapped_function()(factory)
    else:
        module = cyrus if name == "cyrus" else davical
        fixture = getattr(module, f"{name}_server")._get_wrapped_function()()
    try:
        found = next(fixture)
    except (pytest.skip.Exception, pytest.fail.Exception) as why:
        raise LookupError(str(why)) from None
    try:
        if name == "xandikos":
            yield Server("Xandikos", str(found), "goalsync", "unused")
        else:
            yield Server(found.name, found.url, found.username, found.password)
    finally:
        with contextlib.suppress(StopIteration):
            next(fixture)


class _TmpFactory:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="goalsync-bench-xandikos-"))

    def mktemp(self, name: str) -> Path:
        path = self.root / name
        path.mkdir()
        return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=ROOT / "examples" / "large.yaml")
    parser.add_argument("--now", default=NOW, help="wall-clock time in the plan's zone")
    parser.add_argument("--servers", default=",".join(SERVERS),
                        help=f"comma-separated, of {', '.join(SERVERS)}")
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat each baseline/now pair; the best seconds are shown")
    args = parser.parse_args()
    from syncer.planfile import load_plan

    text = args.plan.read_text()
    if RENAME[0] not in text:
        print(f"note: {args.plan.name} has no {RENAME[0]!r} step: the rename phase "
              "changes nothing")
    now = datetime.fromisoformat(args.now).replace(
        tzinfo=ZoneInfo(load_plan(args.plan).timezone))
    wire = Wire()
    print(f"plan {args.plan.name}, --now {args.now}; tasks and blocks on each server; "
          f"best of {args.runs}; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(f"{'server':<22} {'phase':<12} {'baseline req':>12} {'s':>8}   "
          f"{'now req':>8} {'s':>8}  {'speed-up':>8}")
    for name in args.servers.split(","):
        try:
            with started(name.strip()) as server:
                runs: dict[bool, list[list[Figures]]] = {True: [], False: []}
                for attempt in range(args.runs):
                    for is_baseline in (True, False):
                        tag = f"bench {attempt} {'base' if is_baseline else 'now'}"
                        runs[is_baseline].append(
                            run_phases(server, text, now, wire, tag, is_baseline))
                old, new = best(runs[True]), best(runs[False])
                for phase, before, after in zip(PHASES, old, new, strict=True):
                    errors = f"  errors {before.errors}/{after.errors}" \
                        if before.errors or after.errors else ""
                    print(f"{server.name:<22} {phase:<12} {before.requests:>12} "
                          f"{before.seconds:>8.2f}   {after.requests:>8} {after.seconds:>8.2f}"
                          f"  {before.seconds / max(after.seconds, 1e-9):>7.1f}x{errors}")
                    if phase == "rename/edit":
                        for label, figures in (("baseline", before), ("now", after)):
                            detail = " ".join(f"{m}×{n}"
                                              for m, n in sorted(figures.methods.items()))
                            print(f"{'':<22}   {label}: {detail}")
        except LookupError as why:
            print(f"{name:<22} skipped: {why}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
