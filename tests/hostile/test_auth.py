"""`goalsync auth` on a machine without a usable keyring (a headless server, a container):
the credential was verified, but there is nowhere to keep it. That is exit 1 with a
sentence naming the environment variable to use, never an unexpected error, and the
token is not echoed."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from tests.fake_todoist import FakeTodoist
from tests.fixtures.todoist import FAKE_TOKEN
from tests.hostile.harness import assert_sentence, guarded


def test_auth_todoist_without_a_keyring_says_what_to_do(
        fake_todoist: FakeTodoist, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring.core, "_keyring_backend", fail.Keyring())
    monkeypatch.setattr("sys.stdin.readline", lambda: FAKE_TOKEN + "\n")
    outcome = guarded("auth", "todoist", "--token-stdin", "--api-url", fake_todoist.url,
                      now=None)
    assert_sentence(outcome, 1, says="GOALSYNC_TODOIST_TOKEN")
    assert "no usable system keyring" in outcome.err
    assert FAKE_TOKEN not in outcome.text
