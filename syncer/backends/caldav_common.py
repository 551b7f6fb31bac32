"""The DAV layer both CalDAV adapters share: one connection, plain requests, errors.

Built on the ``caldav`` package's ``DAVClient`` (which speaks niquests): it finds the
calendar home of a principal. The principal is asked for here (``current-user-principal``),
so an answer that names no logged-in user is an AuthError, never an empty account; with a
username, Basic credentials go with every request (see ``DavConnection``). Every object
request is sent here by hand so the preconditions are exactly ours. ``obj.save()`` in
caldav adds ``If-Match`` only once it has an ETag (and prefers a Schedule-Tag on some
servers), so goalsync never uses it:

* create: ``PUT`` with ``If-None-Match: *`` (412 → PreconditionFailed);
* update/delete: ``If-Match: <etag>`` (412 → PreconditionFailed, 404 → NotFound);
* listings: one ``calendar-query`` REPORT; any per-object failure, truncation (507) or
  unreadable body raises IncompleteListing, so a partial listing never looks like
  deletions;
* "nothing changed": one depth-0 PROPFIND for ``getctag`` and ``sync-token``; a server
  that has neither gets a digest of every ETag (one depth-1 PROPFIND).

Errors become sentences: 401/403, or an anonymous answer to a configured user →
AuthError (exit 3), DNS/refused/timeout/TLS → Unreachable naming the host, 429/503 →
RateLimited. The password never appears in a message: URLs are shown without user info.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape

from syncer.backends.base import (
    Adapter,
    AuthError,
    BackendError,
    IncompleteListing,
    NotFound,
    PreconditionFailed,
    RateLimited,
    Unreachable,
)
from syncer.backends.bounded import bound_session, deadline_for
from syncer.backends.dav_props import NS, Collection, collection_in
from syncer.backends.dav_props import PROPFIND_COLLECTIONS as _PROPFIND_COLLECTIONS
from syncer.backends.dav_props import calendar_props as _calendar_props
from syncer.backends.dav_props import collection as _collection
from syncer.backends.dav_props import ok_props as _ok_props
from syncer.backends.dav_props import prop_text as _prop_text
from syncer.backends.dav_props import responses as _responses
from syncer.backends.dav_props import status_code as _status_code
from syncer.backends.urls import is_loopback, sends_in_clear
from syncer.errors import ConfigError
from syncer.ical import UID_PREFIX, href_name

DEFAULT_TIMEOUT = 30
RATE_LIMIT_TRIES = 3
# Writes sent at once by CalDAVTasks.apply: enough to hide a round trip and the
# server's per-request overhead, few enough not to look like abuse (every server
# tried queues or serializes them safely; 429/503 answers are retried as always).
WRITE_WORKERS = 4
T = TypeVar("T")

_PROPFIND_PRINCIPAL = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"""

_PROPFIND_STATE = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><cs:getctag/><d:sync-token/></d:prop>
</d:propfind>"""

_PROPFIND_ETAGS = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>"""


