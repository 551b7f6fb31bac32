"""Benchmark: how long goalsync takes to start, side by side with ``python -c pass``.

    .venv/bin/python bench/startup.py            # 7 runs each, the median is printed
    .venv/bin/python bench/startup.py --runs 15

Every figure is a whole process, as a person or a cron job runs it (the console
script's interpreter, the same environment): ``python -c pass``, ``goalsync --help``,
``goalsync <command> --help`` for every command, and a no-change ``goalsync sync`` of
examples/career.yaml

* against a CalDAV server that is already running (``goalsync serve`` in the
  background, ``[tasks]`` and ``[calendar]`` backend = "caldav"): the start-up and the
  two change-token requests;
* with the default embedded backends, where each run also starts and stops Radicale.

Targets (issue 15): every ``--help`` within 150 ms of ``python -c pass``; a no-change
sync within 0.4 s. The margin column is the median minus ``python -c pass``'s.

Not a test: seconds vary by machine and load.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "career.yaml"
NOW = "2026-11-23T08:00"
HELP_MARGIN = 0.150
SYNC_TARGET = 0.4
COMMANDS = ["check", "init", "schedule", "plan", "sync", "today", "week", "status", "review",
            "report", "demo", "serve", "auth", "auth caldav", "auth todoist", "completion"]


def goalsync() -> list[str]:
    """The console script next to this interpreter, else ``python -m syncer``."""
    script = Path(sys.executable).with_name("goalsync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "syncer"]


def timed(argv: list[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    seconds = []
    for _ in range(runs):
        began = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=env, check=False)
        seconds.append(time.perf_counter() - began)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): "
                             f"{done.stderr.decode(errors='replace')[-500:]}")
    return seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def line(label: str, seconds: list[float], base: float, limit: float | None) -> None:
    median = statistics.median(seconds)
    margin = median - base
    verdict = ""
    if limit is not None:
        verdict = "ok" if margin <= limit else f"OVER by {margin - limit:.3f}"
    print(f"  {label:<34} {median:7.3f} s  (min {min(seconds):.3f})  "
          f"+{margin:6.3f} s  {verdict}")


def sync_env(folder: Path, config: str) -> dict[str, str]:
    (folder / "goalsync.toml").write_text(config, encoding="utf-8")
    env = {**os.environ, "GOALSYNC_CONFIG": str(folder / "goalsync.toml"),
           "GOALSYNC_STATE_DIR": str(folder / "state"), "GOALSYNC_CALDAV_PASSWORD": "x",
           "NO_COLOR": "1"}
    env.pop("GOALSYNC_TODOIST_TOKEN", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    runs = args.runs
    cli = goalsync()

    print(f"{runs} runs each; median, fastest, margin over `python -c pass`")
    base_runs = timed([sys.executable, "-c", "pass"], runs)
    base = statistics.median(base_runs)
    line("python -c pass", base_runs, base, None)
    line("goalsync --help", timed([*cli, "--help"], runs), base, HELP_MARGIN)
    for command in COMMANDS:
        line(f"goalsync {command} --help", timed([*cli, *command.split(), "--help"], runs),
             base, HELP_MARGIN)

    with tempfile.TemporaryDirectory(prefix="goalsync-startup-") as tmp:
        folder = Path(tmp)
        plan = folder / "career.yaml"
        shutil.copy(PLAN, plan)
        port = free_port()
        served = folder / "served"
        server = subprocess.Popen([*cli, "serve", "--data-dir", str(served), "--port",
                                   str(port)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            dav = folder / "dav"
            dav.mkdir()
            env = sync_env(dav, (
                '[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
                f'[caldav]\nurl = "http://127.0.0.1:{port}/goalsync/"\n'
                'username = "goalsync"\n'))
            argv = [*cli, "sync", str(plan), "--now", NOW, "--quiet"]
            timed(argv, 1, env)  # the first sync writes everything
            line("sync, no change (CalDAV server)", timed(argv, runs, env), base, None)
            print(f"  {'':<34} target: {SYNC_TARGET:.1f} s in all")
        finally:
            server.terminate()
            server.wait(timeout=30)
        embedded = folder / "embedded"
        embedded.mkdir()
        env = sync_env(embedded, "")
        argv = [*cli, "sync", str(plan), "--now", NOW, "--quiet"]
        timed(argv, 1, env)
        line("sync, no change (embedded server)", timed(argv, max(3, runs // 2), env), base,
             None)


if __name__ == "__main__":
    main()
