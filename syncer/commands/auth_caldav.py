"""CLI: ``goalsync auth caldav`` verifies a CalDAV password against the server, then
keeps it in the system keyring. The password is read hidden (or from stdin) and never
echoed, logged or put in an error message."""

from __future__ import annotations

import sys
from typing import Any

import click

from syncer.commands.auth_common import exit_not_stored, store
from syncer.errors import ConfigError, CredentialError, GoalsyncError
from syncer.wording import count as counted


def verify_password(settings: dict[str, Any], password: str) -> int:
    """Log in and list the calendar home (a few requests); returns how many calendars
    the account has. Raises AuthError, Unreachable, ConfigError."""
    from syncer.backends.caldav_calendar import from_settings

    calendar = from_settings(settings, password)
    return len(calendar.dav.collections())


def _settings(config_path: str | None, url: str | None, username: str | None) -> dict[str, Any]:
    from syncer.config import load_config

    settings = dict(load_config(config_path).section("caldav"))
    if url:
        settings["url"] = url
    if username:
        settings["username"] = username
    if not settings.get("url"):
        raise ConfigError("no CalDAV server is configured",
                          hint="pass --url (and --username), or set [caldav] url and "
                          "username in the config file")
    if not settings.get("username"):
        raise ConfigError("no CalDAV user name is configured",
                          hint="pass --username, or set [caldav] username in the config file")
    return settings


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("CalDAV password", hide_input=True))


def _store(secret: str) -> None:
    store("caldav", secret, "password", "GOALSYNC_CALDAV_PASSWORD")


@click.command("caldav")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file to read [caldav] url and username from.")
@click.option("--url", help="CalDAV server URL (overrides [caldav] url).")
@click.option("--username", help="CalDAV user name (overrides [caldav] username).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input instead of prompting.")
@click.option("--no-verify", is_flag=True,
              help="Store the password without asking the server first.")
@click.pass_context
def caldav_auth(ctx: click.Context, config_path: str | None, url: str | None,
                username: str | None, password_stdin: bool, no_verify: bool) -> None:
    """Verify a CalDAV password against the server and store it in the system keyring.

    Use an app password where your provider offers one (iCloud, Fastmail, Nextcloud).
    """
    try:
        settings = _settings(config_path, url, username) if not no_verify else {}
        password = _read_password(password_stdin)
        if not password:
            raise CredentialError("no password was given")
        if not no_verify:
            count = verify_password(settings, password)
            click.echo(f"Logged in to {_host(settings['url'])} as {settings['username']} "
                       f"({counted(count, 'calendar')} found).")
        _store(password)
    except GoalsyncError as error:
        exit_not_stored(ctx, error)
    click.echo("CalDAV password stored in the system keyring.")


def _host(url: str) -> str:
    from syncer.backends.caldav_common import host_of

    return host_of(url)
