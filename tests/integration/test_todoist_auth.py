"""`goalsync auth todoist` against the fake Todoist API (keyring replaced by a dict)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from syncer import credentials
from syncer.cli import cli
from syncer.commands.auth_todoist import verify_token
from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN

pytestmark = pytest.mark.integration


@pytest.fixture
def stored(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    secrets: dict[str, str] = {}
    monkeypatch.setattr(credentials, "set_secret", secrets.__setitem__)
    return secrets


def test_good_token_is_verified_and_stored(fake_todoist: FakeTodoist,
                                           stored: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["auth", "todoist", "--token-stdin", "--api-url",
                                      fake_todoist.url], input=FAKE_TOKEN + "\n")
    assert result.exit_code == 0, result.output
    assert stored == {"todoist": FAKE_TOKEN}
    assert FAKE_TOKEN not in result.output
    assert fake_todoist.count() == 1


def test_prompted_token_is_hidden(fake_todoist: FakeTodoist, stored: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["auth", "todoist", "--api-url", fake_todoist.url],
                                input=FAKE_TOKEN + "\n")
    assert result.exit_code == 0, result.output
    assert FAKE_TOKEN not in result.output and stored["todoist"] == FAKE_TOKEN


def test_bad_token_exits_3_and_stores_nothing(fake_todoist: FakeTodoist,
                                              stored: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["auth", "todoist", "--token-stdin", "--api-url",
                                      fake_todoist.url], input="not-my-token\n")
    assert result.exit_code == 3
    assert "Todoist rejected the API token" in result.output
    assert "not-my-token" not in result.output
    assert stored == {}


def test_token_is_verified_even_if_a_project_does_not_parse(
        fake_todoist: FakeTodoist) -> None:
    """The check is the HTTP status; the SDK model's field list is not the API's."""
    inbox = fake_todoist.state.inbox_id
    fake_todoist.state.objects["projects"][inbox].pop("view_style")
    verify_token(FAKE_TOKEN, fake_todoist.url)
