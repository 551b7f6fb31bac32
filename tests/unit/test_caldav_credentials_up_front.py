"""With a username, Basic credentials go with every request to any host goalsync may
send them to (https, loopback, or plain http the user allowed): a server that answers
anonymous requests with 207 (Cyrus, so Fastmail) never sends the 401 goalsync used to
wait for. No request is sent here."""

from __future__ import annotations

import pytest
from niquests.auth import HTTPBasicAuth

from syncer.backends.caldav_common import DavConnection
from syncer.errors import ConfigError


@pytest.mark.parametrize(("url", "allow_http"), [
    ("https://dav.example.com/dav/", False),
    ("https://[2001:db8::1]:8443/dav/", False),
    ("http://127.0.0.1:5232/", False),
    ("http://dav.example.com/dav/", True),
])
def test_basic_credentials_are_ready_before_the_first_request(url: str,
                                                              allow_http: bool) -> None:
    dav = DavConnection(url, "alice", "pw", allow_insecure_http=allow_http)
    try:
        assert isinstance(dav.client.auth, HTTPBasicAuth)
        assert (dav.client.auth.username, dav.client.auth.password) == ("alice", "pw")
    finally:
        dav.close()


def test_plain_http_to_another_host_still_needs_allow_insecure_http() -> None:
    with pytest.raises(ConfigError):
        DavConnection("http://dav.example.com/dav/", "alice", "pw")


def test_without_a_username_nothing_is_sent() -> None:
    dav = DavConnection("https://dav.example.com/dav/", None, None)
    try:
        assert dav.client.auth is None
    finally:
        dav.close()
