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


def store(name: str, secret: str, what: str, env_var: str) -> None:
    """Keep ``secret`` in the system keyring (``credentials.set_secret``); a keyring
    that is missing or does not keep it keeps its own sentence, any other failure of the
    keyring backend becomes one naming ``env_var``: all three are the machine's keyring
    problem, exit 1 (``credentials.NoKeyring``)."""
    from syncer import credentials

    try:
        credentials.set_secret(name, secret)
    except GoalsyncError:
        raise  # no usable keyring, or one that did not keep it: the sentence says so
    except Exception as exc:  # a broken keyring backend
        raise credentials.NoKeyring(
            f"the system keyring could not store the {what} ({type(exc).__name__})",
            hint=f"set {env_var} in the environment instead") from None
