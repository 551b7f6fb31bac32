"""CLI: ``goalsync completion bash|zsh|fish`` prints the shell's completion script.

Completion is click's (``_GOALSYNC_COMPLETE``); the script this prints asks goalsync for
the candidates as you type, so it stays right when commands change. Install lines for
each shell are in README.md ("Shell completion").
"""

from __future__ import annotations

import click

SHELLS = ("bash", "zsh", "fish")
INSTALL = {
    "bash": "goalsync completion bash > ~/.local/share/bash-completion/completions/goalsync",
    "zsh": "goalsync completion zsh > \"${fpath[1]}/_goalsync\"  (then restart zsh)",
    "fish": "goalsync completion fish > ~/.config/fish/completions/goalsync.fish",
}


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
@click.pass_context
def completion_command(ctx: click.Context, shell: str) -> None:
    """Print the shell completion script for bash, zsh or fish.

    \b
    Install it once:
      bash: goalsync completion bash > ~/.local/share/bash-completion/completions/goalsync
      zsh:  goalsync completion zsh > "${fpath[1]}/_goalsync"
      fish: goalsync completion fish > ~/.config/fish/completions/goalsync.fish
    """
    from click.shell_completion import get_completion_class

    root = ctx.find_root().command
    completer = get_completion_class(shell)
    assert completer is not None  # every name in SHELLS has one
    click.echo(completer(root, {}, "goalsync", "_GOALSYNC_COMPLETE").source())


COMMANDS: list[click.Command] = [completion_command]
