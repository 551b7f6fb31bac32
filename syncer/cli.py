"""The goalsync command line: argument plumbing only; behaviour lives in the engine.

One error handler (``GoalsyncGroup.invoke``) turns every ``GoalsyncError`` into a
sentence and its exit code, for the console script and for click's test runner alike;
tracebacks are shown only with ``--debug``.
"""

from __future__ import annotations

import importlib
import json
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
    "today": ("syncer.commands.today_cmd",
              "Today's goal blocks and due steps, and what to do first (and why)."),
    "week": ("syncer.commands.today_cmd",
             "This week's goal blocks and due steps, and what to do first (and why)."),
    "completion": ("syncer.commands.completion_cmd",
                   "Print the shell completion script for bash, zsh or fish."),
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
        return _with_global_options(next(c for c in module.COMMANDS if c.name == cmd_name))

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[RAW_ARGS] = list(args)
        return super().parse_args(ctx, args)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        """An error in the options before the command name (``goalsync --colr x``) is
        JSON under ``--json`` too."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.ClickException as error:
            if _json_asked(args):
                error = _readable(error)
                _print_json_error("usage", error.format_message(), None, error.exit_code)
                raise error from None
            raise

    def invoke(self, ctx: click.Context) -> Any:
        """Errors become a sentence and their exit code; ``--debug`` adds the traceback
        but never changes the code. A bug (any other exception) is exit 1 with a
        sentence, not a bare traceback."""
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except BrokenPipeError:  # `goalsync status | head`: the reader has stopped
            _quiet_stdout()
            ctx.exit(141)  # as if SIGPIPE ended it, like other command-line tools
        except click.ClickException as error:  # click's own usage errors
            from syncer.commands.options import JSON_MODE

            error = _readable(error)
            if _json_asked(ctx.meta.get(RAW_ARGS, ())):  # --json may come after the error
                ctx.meta[JSON_MODE] = True
            _json_error(ctx, "usage", error.format_message(), None, error.exit_code)
            raise error from None
        except GoalsyncError as error:
            _traceback_if_debug(ctx)
            _report(error)
            _json_error(ctx, _kind(error), error.message, error.hint, error.exit_code,
                        _problems(error))
            ctx.exit(error.exit_code)
        except (KeyboardInterrupt, click.exceptions.Abort):
            click.echo("\nInterrupted.", err=True)  # Ctrl-C may come mid-prompt
            _json_error(ctx, "interrupted", "interrupted", None, 130)
            ctx.exit(130)
        except Exception as error:  # a bug: say so in a sentence
            _traceback_if_debug(ctx)
            bug = GoalsyncError(
                f"stopped on an unexpected error ({type(error).__name__}: {error})",
                hint="run again with --debug to see where it happened, and report it")
            _report(bug)
            _json_error(ctx, "bug", bug.message, bug.hint, 1)
            ctx.exit(1)


@click.group(cls=GoalsyncGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="goalsync")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("--color", "--colour", "colour", default="auto", show_default=True,
              type=click.Choice(["auto", "never", "always"]),
              help="Colour the output: on a terminal only (auto; NO_COLOR turns it off), "
                   "never, or always (also on a pipe).")
@click.pass_context
def cli(ctx: click.Context, debug: bool, colour: str) -> None:
    """goalsync: your career plan, in the to-do app and calendar you already use."""
    from syncer import term

    term.fit_streams()  # an ASCII or Latin-1 stream gets only what it can show
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    term.set_colour_mode(colour)
    mode = term.colour_mode()  # NO_COLOR (https://no-color.org), FORCE_COLOR
    ctx.color = {"never": False, "always": True}.get(mode)


RAW_ARGS = "goalsync.args"  # ctx.meta: the arguments after `goalsync`


def _with_global_options(command: click.Command) -> click.Command:
    """``--color`` and ``--debug`` work after the command name as before it, on every
    command (and the subcommands of ``auth``)."""
    from syncer.commands.options import colour_param, debug_param

    names = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for make in (colour_param, debug_param):
        param = make()
        if not names & set(param.opts):
            command.params.append(param)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _with_global_options(sub)
    return command


def _json_asked(args: Any) -> bool:
    """Whether ``--json`` is among ``args`` (before a ``--``): a usage error is found
    before the option's own callback runs, or instead of it."""
    for arg in args:
        if arg == "--":
            return False
        if arg == "--json":
            return True
    return False


def _readable(error: click.ClickException) -> click.ClickException:
    """A bad value as a person says it: ``--weeks: 'abc' is not a whole number``
    (click's own form is ``Invalid value for '--weeks': …``)."""
    if not isinstance(error, click.BadParameter) or error.param is None:
        return error
    param = error.param
    name = (param.opts[0] if isinstance(param, click.Option)
            else param.human_readable_name)
    return click.UsageError(f"{name}: {error.message}", error.ctx)  # exit 2, as before


def _traceback_if_debug(ctx: click.Context) -> None:
    if (ctx.obj or {}).get("debug"):  # set by the group's callback, once it has run
        traceback.print_exc()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so flushing at exit does not raise again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _kind(error: GoalsyncError) -> str:
    """The ``error.kind`` of the JSON error document (docs/json.md)."""
    return {"PartialFailure": "partial", "UsageError": "usage", "ConfigError": "config",
            "PlanError": "plan", "CredentialError": "credentials",
            "SafetyStop": "safety-stop", "LockedError": "locked"}.get(
        type(error).__name__, "error")


def _problems(error: GoalsyncError) -> list[Any]:
    problems = getattr(error, "problems", None) or []
    return [p.as_json() if hasattr(p, "as_json") else {"message": str(p)}
            for p in problems]


def _json_error(ctx: click.Context, kind: str, message: str, hint: str | None,
                code: int, problems: list[Any] | None = None) -> None:
    """Under ``--json``, the error as the JSON document on stdout (docs/json.md), unless
    the command printed its document already (a partial sync's summary names its
    errors)."""
    from syncer.commands.options import JSON_MODE, JSON_SENT

    meta = ctx.meta
    if not meta.get(JSON_MODE) or meta.get(JSON_SENT):
        return
    _print_json_error(kind, message, hint, code, problems)
    meta[JSON_SENT] = True


def _print_json_error(kind: str, message: str, hint: str | None, code: int,
                      problems: list[Any] | None = None) -> None:
    error: dict[str, Any] = {"kind": kind, "message": message, "hint": hint,
                             "exit_code": code}
    if problems:
        error["problems"] = problems
    click.echo(json.dumps({"error": error}, indent=2, ensure_ascii=False))


def _report(error: GoalsyncError) -> None:
    click.secho(f"goalsync: {error.message}", fg="red", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the console script."""
    args = sys.argv[1:] if argv is None else argv
    return cli.main(args=args, prog_name="goalsync")
