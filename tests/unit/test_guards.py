"""The guard fixture keeps unit tests off the network and away from the real keyring."""

from __future__ import annotations

import socket

import pytest


def test_unit_test_cannot_connect_even_to_loopback() -> None:
    with pytest.raises(pytest.fail.Exception, match="blocked"):
        socket.create_connection(("127.0.0.1", 9), timeout=1)


def test_unit_test_cannot_resolve_a_remote_host() -> None:
    with pytest.raises(pytest.fail.Exception, match="blocked"):
        socket.getaddrinfo("example.com", 443)


def test_real_keyring_is_never_touched() -> None:
    import keyring

    with pytest.raises(pytest.fail.Exception, match="keyring"):
        keyring.get_password("goalsync", "todoist")


def test_credential_lookup_cannot_swallow_the_keyring_guard(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from syncer import credentials

    monkeypatch.delenv("GOALSYNC_TEST_SECRET", raising=False)
    with pytest.raises(pytest.fail.Exception):
        credentials.get_secret("todoist", "GOALSYNC_TEST_SECRET", "goalsync auth todoist")
