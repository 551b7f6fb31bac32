"""A strict check of the iCalendar goalsync writes (RFC 5545), stricter than the servers
we know: Cyrus refuses an empty property value (403 valid-calendar-data), DAViCal and
Apple's servers refuse a TZID without its VTIMEZONE, and long unfolded lines break
older clients. Written here rather than taken from a library: the rules are few and the
messages should name what is wrong."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9-]+$")
_REQUIRED = {"VCALENDAR": ("VERSION", "PRODID"), "VEVENT": ("UID", "DTSTAMP", "DTSTART"),
             "VTODO": ("UID", "DTSTAMP"), "VTIMEZONE": ("TZID",)}


def problems(body: bytes) -> list[str]:
    """Every rule ``body`` breaks; empty when it is valid."""
    found: list[str] = []
    text = body.decode("utf-8")
    if "\n" in text.replace("\r\n", ""):
        found.append("a line ends without CRLF")
    raw_lines = text.split("\r\n")
    if raw_lines[-1] != "":
        found.append("the body does not end with CRLF")
    found += [f"line longer than 75 octets: {ln[:40]!r}…" for ln in raw_lines
              if len(ln.encode("utf-8")) > 75]
    lines = text.replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]
    stack: list[tuple[str, set[str]]] = []
    zones_defined: set[str] = set()
    zones_used: set[str] = set()
    for line in lines:
        name_part, sep, value = _split(line)
        name = name_part.split(";", 1)[0].upper()
        if not sep or not _NAME.match(name):
            found.append(f"not a content line: {line[:40]!r}")
            continue
        if name == "BEGIN":
            stack.append((value.upper(), set()))
            continue
        if name == "END":
            if not stack or stack[-1][0] != value.upper():
                found.append(f"END:{value} does not close {stack[-1][0] if stack else 'nothing'}")
                continue
            component, seen = stack.pop()
            found += [f"{component} lacks {p}" for p in _REQUIRED.get(component, ())
                      if p not in seen]
            continue
        if not stack:
            found.append(f"property outside any component: {name}")
            continue
        stack[-1][1].add(name)
        if value == "":
            found.append(f"{stack[-1][0]} has an empty {name}")
        tzid = re.search(r";TZID=([^;:]+)", name_part)
        if tzid:
            zones_used.add(tzid.group(1).strip('"'))
        if name == "TZID" and stack[-1][0] == "VTIMEZONE":
            zones_defined.add(value)
    if stack:
        found.append(f"{stack[-1][0]} is never closed")
    found += [f"TZID {z} has no VTIMEZONE" for z in sorted(zones_used - zones_defined)]
    return found


def _split(line: str) -> tuple[str, str, str]:
    """``(name;params, ":", value)``, minding quoted parameter values."""
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], ":", line[i + 1:]
    return line, "", ""


def assert_valid(body: bytes) -> None:
    broken = problems(body)
    assert broken == [], broken
