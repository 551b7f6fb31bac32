"""Bounds on what a server may send back: body size, decompressed size, and a deadline
for the whole request.

A read timeout bounds one wait for bytes, not a request: a server that sends one byte
every few seconds (in its headers or its body) never trips it, and a 1 MB gzip body can
expand to gigabytes. So every request goalsync sends, to Todoist (httpx) and to CalDAV
servers (niquests, under the ``caldav`` package), goes through one of the two wrappers
here:

* ``BoundedTransport`` wraps the httpx transport of the Todoist client;
* ``bound_session`` wraps the ``request`` method of the niquests session of a DAV client.

Both run the request in a worker thread and wait at most ``deadline`` seconds for the
status, headers and the whole body (the caller gets ``TooSlow``, a BackendError: exit 1
with a sentence, and the abandoned thread ends when the server does or the process
exits; a server that missed its deadline is not asked again in the same process);
both read the raw body in chunks and decompress it themselves (gzip, deflate),
stopping as soon as the compressed or decompressed size passes ``MAX_BODY``
(``ReplyTooLarge``). Only ``gzip, deflate`` is asked for; another encoding is refused.
Memory is bounded by about one ``MAX_BODY`` (plus 1 MB of decompression at a time).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar, cast

import httpx

from syncer.backends.base import BackendError, Unreachable

T = TypeVar("T")
MAX_BODY = 64 * 1024 * 1024  # bytes, compressed or not: a 50,000-event REPORT is ~30 MB
DEADLINE = 120.0  # seconds for one whole request (connect, headers, body)
CHUNK = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"


# servers that missed a deadline in this process: not asked again (a run's total time
# stays near one deadline, not one per request)
_TOO_SLOW: dict[str, float] = {}


class ReplyTooLarge(BackendError):
    """A server sent more than MAX_BODY bytes (before or after decompression)."""


class TooSlow(Unreachable):
    """A server did not finish its answer within the whole-request deadline."""


def deadline_for(timeout: float | None) -> float:
    """The whole-request deadline for a per-read ``timeout``: twice that (60 s for
    CalDAV's default 30 s), ``DEADLINE`` without one."""
    return max(2 * float(timeout), 1.0) if timeout else DEADLINE


def with_deadline(work: Callable[[], T], seconds: float, what: str) -> T:
    """Run ``work`` in a worker thread and return its result, or raise TooSlow when it
    has not finished after ``seconds``. Exceptions of ``work`` are raised here."""
    if what in _TOO_SLOW:
        raise TooSlow(f"{what} did not finish answering an earlier request within "
                      f"{_TOO_SLOW[what]:g} s; goalsync did not ask it again this run",
                      hint="the server is slow or misbehaving; run again later")
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error

    worker = threading.Thread(target=run, name="goalsync-request", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        _TOO_SLOW[what] = seconds
        raise TooSlow(f"{what} did not finish answering within {seconds:g} s",
                      hint="the server is slow or misbehaving; run again later, or check "
                           "the server address in the config")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class _Decoder:
    """Decompress a body chunk by chunk, never past ``limit`` bytes of output."""

    def __init__(self, encoding: str, limit: int, what: str) -> None:
        self.what, self.limit, self.size = what, limit, 0
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BackendError(f"{what} sent a reply compressed as {encoding!r}, which "
                               f"goalsync did not ask for (it asks for {ACCEPT_ENCODING})")
        self.coding = codings[0] if codings else None
        # gzip: wbits 16+15; deflate: zlib-wrapped (32+15 detects it) or raw (-15)
        self._z = (zlib.decompressobj(16 + zlib.MAX_WBITS) if self.coding in ("gzip", "x-gzip")
                   else zlib.decompressobj(32 + zlib.MAX_WBITS) if self.coding else None)
        self._raw_deflate = False

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._z is None:
            yield self._count(data)
            return
        try:
            while data:
                room = min(self.limit - self.size + 1, 16 * CHUNK)
                out = self._z.decompress(data, room)
                yield self._count(out)
                data = self._z.unconsumed_tail
                if self._z.eof:
                    return
        except zlib.error:
            if self.coding == "deflate" and not self._raw_deflate and self.size == 0:
                self._raw_deflate = True  # some servers send deflate without the header
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                yield from self.feed(data)
                return
            raise BackendError(f"{self.what} sent a compressed reply that does not "
                               "decompress") from None

    def _count(self, out: bytes) -> bytes:
        self.size += len(out)
        if self.size > self.limit:
            raise _too_large(self.what, self.limit, "once decompressed")
        return out


def _too_large(what: str, limit: int, how: str = "") -> ReplyTooLarge:
    return ReplyTooLarge(f"{what} sent a reply larger than {limit // (1024 * 1024)} MB"
                         f"{' ' + how if how else ''}; goalsync stopped reading it",
                         hint="the server is misbehaving or the address is wrong; nothing "
                              "was changed by this reply")


def read_body(chunks: Iterable[bytes], encoding: str, limit: int, what: str) -> bytes:
    """The decoded body of ``chunks`` (raw, possibly compressed bytes); raises
    ReplyTooLarge past ``limit`` bytes, raw or decoded."""
    decoder = _Decoder(encoding, limit, what)
    parts: list[bytes] = []
    raw = 0
    try:
        for chunk in chunks:
            raw += len(chunk)
            if raw > limit:
                raise _too_large(what, limit)
            parts.extend(decoder.feed(chunk))
    except BaseException:
        parts.clear()  # the traceback keeps this frame: not the bytes read so far
        raise
    return b"".join(parts)


# ------------------------------------------------------------------------- httpx


class BoundedTransport(httpx.BaseTransport):
    """An httpx transport whose every request has a deadline and a size bound; ``what``
    names the server in messages (and as the key of a missed deadline)."""

    def __init__(self, inner: httpx.BaseTransport, *, what: str,
                 limit: int | None = None, deadline: float | None = None) -> None:
        self.inner, self.what = inner, what
        self.limit, self.deadline = limit, deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = ACCEPT_ENCODING
        limit = self.limit or MAX_BODY
        what = self.what

        def go() -> httpx.Response:
            response = self.inner.handle_request(request)
            try:
                stream = cast(Iterable[bytes], response.stream)  # a sync transport's
                body = read_body(stream, response.headers.get("Content-Encoding", ""),
                                 limit, what)
            finally:
                response.close()
            dropped = (b"content-encoding", b"content-length", b"transfer-encoding")
            headers = [(k, v) for k, v in response.headers.raw if k.lower() not in dropped]
            return httpx.Response(response.status_code, headers=headers, content=body,
                                  extensions=response.extensions, request=request)

        return with_deadline(go, self.deadline or DEADLINE, what)

    def close(self) -> None:
        self.inner.close()


# ---------------------------------------------------------------------- niquests


def bound_session(session: Any, *, what: str, deadline: float | None = None,
                  limit: int | None = None) -> None:
    """Make every ``session.request`` (a niquests Session) bounded: the body is read
    here, in chunks, under the deadline and the size bound, and kept as the response's
    content, so callers read ``response.content`` as before."""
    send: Any = session.request

    def bounded(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        headers = dict(kwargs.get("headers") or {})
        headers["Accept-Encoding"] = ACCEPT_ENCODING
        kwargs["headers"], kwargs["stream"] = headers, True
        cap = limit or MAX_BODY

        def go() -> Any:
            response = send(method, url, *args, **kwargs)
            try:
                raw = response.raw
                chunks = iter(lambda: raw.read1(CHUNK, decode_content=False), b"")
                body = read_body(chunks, response.headers.get("Content-Encoding") or "",
                                 cap, what)
            finally:
                response.close()
            response._content, response._content_consumed = body, True
            return response

        return with_deadline(go, deadline or DEADLINE, what)

    session.request = bounded
