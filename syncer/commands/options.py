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

from syncer.core.parse import FIRST_DATE, LAST_DATE

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
        if not FIRST_DATE <= moment.date() <= LAST_DATE:  # 9999-12-31 overflows a week on
            self.fail(f"{value!r} is outside the years goalsync plans for "
                      f"({FIRST_DATE.year} to {LAST_DATE.year})", param, ctx)
        return moment


def now_option(func: F) -> F:
    """Add ``--now ISO`` (passed as ``now: datetime | None``)."""
    return click.option(
        "--now", "now", type=IsoDateTime(), default=None,
        help="Act as if it were this moment (ISO 8601, e.g. 2026-11-22T09:30). "
             "Without an offset it is read in the plan's timezone. Default: the clock.",
    )(func)


def json_option(func: F) -> F:
    """Add ``--json`` (passed as ``as_json: bool``): machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True,
                        help="Print machine-readable JSON instead of text.")(func)


def config_option(func: F) -> F:
    """Add ``--config FILE`` (passed as ``config_path: str | None``); None means
    ``GOALSYNC_CONFIG``, then the user config folder (see ``syncer.config``)."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=str),
        default=None, help="The config file (default: GOALSYNC_CONFIG, then the user "
                           "config folder's goalsync.toml).")(func)

