"""A listing that fails part way raises IncompleteListing: it never looks like
deletions. A canned DAV server on 127.0.0.1 plays the misbehaving server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from syncer.backends.base import IncompleteListing
from syncer.backends.caldav_common import DavConnection

pytestmark = pytest.mark.integration

EVENT = ("BEGIN:VCALENDAR&#13;\nVERSION:2.0&#13;\nPRODID:x&#13;\nBEGIN:VEVENT&#13;\n"
         "UID:goalsync-p-a-1@goalsync&#13;\nDTSTAMP:20300101T000000Z&#13;\n"
         "DTSTART:20300101T100000Z&#13;\nEND:VEVENT&#13;\nEND:VCALENDAR&#13;\n")


def _ok(href: str) -> str:
    return (f"<d:response><d:href>{href}</d:href><d:propstat><d:prop>"
            f"<d:getetag>\"1\"</d:getetag><c:calendar-data>{EVENT}</c:calendar-data>"
            "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>")


def _multistatus(*responses: str) -> str:
    return ('<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" '
            'xmlns:c="urn:ietf:params:xml:ns:caldav">' + "".join(responses)
            + "</d:multistatus>")


TRUNCATED = _multistatus(
    _ok("/cal/a.ics"),
    "<d:response><d:href>/cal/</d:href><d:status>HTTP/1.1 507 Insufficient Storage"
    "</d:status></d:response>",
)
BODY_MISSING = _multistatus(
    _ok("/cal/a.ics"),
    "<d:response><d:href>/cal/b.ics</d:href><d:propstat><d:prop><c:calendar-data/>"
    "</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>",
)
COMPLETE = _multistatus(_ok("/cal/a.ics"), _ok("/cal/b.ics"))


class _Canned(BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, str]] = {}

    def do_REPORT(self) -> None:  # noqa: N802 - the HTTP method's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = self.answers[self.path]
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canned() -> Iterator[str]:
    _Canned.answers = {
        "/truncated/": (207, TRUNCATED),
        "/missing/": (207, BODY_MISSING),
        "/complete/": (207, COMPLETE),
        "/error/": (500, ""),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.parametrize("path", ["/truncated/", "/missing/", "/error/"])
def test_partial_or_failed_listing_raises(canned: str, path: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    with pytest.raises(IncompleteListing):
        dav.query(f"{canned}{path}", "VEVENT")


def test_complete_listing_returns_every_object(canned: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    objects = dav.query(f"{canned}/complete/", "VEVENT")
    assert [o.href for o in objects] == ["/cal/a.ics", "/cal/b.ics"]
    assert all("goalsync-p-a-1@goalsync" in o.data for o in objects)
