"""CLI: ``goalsync demo`` (a full sync with no account) and ``goalsync serve``.

``demo`` starts the embedded Radicale server, syncs the shipped example plan (or yours)
into a local calendar and task list, prints the coming week's time blocks and where the
data lives, and stops the server. Running it again is a no-change sync. ``serve`` runs
the same server in the foreground so a calendar app can subscribe to what goalsync
wrote.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from syncer.commands.options import (
    WholeNumber,
    colour_option,
    config_option,
    emit_json,
    json_option,
    now_option,
    quiet_option,
)

if TYPE_CHECKING:  # imported where used: `goalsync demo --help` loads none of them
    from syncer.engine import SyncReport

SERVE_PORT = 5232  # Radicale's customary port, so calendar apps' defaults fit
DEFAULT_USER = "goalsync"  # = syncer.embedded.DEFAULT_USER (not imported: lazy)


def default_demo_dir() -> Path:
    """``<user data dir>/goalsync/demo``: kept apart from a real embedded setup."""
    import platformdirs

    return Path(platformdirs.user_data_dir("goalsync")) / "demo"


def _data_dir_option(help: str) -> Any:
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        default=None, help=help)


@contextlib.contextmanager
def _state_dir(folder: Path) -> Iterator[None]:
    """``GOALSYNC_STATE_DIR`` set to ``folder`` for the block: a --data-dir given on the
    command line wins over the one in the environment."""
    old = os.environ.get("GOALSYNC_STATE_DIR")
    os.environ["GOALSYNC_STATE_DIR"] = str(folder)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("GOALSYNC_STATE_DIR", None)
        else:
            os.environ["GOALSYNC_STATE_DIR"] = old


def run_demo(plan_path: Path, data_dir: Path, now: datetime) -> SyncReport:
    """Sync ``plan_path`` into the embedded server whose data lives in ``data_dir``
    (``now`` must be aware)."""
    from syncer.config import from_mapping
    from syncer.engine import sync

    config = from_mapping({
        "tasks": {"backend": "embedded"},
        "calendar": {"backend": "embedded"},
        "state_dir": str(data_dir),
    })
    with _state_dir(data_dir):
        return sync(plan_path, config, now=now)


def week_agenda(report: SyncReport, now: datetime) -> list[str]:
    """The blocks of the seven days from ``now``, as the schedule preview shows them."""
    from syncer.commands.schedule_cmd import Preview, agenda_lines

    week_end = now + timedelta(days=7)
    blocks = tuple(b for b in report.schedule.blocks if b.end > now and b.start < week_end)
    week = replace(report.schedule, blocks=blocks, unscheduled=())
    return agenda_lines(Preview(report.plan, week, now, week_end))


@click.command("demo")
@click.argument("plan_path", metavar="[PLAN]", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@_data_dir_option("Where the demo keeps its calendar, task list and state; it wins over "
                  "GOALSYNC_STATE_DIR (default: GOALSYNC_STATE_DIR, else the user data "
                  "folder's goalsync/demo).")
@now_option
@json_option
@quiet_option
@colour_option
def demo_command(plan_path: Path | None, data_dir: Path | None, now: datetime | None,
                 as_json: bool, quiet: bool) -> None:
    """Sync the example career plan (or PLAN) into a local calendar and task list.

    No account needed: goalsync starts its embedded CalDAV server (Radicale) on
    127.0.0.1 for the run, and stops it afterwards.
    """
    from syncer.clock import plan_now
    from syncer.commands.sync_cmd import render_summary
    from syncer.term import live_progress

    folder = data_dir or _env_state_dir() or default_demo_dir()
    with as_file(files("syncer.examples") / "career.yaml") as example:
        chosen = plan_path or example
        began, clock = time.monotonic(), datetime.now(UTC)
        moment = plan_now(now, chosen) if now else clock
        with live_progress(enabled=not (quiet or as_json)):
            report = run_demo(chosen, folder, moment)
        seconds = time.monotonic() - began
    if as_json:
        emit_json(demo_json(report, moment, folder, seconds))
        return
    click.echo(render_summary(report))
    lines = week_agenda(report, moment)
    click.echo("\nThis week's time blocks:" if lines else "\nNo time blocks this week.")
    for line in lines:
        click.echo(line)
    click.echo(
        f"\nDone in {seconds:.1f}s. Your calendar, task list and state are in {folder}.\n"
        f"To look at them in a calendar app (Thunderbird, GNOME Calendar, DAVx5, …), run\n"
        f"  goalsync serve --data-dir {folder}\n"
        f"and add the CalDAV account http://127.0.0.1:{SERVE_PORT}/{DEFAULT_USER}/ "
        f"(any password).\nNext: `goalsync init` writes your own plan; "
        f"`goalsync schedule PLAN` previews it."
    )


def _env_state_dir() -> Path | None:
    env = os.environ.get("GOALSYNC_STATE_DIR")
    return Path(env).expanduser() if env else None


def demo_json(report: SyncReport, now: datetime, folder: Path,
              seconds: float) -> dict[str, Any]:
    """``goalsync demo --json`` (docs/json.md): the sync summary, the coming week's
    blocks and where the data lives."""
    from syncer.commands.schedule_cmd import Preview, json_document

    week_end = now + timedelta(days=7)
    blocks = tuple(b for b in report.schedule.blocks if b.end > now and b.start < week_end)
    week = Preview(report.plan, replace(report.schedule, blocks=blocks, unscheduled=()),
                   now, week_end)
    return {**report.summary(), "data_dir": str(folder), "seconds": round(seconds, 2),
            "calendar_url": f"http://127.0.0.1:{SERVE_PORT}/{DEFAULT_USER}/",
            "week": json_document(week)["blocks"]}


@click.command("serve")
@_data_dir_option("The folder whose calendar to serve (default: the state folder "
                  "`goalsync sync` uses: GOALSYNC_STATE_DIR, else the config's state_dir, "
                  "else the user data folder's goalsync); pass the folder `goalsync demo` "
                  "printed to serve the demo's.")
@click.option("--port", type=WholeNumber(1, 65535), default=SERVE_PORT, show_default=True,
              help="The port on 127.0.0.1 (1 to 65535).")
@config_option
def serve_command(data_dir: Path | None, port: int, config_path: str | None) -> None:
    """Run the embedded CalDAV server in the foreground until Ctrl-C.

    It listens on 127.0.0.1 only. Without --data-dir it serves the embedded backend's
    data (the state folder), the one `goalsync sync` uses with backend = "embedded".
    """
    from syncer.config import load_config
    from syncer.embedded import EmbeddedServer
    from syncer.state import default_state_dir

    folder = data_dir or default_state_dir(load_config(config_path).state_dir)
    with EmbeddedServer(folder / "radicale", port=port) as server:
        click.echo(f"Serving {folder} at {server.user_url()} (CalDAV, any password). "
                   "Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            while server.running:
                time.sleep(0.5)
    click.echo("Stopped.")


COMMANDS: list[click.Command] = [demo_command, serve_command]
