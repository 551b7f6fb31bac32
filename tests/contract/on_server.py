"""What the tests for a packaged server (Cyrus, DAViCal) share: reaching the adapter's
collection as the user's app would, deleting it after each test, and one sync as if the
server were not on this machine (goalsync treats loopback servers' auth specially)."""

from __future__ import annotations

from typing import Any

import caldav
import pytest

from syncer.backends import caldav_common
from syncer.backends.caldav_calendar import CalDAVCalendar
from tests.contract.calendar_contract import WINDOW, block
from tests.fixtures.radicale import unique_name
from tests.fixtures.servers import DavServer


class OnServer:
    server: DavServer

    def their_collection(self, backend: Any) -> Any:
        return their_collection(self.server, backend)

    def drop(self, backend: Any) -> None:
        drop(self.server, backend)


def their_collection(server: DavServer, backend: Any) -> Any:
    """The backend's collection, through a plain caldav client (the user's app). Basic
    auth up front: Cyrus answers an anonymous PROPFIND with 207, not 401."""
    return caldav.DAVClient(server.url, username=server.username, password=server.password,
                            auth_type="basic").calendar(url=backend.target.url)


def drop(server: DavServer, backend: Any) -> None:
    """Delete the test's collection, if it was created, and close the backend. Cyrus
    needs it: it keeps a UID unique across all of a user's calendars (403
    unique-scheduling-object-resource), and the contract reuses UIDs in every test's
    fresh collection."""
    try:
        if not backend.target_missing():
            their_collection(server, backend).delete()
    finally:
        backend.close()


def as_if_remote(server: DavServer, monkeypatch: pytest.MonkeyPatch) -> CalDAVCalendar:
    """goalsync's calendar adapter on ``server`` as if the server were not on this
    machine: goalsync sends Basic credentials up front only to loopback URLs and
    elsewhere waits for the server's 401 challenge (``DavConnection``)."""
    monkeypatch.setattr(caldav_common, "is_loopback", lambda url: False)
    return CalDAVCalendar(server.url, server.username, server.password, unique_name("Goals"),
                          allow_insecure_http=True)


def check_a_remote_server_gets_the_credentials(server: DavServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    backend = as_if_remote(server, monkeypatch)
    try:
        spec = block()
        backend.create(spec)
        assert [b.uid for b in backend.list_blocks(*WINDOW)] == [spec.uid]
    finally:
        drop(server, backend)
