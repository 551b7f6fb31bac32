"""A tiny DAV server on 127.0.0.1 that plays servers Radicale cannot: one that answers
an anonymous PROPFIND with 207 (Cyrus IMAP, so Fastmail) and one that only takes Digest.
It records every request (method, path, Authorization header)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANONYMOUS_ABSENT = "absent"  # no current-user-principal in the answer (a 404 propstat)
ANONYMOUS_UNAUTHENTICATED = "unauthenticated"  # <d:unauthenticated/> in its place
DIGEST_ONLY = "digest-only"  # 401 with a Digest challenge unless Digest is sent


@dataclass
class DavStub:
    url: str
    mode: str
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth

    def methods(self) -> list[str]:
        return [method for method, _, _ in self.seen]


def _multistatus(path: str, mode: str, authenticated: bool) -> str:
    if authenticated:
        ok = ("<d:current-user-principal><d:href>/principals/alice/</d:href>"
              "</d:current-user-principal>"
              "<c:calendar-home-set><d:href>/calendars/alice/</d:href></c:calendar-home-set>"
              "<d:resourcetype><d:collection/></d:resourcetype>")
        missing = ""
    elif mode == ANONYMOUS_UNAUTHENTICATED:
        ok = ("<d:current-user-principal><d:unauthenticated/></d:current-user-principal>"
              "<d:resourcetype><d:collection/></d:resourcetype>")
        missing = ""
    else:
        ok = "<d:resourcetype><d:collection/></d:resourcetype>"
        missing = ("<d:propstat><d:prop><d:current-user-principal/><c:calendar-home-set/>"
                   "</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>")
    return ('<?xml version="1.0" encoding="utf-8"?>'
            '<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            f"<d:response><d:href>{path}</d:href>"
            f"<d:propstat><d:prop>{ok}</d:prop><d:status>HTTP/1.1 200 OK</d:status>"
            f"</d:propstat>{missing}</d:response></d:multistatus>")


@contextlib.contextmanager
def dav_stub(mode: str) -> Iterator[DavStub]:
    """Serve ``mode`` on a free 127.0.0.1 port until the block ends."""
    stub = DavStub("", mode)

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            auth = self.headers.get("Authorization") or ""
            stub.seen.append((self.command, self.path, auth))
            if mode == DIGEST_ONLY and not auth.startswith("Digest "):
                self._send(401, "", {"WWW-Authenticate":
                                     'Digest realm="stub", nonce="n0nce", qop="auth"'})
            elif self.command == "PROPFIND":
                body = _multistatus(self.path, mode, authenticated=mode == DIGEST_ONLY)
                self._send(207, body, {"Content-Type": "application/xml; charset=utf-8"})
            else:  # MKCALENDAR, PUT...: refused, as Cyrus refuses an anonymous user
                self._send(405, "", {})

        def _send(self, status: int, body: str, headers: dict[str, str]) -> None:
            data = body.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_PROPFIND = do_REPORT = do_MKCALENDAR = do_PUT = do_GET = _answer  # noqa: N815

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}/dav/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
