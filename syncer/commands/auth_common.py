"""What ``goalsync auth caldav`` and ``goalsync auth todoist`` share."""

from __future__ import annotations

from typing import NoReturn

import click

from syncer.errors import GoalsyncError


def exit_not_stored(ctx: click.Context, error: GoalsyncError) -> NoReturn:
    """Say on stderr why nothing was stored (and the hint), then exit with the error's
    exit code."""
    click.echo(f"goalsync: {error.message}; nothing was stored.", err=True)
    if error.hint:
        click.echo(f"hint: {error.hint}", err=True)
    ctx.exit(error.exit_code)