class WriteRefused(BackendError):
    """The server refused a PUT or DELETE for a reason other than a precondition;
    ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.status = status
        self.permanent = 400 <= status < 500 and status not in (408, 423, 429)


@dataclass(frozen=True, slots=True)
class DavObject:
    """One calendar object resource as listed: where, its ETag, its iCalendar text."""

    href: str
    etag: str | None
    data: str


@dataclass(frozen=True, slots=True)
class SyncDelta:
    """A sync-collection answer: the new sync-token, the objects changed since the old
    one (with their data) and the hrefs (unquoted paths) removed since."""

    sync_token: str
    changed: list[DavObject]
    removed: list[str]


def merge_delta(
    listing: Sequence[T], delta: SyncDelta, path_of: Callable[[T], str],
    key_of: Callable[[T], str], parse: Callable[[DavObject], list[T]],
) -> list[T] | None:
    """``listing`` (what one collection held at or after the old sync-token, each item
    at ``path_of(item)``) brought up to date with ``delta``: removed objects dropped,
    changed ones parsed again (an item whose key reappears elsewhere moves). None when
    a removed object may be goalsync's but is not in the listing under that path (its
    place is unknown, so only a full listing is exact)."""
    paths: dict[str, list[T]] = {}
    where: dict[str, str] = {}  # key → path
    for item in listing:
        paths.setdefault(path_of(item), []).append(item)
        where[key_of(item)] = path_of(item)
    for href in delta.removed:
        if paths.pop(href, None) is None and href.rsplit("/", 1)[-1].startswith(UID_PREFIX):
            return None
    for obj in delta.changed:
        paths.pop(obj.href, None)
        items = parse(obj)
        for item in items:
            old = where.get(key_of(item))
            if old is not None and old != obj.href and old in paths:
                paths[old] = [i for i in paths[old] if key_of(i) != key_of(item)]
            where[key_of(item)] = obj.href
        paths[obj.href] = items
    return [item for items in paths.values() for item in items]


# ----------------------------------------------------------------------------- URLs


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, without user info (safe to show); an IPv6 address keeps
    its brackets."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url
    return _netloc(parts.hostname, parts.port)


def without_userinfo(url: str) -> str:
    parts = urlsplit(url)
    netloc = _netloc(parts.hostname, parts.port) if parts.hostname else ""
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def same_resource(a: str, b: str) -> bool:
    """Whether two URLs name one resource (user info, quoting and a trailing slash
    aside)."""
    from urllib.parse import unquote

    def norm(url: str) -> tuple[str, str]:
        return host_of(url), unquote(urlsplit(url).path).rstrip("/")

    return norm(a) == norm(b)


def is_collection_url(name: str) -> bool:
    """Whether a configured calendar "name" is really a URL or an absolute path."""
    return name.startswith(("http://", "https://", "/"))


def check_url(url: str, allow_insecure_http: bool) -> str:
    """The URL, validated: http(s) only, and plain http only on loopback unless
    allowed. Raises ConfigError."""
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number)
    except ValueError:
        raise ConfigError(f"the CalDAV URL {url.split('@')[-1]!r} has no valid port",
                          hint="write it as https://host:port/path (an IPv6 address in "
                               "brackets: http://[::1]:5232/)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"the CalDAV URL {without_userinfo(url)!r} is not an http(s) URL",
            hint="set [caldav] url to your server's address, e.g. https://dav.example.com/",
        )
    if sends_in_clear(url) and not allow_insecure_http:
        raise ConfigError(
            f"refusing to send your CalDAV password unencrypted to {host_of(url)} (http://)",
            hint="use an https:// URL, or set allow_insecure_http = true in [caldav] "
            "if this server is on a network you trust",
        )
    return without_userinfo(url)


def _utc_stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------- XML


def _href(response: Any) -> str:
    """The response's href as an unquoted path (some servers send absolute URLs)."""
    from urllib.parse import unquote

    text = _prop_text(response, "d:href") or ""
    if "://" in text:
        text = urlsplit(text).path
    return unquote(text)


