"""Benchmark: what a misbehaving server costs a goalsync request, bounded and not.

For each misbehaving server of the hostile corpus (``tests/hostile/servers.py``: an
80 MB body, a gzip bomb expanding to 80 MB, headers or a body sent one byte every
0.3 s), one request through goalsync's bounded niquests session and httpx transport
(``syncer/backends/bounded.py``, with the real 64 MB bound and a 3 s deadline), side by
side with the same request through a plain session/client (the baseline: what goalsync
did before). Prints seconds, the peak of Python allocations (tracemalloc) and the
outcome. The baseline's slow cases are cut off by a 12 s watchdog (a dribbled 100 KB
body would go on for about 8 hours). The test bomb expands to 80 MB only, so the
baseline's peak stays near 170-200 MB here; it grows with the bomb (the issue's reached
2-3 GB), the bounded one stays near 70 MB whatever the bomb.
Run: ``.venv/bin/python bench/replies.py``. Not a test.
"""

from __future__ import annotations

import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script, this file's folder is sys.path[0], and this file's name would hide
# nothing; the repository root is what the imports below need.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx  # noqa: E402
import niquests  # noqa: E402

from syncer.backends import bounded  # noqa: E402
from tests.hostile.servers import misbehaving  # noqa: E402

WATCHDOG = 12.0
DEADLINE = 3.0
KINDS = ("huge", "gzip-bomb", "dribble-head", "dribble-body")


def measure(request: Callable[[], Any]) -> tuple[float, float, str]:
    """Seconds, peak MB and outcome of ``request`` (the baseline is given up on after
    WATCHDOG seconds, in a thread left behind)."""
    outcome: list[str] = []

    def run() -> None:
        try:
            response = request()
            outcome.append(f"read {len(response.content) / 1e6:.0f} MB")
        except Exception as error:  # the outcome is what is measured
            outcome.append(type(error).__name__)

    tracemalloc.start()
    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(WATCHDOG)
    seconds = time.monotonic() - started
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, outcome[0] if outcome else f"still running after {WATCHDOG:g} s"


def main() -> None:
    print(f"{'server':14} {'client':28} {'seconds':>8} {'peak MB':>8}  outcome")
    for kind in KINDS:
        for stack in ("niquests (CalDAV)", "httpx (Todoist)"):
            for bounded_run in (False, True):
                with misbehaving(kind) as server:
                    if stack.startswith("niquests"):
                        session = niquests.Session()
                        if bounded_run:
                            bounded.bound_session(session, what=f"server {kind} niquests",
                                                  deadline=DEADLINE)
                        call = lambda s=session, u=server.url: s.request(  # noqa: E731
                            "PROPFIND", u, timeout=30)
                    else:
                        transport: httpx.BaseTransport = httpx.HTTPTransport()
                        if bounded_run:
                            transport = bounded.BoundedTransport(
                                transport, what=f"server {kind} httpx", deadline=DEADLINE)
                        client = httpx.Client(transport=transport, timeout=30)
                        call = lambda c=client, u=server.url: c.post(u)  # noqa: E731
                    seconds, peak, outcome = measure(call)
                label = f"{stack}, {'bounded' if bounded_run else 'baseline'}"
                print(f"{kind:14} {label:28} {seconds:8.1f} {peak:8.0f}  {outcome}")


if __name__ == "__main__":
    main()
