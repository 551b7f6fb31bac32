"""A listing that fails part way raises IncompleteListing: it never looks like
deletions; a refused write is about the object, not the password. A canned DAV server
on 127.0.0.1 plays the misbehaving server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from syncer.backends.base import (
    BackendError,
    IncompleteListing,
    PreconditionFailed,
    RateLimited,
)
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
COMPLETE = _multistatus(_ok("/cal/a.ics"), _ok("http://127.0.0.1:1/cal/b%20c.ics"))


class _Canned(BaseHTTPRequestHandler):
    answers: dict[str, Any] = {}

    def do_REPORT(self) -> None:  # noqa: N802 - the HTTP method's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answer = self.answers[self.path]
        if isinstance(answer, list):  # a sequence of answers, the last one repeats
            answer = answer.pop(0) if len(answer) > 1 else answer[0]
        status, body = answer
        data = body.encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "0")
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self) -> None:  # noqa: N802 - the HTTP method's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = (b'<?xml version="1.0"?><d:error xmlns:d="DAV:" '
                b'xmlns:c="urn:ietf:params:xml:ns:caldav"><c:no-uid-conflict>'
                b"<d:href>/cal/elsewhere.ics</d:href></c:no-uid-conflict></d:error>"
                if "uid-taken" in self.path else b"")
        self.send_response(403)
        self.send_header("Content-Type", "application/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def canned() -> Iterator[str]:
    _Canned.answers = {
        "/truncated/": (207, TRUNCATED),
        "/missing/": (207, BODY_MISSING),
        "/complete/": (207, COMPLETE),
        "/error/": (500, ""),
        "/limited-once/": [(429, ""), (207, COMPLETE)],
        "/limited/": [(429, "")],
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
    assert [o.href for o in objects] == ["/cal/a.ics", "/cal/b c.ics"]  # paths, unquoted
    assert all("goalsync-p-a-1@goalsync" in o.data for o in objects)


def test_a_create_whose_uid_is_taken_elsewhere_is_a_precondition_failure(canned: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    with pytest.raises(PreconditionFailed):
        dav.put(f"{canned}/cal/uid-taken.ics", b"BEGIN:VCALENDAR", create=True)


def test_a_refused_write_is_a_backend_error_not_a_credential_error(canned: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    with pytest.raises(BackendError) as caught:
        dav.put(f"{canned}/cal/read-only.ics", b"BEGIN:VCALENDAR", etag='"1"')
    assert caught.value.exit_code == 1 and "read-only" in (caught.value.hint or "")


def test_a_rate_limited_request_is_retried_as_the_server_asks(canned: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    pauses: list[float] = []
    dav.sleep = pauses.append
    assert len(dav.query(f"{canned}/limited-once/", "VEVENT")) == 2
    assert len(pauses) == 1


def test_rate_limiting_that_persists_is_reported_after_bounded_tries(canned: str) -> None:
    dav = DavConnection(canned, "me", "pw")
    pauses: list[float] = []
    dav.sleep = pauses.append
    before = dav.requests
    with pytest.raises(RateLimited):
        dav.query(f"{canned}/limited/", "VEVENT")
    assert dav.requests - before == 3 and len(pauses) == 2
