"""The goalsync command line: argument plumbing only; behaviour lives in the engine.

One error handler (``GoalsyncGroup.invoke``) turns every ``GoalsyncError`` into a
sentence and its exit code, for the console script and for click's test runner alike;
tracebacks are shown only with ``--debug``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from syncer import __version__
from syncer.commands import (
    auth_cmd,
    check_cmd,
    demo_cmd,
    init_cmd,
    report_cmd,
    review_cmd,
    schedule_cmd,
    status_cmd,
    sync_cmd,
)
from syncer.errors import GoalsyncError


class GoalsyncGroup(click.Group):
    """A click group whose invoke maps GoalsyncError to a sentence and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GoalsyncError as error:
            if (ctx.obj or {}).get("debug"):
                raise
            _report(error)
            ctx.exit(error.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


@click.group(cls=GoalsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="goalsync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """goalsync: your career plan, in the to-do app and calendar you already use."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


for module in (check_cmd, init_cmd, schedule_cmd, auth_cmd, sync_cmd, demo_cmd, status_cmd,
               review_cmd, report_cmd):
    for command in module.COMMANDS:
        cli.add_command(command)


def _report(error: GoalsyncError) -> None:
    click.secho(f"goalsync: {error.message}", fg="red", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    args = sys.argv[1:] if argv is None else argv
    return cli.main(args=args, prog_name="goalsync")