def calendar_query(component: str, start: datetime | None, end: datetime | None) -> str:
    """A calendar-query REPORT body for every ``component`` (in a time range, if given)."""
    time_range = (
        f'<c:time-range start="{_utc_stamp(start)}" end="{_utc_stamp(end)}"/>'
        if start is not None and end is not None else ""
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="{component}">{time_range}
  </c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>"""


def _sync_collection(sync_token: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:sync-token>{escape(sync_token)}</d:sync-token><d:sync-level>1</d:sync-level>
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
</d:sync-collection>"""


def calendar_multiget(hrefs: Iterable[str]) -> str:
    refs = "".join(f"<d:href>{escape(quote(h))}</d:href>" for h in hrefs)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>{refs}
</c:calendar-multiget>"""


def _mkcalendar_body(name: str, component: str) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:set><d:prop><d:displayname>{escape(name)}</d:displayname>
    <c:supported-calendar-component-set><c:comp name="{component}"/>
    </c:supported-calendar-component-set></d:prop></d:set>
</c:mkcalendar>"""


# ----------------------------------------------------------------------- connection


class DavConnection:
    """One authenticated DAV session. ``requests`` counts HTTP requests sent."""

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        allow_insecure_http: bool = False,
    ) -> None:
        from caldav.davclient import DAVClient

        self.url = check_url(url, allow_insecure_http)
        self.host = host_of(self.url)
        username = username or None  # the config's default "" means "none"
        self.username = username
        self.requests = 0
        # With a username, Basic credentials go with every request (check_url allows
        # only https, loopback, or plain http the user explicitly allowed): some
        # servers (Cyrus, so Fastmail) answer an anonymous request with 207 and an
        # empty, anonymous view instead of a 401 challenge, so waiting for one would
        # read that view as the account. A server that only takes Digest says so in
        # its 401, and goalsync switches once (``_switch_to_digest``).
        auth_type = "basic" if username else None
        self.client = DAVClient(
            url=self.url,
            username=username,
            password=password if password is not None else ("" if username else None),
            auth_type=auth_type,
            timeout=cast(Any, timeout) or None,  # niquests takes float seconds
            enable_rfc6764=False,
        )
        self._challenge = ""  # the WWW-Authenticate header of the last answer
        bound_session(self.client.session, what=f"the CalDAV server {self.host}",
                      deadline=deadline_for(timeout))  # size and time bounds: bounded.py
        self._count_lock = threading.Lock()
        self.write_workers = WRITE_WORKERS  # requests apply() may send at once
        self._count_session_requests()
        self._home: str | None = None
        self._home_remembered = False  # set from a URL a former run resolved
        self.max_rate_limit_wait = 60.0
        self.sleep: Callable[[float], None] = time.sleep

    def close(self) -> None:
        """Close the HTTP session (its pooled connections)."""
        self.client.close()

    def _count_session_requests(self) -> None:
        session: Any = self.client.session
        send: Any = session.request

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._count_lock:  # writes may be sent from several threads
                self.requests += 1
            response = send(*args, **kwargs)
            headers = getattr(response, "headers", None)
            self._challenge = str(headers.get("WWW-Authenticate") or "") if headers else ""
            return response

        session.request = counted

    # -- errors

    def _translate(self, exc: BaseException) -> BaseException:
        from caldav.lib import error as caldav_error
        from caldav.lib.http_sync import requests as http

        if isinstance(exc, BackendError):  # bounded.py: too large, too slow
            return exc
        if isinstance(exc, caldav_error.RateLimitError):
            return RateLimited(
                f"the CalDAV server {self.host} asks goalsync to slow down",
                retry_after=float(getattr(exc, "retry_after_seconds", 0) or 0),
                hint="wait a little and run goalsync again",
            )
        if isinstance(exc, caldav_error.AuthorizationError):
            return self._auth_error(_auth_status(exc))
        if isinstance(exc, http.exceptions.Timeout):
            return Unreachable(f"the CalDAV server {self.host} did not answer in time",
                               hint="check your connection, or raise [caldav] timeout")
        if isinstance(exc, http.exceptions.RequestException | OSError):
            return Unreachable(
                f"cannot reach the CalDAV server {self.host}: {_network_reason(exc)}",
                hint="check [caldav] url and your network connection",
            )
        return BackendError(f"the CalDAV server {self.host} sent an answer goalsync "
                            f"cannot read ({type(exc).__name__})")

    def _auth_error(self, status: int | None) -> AuthError:
        if status == 403:
            return AuthError(
                f"the CalDAV server {self.host} refused access for user {self.username!r} "
                "(403 Forbidden)",
                hint="check [caldav] username and that this account may use the calendar",
            )
        if self.username is None:
            return AuthError(
                f"the CalDAV server {self.host} asks for a username and password",
                hint="set [caldav] username in the config file, then run "
                "`goalsync auth caldav`",
            )
        return AuthError(
            f"the CalDAV server {self.host} rejected the username or password "
            f"for user {self.username!r}",
            hint="run `goalsync auth caldav` to store the right password, or set "
            "GOALSYNC_CALDAV_PASSWORD",
        )

    def request(
        self,
        method: str,
        url: str,
        body: str | bytes = "",
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one request; returns caldav's DAVResponse (``.status``, ``.headers``,
        ``.tree``). A 429/503 answer (the server did not act on the request, so any
        method may be repeated) is retried up to ``RATE_LIMIT_TRIES`` times, waiting as
        the server's Retry-After says (capped by ``max_rate_limit_wait`` seconds in all).
        Raises AuthError, Unreachable, RateLimited, BackendError."""
        waited = 0.0
        for attempt in range(1, RATE_LIMIT_TRIES + 1):
            try:
                return self._request_once(method, url, body, headers)
            except RateLimited as limited:
                pause = limited.retry_after or float(2 ** attempt)
                if attempt == RATE_LIMIT_TRIES or waited + pause > self.max_rate_limit_wait:
                    raise
                self.sleep(pause)
                waited += pause
        raise AssertionError("unreachable")

    def _request_once(
        self, method: str, url: str, body: str | bytes, headers: Mapping[str, str] | None,
    ) -> Any:
        try:
            response = self.client.request(url, method, body, dict(headers or {}))  # type: ignore[arg-type]  # bytes go to the wire as they are
        except Exception as exc:
            if _auth_status(exc) == 401 and self._switch_to_digest():
                return self._request_once(method, url, body, headers)
            if method in _WRITES and _auth_status(exc) == 403:
                # A refused write is about that object or collection (read-only
                # calendar, UID taken elsewhere), not about the credentials.
                return _Refused(403, list(getattr(exc, "preconditions", []) or []))
            raise self._translate(exc) from None
        if response.status == 403 and method in _WRITES:
            return _Refused(403, [])
        if response.status in (401, 403):
            raise self._auth_error(response.status)
        if response.status == 429:
            raise RateLimited(f"the CalDAV server {self.host} is busy ({response.status})",
                              hint="wait a little and run goalsync again")
        return response

    def _switch_to_digest(self) -> bool:
        """After a 401 to the Basic credentials: whether the server asks for Digest
        only, in which case the client now answers with Digest (once per connection)."""
        schemes = self.client.extract_auth_types(self._challenge) if self._challenge else set()
        if self.client.auth_type != "basic" or "digest" not in schemes or "basic" in schemes:
            return False
        self.client.auth_type = "digest"
        self.client.build_auth_object()
        return True

    # -- remembered URLs

    def relative(self, url: str) -> str:
        """``url`` as remembered across runs: its path when it is on the configured
        server (the embedded server's port changes every run), else the whole URL."""
        parts, base = urlsplit(url), urlsplit(self.url)
        if (parts.scheme, parts.netloc) == (base.scheme, base.netloc):
            return urlunsplit(("", "", parts.path, parts.query, ""))
        return without_userinfo(url)

    def absolute(self, remembered: str) -> str:
        return urljoin(self.url, remembered)

    def remember_home(self, remembered: str | None) -> None:
        """Use a calendar home a former run resolved, instead of discovering it (two
        requests). A home that answers 404 is discovered again."""
        if remembered and self._home is None:
            self._home = self.absolute(remembered)
            self._home_remembered = True

    def forget_home(self) -> None:
        """Discover the calendar home again on next use (a remembered one was stale)."""
        if self._home_remembered:
            self._home = None
            self._home_remembered = False

    def known_home(self) -> str | None:
        """The calendar home if it was resolved or remembered (no request)."""
        return self._home

    # -- discovery

    def home(self) -> str:
        """The calendar home URL of the user (discovered once)."""
        if self._home is None:
            principal_url = self._principal_url()
            try:
                from caldav.collection import Principal

                principal = Principal(client=self.client, url=principal_url)
                self._home = str(principal.calendar_home_set.url)
            except Exception as exc:
                translated = self._translate(exc)
                if isinstance(translated, BackendError | AuthError):
                    if type(translated) is BackendError:
                        raise self._not_caldav() from None
                    raise translated from None
                raise
        return self._home

    def _principal_url(self) -> str:
        """The URL of the logged-in user's principal (one depth-0 PROPFIND of the
        configured URL for ``current-user-principal``). Raises AuthError when a username
        is configured and the server answers as if nobody were logged in (no principal,
        or ``DAV:unauthenticated``): an anonymous view is not the user's account."""
        response = self.request("PROPFIND", self.url, _PROPFIND_PRINCIPAL,
                                {"Depth": "0", "Content-Type": "application/xml"})
        if response.status >= 500 or (response.status == 207 and response.tree is None):
            raise BackendError(  # server trouble, not a wrong URL: a rerun may work
                f"the CalDAV server {self.host} could not answer goalsync's first question "
                f"(HTTP {response.status}{', unreadable reply' if response.status == 207 else ''})",
                hint="the server is having trouble; run goalsync again later")
        if response.status != 207 or response.tree is None:
            raise self._not_caldav()
        for item in _responses(response.tree):
            prop = _ok_props(item)
            node = prop.find("d:current-user-principal", NS) if prop is not None else None
            href = _prop_text(node, "d:href") if node is not None else None
            if href:
                return urljoin(self.url, href)
        if self.username is not None:
            raise AuthError(
                f"the CalDAV server {self.host} answered without logging in user "
                f"{self.username!r}: it did not say whose calendars it was showing, so "
                "goalsync did not read them as yours",
                hint="check [caldav] url (your provider's CalDAV address) and [caldav] "
                "username, then run `goalsync auth caldav` with an app password if your "
                "provider uses them",
            )
        return self.url  # no login configured: the server's root is the principal

    def _not_caldav(self) -> ConfigError:
        return ConfigError(
            f"no CalDAV calendars found at {self.url}",
            hint="set [caldav] url to your server's CalDAV address "
            "(often https://host/dav/ or https://host/remote.php/dav/)",
        )

    def collections(self) -> list[Collection]:
        """Every calendar collection in the user's calendar home (one PROPFIND; a
        remembered home that is gone is discovered again)."""
        home = self.home()
        response = self.request("PROPFIND", home, _PROPFIND_COLLECTIONS,
                                {"Depth": "1", "Content-Type": "application/xml"})
        if response.status == 404 and self._home_remembered:
            self.forget_home()
            home = self.home()
            response = self.request("PROPFIND", home, _PROPFIND_COLLECTIONS,
                                    {"Depth": "1", "Content-Type": "application/xml"})
        found = []
        for item in _responses(response.tree):
            prop = _calendar_props(item)
            if prop is not None:
                found.append(_collection(urljoin(home, quote(_href(item))), prop))
        return found

    def collection_at(self, url: str) -> Collection | None:
        """The calendar collection at ``url`` (absolute, or a path on this server), or
        None when there is none (one depth-0 PROPFIND)."""
        url = urljoin(self.url, url)
        response = self.request("PROPFIND", url, _PROPFIND_COLLECTIONS,
                                {"Depth": "0", "Content-Type": "application/xml"})
        if response.status != 207:
            return None
        return collection_in(url, response.tree)

    def find_collection(self, name: str, component: str) -> Collection | None:
        """The collection whose display name is ``name`` (case-sensitive first, then
        case-insensitive) and that can hold ``component``; ``name`` may also be the
        collection's URL (``https://...`` or a path starting with ``/``)."""
        if is_collection_url(name):
            found = self.collection_at(name)
            return found if found is not None and found.holds(component) else None
        collections = [c for c in self.collections() if c.holds(component)]
        for match in (lambda c: c.name == name, lambda c: c.name.casefold() == name.casefold()):
            for collection in collections:
                if match(collection):
                    return collection
        return None

    def find_or_create_collection(self, name: str, component: str) -> Collection:
        """Find the collection by display name, or create it (MKCALENDAR) at a URL
        derived from the name. A collection goalsync made for this name and the user
        renamed later is found at that URL and kept. Raises ConfigError with the
        existing names when nothing works."""
        found = self.find_collection(name, component)
        if found is not None:
            return found
        if is_collection_url(name):
            raise ConfigError(
                f"there is no calendar collection for {component} at {without_userinfo(name)}",
                hint="check the URL in the config file, or use the calendar's display name",
            )
        slug = hashlib.sha1(f"{name}\0{component}".encode()).hexdigest()[:16]
        url = urljoin(self.home(), f"goalsync-{slug}/")
        renamed = self.collection_at(url)
        if renamed is not None and renamed.holds(component):
            return renamed
        response = self.request("MKCALENDAR", url, _mkcalendar_body(name, component),
                                {"Content-Type": "application/xml"})
        if response.status not in (200, 201):
            kind = "calendar" if component == "VEVENT" else "task list"
            names = ", ".join(sorted(c.name for c in self.collections())) or "none"
            raise ConfigError(
                f"the {kind} {name!r} does not exist on {self.host} and goalsync could not "
                f"create it ({response.status})",
                hint=f"create it in your calendar app, or set [caldav] to one of: {names}",
            )
        found = self.find_collection(name, component)
        return found or Collection(url, name, frozenset({component}))

    # -- change detection

    def collection_state(self, url: str) -> str:
        """A token that changes whenever anything in the collection changes: the ctag
        or sync-token (one PROPFIND), else a digest of every ETag."""
        response = self.request("PROPFIND", url, _PROPFIND_STATE,
                                {"Depth": "0", "Content-Type": "application/xml"})
        for item in _responses(response.tree):
            prop = _ok_props(item)
            if prop is None:
                continue
            token = _prop_text(prop, "d:sync-token") or _prop_text(prop, "cs:getctag")
            if token:
                return token
        return self._etag_digest(url)

    def _etag_digest(self, url: str) -> str:
        response = self.request("PROPFIND", url, _PROPFIND_ETAGS,
                                {"Depth": "1", "Content-Type": "application/xml"})
        if response.status != 207:
            raise IncompleteListing(f"the CalDAV server {self.host} did not list {url}")
        pairs = sorted(
            (_href(item), _prop_text(prop, "d:getetag") or "")
            for item in _responses(response.tree)
            if (prop := _ok_props(item)) is not None
        )
        return "etags:" + hashlib.sha256(repr(pairs).encode()).hexdigest()

    # -- objects

    def query(
        self, url: str, component: str, start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[DavObject]:
        """Every ``component`` object in the collection (overlapping [start, end) if
        given), complete or IncompleteListing."""
        response = self.request("REPORT", url, calendar_query(component, start, end),
                                {"Depth": "1", "Content-Type": "application/xml"})
        return self._complete_objects(url, response)

    def fetch(self, url: str, hrefs: Sequence[str]) -> list[DavObject]:
        """The objects at ``hrefs`` (a calendar-multiget); missing ones are left out."""
        if not hrefs:
            return []
        response = self.request("REPORT", url, calendar_multiget(hrefs),
                                {"Content-Type": "application/xml"})
        if response.status != 207:
            raise IncompleteListing(self._listing_failed(url, response.status))
        objects = []
        for item in _responses(response.tree):
            prop = _ok_props(item)
            data = _prop_text(prop, "c:calendar-data") if prop is not None else None
            if prop is not None and data:
                objects.append(DavObject(_href(item), _prop_text(prop, "d:getetag"), data))
        return objects

    def changed_since(self, url: str, sync_token: str) -> SyncDelta | None:
        """What changed in the collection since ``sync_token`` (one sync-collection
        REPORT, RFC 6578): the objects changed or added, with their data, the hrefs
        removed, and the new sync-token. None when the server cannot say exactly (no
        support, an expired token, a truncated answer, a changed object sent without
        its data): the caller lists everything instead."""
        try:
            response = self.request("REPORT", url, _sync_collection(sync_token),
                                    {"Content-Type": "application/xml"})
        except AuthError:
            # RFC 6578: an expired or unknown token is a 403 (DAV:valid-sync-token);
            # caldav reports it as an authorization error. Bad credentials fail the
            # full listing the caller makes instead.
            return None
        if response.status != 207 or response.tree is None:
            return None
        new_token = _prop_text(response.tree, "d:sync-token")
        if not new_token:
            return None
        changed: list[DavObject] = []
        removed: list[str] = []
        for item in _responses(response.tree):
            href = _href(item)
            status = _status_code(_prop_text(item, "d:status"))
            if status == 507:
                return None
            if status == 404:
                removed.append(href)
                continue
            if href.rstrip("/") == urlsplit(url).path.rstrip("/"):
                continue  # the collection itself
            prop = _ok_props(item)
            data = _prop_text(prop, "c:calendar-data") if prop is not None else None
            if not data:
                return None
            changed.append(DavObject(href, _prop_text(prop, "d:getetag"), data))
        return SyncDelta(new_token, changed, removed)

    def _listing_failed(self, url: str, status: int) -> str:
        return f"the CalDAV server {self.host} could not list {urlsplit(url).path} ({status})"

    def _complete_objects(self, url: str, response: Any) -> list[DavObject]:
        if response.status == 404:
            raise IncompleteListing(self._listing_failed(url, 404),
                                    hint="the calendar may have been deleted; run again to "
                                    "recreate it")
        if response.status != 207 or response.tree is None:
            raise IncompleteListing(self._listing_failed(url, response.status))
        objects: list[DavObject] = []
        missing: list[str] = []
        for item in _responses(response.tree):
            status = _status_code(_prop_text(item, "d:status"))
            if status == 507:
                raise IncompleteListing(f"the CalDAV server {self.host} truncated a listing")
            prop = _ok_props(item)
            data = _prop_text(prop, "c:calendar-data") if prop is not None else None
            href = _href(item)
            if data:
                objects.append(DavObject(href, _prop_text(prop, "d:getetag"), data))
            elif href.rstrip("/") != urlsplit(url).path.rstrip("/"):
                missing.append(href)
        if missing:  # some servers list hrefs without bodies: fetch those, all or fail
            fetched = [o for o in self.fetch(url, missing) if o.href in set(missing)]
            if {o.href for o in fetched} != set(missing):
                raise IncompleteListing(f"the CalDAV server {self.host} listed objects it "
                                        "then could not send")
            objects.extend(fetched)
        return objects

    def object_url(self, collection_url: str, name_or_href: str) -> str:
        return urljoin(collection_url, quote(name_or_href))

    def put(self, url: str, data: bytes, *, etag: str | None = None, create: bool = False) -> str:
        """PUT a calendar object: ``create`` adds If-None-Match: *, else If-Match: etag
        (or ``*`` without one: it must exist). Returns the new ETag. Raises
        PreconditionFailed, NotFound."""
        headers = {"Content-Type": "text/calendar; charset=utf-8"}
        if create:
            headers["If-None-Match"] = "*"
        else:
            headers["If-Match"] = etag or "*"
        response = self.request("PUT", url, data, headers)
        if response.status in (200, 201, 204):
            return _etag_header(response) or self.etag_of(url)
        self._raise_for_object(url, response.status, create, _preconditions(response))
        raise AssertionError("unreachable")

    def delete(self, url: str, etag: str | None) -> None:
        """DELETE with If-Match (when an ETag is known). Raises PreconditionFailed,
        NotFound."""
        response = self.request("DELETE", url, "", {"If-Match": etag} if etag else {})
        if response.status in (200, 204):
            return
        self._raise_for_object(url, response.status, False, _preconditions(response))

    def etag_of(self, url: str) -> str:
        """The ETag of one object (a depth-0 PROPFIND). Raises NotFound."""
        response = self.request("PROPFIND", url, _PROPFIND_ETAGS,
                                {"Depth": "0", "Content-Type": "application/xml"})
        items = _responses(response.tree)
        gone = all(_status_code(_prop_text(i, "d:status")) == 404 for i in items)
        if response.status == 404 or (response.status == 207 and items and gone):
            raise NotFound(f"no object at {urlsplit(url).path} on {self.host}")
        for item in items:
            prop = _ok_props(item)
            etag = _prop_text(prop, "d:getetag") if prop is not None else None
            if etag:
                return etag
        raise BackendError(f"the CalDAV server {self.host} gave no ETag for "
                           f"{urlsplit(url).path}")

    def exists(self, url: str) -> bool:
        try:
            self.etag_of(url)
        except NotFound:
            return False
        return True

    def _raise_for_object(self, url: str, status: int, create: bool,
                          preconditions: Sequence[str] = ()) -> None:
        path = urlsplit(url).path
        if status == 403 and not any("no-uid-conflict" in p for p in preconditions):
            why = ", ".join(p.rpartition("}")[2] for p in preconditions)
            raise WriteRefused(
                f"the CalDAV server {self.host} refused to change {path} (403 Forbidden"
                + (f": {why})" if why else ")"),
                status,
                hint="the server found the object invalid; please report it" if why else
                "the calendar may be read-only for this account; choose another in "
                "[caldav]",
            )
        if status == 404:
            raise NotFound(f"no object at {path} on {self.host}")
        if status == 412:
            if not create and not self.exists(url):
                raise NotFound(f"no object at {path} on {self.host}")
            what = "exists already" if create else "was changed by someone else"
            raise PreconditionFailed(f"the object {path} on {self.host} {what}")
        if status in (403, 409) and create:  # no-uid-conflict: the UID lives elsewhere
            raise PreconditionFailed(f"an object with the UID of {path} exists already on "
                                     f"{self.host}")
        raise WriteRefused(f"the CalDAV server {self.host} answered {status} for {path}",
                           status)


class Target:
    """The one collection an adapter writes to, found by name (or created) once and
    then remembered by URL: ``known_urls`` (what ``resolved_urls()`` gave a former run)
    lets a run skip discovery entirely. A remembered URL that no longer holds a
    suitable collection is forgotten and discovery runs again (once)."""

    def __init__(self, dav: DavConnection, name: str, component: str,
                 known_urls: Mapping[str, str] | None = None) -> None:
        self.dav, self.name, self.component = dav, name, component
        known = dict(known_urls or {})
        self._remembered = known.get("target")
        dav.remember_home(known.get("home"))
        self.found: Collection | None = None
        self._read_at: int | None = None  # dav.requests when missing() read ``found``

    def get(self) -> Collection:
        """The collection (found or created on first use; no request afterwards)."""
        if self.found is None:
            self.found = self._remembered_one() or self.dav.find_or_create_collection(
                self.name, self.component)
        return self.found

    def fresh(self) -> Collection:
        """The collection as the server describes it now (its ctag and sync-token):
        one depth-0 PROPFIND once the URL is known, discovery otherwise."""
        read_at, self._read_at = self._read_at, None
        if self.found is not None and read_at == self.dav.requests:
            return self.found  # missing() read it with the last request sent (once only)
        url = self.found.url if self.found is not None else self._remembered_url()
        if url is not None:
            found = self.dav.collection_at(url)
            if found is not None and found.holds(self.component):
                self.found = found
                return found
            self.forget()
        self.found = self.dav.find_or_create_collection(self.name, self.component)
        return self.found

    def in_listing(self, available: Sequence[Collection]) -> Collection | None:
        """The collection among ``available`` (a listing of the calendar home), by its
        known URL, else by name; None when it is not there."""
        url = self.found.url if self.found is not None else self._remembered_url()
        for collection in available:
            if url is not None and same_resource(collection.url, url) \
                    and collection.holds(self.component):
                self.found = collection
                return collection
        if url is None:
            for match in (lambda c: c.name == self.name,
                          lambda c: c.name.casefold() == self.name.casefold()):
                for collection in available:
                    if match(collection) and collection.holds(self.component):
                        self.found = collection
                        return collection
        return None

    def delta(self, state: str) -> SyncDelta | None:
        """What changed since ``state`` (a token from ``fresh()`` or a listing of this
        run), when it is the collection's sync-token; None otherwise (see
        DavConnection.changed_since)."""
        found = self.found
        if found is None or found.sync_token is None or found.sync_token != state:
            return None
        return self.dav.changed_since(found.url, state)

    def missing(self) -> bool:
        """Whether the collection does not exist yet; never creates it."""
        if self.found is None:
            found = self._remembered_one() or self.dav.find_collection(
                self.name, self.component)
            if found is not None:
                self.found, self._read_at = found, self.dav.requests
        return self.found is None

    def forget(self) -> None:
        """Drop every remembered and found URL: the next use discovers again."""
        self._remembered = None
        self.found = None
        self.dav.forget_home()

    def resolved_urls(self) -> dict[str, str]:
        """The URLs resolved so far, to pass as ``known_urls`` next run (no secrets:
        user info is stripped; paths on the configured server are kept relative)."""
        urls = {}
        home = self.dav.known_home()
        if home is not None:
            urls["home"] = self.dav.relative(home)
        target = self.found.url if self.found is not None else self._remembered_url()
        if target is not None:
            urls["target"] = self.dav.relative(target)
        return urls

    def _remembered_url(self) -> str | None:
        return self.dav.absolute(self._remembered) if self._remembered else None

    def _remembered_one(self) -> Collection | None:
        url = self._remembered_url()
        if url is None:
            return None
        found = self.dav.collection_at(url)
        if found is not None and found.holds(self.component):
            return found
        self.forget()
        return None


class DavAdapter(Adapter):
    """What both CalDAV adapters share: the connection, the one target collection
    (holding ``component``), and each owned object's URL as last listed; and the
    optional capabilities of ``base.Adapter`` (close, remembered URLs, a missing
    target). Connects lazily, on the first call."""

    component = ""  # "VEVENT" or "VTODO", set by each adapter

    def __init__(self, url: str, username: str | None, password: str | None,
                 target_name: str, *, timeout: float = DEFAULT_TIMEOUT,
                 allow_insecure_http: bool = False,
                 known_urls: Mapping[str, str] | None = None) -> None:
        self.dav = DavConnection(url, username, password, timeout=timeout,
                                 allow_insecure_http=allow_insecure_http)
        self._locator = Target(self.dav, target_name, self.component, known_urls)
        self._hrefs: dict[str, str] = {}  # uid → object URL, as last listed
        self._deleted: dict[str, str] = {}  # uid → object URL, deleted this run

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (for benchmarks and tests)."""
        return self.dav.requests

    def close(self) -> None:
        """Close the HTTP session; the adapter must not be used afterwards."""
        self.dav.close()

    @property
    def target(self) -> Collection:
        """The target calendar or task list (found or created on first use)."""
        return self._locator.get()

    def remember_urls(self, known_urls: Mapping[str, str]) -> None:
        """Use URLs a former run resolved (``resolved_urls()``); before the first call."""
        self._locator = Target(self.dav, self._locator.name, self.component, known_urls)

    def resolved_urls(self) -> dict[str, str]:
        """The calendar home and target URLs resolved so far, for ``known_urls``."""
        return self._locator.resolved_urls()

    def target_missing(self) -> bool:
        """Whether the target collection does not exist yet: neither found (or created)
        this run nor at a remembered URL, nor in the calendar home by name. Never
        creates it. False when that cannot be read (the real read reports it)."""
        try:
            return self._locator.missing()
        except BackendError:
            return False  # the real read reports it

    def _url(self, uid: str) -> str:
        return self._hrefs.get(uid) or self.dav.object_url(self.target.url, href_name(uid))

    def _path_of_uid(self, uid: str) -> str:
        """The path of ``uid``'s object, also when it was deleted in this run."""
        return object_path(self._deleted.get(uid) or self._url(uid))

    def _forget_deleted(self, uid: str) -> None:
        self._deleted[uid] = self._url(uid)
        self._hrefs.pop(uid, None)

    def _target_changes(self, token: str | None) -> tuple[bool, str | None]:
        """``(changed, new_token)`` from the target's sync-token / ctag alone: one
        depth-0 PROPFIND once its URL is known (discovery first otherwise)."""
        target = self._locator.fresh()
        now = target.state or self.dav.collection_state(target.url)
        return token != now, now


def object_path(url: str) -> str:
    """The decoded path of an object URL (what a sync-collection REPORT names)."""
    return unquote(urlsplit(url).path)


def settings_value(settings: Mapping[str, Any], key: str, default: Any = None) -> Any:
    """``settings[key]``, or ``default`` when it is missing or None."""
    value = settings.get(key, default)
    return default if value is None else value


def settings_url(settings: Mapping[str, Any]) -> str:
    """The ``[caldav]`` url; raises ConfigError when it is not set."""
    url = settings_value(settings, "url")
    if not url:
        raise ConfigError("[caldav] url is not set",
                          hint="set it in the config file, e.g. url = \"https://dav.example.com/\"")
    return str(url)


_WRITES = frozenset({"PUT", "DELETE", "MKCALENDAR"})


@dataclass(frozen=True, slots=True)
class _Refused:
    """A 403 answer to a write, standing in for caldav's response object."""

    status: int
    preconditions: list[str]
    headers: Mapping[str, str] = field(default_factory=dict)
    tree: Any = None


def _preconditions(response: Any) -> list[str]:
    if isinstance(response, _Refused):
        return response.preconditions
    if response.tree is not None and response.tree.tag == "{DAV:}error":
        return [child.tag for child in response.tree if isinstance(child.tag, str)]
    return []


_REASONS = (
    (("refused",), "connection refused (is the server running?)"),
    (("name or service not known", "nodename nor servname", "getaddrinfo", "resolve",
      "no address associated", "name resolution"), "the host name was not found"),
    (("timed out", "timeout"), "the connection timed out"),
    (("ssl", "certificate", "tls"), "the secure (TLS) connection failed"),
    (("reset", "aborted", "closed", "remote end"), "the server dropped the connection"),
)


def _network_reason(exc: BaseException) -> str:
    """A short sentence for a network failure (no URL, so nothing secret)."""
    text = repr(exc).lower()
    for needles, reason in _REASONS:
        if any(needle in text for needle in needles):
            return reason
    return f"network error ({type(exc).__name__})"


def _etag_header(response: Any) -> str | None:
    value = response.headers.get("ETag") if response.headers is not None else None
    if not value or value.startswith("W/"):  # a weak ETag cannot guard a write
        return None
    return str(value)


def _auth_status(exc: BaseException) -> int | None:
    status = getattr(exc, "status", None)
    try:
        return int(status) if status is not None else None
    except (TypeError, ValueError):
        return None


__all__ = [
    "Collection", "DavConnection", "DavObject", "SyncDelta", "Target", "check_url", "merge_delta",
    "host_of", "is_loopback", "without_userinfo",
]
