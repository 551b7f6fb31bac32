"""CalendarBackend over CalDAV: goalsync's time blocks as VEVENTs in one calendar.

* The target calendar is found by display name, or created (MKCALENDAR, VEVENT only).
* Owned blocks are the events with a goalsync block UID (see ``syncer.ical``); nothing
  else in the calendar is ever written, moved or deleted.
* Each block lives at ``<calendar>/<uid>.ics``; writes are conditional (If-None-Match: *
  to create, If-Match to replace or delete), so another client's edit is never
  clobbered: the engine gets PreconditionFailed, re-reads and decides.
* Busy time comes from events, not free-busy queries: iCloud and Google refuse those,
  and events let goalsync keep all-day events apart and skip its own blocks. Recurring
  events are expanded on the client (``recurring-ical-events``), which behaves the same
  on every server.
* "Nothing changed" is one request: a depth-0 PROPFIND of the target calendar for its
  sync-token (or ctag); with busy calendars, one depth-1 PROPFIND of the calendar home
  giving the tokens of all of them.
* Discovery (principal, calendar home, the calendar by name: three requests) happens
  once: ``resolved_urls()`` gives the URLs found, and ``known_urls`` given back on the
  next run skips it. A remembered URL that is gone is discovered again.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any

from syncer.backends.base import BlockSpec, CalendarBackend, IncompleteListing, RemoteBlock
from syncer.backends.caldav_common import (
    DEFAULT_TIMEOUT,
    Collection,
    DavAdapter,
    DavObject,
    is_collection_url,
    merge_delta,
    settings_url,
    settings_value,
)
from syncer.core.model import BusyTime
from syncer.errors import ConfigError
from syncer.ical import (
    UID_PREFIX,
    blocks_from_ics,
    busy_from_calendars,
    event_ics,
    parse_ics,
)

DEFAULT_CALENDAR = "Goals"
# An unfolded "UID:goalsync-...@goalsync" line; a folded one is simply parsed.
_OWNED_UID_LINE = re.compile(r"^UID:goalsync-[^\r\n]*@goalsync\r?$", re.MULTILINE)


class CalDAVCalendar(DavAdapter, CalendarBackend):
    """Time blocks on a CalDAV calendar. Connects lazily, on the first call."""

    name = "caldav"
    component = "VEVENT"

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        calendar: str = DEFAULT_CALENDAR,
        busy_calendars: Sequence[str] = (),
        timeout: float = DEFAULT_TIMEOUT,
        *,
        allow_insecure_http: bool = False,
        floating_tz: tzinfo = UTC,
        known_urls: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(url, username, password, calendar, timeout=timeout,
                         allow_insecure_http=allow_insecure_http, known_urls=known_urls)
        self.calendar_name = calendar
        self.busy_names = tuple(busy_calendars)
        self.floating_tz = floating_tz

    # -- reading

    def list_blocks(self, start: datetime, end: datetime) -> list[RemoteBlock]:
        """Every owned block overlapping [start, end): one time-range REPORT. Complete
        or raises IncompleteListing / Unreachable / AuthError."""
        blocks = []
        for obj in self.dav.query(self.target.url, "VEVENT", start, end):
            for block in self._blocks_of(obj):
                self._hrefs[block.uid] = self.dav.object_url(self.target.url, obj.href)
                if block.start < end and block.end > start:
                    blocks.append(block)
        return sorted(blocks, key=lambda b: (b.start, b.uid))

    def _blocks_of(self, obj: DavObject) -> list[RemoteBlock]:
        if UID_PREFIX not in obj.data:  # someone else's event: no need to parse it
            return []
        try:
            return blocks_from_ics(obj.data, obj.etag, self.floating_tz)
        except ValueError:
            if obj.href.rsplit("/", 1)[-1].startswith("goalsync-"):
                raise IncompleteListing(
                    f"goalsync's event {obj.href} on {self.dav.host} is not valid iCalendar",
                    hint="delete that event in your calendar app; goalsync will place "
                    "the block again",
                ) from None
            return []  # someone else's broken event: not ours, not busy time we can read

    def busy(self, start: datetime, end: datetime) -> BusyTime:
        """Busy time in [start, end): events on the busy calendars plus every event in
        the target calendar that goalsync does not own, recurring ones expanded.
        Transparent and cancelled events are free. Raises ConfigError for a busy
        calendar that does not exist."""
        return self._busy_in(self._busy_collections(), start, end)

    def busy_elsewhere(self, start: datetime, end: datetime) -> BusyTime:
        """Busy time in [start, end) on the busy calendars alone: for a dry run whose
        target calendar does not exist yet (reading it would create it). Raises
        ConfigError for a busy calendar that does not exist."""
        if not self.busy_names:
            return BusyTime()
        available = self.dav.collections()
        chosen: dict[str, Collection] = {}
        for name in self.busy_names:
            match = self._named_busy_collection(available, name)
            chosen.setdefault(match.url, match)
        return self._busy_in(list(chosen.values()), start, end)

    def _busy_in(self, collections: Sequence[Collection], start: datetime,
                 end: datetime) -> BusyTime:
        calendars = []
        for collection in collections:
            for obj in self.dav.query(collection.url, "VEVENT", start, end):
                if _OWNED_UID_LINE.search(obj.data):
                    continue  # goalsync's own block is never busy time: skip the parse
                try:
                    calendars.append(parse_ics(obj.data))
                except ValueError:
                    continue  # unreadable foreign event: skipped, not a crash
        return busy_from_calendars(calendars, start, end, floating_tz=self.floating_tz)

    def _busy_collections(self) -> list[Collection]:
        if not self.busy_names:
            return [self.target]
        chosen = {self.target.url: self.target}  # found or created before listing
        available = self.dav.collections()
        for name in self.busy_names:
            match = self._named_busy_collection(available, name)
            chosen.setdefault(match.url, match)
        return list(chosen.values())

    def _named_busy_collection(self, available: list[Collection], name: str) -> Collection:
        match = self._busy_collection(available, name)
        if match is None:
            names = ", ".join(sorted(c.name for c in available if c.holds("VEVENT")))
            raise ConfigError(
                f"the busy calendar {name!r} does not exist on {self.dav.host}",
                hint=f"fix [caldav] busy_calendars; calendars there: {names or 'none'}",
            )
        return match

    def _busy_collection(self, available: list[Collection], name: str) -> Collection | None:
        if is_collection_url(name):
            found = self.dav.collection_at(name)
            return found if found is not None and found.holds("VEVENT") else None
        return _by_name(available, name)

    def changes_since(self, token: str | None) -> tuple[bool, str | None]:
        """``(changed, new_token)`` from the sync-tokens / ctags of the target and busy
        calendars. Once the URLs are known: one depth-0 PROPFIND of the target, or with
        busy calendars one depth-1 PROPFIND of the calendar home (plus one per calendar
        without either token, or given by URL outside the calendar home)."""
        if not self.busy_names:
            return self._target_changes(token)
        available = self.dav.collections()
        listed = self._locator.in_listing(available)
        if listed is None:  # gone, or not made yet: find (or create) it anew
            self._locator.forget()
            listed = self.target
            available = self.dav.collections()
        target = listed
        by_url = {c.url: c for c in available}
        urls = [target.url] + [c.url for n in self.busy_names
                               if (c := self._busy_collection(available, n)) is not None]
        parts = []
        for url in dict.fromkeys(urls):
            found = by_url.get(url)
            parts.append((found.state if found else None) or self.dav.collection_state(url))
        now = "|".join(parts)
        return token != now, now

    def blocks_since(
        self, token: str | None, listing: Sequence[RemoteBlock], start: datetime,
        end: datetime,
    ) -> tuple[str, list[RemoteBlock]] | None:
        """``(token, blocks)`` as they are now, for a ``listing`` of [start, end) read
        at or after ``token`` (from ``changes_since`` in this run) plus what changed in
        the target calendar since: one sync-collection REPORT instead of a PROPFIND and
        a full listing. The busy calendars' part of the token is kept (goalsync does not
        write there). None when the server cannot say exactly; then use changes_since +
        list_blocks."""
        if token is None:
            return None
        target_part, _, busy_parts = token.partition("|")
        delta = self._locator.delta(target_part)
        if delta is None:
            return None
        target_url = self.target.url

        def parse(obj: DavObject) -> list[RemoteBlock]:
            blocks = [b for b in self._blocks_of(obj) if b.start < end and b.end > start]
            for block in blocks:
                self._hrefs[block.uid] = self.dav.object_url(target_url, obj.href)
            return blocks

        blocks = merge_delta(listing, delta, lambda b: self._path_of_uid(b.uid),
                             lambda b: b.uid, parse)
        if blocks is None:
            return None
        new_token = delta.sync_token + (f"|{busy_parts}" if busy_parts else "")
        return new_token, sorted(blocks, key=lambda b: (b.start, b.uid))

    # -- writing

    def create(self, spec: BlockSpec) -> str:
        """PUT with If-None-Match: *; returns the ETag. Raises PreconditionFailed if the
        UID exists already."""
        url = self._url(spec.uid)
        etag = self.dav.put(url, event_ics(spec), create=True)
        self._hrefs[spec.uid] = url
        return etag

    def update(self, spec: BlockSpec, etag: str | None) -> str:
        """PUT with If-Match: etag (``*`` when None); returns the new ETag. Raises
        PreconditionFailed (changed meanwhile), NotFound."""
        return self.dav.put(self._url(spec.uid), event_ics(spec), etag=etag)

    def delete(self, uid: str, etag: str | None) -> None:
        """DELETE with If-Match: etag. Raises PreconditionFailed, NotFound."""
        self.dav.delete(self._url(uid), etag)
        self._forget_deleted(uid)


def _by_name(collections: list[Collection], name: str) -> Collection | None:
    for collection in collections:
        if collection.name == name and collection.holds("VEVENT"):
            return collection
    for collection in collections:
        if collection.name.casefold() == name.casefold() and collection.holds("VEVENT"):
            return collection
    return None


def from_settings(settings: Mapping[str, Any], password: str | None) -> CalDAVCalendar:
    """Build the adapter from the ``[caldav]`` config section (keys: url, username,
    calendar, busy_calendars, allow_insecure_http, timeout). Raises ConfigError."""
    return CalDAVCalendar(
        url=settings_url(settings),
        username=settings_value(settings, "username"),
        password=password,
        calendar=str(settings_value(settings, "calendar", DEFAULT_CALENDAR)),
        busy_calendars=tuple(settings_value(settings, "busy_calendars", ())),
        timeout=float(settings_value(settings, "timeout", DEFAULT_TIMEOUT)),
        allow_insecure_http=bool(settings_value(settings, "allow_insecure_http", False)),
    )
