"""Outside the pure suites, the guard allows loopback and refuses everything else."""

from __future__ import annotations

import socket

import pytest


def test_loopback_connection_is_allowed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


def test_remote_connection_fails_the_test() -> None:
    with pytest.raises(pytest.fail.Exception, match="127.0.0.1 only"), \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.connect(("192.0.2.1", 80))
