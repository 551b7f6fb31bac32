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
from importlib import resources
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


# --------------------------------------------------------------------------- public holidays


def zone_country(zone: str) -> str | None:
    """The ISO country code of IANA ``zone`` from the tz database's ``zone.tab``
    (Europe/Berlin -> DE, America/New_York -> US), or None when the zone has no single
    country (UTC, Etc/GMT+1) or no zone.tab is found. Read from the system's zoneinfo
    directories, else from the ``tzdata`` package; an old alias the table does not list
    (US/Eastern, Europe/Kiev) is followed to the zone its file links to. No network."""
    table = _zone_table()
    if zone in table:
        return table[zone]
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / zone
        if path.is_symlink():
            try:
                target = str(path.resolve().relative_to(Path(folder).resolve()))
            except (OSError, ValueError):
                continue
            return table.get(target)
    return None


@cache
def _zone_table() -> dict[str, str]:
    """zone name -> country code, from the first zone.tab found."""
    for source in [*(Path(folder) / "zone.tab" for folder in zoneinfo.TZPATH), None]:
        try:
            if source is None:  # the tzdata package, when the system has no tz database
                text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(
                    encoding="utf-8")
            else:
                text = source.read_text(encoding="utf-8")
        except (OSError, ImportError, UnicodeDecodeError):
            continue
        table = {}
        for line in text.splitlines():
            parts = line.split("\t")
            if len(parts) >= 3 and not line.startswith("#"):
                table[parts[2]] = parts[0].upper()
        if table:
            return table
    return {}


def holidays_default(zone: str) -> str | None:
    """The country whose public holidays ``init`` offers to keep free for ``zone``:
    the zone's country when the ``holidays`` package knows its holidays, else None."""
    from syncer.core.public_holidays import region_problem

    country = zone_country(zone)
    if country is None or region_problem(country) is not None:
        return None
    return country


@cache
def _country_names() -> dict[str, str]:
    """Country names as people type them (``germany``, ``united states``) -> code."""
    from holidays.registry import COUNTRIES

    names = {}
    for module, (class_name, code, *_) in COUNTRIES.items():
        names[module.replace("_", "")] = code
        names[class_name.lower()] = code
    return names


def parse_holidays(text: str) -> str:
    """A country or country-subdivision code whose public holidays are known (``de``,
    ``DE-BY``, ``US-CA``) -> upper case, or ``none`` -> "none". A country's name gets
    its code as the suggestion."""
    from syncer.core.public_holidays import REGION, region_problem

    word = text.strip()
    if word.lower() == "none":
        return "none"
    if word.lower() == "no" and word != "NO":  # as in the plan: NO is Norway
        raise Retry(f"{word!r}: type none to book public holidays like other days, or NO "
                    "(upper case) for Norway's.", suggestion="none")
    if not REGION.match(word):
        code = _country_names().get(re.sub(r"[\s_.'-]+", "", word.lower()))
        if code is not None:
            raise Retry(f"{word!r} is a country name; its code is {code}. Press Enter to "
                        "take it, or type another.", suggestion=code)
        raise ValueError(f"{word!r} is not a country code; write one such as DE, GB, US, "
                         "or with a region such as DE-BY or US-CA, or none.")
    problem = region_problem(word.upper())
    if problem is not None:
        reason, hint = problem
        raise ValueError(f"{word!r}: {reason}; {hint[0].lower()}{hint[1:]}.")
    return word.upper()


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
