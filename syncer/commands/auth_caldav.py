"""CLI: `goalsync auth caldav` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("caldav")
def caldav_auth() -> None:
    """Store the caldav credential (not implemented yet)."""
    raise click.ClickException("not implemented yet")
