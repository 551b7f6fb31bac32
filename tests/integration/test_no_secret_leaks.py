"""No secret is ever written, logged or echoed: every command goalsync has, run against a
CalDAV server that requires a password and the fake Todoist, with and without --debug,
on success and on failure (a wrong password, a stopped server), and then every file
goalsync wrote, are searched for the session's secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from syncer.embedded import EmbeddedServer
from tests.fake_todoist import FakeTodoist
from tests.fixtures.radicale import AUTH_PASSWORD, AUTH_USER, unique_name
from tests.fixtures.todoist import FAKE_TOKEN
from tests.helpers.plans import pmp_plan

pytestmark = pytest.mark.integration

NOW = "2026-11-23T08:00:00+00:00"
WRONG = "wrong-pass-7c1d9e"  # a wrong password is a secret too


def run(root: Path, password: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root), "XDG_CONFIG_HOME": str(root / "xdg"),
           "XDG_DATA_HOME": str(root / "data"), "XDG_STATE_HOME": str(root / "st"),
           "GOALSYNC_CONFIG": str(root / "goalsync.toml"),
           "GOALSYNC_STATE_DIR": str(root / "state"),
           "GOALSYNC_TODOIST_TOKEN": FAKE_TOKEN, "GOALSYNC_CALDAV_PASSWORD": password}
    return subprocess.run([sys.executable, "-c", "from syncer.cli import main; main()",
                           *args], env=env, capture_output=True, text=True, cwd=root,
                          timeout=300, check=False)


def test_no_command_prints_or_stores_a_secret(
        tmp_path: Path, radicale_auth_server: EmbeddedServer, fake_todoist: FakeTodoist) -> None:
    plan = tmp_path / "goals.yaml"
    plan.write_text(pmp_plan())
    (tmp_path / "goalsync.toml").write_text(
        f'[tasks]\nbackend = "todoist"\n[calendar]\nbackend = "caldav"\n'
        f'[todoist]\napi_url = "{fake_todoist.url}"\n'
        f'[caldav]\nurl = "{radicale_auth_server.url}"\nusername = "{AUTH_USER}"\n'
        f'calendar = "{unique_name("Goals")}"\n')
    commands = [("sync", str(plan)), ("plan", str(plan)), ("status", str(plan)),
                ("review", str(plan), "--non-interactive"),
                ("report", str(plan), "--html", str(tmp_path / "report.html")),
                ("check", str(plan)), ("schedule", str(plan))]
    outputs, codes = [], []
    for password in (AUTH_PASSWORD, WRONG):
        for debug in ((), ("--debug",)):
            for command in commands:
                done = run(tmp_path, password, *debug, *command, "--now", NOW)
                outputs.append(done.stdout + done.stderr)
                codes.append((password == WRONG, command[0], done.returncode))
    assert (False, "sync", 0) in codes and (True, "sync", 3) in codes  # both paths ran
    secrets = (AUTH_PASSWORD, WRONG, FAKE_TOKEN)
    leaked = [s for s in secrets for text in outputs if s in text]
    assert leaked == []
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "goalsync.toml"]
    assert any(p.name == "state.sqlite" for p in written)
    assert [(p.name, s) for p in written for s in secrets if s.encode() in p.read_bytes()] == []
