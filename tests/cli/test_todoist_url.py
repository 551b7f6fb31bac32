"""The Todoist token goes over https, or plain http only to this machine (the fake
Todoist of the tests): never in clear to another host, whichever command sends it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer import credentials
from syncer.backends.todoist_http import routed_client
from syncer.cli import cli
from syncer.errors import ConfigError
from tests.helpers.cli import run_main

TOKEN = "0123456789abcdef0123456789abcdef01234567"  # a made-up token


@pytest.mark.parametrize("url", ["http://api.example.org", "http://10.0.0.5:8080/",
                                 "ftp://api.todoist.com", "api.todoist.com"])
def test_a_url_that_would_expose_the_token_is_refused(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        routed_client(url)
    assert refused.value.exit_code == 2


@pytest.mark.parametrize("url", ["https://api.todoist.com", "http://127.0.0.1:8123",
                                 "http://localhost:9", "http://[::1]:8123/api/v1"])
def test_https_and_loopback_are_fine(url: str) -> None:
    routed_client(url).close()


def test_auth_refuses_before_sending_and_never_echoes_the_token(
        monkeypatch: pytest.MonkeyPatch) -> None:
    stored: dict[str, str] = {}
    monkeypatch.setattr(credentials, "set_secret", stored.__setitem__)
    result = CliRunner().invoke(cli, ["auth", "todoist", "--token-stdin", "--api-url",
                                      "http://api.example.org"], input=TOKEN + "\n")
    assert result.exit_code == 2
    assert "unencrypted" in result.output and TOKEN not in result.output
    assert stored == {}


def test_sync_with_an_http_api_url_stops_before_any_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.home import isolate_home
    from tests.helpers.plans import pmp_plan

    isolate_home(monkeypatch, tmp_path, config_dir="xdg")
    config = tmp_path / "goalsync.toml"
    config.write_text('[tasks]\nbackend = "todoist"\n[calendar]\nbackend = "none"\n'
                      '[todoist]\napi_url = "http://api.example.org"\n')
    (tmp_path / "goals.yaml").write_text(pmp_plan())
    monkeypatch.setenv("GOALSYNC_TODOIST_TOKEN", TOKEN)
    code, out, err = run_main("sync", str(tmp_path / "goals.yaml"), "--config", str(config))
    assert code == 2
    assert "unencrypted" in err + out and TOKEN not in err + out
