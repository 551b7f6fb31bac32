"""CLI: ``goalsync demo`` (a full sync with no account) and ``goalsync serve``.

``demo`` starts the embedded Radicale server, syncs the shipped example plan (or yours)
into a local calendar and task list, prints the coming week's time blocks and where the
data lives, and stops the server. Running it again is a no-change sync. ``serve`` runs
the same server in the foreground so a calendar app can subscribe to what goalsync
wrote.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib.resources import as_file, files
from pathlib import Path

import click

from syncer.clock import plan_now
from syncer.commands.options import now_option
from syncer.commands.schedule_cmd import Preview, agenda_lines
from syncer.commands.sync_cmd import render_summary
from syncer.config import from_mapping
from syncer.embedded import DEFAULT_USER, EmbeddedServer
from syncer.engine import SyncReport, sync

SERVE_PORT = 5232  # Radicale's customary port, so calendar apps' defaults fit


def default_demo_dir() -> Path:
    """``<user data dir>/goalsync/demo``: kept apart from a real embedded setup."""
    import platformdirs

    return Path(platformdirs.user_data_dir("goalsync")) / "demo"


def _data_dir_option(func: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Where the demo keeps its calendar, task list and state "
             "(default: the user data folder's goalsync/demo).")(func)


def run_demo(plan_path: Path, data_dir: Path, now: datetime) -> SyncReport:
    """Sync ``plan_path`` into the embedded server whose data lives in ``data_dir``
    (``now`` must be aware)."""
    config = from_mapping({
        "tasks": {"backend": "embedded"},
        "calendar": {"backend": "embedded"},
        "state_dir": str(data_dir),
    })
    return sync(plan_path, config, now=now)


def week_agenda(report: SyncReport, now: datetime) -> list[str]:
    """The blocks of the seven days from ``now``, as the schedule preview shows them."""
    week_end = now + timedelta(days=7)
    blocks = tuple(b for b in report.schedule.blocks if b.end > now and b.start < week_end)
    week = replace(report.schedule, blocks=blocks, unscheduled=())
    return agenda_lines(Preview(report.plan, week, now, week_end))


@click.command("demo")
@click.argument("plan_path", metavar="[PLAN]", required=False,
                type=click.Path(dir_okay=False, path_type=Path))
@_data_dir_option
@now_option
def demo_command(plan_path: Path | None, data_dir: Path | None, now: datetime | None) -> None:
    """Sync the example career plan (or PLAN) into a local calendar and task list.

    No account needed: goalsync starts its embedded CalDAV server (Radicale) on
    127.0.0.1 for the run, and stops it afterwards.
    """
    folder = data_dir or default_demo_dir()
    with as_file(files("syncer.examples") / "career.yaml") as example:
        chosen = plan_path or example
        began, clock = time.monotonic(), datetime.now(UTC)
        moment = plan_now(now, chosen) if now else clock
        report = run_demo(chosen, folder, moment)
        seconds = time.monotonic() - began
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


@click.command("serve")
@_data_dir_option
@click.option("--port", type=click.IntRange(1, 65535), default=SERVE_PORT, show_default=True,
              help="The port on 127.0.0.1.")
def serve_command(data_dir: Path | None, port: int) -> None:
    """Run the embedded CalDAV server in the foreground until Ctrl-C.

    It listens on 127.0.0.1 only. Without --data-dir it serves the embedded backend's
    data (the state folder), the one `goalsync sync` uses with backend = "embedded".
    """
    from syncer.state import default_state_dir

    folder = data_dir or default_state_dir()
    with EmbeddedServer(folder / "radicale", port=port) as server:
        click.echo(f"Serving {folder} at {server.user_url()} (CalDAV, any password). "
                   "Ctrl-C stops it.")
        with contextlib.suppress(KeyboardInterrupt):
            while server.running:
                time.sleep(0.5)
    click.echo("Stopped.")


COMMANDS: list[click.Command] = [demo_command, serve_command]
