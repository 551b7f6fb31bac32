"""What people type, read into values: durations and hours as they say them (``6h``,
``6 h``, ``90m``), amounts with units (``70 %``), Eisenhower priorities in words
(``urgent important``), dates absolute or relative (``in 6 months``), yes/no, and time
zones with a did-you-mean.

Every parser returns the value or raises ValueError with a sentence to show the person;
``Retry`` (a ValueError) also carries the ``suggestion`` an interactive prompt can offer
as its next default. Used by ``goalsync init`` (``syncer.commands.init_cmd``).
"""

from __future__ import annotations

import difflib
import os
import re
import zoneinfo
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from syncer.core.durations import parse_duration

PRIORITIES = ("urgent-important", "important", "urgent", "neither")


# --------------------------------------------------------------------------- time zones


def guess_timezone() -> str:
    """The machine's IANA timezone if it can be found, else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    etc_timezone = Path("/etc/timezone")
    if etc_timezone.is_file():
        candidates.append(etc_timezone.read_text(encoding="utf-8").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    for name in candidates:
        if name and is_zone(name):
            return name
    return "UTC"


def is_zone(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones()
                        if "/" in z and not z.startswith(("Etc/", "SystemV/"))))


def zone_suggestion(text: str) -> str | None:
    """The IANA zone the person most likely meant by ``text`` (``berlin``,
    ``europe/berlln``, ``New York``), or None."""
    wanted = re.sub(r"\s+", "_", text.strip()).lower()
    if not wanted:
        return None
    lowered = {z.lower(): z for z in _zones()}
    if wanted in lowered:
        return lowered[wanted]
    cities: dict[str, str] = {}
    for zone in _zones():
        cities.setdefault(zone.rsplit("/", 1)[1].lower(), zone)
    if wanted in cities:
        return cities[wanted]
    for names in (lowered, cities):
        close = difflib.get_close_matches(wanted, list(names), n=1, cutoff=0.75)
        if close:
            return names[close[0]]
    return None


class Retry(ValueError):
    """An answer that is not usable, with the sentence to show and, when there is an
    obvious fix, the ``suggestion`` the next Enter takes."""

    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.suggestion = suggestion




def parse_text(text: str) -> str:
    return " ".join(text.split())


def parse_yes(text: str) -> bool:
    word = text.strip().lower()
    if word in ("y", "yes", "j", "ja", "true", "1"):
        return True
    if word in ("n", "no", "nein", "false", "0"):
        return False
    raise ValueError(f"Please answer yes or no (not {text!r}).")


_HOURS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:h|hr|hrs|hours?)?\s*"
                    r"(?:(?:a|per|/|each)\s*w(?:ee)?k)?$", re.IGNORECASE)


def parse_weekly_hours(text: str) -> float:
    """``6``, ``6h``, ``6 h``, ``6.5 hours``, ``90m``, ``1h30m`` → hours."""
    match = _HOURS.match(text.strip())
    if match:
        hours = float(match[1].replace(",", "."))
    else:
        try:
            hours = parse_duration(text) / 60
        except ValueError:
            raise ValueError(f"{text!r} is not a number of hours; write e.g. 6, 6h, 6.5 h "
                             "or 90m.") from None
    if not 0.5 <= hours <= 168:
        raise ValueError(f"{hours:g} h a week is not possible here; give between 0.5 and "
                         "168 hours.")
    return round(hours, 2)


def parse_minutes(text: str) -> int:
    """A duration more than zero (``30m``, ``2h``, ``2 h``, ``1h30m``, ``1.5h``)."""
    try:
        minutes = parse_duration(text)
    except ValueError as err:
        raise ValueError(f"{err}.") from None
    if minutes <= 0:
        raise ValueError("That is no time at all; give a duration of more than zero, "
                         "e.g. 30m.")
    return minutes


_NUMBER = re.compile(r"^([-+]?\d+(?:[.,]\d+)?)\s*(.*)$")


def parse_amount(text: str) -> tuple[float, str]:
    """``70 %``, ``70%``, ``12 talks``, ``6h``, ``4`` → (number, unit)."""
    match = _NUMBER.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} does not start with a number; write the number with its "
                         "unit, e.g. 70 %, 12 talks or 6h.")
    return float(match[1].replace(",", ".")), match[2].strip()


_WORDS = {"urgent": "u", "important": "i", "both": "ui", "neither": "", "none": "",
          "and": "", "u": "u", "i": "i", "ui": "ui", "iu": "ui"}
_PRIORITY_BY_LETTERS = {"ui": "urgent-important", "i": "important", "u": "urgent",
                        "": "neither"}


# When goal work may be booked: the shipped hour sets (rules/scheduling.toml).
GOAL_HOURS = {
    "goals": "weekday evenings 18:30-21:00, Saturday 9-12 and 14-17, Sunday 10-12",
    "personal": "evenings 18:00-22:00 and weekends 09:00-21:00",
    "work": "inside working hours, Mon-Fri 09:00-17:00 (your employer gives you the time)",
}


def parse_hour_set(text: str) -> str:
    """One of the shipped hour sets, by name (any case)."""
    word = text.strip().lower()
    if word in GOAL_HOURS:
        return word
    raise ValueError(f"{text!r} is not one of the hour sets; answer "
                     + ", ".join(GOAL_HOURS) + ".")


def parse_priority(text: str) -> str:
    """An Eisenhower quadrant: ``urgent important``, ``urgent and important``,
    ``urgent-important``, ``important``, ``neither``, ``p1``..``p4`` or ``1``..``4``."""
    word = text.strip().lower()
    numbered = re.fullmatch(r"p?([1-4])", word)
    if numbered:
        return PRIORITIES[int(numbered[1]) - 1]
    words = [w for w in re.split(r"[\s,+&/_-]+", word) if w]
    if words and all(w in _WORDS for w in words):
        letters = "".join(sorted(set("".join(_WORDS[w] for w in words)), reverse=True))
        return _PRIORITY_BY_LETTERS[letters]
    raise ValueError(f"{text!r} is not a priority; answer urgent important, important, "
                     "urgent or neither (or p1..p4).")


_RELATIVE = re.compile(r"^(?:in\s+|\+)?(\d+)\s*(d|days?|w|wks?|weeks?|m|mo|months?|"
                       r"y|yrs?|years?)$", re.IGNORECASE)


def parse_date(text: str, today: date) -> date:
    """``2027-06-30``, or ``in 6 months`` / ``12 weeks`` / ``+90d`` from ``today``."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    match = _RELATIVE.match(value)
    if not match:
        raise ValueError(f"{text!r} is not a date; write YYYY-MM-DD (e.g. "
                         f"{(today + timedelta(days=90)).isoformat()}) or e.g. in 3 months.")
    count, unit = int(match[1]), match[2][0].lower()
    if unit == "d":
        return today + timedelta(days=count)
    if unit == "w":
        return today + timedelta(weeks=count)
    months = count * (12 if unit == "y" else 1)
    year, month = divmod(today.month - 1 + months, 12)
    day = min(today.day, 28)
    return date(today.year + year, month + 1, day)
