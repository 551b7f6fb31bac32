"""Misbehaving HTTP servers on 127.0.0.1 for the hostile corpus: each answers every
request the same wrong way (an error status, garbage, an XML bomb, a gzip bomb, a body
that never ends, one byte at a time). ``misbehaving(kind)`` serves one until the block
ends and records how many requests came, and their methods (no write may arrive)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

_BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol9;</d:href></d:response>
</d:multistatus>"""

BIG = 80 * 1024 * 1024  # more than syncer.backends.bounded.MAX_BODY


def _gzip_bomb() -> bytes:
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join([*(squeeze.compress(block) for _ in range(BIG >> 20)), squeeze.flush()])


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _simple(status: str, body: bytes, kind: str = "application/xml",
            extra: dict[str, str] | None = None) -> bytes:
    return _head(status, {"Content-Type": kind, "Content-Length": str(len(body)),
                          "Connection": "close", **(extra or {})}) + body


KINDS = ("500", "503", "garbage", "xml-bomb", "huge", "gzip-bomb", "dribble-head",
         "dribble-body", "todoist-wrong-shape", "todoist-not-json", "empty-200")


@dataclass
class Misbehaving:
    url: str
    kind: str
    methods: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)


def _serve(conn: socket.socket, server: Misbehaving) -> None:
    with conn:
        conn.settimeout(10)
        try:
            request = conn.recv(65536)
            server.methods.append(request.split(b" ", 1)[0].decode("ascii", "replace"))
            if b'"commands"' in request or b"commands=" in request:
                server.methods.append("WRITE")  # a Todoist sync batch with commands
            kind = server.kind
            if kind == "500":
                conn.sendall(_simple("500 Internal Server Error", b"oops", "text/plain"))
            elif kind == "503":
                conn.sendall(_simple("503 Service Unavailable", b"later", "text/plain",
                                     {"Retry-After": "0"}))
            elif kind == "garbage":
                conn.sendall(_simple("207 Multi-Status", b"\x00\xff<<not xml>>" * 50))
            elif kind == "xml-bomb":
                conn.sendall(_simple("207 Multi-Status", _BOMB.encode()))
            elif kind == "empty-200":
                conn.sendall(_simple("200 OK", b"", "application/json"))
            elif kind == "todoist-wrong-shape":
                conn.sendall(_simple("200 OK", b'{"items": "nope", "projects": 7, '
                                     b'"sync_token": 5}', "application/json"))
            elif kind == "todoist-not-json":
                conn.sendall(_simple("200 OK", b"<html>hello</html>", "application/json"))
            elif kind == "huge":
                conn.sendall(_head("207 Multi-Status", {"Content-Type": "application/xml",
                                                        "Content-Length": str(BIG)}))
                block = b"<" * (1 << 20)
                for _ in range(BIG >> 20):
                    if server.stop.is_set():
                        return
                    conn.sendall(block)
            elif kind == "gzip-bomb":
                body = _GZIP_BOMB()
                conn.sendall(_simple("207 Multi-Status", body, extra={
                    "Content-Encoding": "gzip"}))
            elif kind in ("dribble-head", "dribble-body"):
                head = _head("207 Multi-Status", {"Content-Type": "application/xml",
                                                  "Content-Length": "100000"})
                if kind == "dribble-body":
                    conn.sendall(head)
                    head = b"<" * 100000
                for byte in head:
                    if server.stop.wait(0.3):
                        return
                    conn.sendall(bytes([byte]))
        except OSError:
            return


_BOMB_CACHE: list[bytes] = []


def _GZIP_BOMB() -> bytes:  # noqa: N802
    if not _BOMB_CACHE:
        _BOMB_CACHE.append(_gzip_bomb())
    return _BOMB_CACHE[0]


@contextlib.contextmanager
def misbehaving(kind: str) -> Iterator[Misbehaving]:
    """Serve ``kind`` (one of KINDS) on a free 127.0.0.1 port until the block ends."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    server = Misbehaving(f"http://127.0.0.1:{listener.getsockname()[1]}/", kind)

    def accept() -> None:
        while not server.stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_serve, args=(conn, server), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        thread.join(5)
        listener.close()
        time.sleep(0)
