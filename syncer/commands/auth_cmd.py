"""CLI: ``goalsync auth caldav|todoist`` stores a verified credential in the keyring."""

from __future__ import annotations

import click

from syncer.commands.auth_caldav import caldav_auth
from syncer.commands.auth_todoist import todoist_auth


@click.group()
def auth() -> None:
    """Store a credential in the system keyring (verified first)."""


auth.add_command(caldav_auth)
auth.add_command(todoist_auth)

COMMANDS: list[click.Command] = [auth]
