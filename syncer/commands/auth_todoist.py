"""CLI: ``goalsync auth todoist`` verifies a Todoist API token, then keeps it in the
system keyring. The token is read hidden (or from stdin) and never echoed."""

from __future__ import annotations

import sys

import click

from syncer.commands.auth_common import exit_not_stored, store
from syncer.errors import GoalsyncError

DEFAULT_API_URL = "https://api.todoist.com"  # = todoist_http.DEFAULT_API_URL (lazy)


def verify_token(token: str, api_url: str = DEFAULT_API_URL, max_wait: float = 10) -> None:
    """One request (the first page of projects); raises AuthError if the token is
    rejected, Unreachable/BackendError if Todoist cannot be asked."""
    import httpx
    from todoist_api_python.api import TodoistAPI

    from syncer.backends.todoist_http import Retrier, routed_client

    with routed_client(api_url) as client:
        api = TodoistAPI(token, client=client)
        pages = api.get_projects(limit=1)

        def first_page() -> None:
            try:
                next(pages, None)
            except httpx.HTTPError:
                raise  # the Retrier sorts these out (401/403 → AuthError)
            except Exception:  # noqa: BLE001
                # the answer was 2xx, so the token works; a project the SDK model
                # cannot parse (a field it requires missing) says nothing about it
                return

        Retrier(max_wait=max_wait).call(first_page, "checking the token")


def _store(secret: str) -> None:
    store("todoist", secret, "token", "GOALSYNC_TODOIST_TOKEN")


@click.command("todoist")
@click.option("--token-stdin", is_flag=True,
              help="Read the token from standard input instead of prompting.")
@click.option("--api-url", default=DEFAULT_API_URL, show_default=True,
              help="Todoist API origin (for a proxy or a test server).")
@click.pass_context
def todoist_auth(ctx: click.Context, token_stdin: bool, api_url: str) -> None:
    """Verify a Todoist API token and store it in the system keyring.

    Find the token in Todoist under Settings → Integrations → Developer.
    """
    if token_stdin:
        token = sys.stdin.readline().strip()
    else:
        token = click.prompt("Todoist API token", hide_input=True).strip()
    if not token:
        click.echo("goalsync: no token was given; nothing was stored.", err=True)
        ctx.exit(2)
    try:
        verify_token(token, api_url)
        _store(token)
    except GoalsyncError as error:
        exit_not_stored(ctx, error)
    click.echo("Todoist token verified and stored in the system keyring.")
