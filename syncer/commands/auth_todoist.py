"""CLI: `goalsync auth todoist` (placeholder until its issue lands)."""

from __future__ import annotations

import click


@click.command("todoist")
def todoist_auth() -> None:
    """Store the todoist credential (not implemented yet)."""
    raise click.ClickException("not implemented yet")
