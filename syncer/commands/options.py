"""Options shared by several commands, as reusable decorators.

``--now`` exists so that every command can be run "as of" a moment (demos, tests,
reproducing a report). A value without a UTC offset is taken in the plan's timezone:
commands call ``syncer.clock.resolve_now(now, plan.timezone)`` (or ``plan_now``), which
also supplies the real clock when ``--now`` is absent (the shell may read the clock; the
core never does), and hand the engine and the core an aware ``now``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


class IsoDateTime(click.ParamType):
    """An ISO 8601 date or date-time: ``2026-11-22``, ``2026-11-22T09:30``,
    ``2026-11-22T09:30:00+01:00`` or ``...Z``. A date alone means its midnight."""

    name = "ISO-DATETIME"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date-time such as 2026-11-22T09:30 "
                      "or 2026-11-22T09:30:00+01:00", param, ctx)
        from syncer.core.parse import FIRST_DATE, LAST_DATE  # not at start-up: --help

        if not FIRST_DATE <= moment.date() <= LAST_DATE:  # 9999-12-31 overflows a week on
            self.fail(f"{value!r} is outside the years goalsync plans for "
                      f"({FIRST_DATE.year} to {LAST_DATE.year})", param, ctx)
        return moment


class WholeNumber(click.ParamType):
    """A whole number from ``low`` to ``high``, with errors a person would write:
    ``'abc' is not a whole number``, ``500 is not between 1 and 104``."""

    name = "integer"

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number", param, ctx)
        if not self.low <= number <= self.high:
            self.fail(f"{number} is not between {self.low} and {self.high}", param, ctx)
        return number


def now_option(func: F) -> F:
    """Add ``--now ISO`` (passed as ``now: datetime | None``)."""
    return click.option(
        "--now", "now", type=IsoDateTime(), default=None,
        help="Act as if it were this moment (ISO 8601, e.g. 2026-11-22T09:30). "
             "Without an offset it is read in the plan's timezone. Default: the clock.",
    )(func)


JSON_MODE = "goalsync.json"  # ctx.meta: --json was given (errors are JSON too)
JSON_SENT = "goalsync.json_sent"  # ctx.meta: the command printed its JSON document


def _remember_json(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.meta[JSON_MODE] = True
    return value


def json_option(func: F) -> F:
    """Add ``--json`` (passed as ``as_json: bool``): machine-readable output on stdout
    (docs/json.md); an error is then a JSON document too (``syncer.cli``)."""
    return click.option("--json", "as_json", is_flag=True, callback=_remember_json,
                        help="Print machine-readable JSON instead of text "
                             "(docs/json.md).")(func)


def emit_json(document: Any, indent: int | None = 2) -> None:
    """Print a command's ``--json`` document (one per run: an error after it, such as
    exit 1 for a partial sync, is not printed as a second document)."""
    import json

    click.echo(json.dumps(document, indent=indent, ensure_ascii=False, default=str))
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[JSON_SENT] = True


def config_option(func: F) -> F:
    """Add ``--config FILE`` (passed as ``config_path: str | None``); None means
    ``GOALSYNC_CONFIG``, then the user config folder (see ``syncer.config``)."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
        default=None, help="The config file (default: GOALSYNC_CONFIG, then the user "
                           "config folder's goalsync.toml).")(func)



def quiet_option(func: F) -> F:
    """Add ``--quiet`` / ``-q`` (passed as ``quiet: bool``): no progress display."""
    return click.option("--quiet", "-q", is_flag=True,
                        help="Show no progress while working (it is shown only on a "
                             "terminal anyway).")(func)


def _set_colour(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    from syncer import term

    term.set_colour_mode(value)
    ctx.find_root().color = ctx.color = {"never": False, "always": True}.get(
        term.colour_mode())


_COLOUR: dict[str, Any] = {"type": click.Choice(["auto", "never", "always"]), "default": None,
                           "expose_value": False, "callback": _set_colour,
                           "is_eager": True,
                           "help": "Colour: auto (a terminal only; NO_COLOR turns it off), "
                                   "never, or always."}


def colour_param() -> click.Option:
    """``--color auto|never|always`` (also accepted before the command name); it only
    sets the mode (``syncer.term``), so the command function gets no argument.
    ``syncer.cli`` gives every command one."""
    return click.Option(["--color", "--colour"], **_COLOUR)


def colour_option(func: F) -> F:
    """Add ``colour_param`` to a command."""
    return click.option("--color", "--colour", **_COLOUR)(func)


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        root = ctx.find_root()
        root.ensure_object(dict)["debug"] = True


def debug_param() -> click.Option:
    """``--debug`` after the command name, as before it: tracebacks for errors."""
    return click.Option(["--debug"], is_flag=True, expose_value=False, callback=_set_debug,
                        is_eager=True, help="Show tracebacks for errors.")
