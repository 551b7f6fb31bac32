"""`goalsync auth caldav`: verifies the password against the server, then stores it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from syncer import credentials
from syncer.cli import cli
from syncer.embedded import EmbeddedServer
from tests.fixtures.radicale import AUTH_PASSWORD, AUTH_USER

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    secrets: dict[str, str] = {}
    monkeypatch.setattr(credentials, "set_secret", secrets.__setitem__)
    monkeypatch.delenv("GOALSYNC_CONFIG", raising=False)
    return secrets


def _auth(*args: str, password: str) -> Result:
    return CliRunner().invoke(cli, ["auth", "caldav", *args], input=f"{password}\n")


def test_right_password_is_verified_and_stored(
    radicale_auth_server: EmbeddedServer, stored: dict[str, str],
) -> None:
    result = _auth("--url", radicale_auth_server.url, "--username", AUTH_USER,
                   password=AUTH_PASSWORD)
    assert result.exit_code == 0, result.output
    assert stored == {"caldav": AUTH_PASSWORD}
    assert AUTH_PASSWORD not in result.output


def test_wrong_password_exits_3_and_stores_nothing(
    radicale_auth_server: EmbeddedServer, stored: dict[str, str],
) -> None:
    result = _auth("--url", radicale_auth_server.url, "--username", AUTH_USER,
                   "--password-stdin", password="not-it")
    assert result.exit_code == 3
    assert "rejected" in result.output and "nothing was stored" in result.output
    assert "not-it" not in result.output
    assert stored == {}


def test_settings_come_from_the_config_file(
    radicale_auth_server: EmbeddedServer, stored: dict[str, str], tmp_path: Path,
) -> None:
    config = tmp_path / "goalsync.toml"
    config.write_text(f'[caldav]\nurl = "{radicale_auth_server.url}"\nusername = "{AUTH_USER}"\n')
    result = _auth("--config", str(config), "--password-stdin", password=AUTH_PASSWORD)
    assert result.exit_code == 0, result.output
    assert stored == {"caldav": AUTH_PASSWORD}


def test_without_a_server_it_says_what_to_pass(
    stored: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    result = _auth(password="pw")
    assert result.exit_code == 2
    assert "--url" in result.output
    assert stored == {}
