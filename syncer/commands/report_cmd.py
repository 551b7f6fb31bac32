"""CLI: ``goalsync report PLAN --html OUT.html``: a self-contained progress page.

The page (``syncer.report``) holds a burn-up chart per goal, a chart of each measured
value over time, a milestone timeline with the rewards and the review journal, laid out
for a desktop and a phone; it loads nothing from the network and runs no script.
"""

from __future__ import annotations

from datetime import datetime

import click

from syncer.commands.options import (
    config_option,
    emit_json,
    json_option,
    now_option,
    quiet_option,
)
from syncer.commands.status_cmd import offline_option
from syncer.errors import UsageError


@click.command("report")
@click.argument("plan_path", metavar="PLAN", type=click.Path(dir_okay=False, path_type=str))
@click.option("--html", "html_path", required=True,
              type=click.Path(dir_okay=False, writable=True, path_type=str),
              help="Write the HTML report to this file.")
@config_option
@now_option
@offline_option
@json_option
@quiet_option
def report(plan_path: str, html_path: str, config_path: str | None, now: datetime | None,
           offline: bool, as_json: bool, quiet: bool) -> None:
    """Write an HTML progress report for PLAN: burn-up charts, milestones, journal.

    Also a chart of each measured value over time; readable on a desktop and a phone.
    """
    from syncer.config import load_config
    from syncer.report import gather_status, stale_warning, write_report
    from syncer.term import live_progress

    with live_progress(enabled=not (quiet or as_json or offline)):
        snapshot = gather_status(plan_path, load_config(config_path), now, offline=offline)
    try:
        path = write_report(snapshot, html_path)
    except OSError as err:
        raise UsageError(f"cannot write the report to {html_path}: "
                         f"{err.strerror or err}",
                         hint="pick a file in a folder that exists and you can "
                              "write to") from None
    if as_json:
        emit_json({"path": str(path), "goals": len(snapshot.progress.goals),
                   "errors": list(snapshot.errors)})
    else:
        from syncer.term import counted

        click.echo(f"Wrote {path} ({counted(len(snapshot.progress.goals), 'goal')}).")
    stale_warning(snapshot, "report")


COMMANDS: list[click.Command] = [report]
