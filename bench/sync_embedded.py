"""Benchmark: requests per CalDAV collection for the default setup (tasks and calendar
both on the embedded Radicale), on the large plan.

    .venv/bin/python bench/sync_embedded.py
    .venv/bin/python bench/sync_embedded.py --plan examples/career.yaml
    .venv/bin/python bench/sync_embedded.py --baseline   # also: first sync, old settings

Runs the real ``syncer.engine.sync`` with ``[tasks] backend = "embedded"`` and
``[calendar] backend = "embedded"`` at a fixed ``--now``: a first sync, a no-change sync,
a sync after renaming some steps in the plan (writes to both collections), and another
no-change sync. For each it prints the HTTP requests each adapter sent (client side: the
session of every ``DavConnection`` is wrapped, so discovery, retries and auth round-trips
are counted), by method, and seconds. Target (issue 6): a no-change sync makes at most 2
requests per collection.

With ``--baseline`` it first runs one more first sync (fresh server and state) with the
embedded server's old settings (``syncer.embedded.STORAGE_OPTIONS`` emptied: Radicale's
defaults) and prints its requests and seconds beside the tuned first sync's.

Not a test: seconds vary by machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # bench/caldav.py would hide the caldav package

from syncer import embedded  # noqa: E402
from syncer.backends.caldav_common import DavConnection  # noqa: E402
from syncer.config import from_mapping  # noqa: E402
from syncer.engine import SyncReport, sync  # noqa: E402

NOW = "2026-11-23T08:00"
TARGET_PER_COLLECTION = 2
RENAME = ("mentor chat", "mentor call")  # step titles: their tasks and blocks change


class Wire:
    """(connection, method) of every request sent by a DavConnection."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.names: dict[int, str] = {}

    def install(self) -> None:
        counted = DavConnection._count_session_requests
        wire = self

        def logging(conn: DavConnection) -> None:
            counted(conn)
            session: Any = conn.client.session
            send = session.request

            def logged(*args: Any, **kwargs: Any) -> Any:
                method = args[0] if args else kwargs.get("method", "")
                wire.sent.append((id(conn), str(method).upper()))
                return send(*args, **kwargs)

            session.request = logged
            # the engine opens the task list's connection first, then the calendar's
            wire.names[id(conn)] = ("task list", "calendar")[min(len(wire.names), 1)]

        DavConnection._count_session_requests = logging  # type: ignore[method-assign, assignment]

    def by_connection(self) -> dict[str, Counter[str]]:
        found: dict[str, Counter[str]] = {}
        for conn, method in self.sent:
            found.setdefault(self.names[conn], Counter())[method] += 1
        return found


def run(label: str, plan: Path, now: datetime, wire: Wire, rows: list[str]) -> SyncReport:
    wire.sent.clear()
    wire.names.clear()
    config = from_mapping({"tasks": {"backend": "embedded"},
                           "calendar": {"backend": "embedded"}})
    began = time.perf_counter()
    report = sync(plan, config, now=now)
    seconds = time.perf_counter() - began
    per = wire.by_connection()
    worst = max((sum(c.values()) for c in per.values()), default=0)
    check = ("met" if worst <= TARGET_PER_COLLECTION else "MISSED") if "no-change" in label \
        else ""
    rows.append(f"{label:<40} {len(wire.sent):>8} {worst:>10} {seconds:>8.2f}  {check}")
    for name, methods in per.items():
        detail = " ".join(f"{m}×{n}" for m, n in sorted(methods.items()))
        rows.append(f"    {name}: {detail}")
    wrote = report.created + report.updated + report.deleted
    rows.append(f"    writes reported: {wrote}, errors: {len(report.errors)}")
    return report


def first_sync(plan_text: str, now: datetime, wire: Wire) -> tuple[int, float]:
    """(requests, seconds) of one first sync in a fresh state and server folder."""
    with tempfile.TemporaryDirectory(prefix="goalsync-bench-") as tmp:
        folder = Path(tmp)
        os.environ["GOALSYNC_STATE_DIR"] = str(folder / "state")
        plan = folder / "plan.yaml"
        plan.write_text(plan_text)
        rows: list[str] = []
        began = time.perf_counter()
        run("first sync", plan, now, wire, rows)
        return len(wire.sent), time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, default=ROOT / "examples" / "large.yaml")
    parser.add_argument("--now", default=NOW, help="wall-clock time in the plan's zone")
    parser.add_argument("--baseline", action="store_true",
                        help="also time a first sync with the old embedded-server settings")
    args = parser.parse_args()
    wire = Wire()
    wire.install()
    rows = [f"{'run':<40} {'requests':>8} {'max/coll.':>10} {'seconds':>8}  target"]
    from syncer.planfile import load_plan

    now = datetime.fromisoformat(args.now).replace(
        tzinfo=ZoneInfo(load_plan(args.plan).timezone))
    baseline: tuple[int, float] | None = None
    if args.baseline:
        tuned = dict(embedded.STORAGE_OPTIONS)
        embedded.STORAGE_OPTIONS.clear()
        try:
            baseline = first_sync(args.plan.read_text(), now, wire)
        finally:
            embedded.STORAGE_OPTIONS.update(tuned)
    with tempfile.TemporaryDirectory(prefix="goalsync-bench-") as tmp:
        folder = Path(tmp)
        os.environ["GOALSYNC_STATE_DIR"] = str(folder / "state")
        plan = folder / "plan.yaml"
        text = args.plan.read_text()
        plan.write_text(text)
        began = time.perf_counter()
        run("first sync", plan, now, wire, rows)
        tuned_run = (len(wire.sent), time.perf_counter() - began)
        run("no-change sync", plan, now, wire, rows)
        plan.write_text(text.replace(RENAME[0], RENAME[1]))
        run(f"sync after renaming {RENAME[0]!r} steps", plan, now, wire, rows)
        run("no-change sync (after the renames)", plan, now, wire, rows)
    print(f"plan {args.plan.name}, --now {args.now}, tasks + calendar on the embedded "
          "Radicale")
    print("\n".join(rows))
    if baseline is not None:
        print(f"\nfirst sync, {'':<22} {'requests':>8} {'seconds':>8}")
        print(f"  baseline (Radicale defaults) {baseline[0]:>8} {baseline[1]:>8.2f}")
        print(f"  now                          {tuned_run[0]:>8} {tuned_run[1]:>8.2f}")
    print(f"\ntarget (issue 6): a no-change sync makes ≤ {TARGET_PER_COLLECTION} requests "
          "per collection")


if __name__ == "__main__":
    main()
