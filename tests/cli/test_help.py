"""Every command, at every depth, explains itself and answers --help with exit 0."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from syncer.cli import cli


def walk(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...],
                                                                          click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # lazy groups load their commands here
        command = group.get_command(ctx, name)
        assert command is not None, f"`goalsync {' '.join((*path, name))}` does not load"
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from walk(command, (*path, name))


COMMANDS = list(walk(cli))


def test_the_cli_has_its_core_commands() -> None:
    names = {path[0] for path, _ in COMMANDS}
    assert {"check", "init", "schedule", "plan", "sync", "demo", "serve", "status", "review",
            "report", "auth"} <= names


@pytest.mark.parametrize("path, command", COMMANDS, ids=lambda v: " ".join(v)
                         if isinstance(v, tuple) else "")
def test_every_command_has_help_text(path: tuple[str, ...], command: click.Command) -> None:
    assert (command.help or "").strip(), f"`goalsync {' '.join(path)}` has no help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert (param.help or "").strip(), f"{' '.join(path)} {param.opts[0]} has no help"


@pytest.mark.parametrize("path", [()] + [p for p, _ in COMMANDS],
                         ids=lambda p: " ".join(p) or "goalsync")
def test_help_exits_zero(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_version_is_printed() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and "goalsync" in result.output


def test_the_command_list_says_what_each_command_says_of_itself() -> None:
    from syncer.cli import COMMANDS as TABLE

    for path, command in COMMANDS:
        if len(path) == 1:
            first = (command.help or "").strip().split("\n\n")[0]
            assert " ".join(first.split()) == TABLE[path[0]][1], path


def test_help_loads_no_command_module_and_no_backend_library() -> None:
    import subprocess
    import sys

    code = ("import sys\nfrom syncer.cli import main\ntry:\n    main(['--help'])\n"
            "except SystemExit:\n    pass\n"
            "print('IMPORTED:' + ' '.join(m for m in sys.modules if m.startswith(("
            "'syncer.commands', 'httpx', 'icalendar', 'caldav', 'todoist_api_python', "
            "'niquests'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert "Commands:" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "IMPORTED:"
