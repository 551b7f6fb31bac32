"""HTTP plumbing for the Todoist adapter: origin routing and bounded, safe retries.

The SDK has no base-URL option, so ``OriginTransport`` rewrites every request's origin
(scheme, host, port, and an optional path prefix) to the configured ``api_url``; the
SDK's REST calls and our own ``POST /api/v1/sync`` go through the same client.

``Retrier.call`` runs one request and retries it only because it is safe to: every
request goalsync sends to Todoist is either a read or a sync batch whose commands
carry uuids the server de-duplicates. 429/503 wait ``Retry-After`` (or
``error_extra.retry_after``); other 5xx and dropped connections back off briefly; the
total wait is bounded by ``max_wait``. 401 becomes AuthError, and so does a 403 when
Todoist says the token is the problem (an ``AUTH_*`` tag): plan-limit refusals are 403
too (``*_LIMIT_REACHED``), and they are ``Refused`` with a sentence saying which limit.
Nothing raised here contains the token.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from syncer.backends.base import AuthError, BackendError, RateLimited, Unreachable
from syncer.backends.bounded import BoundedTransport
from syncer.backends.urls import sends_in_clear
from syncer.errors import ConfigError

T = TypeVar("T")
DEFAULT_API_URL = "https://api.todoist.com"
API_PATH = "/api/v1"
AUTH_HINT = "run `goalsync auth todoist` (or set GOALSYNC_TODOIST_TOKEN) with a valid token"


class ServerError(BackendError):
    """Todoist kept answering 5xx; a rerun may succeed."""


class Refused(BackendError):
    """Todoist refused the request itself (a 4xx other than 401/403/429)."""

    def __init__(self, message: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.status = status


class OriginTransport(httpx.HTTPTransport):
    """Send every request to ``api_url`` instead of the origin it was built for."""

    def __init__(self, api_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._base = httpx.URL(api_url.rstrip("/"))
        # requests already carry /api/v1/...; accept an api_url that names it too
        self._prefix = self._base.path.rstrip("/").removesuffix(API_PATH)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        base = self._base
        request.url = request.url.copy_with(
            scheme=base.scheme, host=base.host, port=base.port,
            path=self._prefix + request.url.path)
        request.headers["Host"] = base.netloc.decode("ascii")
        return super().handle_request(request)


class RequestCounter:
    """Counts the HTTP requests a client sends (retries included), for figures."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, request: httpx.Request) -> None:
        self.count += 1


def routed_client(api_url: str, counter: RequestCounter | None = None) -> httpx.Client:
    """A client whose every request goes to ``api_url``. Raises ConfigError for a URL
    that is not http(s), or plain http to another machine: the token would travel in
    clear (the fake Todoist of the tests is on 127.0.0.1)."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"the Todoist api_url {api_url!r} is not an http(s) URL",
                          hint="remove api_url from [todoist] to use https://api.todoist.com")
    if sends_in_clear(api_url):
        raise ConfigError(
            f"refusing to send your Todoist token unencrypted to {parts.hostname} (http://)",
            hint="use an https:// api_url, or remove it from [todoist] to use "
                 "https://api.todoist.com")
    hooks: dict[str, list[Callable[..., Any]]] = {"request": [counter]} if counter else {}
    transport = BoundedTransport(OriginTransport(api_url),  # size and time: bounded.py
                                 what=f"Todoist ({parts.netloc.rpartition('@')[2]})")
    return httpx.Client(transport=transport, event_hooks=hooks,
                        timeout=httpx.Timeout(connect=10.0, read=60.0, write=60.0,
                                              pool=10.0))


class Retrier:
    """Runs requests with bounded retries; see the module docstring for the rules."""

    def __init__(self, max_wait: float = 60.0, attempts: int = 6, backoff: float = 0.2,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_wait = max_wait
        self.attempts = attempts
        self.backoff = backoff
        self.sleep = sleep

    def call(self, request: Callable[[], T], what: str) -> T:
        waited = 0.0
        for attempt in range(self.attempts):
            try:
                return request()
            except httpx.HTTPStatusError as error:
                delay = self._delay_for_status(error.response, attempt, what)
            except httpx.TransportError as error:
                delay = self._delay_for_transport(error, attempt, what)
            if attempt + 1 >= self.attempts or waited + delay > self.max_wait:
                break
            self.sleep(delay)
            waited += delay
        raise self._last_error  # set by the _delay_for_* helpers

    def _delay_for_status(self, response: httpx.Response, attempt: int, what: str) -> float:
        status = response.status_code
        tag = error_tag(response)
        if status == 403 and tag.endswith("_LIMIT_REACHED"):
            from syncer.backends.todoist_limits import limit_sentence
            raise Refused(f"{limit_sentence(tag, None)} (while {what})", status,
                          hint="see “Plans, caps and what goalsync does about them” "
                               "in docs/todoist.md")
        if status == 401 or (status == 403 and _token_problem(tag, response)):
            raise AuthError(f"Todoist rejected the API token (HTTP {status}) while {what}",
                            hint=AUTH_HINT) from None
        if status in (429, 503):
            wait = retry_after(response)
            self._last_error: BackendError = RateLimited(
                f"Todoist is rate limiting requests (HTTP {status}) while {what}",
                retry_after=wait, hint=f"wait {wait:g} s and rerun")
            return wait if wait >= 0 else self._backoff(attempt)
        if status >= 500:
            self._last_error = ServerError(
                f"Todoist had a server error (HTTP {status}) while {what}",
                hint="rerun later; nothing is lost")
            return self._backoff(attempt)
        raise Refused(
            f"Todoist refused the request (HTTP {status}: {error_text(response)}) "
            f"while {what}", status, hint="this is likely a goalsync bug; please report it")

    def _delay_for_transport(self, error: httpx.TransportError, attempt: int,
                             what: str) -> float:
        self._last_error = Unreachable(
            f"could not reach Todoist while {what} ({type(error).__name__})",
            hint="check the network connection (and api_url in the config), then rerun")
        return self._backoff(attempt)

    def _backoff(self, attempt: int) -> float:
        return self.backoff * (2 ** attempt)


def retry_after(response: httpx.Response) -> float:
    """Seconds to wait: the Retry-After header, else ``error_extra.retry_after``."""
    header = response.headers.get("Retry-After")
    if header is not None:
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
    try:
        extra = response.json().get("error_extra") or {}
        return max(0.0, float(extra.get("retry_after", 1)))
    except (ValueError, AttributeError, TypeError):
        return 1.0


def error_tag(response: httpx.Response) -> str:
    """The ``error_tag`` of an API v1 error body, or ''."""
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error_tag") or "") if isinstance(body, dict) else ""


def _token_problem(tag: str, response: httpx.Response) -> bool:
    """A 403 is about the token when Todoist tags it so (``AUTH_INVALID_TOKEN``,
    ``AUTH_INSUFFICIENT_TOKEN_SCOPE``…), or, untagged, when its text names the token."""
    if tag:
        return tag.startswith("AUTH_")
    return "token" in error_text(response).lower()


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        if isinstance(body, dict) and body.get("error"):
            return str(body["error"])
    except ValueError:
        pass
    return response.reason_phrase or "error"
