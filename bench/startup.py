"""Benchmark: how long goalsync takes to start, side by side with ``python -c pass``.

    .venv/bin/python bench/startup.py                  # 7 rounds
    .venv/bin/python bench/startup.py --rounds 15
    .venv/bin/python bench/startup.py --baseline main  # also the code of a git revision
    .venv/bin/python bench/startup.py --no-help        # the no-change runs only

Every figure is a whole process, as a person or a cron job runs it, with this
interpreter and environment: ``python -c pass``, ``goalsync --help``,
``goalsync <command> --help`` for every command, and a no-change ``goalsync sync`` of
examples/career.yaml

* against a CalDAV server that is already running (``goalsync serve`` in the
  background, ``[tasks]`` and ``[calendar]`` backend = "caldav"): start-up plus the
  two change-token requests;
* with the default embedded backends, where each run also starts and stops Radicale
  unless the quick path settles it;

and ``goalsync plan`` (a dry run) of the same plan with the embedded backends.

Both trees are byte-compiled first (``compileall``), as an installed package is: with
``PYTHONDONTWRITEBYTECODE`` set (or a read-only tree) Python would otherwise compile
every goalsync module on every run, which no installed copy does.

A no-change sync normally takes the quick path (syncer/quick.py: the change tokens
only, no CalDAV library, no embedded server started); the first sync, before the
timed rounds, writes everything and saves what the quick path compares with.

The runs of one round are interleaved (``pass``, this tree, the baseline, ``pass``, …),
so a busy machine slows them alike; the margin is the median over rounds of (run -
the ``pass`` run just before it). ``--baseline REV`` extracts that revision of the
repository (``git archive``) to a temporary folder and times its code the same way, in
its own column.

The CPU lines are the CPU seconds (user + system) the run used, its embedded server
included: on a machine that others load, they vary far less than the seconds.

Targets (issue 15): every ``--help`` within 150 ms of ``python -c pass``; a no-change
sync within 0.4 s in all.

Not a test: seconds vary by machine and load.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from functools import partial
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "examples" / "career.yaml"
NOW = "2026-11-23T08:00"
HELP_MARGIN = 0.150
SYNC_TARGET = 0.4
COMMANDS = ["check", "init", "schedule", "plan", "sync", "today", "week", "status", "review",
            "report", "demo", "serve", "auth", "auth caldav", "auth todoist", "completion"]
PASS = [sys.executable, "-c", "pass"]


def cli_of(code: Path | None) -> list[str]:
    """The goalsync command for this tree (None) or for the code in ``code``."""
    if code is None:
        script = Path(sys.executable).with_name("goalsync")
        if script.exists():
            return [str(script)]
        code = ROOT
    return [sys.executable, "-c",
            f"import sys; sys.path.insert(0, {str(code)!r}); "
            "from syncer.cli import main; main()"]


CPU: list[float] = []  # CPU seconds (user + system) of every run, in order


def run(argv: list[str], env: dict[str, str] | None = None, check: bool = True) -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                          check=False)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the embedded server's too
    CPU.append(after.ru_utime + after.ru_stime - used.ru_utime - used.ru_stime)
    if check and done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[-6:])} failed ({done.returncode}): "
                         f"{done.stderr.decode(errors='replace')[-500:]}")
    return seconds if done.returncode == 0 else float("nan")


def rounds(count: int, variants: list[Callable[[], float]]) -> list[list[float]]:
    """``count`` rounds of pass, variant, pass, variant…; per variant the margins over
    the pass run just before it, plus (last list) the pass runs themselves."""
    margins: list[list[float]] = [[] for _ in variants]
    passes: list[float] = []
    CPUS.clear()
    CPUS.extend([] for _ in variants)
    for _ in range(count):
        for index, variant in enumerate(variants):
            base = run(PASS)
            passes.append(base)
            margins[index].append(variant() - base)
            CPUS[index].append(CPU[-1])
    return [*margins, passes]


CPUS: list[list[float]] = []  # per variant of the last ``rounds``: each run's CPU seconds


def show(label: str, margins: list[list[float]], limit: float | None,
         absolute: bool = False) -> None:
    cells = []
    for values in margins:
        values = [v for v in values if v == v]  # a command the baseline lacks: nan
        if not values:
            cells.append(f"{'-':>16}")
            continue
        median = statistics.median(values)
        verdict = ""
        if limit is not None:
            verdict = " ok" if median <= limit else " OVER"
        cells.append(f"{median:{'8' if absolute else '+8'}.3f} s{verdict:<5}")
    print(f"  {label:<34}" + "".join(cells))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sync_env(folder: Path, config: str) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "goalsync.toml").write_text(config, encoding="utf-8")
    env = {**os.environ, "GOALSYNC_CONFIG": str(folder / "goalsync.toml"),
           "GOALSYNC_STATE_DIR": str(folder / "state"), "GOALSYNC_CALDAV_PASSWORD": "x",
           "NO_COLOR": "1"}
    env.pop("GOALSYNC_TODOIST_TOKEN", None)
    return env


def extract(revision: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "syncer", "rules",
                           "examples"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as archive:
        archive.extractall(into, filter="data")
    # the package data the wheel maps (rules/ → syncer.rules, examples/ → syncer.examples)
    shutil.copytree(into / "rules", into / "syncer" / "rules", dirs_exist_ok=True)
    shutil.copytree(into / "examples", into / "syncer" / "examples", dirs_exist_ok=True)
    return into


def compiled(code: Path) -> None:
    """Byte-compile the goalsync package in ``code`` (see the module doc)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "syncer")],
                   stdout=subprocess.DEVNULL, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline", metavar="REV", default=None,
                        help="also time the code of this git revision (e.g. main)")
    parser.add_argument("--no-help", action="store_true",
                        help="time the no-change runs only (not every --help)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="goalsync-startup-") as tmp:
        folder = Path(tmp)
        trees: list[tuple[str, list[str]]] = [("this tree", cli_of(None))]
        compiled(ROOT)
        if args.baseline:
            base = extract(args.baseline, folder / "base")
            compiled(base)
            trees.append((args.baseline, cli_of(base)))
        print(f"{args.rounds} rounds; the median margin over `python -c pass` (run just "
              "before each)")
        print(f"  {'':<34}" + "".join(f"{name:>16}" for name, _ in trees))

        pass_runs = [run(PASS) for _ in range(args.rounds)]
        print(f"  {'python -c pass (seconds)':<34}{statistics.median(pass_runs):9.3f} s")
        print(f"  {'python -c pass (CPU seconds)':<34}"
              f"{statistics.median(CPU[-args.rounds:]):9.3f} s")
        for command in [] if args.no_help else ["", *COMMANDS]:
            argv = [*command.split(), "--help"]
            variants: list[Callable[[], float]] = [
                partial(run, [*cli, *argv], check=False) for _, cli in trees]
            *margins, _ = rounds(args.rounds, variants)
            show(f"goalsync {command} --help".replace("  ", " "), margins, HELP_MARGIN)

        plan = folder / "career.yaml"
        shutil.copy(PLAN, plan)
        port = free_port()
        server = subprocess.Popen([*cli_of(None), "serve", "--data-dir",
                                   str(folder / "served"), "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            config = ('[tasks]\nbackend = "caldav"\n[calendar]\nbackend = "caldav"\n'
                      f'[caldav]\nurl = "http://127.0.0.1:{port}/goalsync/"\n'
                      'username = "goalsync"\n')
            variants = []  # one per tree
            for index, (_, cli) in enumerate(trees):
                env = sync_env(folder / f"dav{index}", config)
                argv = [*cli, "sync", str(plan), "--now", NOW]  # stderr is a pipe: no progress
                run(argv, env)  # the first sync writes everything
                variants.append(partial(run, argv, env))
            *margins, passes = rounds(args.rounds, variants)
            whole = [[m + p for m, p in zip(ms, passes[i::len(trees)], strict=False)]
                     for i, ms in enumerate(margins)]
            show("sync, no change (CalDAV), margin", margins, None)
            show("sync, no change (CalDAV), in all", whole, SYNC_TARGET, absolute=True)
            show("sync, no change (CalDAV), CPU", CPUS, None, absolute=True)
        finally:
            server.terminate()
            server.wait(timeout=30)

        variants = []  # one per tree
        for index, (_, cli) in enumerate(trees):
            env = sync_env(folder / f"embedded{index}", "")
            argv = [*cli, "sync", str(plan), "--now", NOW]  # stderr is a pipe: no progress
            run(argv, env)  # the first sync writes everything (and marks the storage)
            variants.append(partial(run, argv, env))
        *margins, passes = rounds(max(3, args.rounds // 2), variants)
        whole = [[m + p for m, p in zip(ms, passes[i::len(trees)], strict=False)]
                 for i, ms in enumerate(margins)]
        show("sync, no change (embedded), margin", margins, None)
        show("sync, no change (embedded), in all", whole, SYNC_TARGET, absolute=True)
        show("sync, no change (embedded), CPU", CPUS, None, absolute=True)

        variants = []  # one per tree
        for index, (_, cli) in enumerate(trees):
            env = sync_env(folder / f"embedded{index}", "")
            argv = [*cli, "plan", str(plan), "--now", NOW]
            variants.append(partial(run, argv, env))
        *margins, passes = rounds(max(3, args.rounds // 2), variants)
        whole = [[m + p for m, p in zip(ms, passes[i::len(trees)], strict=False)]
                 for i, ms in enumerate(margins)]
        show("plan, no change (embedded), in all", whole, None, absolute=True)
        show("plan, no change (embedded), CPU", CPUS, None, absolute=True)


if __name__ == "__main__":
    main()
