"""The goalsync command line: argument plumbing only; behaviour lives in the engine.

One error handler (``GoalsyncGroup.invoke``) turns every ``GoalsyncError`` into a
sentence and its exit code, for the console script and for click's test runner alike;
tracebacks are shown only with ``--debug``.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from syncer import __version__
from syncer.errors import GoalsyncError

# command name → the module that defines it (in its COMMANDS list), and the first line
# of its help. Modules are imported only when their command runs, so `goalsync check`
# does not pay for the Todoist SDK, caldav and the embedded server's imports, and
# `goalsync --help` imports none of them (tests/cli/test_help.py keeps the lines true).
COMMANDS = {
    "check": ("syncer.commands.check_cmd",
              "Validate the plan file PLAN and show SMART warnings."),
    "init": ("syncer.commands.init_cmd",
             "Write a commented starter plan to PATH (default goals.yaml)."),
    "schedule": ("syncer.commands.schedule_cmd",
                 "Preview the time blocks for PLAN: a week-by-week agenda (no account "
                 "needed)."),
    "auth": ("syncer.commands.auth_cmd",
             "Store a credential in the system keyring (verified first)."),
    "plan": ("syncer.commands.sync_cmd",
             "Show what `goalsync sync PLAN` would do, without changing anything."),
    "sync": ("syncer.commands.sync_cmd",
             "Put the plan's steps into your task app and book time blocks on your "
             "calendar."),
    "demo": ("syncer.commands.demo_cmd",
             "Sync the example career plan (or PLAN) into a local calendar and task list."),
    "serve": ("syncer.commands.demo_cmd",
              "Run the embedded CalDAV server in the foreground until Ctrl-C."),
    "status": ("syncer.commands.status_cmd",
               "Show progress, expected progress, status and forecast of every goal in "
               "PLAN."),
    "review": ("syncer.commands.review_cmd",
               "The weekly review of PLAN: sync, status, questions, adjustments, sync "
               "again."),
    "report": ("syncer.commands.report_cmd",
               "Write an HTML progress report for PLAN: burn-up charts, milestones, "
               "journal."),
}
COMMAND_MODULES = {name: module for name, (module, _) in COMMANDS.items()}


class GoalsyncGroup(click.Group):
    """A click group that loads its commands lazily and maps GoalsyncError to a
    sentence and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``--help`` from the table: no command module is loaded."""
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(module_name)
        return next(c for c in module.COMMANDS if c.name == cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Errors become a sentence and their exit code; ``--debug`` adds the traceback
        but never changes the code. A bug (any other exception) is exit 1 with a
        sentence, not a bare traceback."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit):
            raise  # click's own usage errors and exits
        except GoalsyncError as error:
            _traceback_if_debug(ctx)
            _report(error)
            ctx.exit(error.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("\nInterrupted.", err=True)  # Ctrl-C may come mid-prompt
            ctx.exit(130)
        except Exception as error:  # a bug: say so in a sentence
            _traceback_if_debug(ctx)
            _report(GoalsyncError(
                f"stopped on an unexpected error ({type(error).__name__}: {error})",
                hint="run again with --debug to see where it happened, and report it"))
            ctx.exit(1)


@click.group(cls=GoalsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="goalsync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """goalsync: your career plan, in the to-do app and calendar you already use."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if os.environ.get("NO_COLOR"):  # https://no-color.org: any non-empty value
        ctx.color = False


def _traceback_if_debug(ctx: click.Context) -> None:
    if (ctx.obj or {}).get("debug"):  # set by the group's callback, once it has run
        traceback.print_exc()


def _report(error: GoalsyncError) -> None:
    click.secho(f"goalsync: {error.message}", fg="red", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    args = sys.argv[1:] if argv is None else argv
    return cli.main(args=args, prog_name="goalsync")
