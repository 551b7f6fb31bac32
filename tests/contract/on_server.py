"""What the contract classes for a packaged server (Cyrus, DAViCal) share: reaching the
adapter's collection as the user's app would, and deleting it after each test."""

from __future__ import annotations

from typing import Any

import caldav

from tests.fixtures.servers import DavServer


class OnServer:
    server: DavServer

    def their_collection(self, backend: Any) -> Any:
        # basic auth up front: Cyrus answers an anonymous PROPFIND with 207, not 401
        return caldav.DAVClient(self.server.url, username=self.server.username,
                                password=self.server.password,
                                auth_type="basic").calendar(url=backend.target.url)

    def drop(self, backend: Any) -> None:
        """Delete the test's collection, if it was created. Cyrus needs it: it keeps a
        UID unique across all of a user's calendars (403
        unique-scheduling-object-resource), and the contract reuses UIDs in every
        test's fresh collection."""
        try:
            if not backend.target_missing():
                self.their_collection(backend).delete()
        finally:
            backend.close()
