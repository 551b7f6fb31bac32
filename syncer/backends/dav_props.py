"""DAV collection properties: the PROPFIND body that describes a calendar collection
and the reading of its answer (multistatus XML) into a ``Collection``.

Shared by the CalDAV adapters (``caldav_common``, whose answers come parsed by caldav)
and the no-change check (``syncer/quick.py``, which parses them with the standard
library): both read a collection's ctag and sync-token the same way. Imports nothing
beyond the standard library.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "cs": "http://calendarserver.org/ns/"}

PROPFIND_COLLECTIONS = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"
            xmlns:cs="http://calendarserver.org/ns/">
  <d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/>
    <cs:getctag/><d:sync-token/></d:prop>
</d:propfind>"""


@dataclass(frozen=True, slots=True)
class Collection:
    """A calendar collection on the server."""

    url: str
    name: str
    components: frozenset[str]  # empty: the server did not say (treat as "any")
    ctag: str | None = None
    sync_token: str | None = None

    def holds(self, component: str) -> bool:
        return not self.components or component in self.components

    @property
    def state(self) -> str | None:
        """The collection's change token: its sync-token (RFC 6578), else its ctag;
        None when the server gives neither."""
        return self.sync_token or self.ctag


def prop_text(prop: Any, path: str) -> str | None:
    node = prop.find(path, NS)
    if node is None:
        return None
    return "".join(node.itertext()).strip() or None


def status_code(text: str | None) -> int:
    try:
        return int((text or "").split()[1])
    except (IndexError, ValueError):
        return 0


def responses(tree: Any) -> list[Any]:
    if tree is None:
        return []
    if tree.tag == "{DAV:}response":
        return [tree]
    return list(tree.iterfind("d:response", NS))


def ok_props(response: Any) -> Any | None:
    """The <prop> of the 200 propstat of a <response>, else None."""
    for propstat in response.iterfind("d:propstat", NS):
        if status_code(prop_text(propstat, "d:status")) == 200:
            return propstat.find("d:prop", NS)
    return None


def calendar_props(response: Any) -> Any | None:
    """The OK props of a response that is a calendar collection; None otherwise."""
    prop = ok_props(response)
    if prop is None or prop.find("d:resourcetype/c:calendar", NS) is None:
        return None
    return prop


def collection(url: str, prop: Any) -> Collection:
    """The calendar collection at ``url`` as ``prop`` (PROPFIND_COLLECTIONS) describes
    it; unnamed ones are called by the last segment of their URL."""
    comps = frozenset(
        c.get("name", "").upper()
        for c in prop.iterfind("c:supported-calendar-component-set/c:comp", NS)
    )
    name = prop_text(prop, "d:displayname") or url.rstrip("/").rsplit("/", 1)[-1]
    return Collection(url, name, comps, prop_text(prop, "cs:getctag"),
                      prop_text(prop, "d:sync-token"))


def collection_in(url: str, tree: Any) -> Collection | None:
    """The calendar collection a depth-0 PROPFIND_COLLECTIONS answer (``tree``, the
    multistatus) describes at ``url``; None when it names none."""
    for item in responses(tree):
        prop = calendar_props(item)
        if prop is not None:
            return collection(url, prop)
    return None
